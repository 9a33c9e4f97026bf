using Pipeline.Tests.Support;

namespace Pipeline.Tests.Host.Cli;

/// <summary>The certificate workflow of the README, run through the real command line.</summary>
[Trait("Category", "Process")]
public sealed class CertsCommandSpecs : IDisposable
{
    private readonly TempDirectory _temp = new();

    private string Dir => _temp.Combine("certs");

    [Fact]
    public async Task Should_run_the_readme_workflow_init_issue_list_export_revoke()
    {
        var init = await PipelineCli.RunAsync("certs", "init", "--dir", Dir, "--server-ip", "127.0.0.1", "--server-ip", "10.1.2.3",
            "--server-dns", "pipeline-pi.local", "--key", "ecdsa-p256");
        Assert.True(init.ExitCode == 0, init.Stderr);

        var issue = await PipelineCli.RunAsync("certs", "issue", "esp32-01", "--dir", Dir);
        Assert.True(issue.ExitCode == 0, issue.Stderr);
        Assert.Contains("role device", issue.Stdout, StringComparison.Ordinal);

        var export = await PipelineCli.RunAsync("certs", "export-esp32", "esp32-01", "--dir", Dir);
        Assert.Equal(0, export.ExitCode);
        Assert.Contains("PIPELINE_DEVICE_KEY", export.Stdout, StringComparison.Ordinal);

        var revoke = await PipelineCli.RunAsync("certs", "revoke", "esp32-01", "--dir", Dir);
        Assert.Equal(0, revoke.ExitCode);

        var list = await PipelineCli.RunAsync("certs", "list", "--dir", Dir);
        Assert.Equal(0, list.ExitCode);
        var row = list.Stdout.Split('\n').Single(l => l.StartsWith("esp32-01 ", StringComparison.Ordinal));
        Assert.Contains("REVOKED", row, StringComparison.Ordinal);
        Assert.Contains(list.Stdout.Split('\n'), l => l.StartsWith("node ", StringComparison.Ordinal) && l.EndsWith("ok", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Should_warn_about_a_certificate_that_expires_within_30_days()
    {
        await PipelineCli.RunAsync("certs", "init", "--dir", Dir, "--server-ip", "127.0.0.1");
        await PipelineCli.RunAsync("certs", "issue", "esp32-short", "--dir", Dir, "--days", "7");

        var list = await PipelineCli.RunAsync("certs", "list", "--dir", Dir);

        Assert.Contains("WARNING: expires in", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("1 certificate(s) expire within 30 days", list.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_refuse_an_existing_ca_a_bad_name_and_a_bad_validity_with_one_clear_line()
    {
        await PipelineCli.RunAsync("certs", "init", "--dir", Dir, "--server-ip", "127.0.0.1");

        var again = await PipelineCli.RunAsync("certs", "init", "--dir", Dir, "--server-ip", "127.0.0.1");
        var badName = await PipelineCli.RunAsync("certs", "issue", "plant/esp32", "--dir", Dir);
        var badDays = await PipelineCli.RunAsync("certs", "issue", "esp32-01", "--dir", Dir, "--days", "0");

        Assert.Equal((1, "error: --days is 0; it must be between 1 and 3650"), (badDays.ExitCode, badDays.Stderr.Trim())); // was two lines, the second "Actual value was 0."
        Assert.Equal(1, again.ExitCode);
        Assert.StartsWith("error: A CA already exists", again.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, badName.ExitCode);
        Assert.Contains("contains '/' (the MQTT topic separator)", badName.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();
}
