using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using Pipeline.Actors.Inference;
using Pipeline.Streams.Ingesting;

namespace Pipeline.Host.Observing;

/// <summary>Health checks and Prometheus metrics for a node (<c>Pipeline:Http</c>); nothing listens unless it is set.</summary>
public static class ObservingExtensions
{
    /// <summary>The runtime's own meter (.NET 9+): GC, memory, CPU time, thread pool, exceptions.</summary>
    private const string RuntimeMeter = "System.Runtime";

    public static IServiceCollection AddPipelineObserving(this IServiceCollection services, IConfiguration configuration, string section)
    {
        services.AddSingleton<NodeGauges>();
        services.AddHealthChecks()
            .AddCheck<BrokerSessionCheck>("broker", tags: [NodeEndpoints.ReadyTag])
            .AddCheck<StoreWritableCheck>("store", tags: [NodeEndpoints.ReadyTag])
            .AddCheck<IngestMovingCheck>("ingest", tags: [NodeEndpoints.ReadyTag])
            .AddCheck<ModelLoadedCheck>("model", tags: [NodeEndpoints.ReadyTag])
            .AddCheck<CertificateExpiryCheck>("certificates", tags: [NodeEndpoints.ReadyTag]);
        services.AddHostedService<NodeEndpoints>();

        // The exporter's listener is made when the meter provider is; an invalid setting is reported by the settings
        // check at start, so here it only decides whether there is one.
        if (configuration.GetSection(section).Get<HttpOptions>()?.Prefix is { } prefix)
        {
            var endpoint = new Uri(prefix);
            services.AddOpenTelemetry().WithMetrics(metrics => metrics
                .AddMeter(IngestMetrics.MeterName, InferenceActor.MeterName, NodeGauges.MeterName, RuntimeMeter)
                .AddView(Stream)
                .AddPrometheusHttpListener(listener =>
                {
                    listener.Host = endpoint.Host;
                    listener.Port = endpoint.Port;
                    listener.ScrapeEndpointPath = "/metrics";
                }));
        }

        return services;
    }

    /// <summary>
    /// One view for every instrument (an instrument two views match is exported twice). It keeps each metric to
    /// <see cref="MostSeries"/> series: OpenTelemetry's default of 2,000 takes 144 KB per metric from the start, 5 MB for
    /// the node's 35, where the widest of ours has a dozen (rejects by reason, alarms by type and severity;
    /// bench/README.md, #17). Past the limit OpenTelemetry sums the rest into one series marked as overflow.
    /// </summary>
    private static MetricStreamConfiguration Stream(Instrument instrument) => new()
    {
        // Prometheus keeps "_count" for histograms and summaries (promtool flags these three runtime gauges).
        Name = instrument.Name switch
        {
            "dotnet.assembly.count" => "dotnet.assemblies.loaded",
            "dotnet.process.cpu.count" => "dotnet.process.cpus",
            "dotnet.timer.count" => "dotnet.timers.active",
            _ => null,
        },
        CardinalityLimit = MostSeries,
    };

    private const int MostSeries = 100;
}
