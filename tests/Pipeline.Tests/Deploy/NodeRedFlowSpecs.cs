using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.Models.Security;
using Pipeline.Models.Topics;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Deploy;

/// <summary>
/// The shipped Node-RED flow (deploy/node-red/flow.json) in a real Node-RED 4 (installed by test.sh into .tools/)
/// against a real Mosquitto: it connects with the SCADA identity over mTLS, shows the retained alarms, and sends an
/// acknowledgement the node receives.
/// </summary>
[Trait("Category", "Process")]
public sealed class NodeRedFlowSpecs : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TestPki _pki = new(KeyAlgorithm.EcdsaP256);
    private readonly HttpClient _http = new();
    private MosquittoProcess _mosquitto = null!;

    public async Task InitializeAsync() => _mosquitto = await MosquittoProcess.StartAsync(_pki.CertsDirectory, _pki.Scratch("mosquitto"));

    [Fact]
    public async Task Should_show_retained_alarms_and_send_acknowledgements_over_mtls()
    {
        var port = FreePort.Next();
        await using var nodeRed = ShippedFlow.Start(_pki, _mosquitto.Endpoint, port);
        await nodeRed.WaitForOutputAsync("Connected to broker", Patience);

        await using var node = await MqttTestClient.ConnectAsync(_mosquitto.Endpoint, _pki.CertsDirectory, PkiFolder.NodeIdentity);
        await node.SubscribeAsync("pipeline/commands/#");
        await node.Client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(TopicContract.Alarm(TestPki.Device1, "anomaly"))
            .WithPayload("""{"id":"esp32-01/anomaly","sensor":"esp32-01","type":"anomaly","state":"active-unacknowledged","causeHint":"hint: pressure down and flow up — possible leak"}""")
            .WithRetainFlag().WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        var shown = string.Empty;
        await Eventually.HoldsAsync(
            () => (shown = _http.GetStringAsync($"http://127.0.0.1:{port}/pipeline/alarms").GetAwaiter().GetResult()).Contains("esp32-01/anomaly", StringComparison.Ordinal),
            Patience,
            () => shown + "\n" + nodeRed.Output);
        Assert.Contains("possible leak", JsonDocument.Parse(shown).RootElement.GetProperty("alarms")[0].GetProperty("causeHint").GetString(), StringComparison.Ordinal);

        var ack = await _http.PostAsync(new Uri($"http://127.0.0.1:{port}/pipeline/ack?alarm=esp32-01/anomaly"), null);
        var command = await node.NextAsync(TimeSpan.FromSeconds(20));

        Assert.True(ack.IsSuccessStatusCode, await ack.Content.ReadAsStringAsync());
        Assert.NotNull(command);
        Assert.Equal("pipeline/commands/ack", command.Topic);
        Assert.Equal("""{"alarm":"esp32-01/anomaly","by":"nodered"}""", command.ConvertPayloadToString());

        // Closed: the node empties the retained state, and the flow drops the alarm.
        await node.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(TopicContract.Alarm(TestPki.Device1, "anomaly"))
            .WithPayload(Array.Empty<byte>()).WithRetainFlag().WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await Eventually.HoldsAsync(
            () => JsonDocument.Parse(_http.GetStringAsync($"http://127.0.0.1:{port}/pipeline/alarms").GetAwaiter().GetResult()).RootElement.GetProperty("alarms").GetArrayLength() == 0,
            Patience,
            () => nodeRed.Output);
    }

    public async Task DisposeAsync() => await _mosquitto.DisposeAsync();

    public void Dispose()
    {
        _http.Dispose();
        _pki.Dispose();
    }
}
