using System.Diagnostics;
using System.Net;
using Microsoft.Data.Sqlite;
using Pipeline.Models.Security;
using Pipeline.Tests.Support;
using Xunit.Abstractions;

namespace Pipeline.Tests.Host;

/// <summary>
/// The Raspberry Pi bundle: <c>dotnet publish -r linux-arm64</c> (self-contained) run under qemu-user starts, takes
/// readings from a device over mTLS and scores them — with the portable backend, since no libtorch exists for arm64.
/// test.sh installs qemu-user-static and the arm64 C libraries it needs.
/// </summary>
[Trait("Category", "Process")]
public sealed class ArmBundleSpecs(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly TempDirectory _temp = new("pipeline-arm64");

    [Fact]
    public async Task Should_start_and_score_readings_as_linux_arm64_under_emulation()
    {
        var bundle = _temp.Combine("bundle");
        using (var publish = Process.Start(new ProcessStartInfo("dotnet",
                   ["publish", Path.Combine(Repository.Root, "src", "Pipeline.Host"), "-c", "Release", "-r", "linux-arm64", "--self-contained", "true", "-o", bundle])
               { RedirectStandardOutput = true, RedirectStandardError = true })!)
        {
            var log = publish.StandardOutput.ReadToEndAsync();
            await publish.WaitForExitAsync(new CancellationTokenSource(Patience).Token);
            Assert.True(publish.ExitCode == 0, await log);
        }

        // The Pi runs with the collector budget the benchmarks measured the node with (build/NodeMemory.props).
        Assert.Contains("\"System.GC.Gen0MaxBudget\": 16777216", File.ReadAllText(Path.Combine(bundle, "pipeline.runtimeconfig.json")), StringComparison.Ordinal);
        var size = new DirectoryInfo(bundle).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        var certs = _temp.Combine("certs");
        using (var ca = CertificateAuthority.Init(certs, new PkiInitOptions { ServerIps = [IPAddress.Loopback], Key = KeyAlgorithm.EcdsaP256 }))
        {
            ca.Issue(TestPki.Device1, IdentityRole.Device).Dispose();
        }

        var port = FreePort.Next();
        var db = _temp.Combine("node.db");
        await using var node = NodeProcess.Start("qemu-aarch64-static", [Path.Combine(bundle, "pipeline"), "run", "--certs", certs, "--store", db],
            new Dictionary<string, string> { ["Pipeline__EmbeddedBroker__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture), ["Pipeline__EmbeddedBroker__BindAddress"] = "127.0.0.1" });
        await node.WaitForOutputAsync("Connected to", Patience);
        Assert.False(node.HasExited, node.Output);

        await new TelemetryPublisher(new Pipeline.Streams.Connecting.BrokerEndpoint("127.0.0.1", port), certs, TestPki.Device1).PublishAsync(1, 100, default);

        long Verdicts()
        {
            using var connection = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
            connection.Open();
            return (long)new SqliteCommand("SELECT count(*) FROM verdicts", connection).ExecuteScalar()!;
        }

        await Eventually.HoldsAsync(() => Verdicts() >= 41, Patience, () => node.Output);
        Assert.Contains("on the portable backend", node.Output, StringComparison.Ordinal);
        // TorchSharp is not even probed on arm64: nothing may have copied x64 natives into the bundle at run time.
        Assert.DoesNotContain(new DirectoryInfo(bundle).EnumerateFiles("*", SearchOption.AllDirectories), f => f.Name.StartsWith("libtorch", StringComparison.Ordinal));
        var peak = File.ReadAllLines($"/proc/{node.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM", StringComparison.Ordinal));
        output.WriteLine($"linux-arm64 self-contained bundle: {size / 1048576.0:F1} MiB; under qemu-user: {peak}; {Verdicts()} verdicts");
    }

    public void Dispose() => _temp.Dispose();
}
