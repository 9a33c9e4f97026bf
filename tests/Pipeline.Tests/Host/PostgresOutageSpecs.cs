using System.Globalization;
using System.Text.Json;
using Pipeline.Models.Security;
using Pipeline.Tests.Support;
using Xunit.Abstractions;

namespace Pipeline.Tests.Host;

/// <summary>
/// The PostgreSQL server a node stores into stops while a device streams (an upgrade, a restart, a crash) and comes
/// back. The node waits for it as for a full disk: nothing more is stored or acknowledged (the broker keeps it), it
/// says so once, <c>/health/ready</c> names the store — not the broker — and once the server is back every reading is
/// stored once and every window judged once, without restarting the stream.
/// </summary>
[Trait("Category", "Process")]
public sealed class PostgresOutageSpecs(ITestOutputHelper output) : IDisposable
{
    private const int Readings = 1500;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private readonly TestPki _pki = new(KeyAlgorithm.EcdsaP256);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Should_wait_for_a_server_that_stopped_name_the_store_and_lose_nothing()
    {
        using var postgres = new PostgresCluster();
        var database = postgres.CreateDatabase();
        await using var mosquitto = await MosquittoProcess.StartAsync(_pki.CertsDirectory, _pki.Scratch("mosquitto"));
        var http = $"127.0.0.1:{FreePort.Next()}";
        await using var node = NodeProcess.Start(["--broker", mosquitto.Endpoint.ToString(), "--certs", _pki.CertsDirectory, "--store", postgres.Uri(database), "--http", http]);
        await node.WaitForOutputAsync("Connected to", Patience);
        long Count(string sql) => Convert.ToInt64(postgres.Scalar(database, sql), CultureInfo.InvariantCulture);
        var start = DateTimeOffset.UtcNow.AddSeconds(-Readings - 60);
        Task Publish(long from, long to) => new TelemetryPublisher(mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Device1)
            .PublishAsync(from, to, default, seq => Telemetry.Payload(seq, start.AddSeconds(seq), 120 + (seq % 7)));

        await Publish(1, Readings / 2);
        await Eventually.HoldsAsync(() => Count("SELECT count(*) FROM readings") == Readings / 2, Patience, () => node.Output);
        postgres.Stop();
        await Publish((Readings / 2) + 1, Readings); // with the broker now, waiting for the node
        await node.WaitForOutputAsync("cannot take writes", Patience);
        string? body = null;
        await Eventually.HoldsAsync(async () => await _http.StatusAsync($"http://{http}/health/ready", b => body = b) == 503, Patience, () => node.Output);
        output.WriteLine($"While the server is down: 503\n{body}");

        postgres.Start();
        await Eventually.HoldsAsync(() => Count("SELECT count(*) FROM verdicts") == Readings - 59, Patience, () => node.Output);

        using (var ready = JsonDocument.Parse(body!))
        {
            Assert.Equal(["store"], ready.RootElement.GetProperty("failing").EnumerateArray().Select(e => e.GetString()));
            Assert.Contains("cannot take writes since", ready.RootElement.GetProperty("checks").GetProperty("store").GetProperty("description").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(Readings, Count("SELECT count(DISTINCT seq) FROM readings"));
        Assert.Equal(Readings, Count("SELECT count(*) FROM readings"));
        Assert.Equal(Readings - 59, Count("SELECT count(DISTINCT last_seq) FROM verdicts"));
        Assert.Equal(1, node.Output.Split('\n').Count(l => l.Contains("cannot take writes (", StringComparison.Ordinal))); // said once, not per retry
        Assert.Contains("takes writes again", node.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("The ingest stream failed", node.Output, StringComparison.Ordinal); // before: five restarts, the broker session dropped each time
        await Eventually.HoldsAsync(async () => await _http.StatusAsync($"http://{http}/health/ready") == 200, Patience, () => node.Output);
        Assert.Equal(0, await node.StopAsync(Patience));
    }

    public void Dispose()
    {
        _http.Dispose();
        _pki.Dispose();
    }
}
