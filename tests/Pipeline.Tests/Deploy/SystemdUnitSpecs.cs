using Pipeline.Tests.Support;

namespace Pipeline.Tests.Deploy;

/// <summary>
/// The shipped unit (deploy/systemd/pipeline.service) as systemd reads it: <c>systemd-analyze verify</c> reports an
/// unknown key or a value it cannot parse (and then ignores it — a hardening line with a typo would silently do
/// nothing). Only the binary is swapped for one that exists here.
/// </summary>
public sealed class SystemdUnitSpecs : IDisposable
{
    private readonly TempDirectory _temp = new();

    private static readonly string Unit = File.ReadAllText(Path.Combine(Repository.Root, "deploy", "systemd", "pipeline.service"));

    private (int ExitCode, string Output) Verify(string unit)
    {
        var path = _temp.Combine("pipeline.service");
        File.WriteAllText(path, unit.Replace("ExecStart=/opt/pipeline/pipeline", "ExecStart=/bin/true", StringComparison.Ordinal));
        return CommandLine.Run("systemd-analyze", "verify", path);
    }

    [Fact]
    public void Should_be_read_by_systemd_without_a_warning()
    {
        var (exitCode, output) = Verify(Unit);

        Assert.True(exitCode == 0 && output.Length == 0, output);
    }

    [Fact]
    public void Should_harden_the_service_as_documented()
    {
        foreach (var line in new[] { "User=pipeline", "NoNewPrivileges=true", "ProtectSystem=strict", "StateDirectory=pipeline", "Restart=on-failure", "KillSignal=SIGTERM" })
        {
            Assert.Contains(line, Unit.Split('\n').Select(l => l.Trim()));
        }
    }

    [Fact]
    public void Should_catch_a_misspelt_hardening_line() // the check above can fail
    {
        var (_, output) = Verify(Unit.Replace("ProtectSystem=strict", "ProtectSystm=strict", StringComparison.Ordinal));

        Assert.Contains("Unknown key 'ProtectSystm'", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_point_its_documentation_at_a_file_the_installed_bundle_has()
    {
        // #20: Documentation=file:///opt/pipeline/README.md named a file the bundle lacked. install.sh copies the
        // published folder to /opt/pipeline; the build output here is that folder's content.
        var documentation = Unit.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("Documentation=file:///opt/pipeline/", StringComparison.Ordinal));

        var file = documentation["Documentation=file:///opt/pipeline/".Length..];

        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, file)), $"{file} is not in the bundle");
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "docs", "models.md")));
    }

    public void Dispose() => _temp.Dispose();
}
