using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Pipeline.Actors.Inference;
using Pipeline.Models.Security;
using Pipeline.Streams.Connecting;
using Pipeline.Streams.Ingesting;
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

/// <summary>
/// The store takes writes: none of <see cref="PipelineStore.NoWrites"/> (a full or failing disk, a damaged, locked or moved
/// file, an unreachable server). Degraded — it works, someone must act — while a reader keeps
/// SQLite's write-ahead log from being copied into the file, which then grows until the disk is full.
/// </summary>
public sealed class StoreWritableCheck(PipelineStore store) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(
            store.NoWrites is { } stalled
                ? HealthCheckResult.Unhealthy($"{stalled.Why} since {stalled.Since:u}{(store.Unreachable is { } unreachable ? $" ({unreachable.Reason})" : null)}; nothing is stored or acknowledged (the node's log says what to do)")
            : store.LogHeldSince is { } held ? HealthCheckResult.Degraded($"{store.Description}: a reader has kept the write-ahead log from being copied into the file since {held:u}; it grows until that reader ends (an open sqlite3 transaction, a backup, an export)")
            : HealthCheckResult.Healthy(store.Description));
}

/// <summary>
/// The ingest stream moves: with messages in flight it has acknowledged one within <see cref="StallAfter"/>, or the
/// store or the broker session says why not (their checks report it). A stream stuck for another reason — in 2026-12 an
/// acknowledgement MQTTnet never completed, after which a node stored nothing more for good (IncomingMessage) — was
/// "Healthy" with thousands of messages in flight; a broker that does not read the node's acknowledgements for that long
/// looks the same from here.
/// </summary>
public sealed class IngestMovingCheck(IngestMetrics metrics, PipelineStore store, NodeMqttLink link) : IHealthCheck
{
    /// <summary>Past the longest pauses measured under a 10,000-device burst (21 s, the broker's) and the sensors' ask timeout (30 s).</summary>
    public static readonly TimeSpan StallAfter = TimeSpan.FromSeconds(60);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Stuck(metrics.InFlight, metrics.SinceAcknowledged, NodeHearingWatch.WhyDeaf(link, store)) is { } stuck
            ? HealthCheckResult.Unhealthy(stuck)
            : HealthCheckResult.Healthy($"{metrics.InFlight} in flight"));

    /// <summary>Why the stream is stuck, or null: <paramref name="whyDeaf"/> is the store's or the broker's reason, theirs to report.</summary>
    internal static string? Stuck(long inFlight, TimeSpan sinceAcknowledged, string? whyDeaf) =>
        inFlight > 0 && sinceAcknowledged > StallAfter && whyDeaf is null
            ? $"{inFlight} messages in flight and none acknowledged for {sinceAcknowledged.TotalSeconds:0} s with the store and the broker session up: the ingest stream is stuck, or the broker does not read the node's acknowledgements; restarting the node has the broker deliver them again"
            : null;
}

/// <summary>A model is loaded and scores.</summary>
public sealed class ModelLoadedCheck(ModelCatalog models) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(models.Active is { } active
            ? HealthCheckResult.Healthy(active.Version)
            : HealthCheckResult.Unhealthy("no model loaded"));
}

/// <summary>
/// The certificates in the PKI folder, as of the daily look (<see cref="CertificateExpiryWatch"/>). Unhealthy once the
/// node's own chain has expired (the CA, the broker's server certificate, the node's identity): it cannot connect.
/// Degraded while any certificate expires within 30 days or a device's has expired — it works, someone must renew —
/// so still ready.
/// </summary>
public sealed class CertificateExpiryCheck(CertificateExpiryWatch watch, IOptions<MqttOptions> mqtt) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var expiring = watch.Expiring;
        if (expiring.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy("none expires within 30 days"));
        }

        string[] own = ["ca", "server", mqtt.Value.Identity];
        var names = string.Join(", ", expiring.Select(c => $"{FileName(c)} ({(c.Expired ? "expired" : $"{c.DaysLeft} days left")})"));
        return Task.FromResult(expiring.Any(c => c.Expired && own.Contains(FileName(c), StringComparer.Ordinal))
            ? HealthCheckResult.Unhealthy($"the node's own certificates have expired: {names}; renew with 'pipeline certs renew NAME'")
            : HealthCheckResult.Degraded($"to renew: {names}; with 'pipeline certs renew NAME'"));
    }

    private static string FileName(CertificateSummary certificate) => Path.GetFileNameWithoutExtension(certificate.File);
}
