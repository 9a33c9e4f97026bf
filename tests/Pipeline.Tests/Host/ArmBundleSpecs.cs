using System.Globalization;
using System.Net;
using Microsoft.Data.Sqlite;
using Pipeline.Host.Training;
using Pipeline.Models.Data;
using Pipeline.Models.Detection;
using Pipeline.Models.Evaluation;
using Pipeline.Models.Security;
using Pipeline.Tests.Support;
using Xunit.Abstractions;

namespace Pipeline.Tests.Host;

/// <summary>
/// The Raspberry Pi bundle: <c>dotnet publish -r linux-arm64</c> (self-contained) run under qemu-user starts, takes
/// readings from a device over mTLS and scores them — with the portable backend, since no libtorch exists for arm64 —
/// and scores as TorchSharp does on x64: its vectors are half as wide there (NEON), so the batched pass takes other
/// blocks and remainders than it does here. test.sh installs qemu-user-static and the arm64 C libraries it needs.
/// </summary>
[Trait("Category", "Process")]
public sealed class ArmBundleSpecs(ArmBundleSpecs.PublishedBundle published, ITestOutputHelper output) : IClassFixture<ArmBundleSpecs.PublishedBundle>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    // qemu-user translates code once and runs its translation until it sees a write to the page: the runtime writes new
    // code through a second mapping (W^X), which qemu does not see, so it ran stale code — compiled regular
    // expressions in Akka's configuration threw NullReferenceException at start on an AMD EPYC host (2026-12-01;
    // dotnet/runtime#94909). On a Pi nothing emulates, and the bundle keeps W^X.
    private static readonly string[] Qemu = ["-E", "DOTNET_EnableWriteXorExecute=0"];
    private readonly TempDirectory _temp = new("pipeline-arm64");

    [Fact]
    public async Task Should_start_and_score_readings_as_linux_arm64_under_emulation()
    {
        var bundle = await published.DirectoryAsync();

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
        await using var node = NodeProcess.Start("qemu-aarch64-static", [.. Qemu, Path.Combine(bundle, "pipeline"), "run", "--certs", certs, "--store", db],
            new Dictionary<string, string> { ["Pipeline__EmbeddedBroker__Port"] = port.ToString(CultureInfo.InvariantCulture), ["Pipeline__EmbeddedBroker__BindAddress"] = "127.0.0.1" });
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

    [Fact]
    public async Task Should_score_every_window_as_torchsharp_does_on_x64_and_flag_the_same_rows()
    {
        var bundle = await published.DirectoryAsync();
        var model = Path.Combine(Repository.Root, "models", "default");
        var file = _temp.Combine("leak.csv");
        var simulate = await PipelineCli.RunAsync("simulate", "--devices", "1", "--duration", "400s", "--csv", file, "--seed", "3", "--fault", "leak:esp32-01@250s+150s");
        Assert.True(simulate.ExitCode == 0, simulate.Stderr + simulate.Stdout);
        var predictions = _temp.Combine("arm64.csv");

        var evaluate = await CommandLine.RunAsync("qemu-aarch64-static", [.. Qemu, Path.Combine(bundle, "pipeline"), "evaluate", "--model", model, "--data", file, "--predictions", predictions]);

        Assert.True(evaluate.ExitCode == 0, evaluate.Output);
        var arm64 = File.ReadLines(predictions).Skip(1).Select(l => l.Split(','))
            .ToDictionary(f => int.Parse(f[1], CultureInfo.InvariantCulture), f => (Score: double.Parse(f[2], CultureInfo.InvariantCulture), Flag: f[3] == "1"));
        var x64 = new StreamingEvaluator(ModelBundle.Load(model), EvaluationProtocol.Plain, scorer: b => new TorchSharpDetector(b))
            .Evaluate("leak.csv", SignalCsv.ReadFile(file)).ToDictionary(p => p.Row);
        Assert.Equal(x64.Keys.Order(), arm64.Keys.Order());

        // 1e-3, not the network's 1e-4 (DetectorEquivalenceSpecs): a row's score is its window's deviation, a residual over
        // its calibrated spread, squared, which widens the network's own difference (1.3e-4 at most measured here).
        Assert.All(x64, p => Assert.True(
            Math.Abs(p.Value.Score - arm64[p.Key].Score) <= 1e-3 * Math.Max(1, Math.Abs(p.Value.Score)),
            $"row {p.Key}: TorchSharp on x64 {p.Value.Score}, the portable pass on arm64 {arm64[p.Key].Score}"));
        Assert.Equal(x64.Select(p => (p.Key, p.Value.Flag)).Order(), arm64.Select(p => (p.Key, p.Value.Flag)).Order());
        Assert.Contains(arm64, p => p.Value.Flag); // the leak is flagged: the comparison is not of quiet windows only
        output.WriteLine($"{x64.Count} windows, {arm64.Count(p => p.Value.Flag)} flagged; largest difference in score " +
            $"{x64.Max(p => Math.Abs(p.Value.Score - arm64[p.Key].Score) / Math.Max(1, Math.Abs(p.Value.Score))):E1}");
    }

    public void Dispose() => _temp.Dispose();

    /// <summary>The self-contained linux-arm64 bundle, published once for the specs of this class.</summary>
    public sealed class PublishedBundle : IDisposable
    {
        private readonly TempDirectory _temp = new("pipeline-arm64-bundle");
        private readonly Lazy<Task<string>> _directory;

        public PublishedBundle() => _directory = new(PublishAsync);

        public Task<string> DirectoryAsync() => _directory.Value;

        public void Dispose() => _temp.Dispose();

        private async Task<string> PublishAsync()
        {
            var bundle = _temp.Combine("bundle");
            var publish = await CommandLine.RunAsync("dotnet",
                ["publish", Path.Combine(Repository.Root, "src", "Pipeline.Host"), "-c", "Release", "-r", "linux-arm64", "--self-contained", "true", "-o", bundle]);
            Assert.True(publish.ExitCode == 0, publish.Output);
            return bundle;
        }
    }
}
