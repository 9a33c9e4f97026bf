using Microsoft.Extensions.Configuration;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Pipeline.Tests.Host.Hosting;

/// <summary>The node's log levels as its <c>appsettings.json</c> sets them: one line per change of state, not per request.</summary>
public sealed class NodeLoggingSpecs
{
    [Fact]
    public void Should_not_log_each_readiness_probe_that_finds_the_node_not_ready()
    {
        // Every GET /health/ready while the broker was away logged "Health check broker with status Unhealthy ..." at
        // ERR: a probe every few seconds flooded the log with what the node had already said once (found 2026-12-02).
        var events = new List<LogEvent>();
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build();
        using var logger = new LoggerConfiguration().ReadFrom.Configuration(configuration).WriteTo.Sink(new ListSink(events)).CreateLogger();

        logger.ForContext(Constants.SourceContextPropertyName, "Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService")
            .Error("Health check {HealthCheckName} with status {HealthStatus} completed", "broker", "Unhealthy");
        logger.ForContext(Constants.SourceContextPropertyName, "Pipeline.Streams.Ingesting.IngestService")
            .Warning("Lost the connection to {Broker}", "127.0.0.1:8883");

        Assert.Equal(["Lost the connection to \"127.0.0.1:8883\""], events.Select(e => e.RenderMessage()));
    }

    private sealed class ListSink(List<LogEvent> events) : ILogEventSink
    {
        public void Emit(LogEvent logEvent) => events.Add(logEvent);
    }
}
