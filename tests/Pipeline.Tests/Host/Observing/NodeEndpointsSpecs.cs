using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pipeline.Models.Security;
using Pipeline.Tests.Support;
using Xunit.Abstractions;

namespace Pipeline.Tests.Host.Observing;

/// <summary>
/// #18: the node's health and metrics as the tools that read them see them — a real Prometheus scrapes <c>/metrics</c>,
/// promtool checks the exposition, and <c>/health/ready</c> follows the broker going away and coming back.
/// </summary>
[Trait("Category", "Process")]
public sealed class NodeEndpointsSpecs(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private const int Readings = 300;

    private readonly TestPki _pki = new(KeyAlgorithm.EcdsaP256);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Should_be_scraped_by_prometheus_pass_promtool_and_be_ready_only_while_the_broker_is_there()
    {
        await using var mosquitto = await RestartableBroker.StartAsync(_pki.CertsDirectory, _pki.Scratch("mosquitto"));
        var http = $"127.0.0.1:{FreePort.Next()}";
        var db = _pki.Scratch("node.db");
        await using var node = NodeProcess.Start(["--broker", mosquitto.Endpoint.ToString(), "--certs", _pki.CertsDirectory, "--store", db, "--http", http]);
        await node.WaitForOutputAsync("Connected to", Patience);
        await Eventually.HoldsAsync(async () => await _http.StatusAsync($"http://{http}/health/ready") == 200, Patience, () => node.Output);
        Assert.Equal(200, await _http.StatusAsync($"http://{http}/health/live"));

        var start = DateTimeOffset.UtcNow.AddSeconds(-Readings - 60);
        await new TelemetryPublisher(mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Device1)
            .PublishAsync(1, Readings, default, seq => Telemetry.Payload(seq, start.AddSeconds(seq), 120 + (seq % 7)));
        await Eventually.HoldsAsync(() => NodeDatabase.Scalar(db, "SELECT count(*) FROM readings") == Readings, Patience, () => node.Output);

        // A real Prometheus scrapes the node and answers a query with what it stored.
        await using (var prometheus = await PrometheusProcess.StartAsync(_pki.Scratch("prometheus"), http))
        {
            double? stored = null;
            await Eventually.HoldsAsync(async () => (stored = await prometheus.QueryAsync("pipeline_readings_stored_total")) == Readings, Patience,
                () => $"Prometheus answered {stored?.ToString(CultureInfo.InvariantCulture) ?? "nothing"}\n{prometheus.Log}");
            output.WriteLine($"Prometheus: pipeline_readings_stored_total = {stored}");
        }

        var exposition = await _http.GetStringAsync($"http://{http}/metrics");
        var (lint, lintOutput) = await RunAsync("promtool", ["check", "metrics"], exposition);
        Assert.True(lint == 0, lintOutput);
        Assert.Contains("pipeline_verdicts_total{", exposition, StringComparison.Ordinal);
        Assert.Contains("pipeline_ingest_stored_delay_seconds_bucket{", exposition, StringComparison.Ordinal);
        Assert.Contains("pipeline_mqtt_connected{", exposition, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^pipeline_disk_written_bytes_total\{[^}]*\} [1-9]", exposition); // the store has written
        Assert.Matches(@"(?m)^pipeline_store_size_bytes\{[^}]*\} [1-9]", exposition);
        Assert.Matches(@"(?m)^pipeline_store_disk_free_bytes\{[^}]*\} [1-9]", exposition);
        Assert.Contains("dotnet_process_cpu_time_seconds_total{", exposition, StringComparison.Ordinal);
        Assert.Contains("dotnet_assemblies_loaded{", exposition, StringComparison.Ordinal); // renamed by the node's view

        // The broker goes away: not ready, and the answer names the broker; back: ready again.
        await mosquitto.StopAsync();
        string? body = null;
        await Eventually.HoldsAsync(async () => await _http.StatusAsync($"http://{http}/health/ready", b => body = b) == 503, Patience, () => node.Output);
        using (var failing = JsonDocument.Parse(body!))
        {
            Assert.Equal(["broker"], failing.RootElement.GetProperty("failing").EnumerateArray().Select(e => e.GetString()));
        }

        output.WriteLine($"Broker stopped: 503\n{body}");
        await mosquitto.StartAgainAsync();
        await Eventually.HoldsAsync(async () => await _http.StatusAsync($"http://{http}/health/ready") == 200, Patience, () => node.Output);
        Assert.Equal(0, await node.StopAsync(TimeSpan.FromSeconds(60)));
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, string[] arguments, string input)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    public void Dispose()
    {
        _http.Dispose();
        _pki.Dispose();
    }
}
