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
                // Prometheus keeps "_count" for histograms and summaries (promtool flags these three runtime gauges).
                .AddView("dotnet.assembly.count", new MetricStreamConfiguration { Name = "dotnet.assemblies.loaded" })
                .AddView("dotnet.process.cpu.count", new MetricStreamConfiguration { Name = "dotnet.process.cpus" })
                .AddView("dotnet.timer.count", new MetricStreamConfiguration { Name = "dotnet.timers.active" })
                .AddPrometheusHttpListener(listener =>
                {
                    listener.Host = endpoint.Host;
                    listener.Port = endpoint.Port;
                    listener.ScrapeEndpointPath = "/metrics";
                }));
        }

        return services;
    }
}
