using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Pipeline.Host.Observing;

/// <summary>
/// The node's HTTP endpoints (<see cref="HttpOptions"/>): <c>/health/live</c> (200 while the process runs),
/// <c>/health/ready</c> (200 when the broker session is up, the store writable, a model loaded and no certificate
/// expired; 503 with each failing check named; a certificate expiring within 30 days shows as degraded, still 200) and <c>/metrics</c> (Prometheus text: every <see cref="System.Diagnostics.Metrics"/> instrument of the
/// node — its meters are named <c>Pipeline.*</c> — and the runtime's, through OpenTelemetry's Prometheus exporter, see
/// <see cref="ObservingExtensions"/>). Both on the runtime's own HTTP listener, one port: no web framework in the Pi bundle.
/// </summary>
public sealed class NodeEndpoints(IOptions<HttpOptions> options, HealthCheckService health, NodeGauges gauges, ILogger<NodeEndpoints> logger) : BackgroundService
{
    public const string ReadyTag = "ready";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private readonly HttpListener _listener = new();

    /// <summary>Listens before anything else starts: a port in use stops the node with one line (<c>Pipeline:Http:Urls</c>).</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Prefix is { } prefix)
        {
            _listener.Prefixes.Add(prefix + "health/");
            _listener.Start();
            logger.LogInformation("Health on {Prefix}health/live and {Prefix}health/ready, Prometheus metrics on {Prefix}metrics", prefix, prefix, prefix);
        }

        return base.StartAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _listener.Close();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_listener.IsListening)
        {
            return;
        }

        GC.KeepAlive(gauges); // its gauges are observed for as long as the node runs
        using var stopping = stoppingToken.Register(_listener.Stop);
        while (!stoppingToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                break; // stopped
            }

            _ = AnswerAsync(context, stoppingToken);
        }
    }

    private async Task AnswerAsync(HttpListenerContext context, CancellationToken cancellation)
    {
        using var response = context.Response;
        try
        {
            var (status, body) = context.Request.Url?.AbsolutePath.TrimEnd('/') switch
            {
                "/health/live" => (200, new { status = "Healthy" }),
                "/health/ready" => await ReadyAsync(cancellation).ConfigureAwait(false),
                _ => (404, (object)new { status = "NotFound", paths = new[] { "/health/live", "/health/ready", "/metrics" } }),
            };
            response.StatusCode = status;
            response.ContentType = "application/json";
            await JsonSerializer.SerializeAsync(response.OutputStream, body, Json, cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or OperationCanceledException)
        {
            logger.LogDebug(e, "A health request ended early");
        }
    }

    private async Task<(int Status, object Body)> ReadyAsync(CancellationToken cancellation)
    {
        var report = await health.CheckHealthAsync(c => c.Tags.Contains(ReadyTag), cancellation).ConfigureAwait(false);
        var checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description });
        // As ASP.NET Core maps them: degraded (a certificate to renew soon) is still ready.
        return (report.Status == HealthStatus.Unhealthy ? 503 : 200, new
        {
            status = report.Status.ToString(),
            failing = report.Entries.Where(e => e.Value.Status == HealthStatus.Unhealthy).Select(e => e.Key).ToArray(),
            degraded = report.Entries.Where(e => e.Value.Status == HealthStatus.Degraded).Select(e => e.Key).ToArray(),
            checks,
        });
    }
}
