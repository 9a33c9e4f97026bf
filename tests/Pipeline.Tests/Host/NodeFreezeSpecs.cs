using System.Globalization;
using Pipeline.Models.Security;
using Pipeline.Tests.Support;
using Xunit.Abstractions;

namespace Pipeline.Tests.Host;

/// <summary>
/// Two nodes share the fleet (one PostgreSQL store, a real Mosquitto); the younger one freezes (SIGSTOP: a VM paused,
/// a swap storm) until the cluster removes it, then wakes. It finds its actor system stopped and exits at once for
/// systemd to start it again — not after waiting the drain timeout for a stream that stopped with the system — and once
/// it is back every reading is stored once and every window judged once.
/// </summary>
[Trait("Category", "Process")]
public sealed class NodeFreezeSpecs(ITestOutputHelper output) : IDisposable
{
    private const int PerDevice = 600;
    private const string Younger = "node2";
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);
    private static readonly string[] Devices = [TestPki.Device1, TestPki.Device2];

    private readonly TestPki _pki = new(KeyAlgorithm.EcdsaP256);

    [Fact]
    public async Task Should_exit_at_once_when_removed_from_the_cluster_and_lose_nothing_once_back()
    {
        using (var ca = CertificateAuthority.Open(_pki.CertsDirectory))
        {
            ca.Issue(Younger, IdentityRole.Node).Dispose();
        }

        using var postgres = new PostgresCluster();
        var database = postgres.CreateDatabase();
        await using var mosquitto = await MosquittoProcess.StartAsync(_pki.CertsDirectory, _pki.Scratch("mosquitto"));
        // Of two halves the split-brain resolver keeps the one with the lowest address: the frozen node must be the other.
        var ports = new[] { FreePort.Next(), FreePort.Next() }.Order().ToArray();
        // The frozen node's share waits in its session until it is back (docs/sensors.md, "A node that dies").
        NodeProcess Start(string identity, int port) => SharedGroupNode.Start(mosquitto, _pki.CertsDirectory, postgres.Uri(database), identity, port, ports[0], TimeSpan.FromMinutes(1), 4096);
        long Count(string sql) => Convert.ToInt64(postgres.Scalar(database, sql), CultureInfo.InvariantCulture);
        var start = DateTimeOffset.UtcNow.AddSeconds(-PerDevice - 60);
        Task Publish(long from, long to) => Task.WhenAll(Devices.Select(device => new TelemetryPublisher(mosquitto.Endpoint, _pki.CertsDirectory, device)
            .PublishAsync(from, to, default, seq => Telemetry.Payload(seq, start.AddSeconds(seq), 120 + (seq % 7)))));

        await using var older = Start(PkiFolder.NodeIdentity, ports[0]);
        var younger = Start(Younger, ports[1]);
        var frozenLog = string.Empty;
        try
        {
            await older.WaitForOutputAsync("sharing the fleet in group 'fleet'", Patience);
            await younger.WaitForOutputAsync("[Start -> Younger]", Patience);
            string Logs() => $"readings {Count("SELECT count(*) FROM readings")}, verdicts {Count("SELECT count(*) FROM verdicts")}\n"
                + older.Output + "\n---\n" + frozenLog + "\n---\n" + younger.Output;
            await Publish(1, PerDevice / 2);
            await Eventually.HoldsAsync(() => Count("SELECT count(*) FROM verdicts") == Devices.Length * ((PerDevice / 2) - 59), Patience, Logs);

            Signal("STOP", younger);
            await Publish((PerDevice / 2) + 1, PerDevice); // a share of it goes to the frozen node's session
            await older.WaitForOutputAsync("SBR took decision", Patience); // the cluster removes the frozen node
            Signal("CONT", younger);
            var exitCode = await younger.WaitForExitAsync(Patience);
            frozenLog = younger.Output;
            await younger.DisposeAsync();
            output.WriteLine($"the frozen node exited with {exitCode}; its log:\n{frozenLog}");

            younger = Start(Younger, ports[1]); // as systemd does (Restart=on-failure)
            await Eventually.HoldsAsync(() => Count("SELECT count(*) FROM verdicts") == Devices.Length * (PerDevice - 59), Patience, Logs);

            Assert.NotEqual(0, exitCode); // for systemd to start it again
            Assert.DoesNotContain("did not drain in time", frozenLog, StringComparison.Ordinal); // before: 30 s more before it exited
            Assert.Equal(Devices.Length * PerDevice, Count("SELECT count(*) FROM readings"));
            Assert.Equal(Devices.Length * (PerDevice - 59), Count("SELECT count(DISTINCT (sensor_id, last_seq)) FROM verdicts"));
        }
        finally
        {
            await younger.DisposeAsync();
        }
    }

    private static void Signal(string signal, NodeProcess node)
    {
        var sent = CommandLine.Run("kill", $"-{signal}", node.Id.ToString(CultureInfo.InvariantCulture));
        Assert.True(sent.ExitCode == 0, sent.Output);
    }

    public void Dispose() => _pki.Dispose();
}
