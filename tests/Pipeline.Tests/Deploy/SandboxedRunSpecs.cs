using Pipeline.Models.Security;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Deploy;

/// <summary>
/// <c>pipeline run</c> inside the sandbox that deploy/systemd/pipeline.service asks systemd for, rebuilt with a mount
/// namespace (this machine has no systemd to start the unit): every file system read-only (ProtectSystem=strict) but
/// the state directory at /var/lib/pipeline (StateDirectory, ReadWritePaths), an empty private /tmp (PrivateTmp), empty
/// /root and /home (ProtectHome), its own unprivileged user with no new privileges (User, NoNewPrivileges), the state
/// directory as working and home directory. The node must connect, store and score, and stop cleanly on SIGTERM —
/// so nothing it does at run time writes outside its state directory.
/// </summary>
[Trait("Category", "Process")]
public sealed class SandboxedRunSpecs : IAsyncLifetime, IDisposable
{
    private const int Nobody = 65534;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly TestPki _pki = new(KeyAlgorithm.EcdsaP256);
    private readonly TempDirectory _state = new("pipeline-state");
    private MosquittoProcess _mosquitto = null!;

    public async Task InitializeAsync() => _mosquitto = await MosquittoProcess.StartAsync(_pki.CertsDirectory, _pki.Scratch("mosquitto"));

    /// <summary>
    /// $1: the state directory; $2: the application folder (mounted at /opt/pipeline, as install.sh puts it); $3: the
    /// .NET installation running these specs (mounted at /opt/dotnet: wherever it lives here, even under /root, the
    /// sandbox must not hide it).
    /// </summary>
    private const string Sandbox = """
        set -e
        state="$1"; app="$2"; dotnet="$3"; shift 3
        mount --make-rprivate /
        mount -t tmpfs -o mode=0755 tmpfs /var/lib
        mkdir /var/lib/pipeline
        mount --bind "$state" /var/lib/pipeline
        mkdir -p /opt
        mount -t tmpfs -o mode=0755 tmpfs /opt
        mkdir /opt/pipeline
        mount --bind "$app" /opt/pipeline
        mkdir /opt/dotnet
        mount --bind "$dotnet" /opt/dotnet
        for m in $(awk '{print $2}' /proc/self/mounts | grep -v -E '^/(proc|sys|dev)(/|$)' | grep -v -x /var/lib/pipeline); do
          mount -o remount,bind,ro "$m"
        done
        mount -t tmpfs tmpfs /tmp
        mount -t tmpfs tmpfs /root
        mount -t tmpfs tmpfs /home
        cd /var/lib/pipeline
        exec setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs \
          env -i PATH=/opt/dotnet:/usr/bin:/bin DOTNET_ROOT=/opt/dotnet HOME=/var/lib/pipeline DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_gcServer=0 "$@"
        """;

    [Fact]
    public void Should_let_its_user_write_its_state_directory_and_nothing_else()
    {
        Run("chown", "-R", $"{Nobody}:{Nobody}", _state.Path);

        var state = Sandboxed("sh", "-c", "touch /var/lib/pipeline/probe && id -u && pwd");
        var beside = Sandboxed("touch", "/opt/pipeline/probe");
        var tmp = Sandboxed("ls", "-A", "/tmp");

        Assert.Equal((0, $"{Nobody}\n/var/lib/pipeline\n"), state);
        Assert.Equal(1, beside.ExitCode);
        Assert.Contains("Read-only file system", beside.Output, StringComparison.Ordinal);
        Assert.Equal((0, string.Empty), tmp);
        Assert.True(File.Exists(Path.Combine(_state.Path, "probe")));
    }

    [Fact]
    public async Task Should_store_and_score_as_its_own_user_writing_only_its_state_directory_and_stop_on_sigterm()
    {
        CopyDirectory(_pki.CertsDirectory, Path.Combine(_state.Path, "certs"));
        Run("chown", "-R", $"{Nobody}:{Nobody}", _state.Path);

        await using var node = NodeProcess.Start("unshare", [
            "--mount", "sh", "-c", Sandbox, "sandbox", _state.Path, AppContext.BaseDirectory, DotnetInstall.Root,
            "/opt/dotnet/dotnet", "/opt/pipeline/pipeline.dll", "run",
            "--broker", _mosquitto.Endpoint.ToString(), "--certs", "/var/lib/pipeline/certs", "--store", "/var/lib/pipeline/pipeline.db",
        ], null);
        await node.WaitForOutputAsync("Connected to", Patience);

        await new TelemetryPublisher(_mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Device1).PublishAsync(1, 100, default);
        var database = Path.Combine(_state.Path, "pipeline.db");
        await Eventually.HoldsAsync(() => File.Exists(database) && NodeDatabase.Scalar(database, "SELECT count(*) FROM verdicts") == 100 - 59, Patience, () => node.Output);
        var exitCode = await node.StopAsync(TimeSpan.FromSeconds(45));

        Assert.True(exitCode == 0, node.Output);
        Assert.Equal(100, NodeDatabase.Scalar(database, "SELECT count(*) FROM readings"));
        Assert.Equal(Nobody, OwnerOf(database));
        Assert.DoesNotContain("Read-only file system", node.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Permission denied", node.Output, StringComparison.Ordinal);
    }

    private (int ExitCode, string Output) Sandboxed(params string[] command) =>
        CommandLine.Run("unshare", ["--mount", "sh", "-c", Sandbox, "sandbox", _state.Path, AppContext.BaseDirectory, DotnetInstall.Root, .. command]);

    private static int OwnerOf(string path) => int.Parse(Run("stat", "-c", "%u", path).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    private static string Run(string program, params string[] arguments)
    {
        var (exitCode, output) = CommandLine.Run(program, arguments);
        Assert.True(exitCode == 0, $"{program} {string.Join(' ', arguments)}: {output}");
        return output;
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    public async Task DisposeAsync() => await _mosquitto.DisposeAsync();

    public void Dispose()
    {
        _state.Dispose();
        _pki.Dispose();
    }
}
