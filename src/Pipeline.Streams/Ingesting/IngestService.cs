using Akka.Actor;
using Akka.Streams;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Models.Telemetry;
using Pipeline.Streams.Connecting;
using Pipeline.Streams.Storing;
using Pipeline.Streams.Subscribing;

namespace Pipeline.Streams.Ingesting;

/// <summary>
/// Runs the ingest graph for the life of the host. A failure of the graph stops the host with exit code 1
/// (systemd restarts it; nothing unacknowledged is lost). Stopping drains: intake closes, every message already in
/// the graph is stored and acknowledged, then the session is closed.
/// </summary>
public sealed class IngestService(
    ActorSystem system,
    IOptions<MqttOptions> mqttOptions,
    IOptions<StoreOptions> storeOptions,
    BrokerEndpoint broker,
    SqliteStore store,
    TelemetryCodec codec,
    IngestMetrics metrics,
    IHostApplicationLifetime lifetime,
    ILogger<IngestService> logger) : IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _aborting = new();
    private MqttTelemetrySource? _source;
    private Task? _completion;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _source = new MqttTelemetrySource(mqttOptions.Value, broker, logger);
        _completion = IngestGraph.Create(_source.Source, codec, store, storeOptions.Value, metrics, logger, _aborting.Token)
            .Run(system.Materializer());
        _completion.ContinueWith(
            failed =>
            {
                logger.LogCritical(failed.Exception?.GetBaseException(),
                    "The ingest stream failed; stopping the node (unacknowledged messages stay with the broker)");
                Environment.ExitCode = 1;
                lifetime.StopApplication();
            },
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted,
            TaskScheduler.Default);
        _source.Start();
        logger.LogInformation("Ingest running: {Broker} -> decode -> {Store} (batches of {BatchSize} or {FlushMs} ms) -> ack",
            broker, store.Path, storeOptions.Value.BatchSize, storeOptions.Value.FlushInterval.TotalMilliseconds);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_source is null || _completion is null)
        {
            return;
        }

        _source.CompleteIntake();
        try
        {
            await _completion.WaitAsync(DrainTimeout, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Ingest drained: {Stored} readings stored, {Duplicates} duplicates, {Rejected} rejected, {Acked} acknowledged",
                metrics.Stored, metrics.Duplicates, metrics.Rejected, metrics.Acknowledged);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            logger.LogWarning("Ingest did not drain in time; {InFlight} unacknowledged messages will be delivered again", metrics.InFlight);
            await _aborting.CancelAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Already reported by the failure continuation.
        }

        await _source.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_source is not null)
        {
            await _source.DisposeAsync().ConfigureAwait(false);
        }

        _aborting.Dispose();
    }
}
