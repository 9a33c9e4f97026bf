using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipeline.Actors.Inference;
using Pipeline.Streams.Publishing;
using Pipeline.Streams.Storing;

namespace Pipeline.Host.Observing;

/// <summary>The broker session is up: the node receives readings and can publish alarms.</summary>
public sealed class BrokerSessionCheck(NodeMqttLink link) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(link.Current is { IsConnected: true }
            ? HealthCheckResult.Healthy("connected")
            : HealthCheckResult.Unhealthy(link.Current is null ? "not started" : "not connected to the broker; reconnecting"));
}

/// <summary>The store takes writes: not waiting for disk space.</summary>
public sealed class StoreWritableCheck(PipelineStore store) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(store.FullSince is { } since
            ? HealthCheckResult.Unhealthy($"{store.Description}: the disk is full since {since:u}; nothing is stored or acknowledged")
            : HealthCheckResult.Healthy(store.Description));
}

/// <summary>A model is loaded and scores.</summary>
public sealed class ModelLoadedCheck(ModelCatalog models) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(models.Active is { } active
            ? HealthCheckResult.Healthy(active.Version)
            : HealthCheckResult.Unhealthy("no model loaded"));
}
