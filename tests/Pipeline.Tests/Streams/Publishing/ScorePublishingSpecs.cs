using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.Models.Security;
using Pipeline.Models.Topics;
using Pipeline.Tests.Support;
using Xunit.Abstractions;

namespace Pipeline.Tests.Streams.Publishing;

/// <summary>
/// #18: the node publishes each sensor's score against its threshold for the dashboard — QoS 0, not retained, thinned
/// per sensor by <c>Pipeline:Scores:Every</c> — and a SCADA identity reads them through a real Mosquitto.
/// </summary>
[Trait("Category", "Process")]
public sealed class ScorePublishingSpecs(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private const int Readings = 300;

    private readonly TestPki _pki = new(KeyAlgorithm.EcdsaP256);

    [Fact]
    public async Task Should_publish_thinned_score_points_that_scada_reads_live()
    {
        await using var mosquitto = await MosquittoProcess.StartAsync(_pki.CertsDirectory, _pki.Scratch("mosquitto"));
        var db = _pki.Scratch("node.db");
        await using var node = NodeProcess.Start(["--broker", mosquitto.Endpoint.ToString(), "--certs", _pki.CertsDirectory, "--store", db],
            new Dictionary<string, string> { ["Pipeline__Scores__Every"] = "00:00:10" });
        await node.WaitForOutputAsync("Connected to", Patience);
        await using var scada = await MqttTestClient.ConnectAsync(mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Scada);
        await scada.SubscribeAsync("pipeline/scores/#");

        // Readings one second apart by their timestamps, sent at full speed: 241 windows, a point every 10 s of them.
        var start = DateTimeOffset.UtcNow.AddSeconds(-Readings - 60);
        await new TelemetryPublisher(mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Device1)
            .PublishAsync(1, Readings, default, seq => Telemetry.Payload(seq, start.AddSeconds(seq), 120 + (seq % 7)));
        await Eventually.HoldsAsync(() => NodeDatabase.Scalar(db, "SELECT count(*) FROM verdicts") == Readings - 59, Patience, () => node.Output);

        var points = new List<MqttApplicationMessage>();
        while (await scada.NextAsync(TimeSpan.FromSeconds(2)) is { } message)
        {
            points.Add(message);
        }

        output.WriteLine($"{points.Count} score points for {Readings - 59} verdicts; the first: {points.FirstOrDefault()?.ConvertPayloadToString()}");
        // The first, then one per 10 s of the sensor's time, plus one for each change of state (anomalous, learning).
        Assert.InRange(points.Count, 24, 40);
        Assert.All(points, p => Assert.Equal((TopicContract.Scores(TestPki.Device1), MqttQualityOfServiceLevel.AtMostOnce, false), (p.Topic, p.QualityOfServiceLevel, p.Retain)));
        using var first = JsonDocument.Parse(points[0].ConvertPayloadToString());
        var point = first.RootElement;
        Assert.Equal(TestPki.Device1, point.GetProperty("sensor").GetString());
        Assert.Equal(60, point.GetProperty("seq").GetInt64());
        Assert.True(point.GetProperty("learning").GetBoolean()); // its first 400 readings
        Assert.True(point.GetProperty("threshold").GetDouble() > 0);
        Assert.Equal(["flow", "temperature", "pressure", "current"], point.GetProperty("signals").EnumerateObject().Select(s => s.Name));
    }

    public void Dispose() => _pki.Dispose();
}
