using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Streams;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Actors.Sensors;
using Pipeline.Models.Telemetry;
using Pipeline.Streams.Connecting;
using Pipeline.Streams.Publishing;
using Pipeline.Streams.Storing;
using Pipeline.Streams.Subscribing;

namespace Pipeline.Streams.Ingesting;

/// <summary>
/// Runs the ingest graph for the life of the host: MQTT -> decode -> store -> sensor actors (windows scored, judged,
/// alarms journalled) -> verdicts stored -> ack. When the graph
/// fails (a sensor that does not answer in time, a store error) the failure is logged, the session is closed and the
/// graph restarts with backoff: the broker delivers everything unacknowledged again, and the store keeps it once.
/// Stopping drains: intake closes, every message already in the graph is finished and acknowledged.
/// </summary>
public sealed class IngestService(
    ActorSystem system,
    IRequiredActor<SensorRegion> sensors,
    IOptions<MqttOptions> mqttOptions,
    IOptions<StoreOptions> storeOptions,
    IOptions<IngestOptions> ingestOptions,
    BrokerEndpoint broker,
    PipelineStore store,
    TelemetryCodec codec,
    IngestMetrics metrics,
    NodeMqttLink link,
    MqttScorePublisher scores,
    ILogger<IngestService> logger) : IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxRestartDelay = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _aborting = new();
    private MqttTelemetrySource? _source;
    private Task? _run;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _run = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_run is not null)
        {
            await _run.ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_source is not null)
        {
            await _source.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
        _aborting.Dispose();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var options = ingestOptions.Value;
        var delay = options.RestartDelay;
        var region = await sensors.GetAsync(stopping).ConfigureAwait(false);
        using var fleet = new ShardedSensorFleet(system, region, options.AskTimeout);
        while (!stopping.IsCancellationRequested)
        {
            _source = new MqttTelemetrySource(mqttOptions.Value, broker, logger);
            link.Attach(_source);
            var completion = IngestGraph.Create(_source.Source, codec, store.Readings, store.Verdicts, storeOptions.Value, metrics, logger,
                    fleet, options.Parallelism, scores, sensorsStoreVerdicts: !string.IsNullOrEmpty(mqttOptions.Value.SharedGroup),
                    mqttOptions.Value.MaxInFlight, _aborting.Token)
                .Run(system.Materializer());
            _source.Start();
            logger.LogInformation("Ingest running: {Broker} -> decode -> {Store} -> sensors -> verdicts -> ack", broker, store.Description);
            if (storeOptions.Value.CommitInterval > TimeSpan.Zero)
            {
                // Acknowledgements wait for the commit, and the broker sends no more than MaxInFlight unacknowledged:
                // a fleet faster than this makes the broker queue, and Mosquitto drops what overflows its queue.
                logger.LogInformation(
                    "The store commits every {Interval}: with {MaxInFlight} messages in flight the node takes at most about {Rate:0} readings/s; keep the fleet below half of that (Pipeline:Mqtt:MaxInFlight)",
                    storeOptions.Value.CommitInterval, mqttOptions.Value.MaxInFlight, mqttOptions.Value.MaxInFlight / storeOptions.Value.CommitInterval.TotalSeconds);
            }

            await Task.WhenAny(completion, Task.Delay(Timeout.Infinite, stopping)).ConfigureAwait(false);
            if (stopping.IsCancellationRequested)
            {
                await DrainAsync(_source, completion).ConfigureAwait(false);
                return;
            }

            logger.LogError(completion.Exception?.GetBaseException(),
                "The ingest stream failed; restarting in {Delay} ({InFlight} unacknowledged messages will be delivered again)",
                delay, metrics.InFlight);
            await _source.DisposeAsync().ConfigureAwait(false);
            try
            {
                await Task.Delay(delay, stopping).ConfigureAwait(false);
                await RewindSensorsAsync(region, options.AskTimeout, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRestartDelay.Ticks));
        }
    }

    /// <summary>
    /// The unacknowledged readings come again, and the sensors that already took them would reject them as out of
    /// order, their verdicts lost: every sensor actor on this node starts over from the store, as after a node restart.
    /// (Sensors living on other cluster nodes are not reached.)
    /// </summary>
    private async Task RewindSensorsAsync(IActorRef region, TimeSpan timeout, CancellationToken stopping)
    {
        try
        {
            var state = await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, timeout, stopping).ConfigureAwait(false);
            var sensors = state.Shards.SelectMany(shard => shard.EntityIds).ToList();
            await Task.WhenAll(sensors.Select(id => region.Ask<Rewound>(new Rewind(id), timeout, stopping))).ConfigureAwait(false);
            logger.LogInformation("Rewound {Sensors} sensor actors: they refill from the store and take the redelivered readings again", sensors.Count);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not rewind the sensor actors; readings they already took will be rejected as out of order when delivered again");
        }
    }

    private async Task DrainAsync(MqttTelemetrySource source, Task completion)
    {
        using (var leaving = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await source.LeaveGroupAsync(leaving.Token).ConfigureAwait(false);
        }

        source.CompleteIntake();
        if (store.NoWrites?.Why is { } why)
        {
            // Nothing can drain into a store that takes no writes: waiting would only hold the stop (a restart to mend
            // it, as the store's line asks) back by the drain timeout. The aborted stream drops the write it waits for.
            logger.LogWarning("Not draining: {Why}; {InFlight} unacknowledged messages stay with the broker and will be delivered again", why, metrics.InFlight);
            await _aborting.CancelAsync().ConfigureAwait(false);
            await source.DisposeAsync().ConfigureAwait(false);
            return;
        }

        try
        {
            // The actor system may stop before or while the stream drains: the cluster removed this node (the split-brain
            // resolver downed it after it was unreachable). Its sensors live on other nodes then and its stream stops with
            // the system, so there is nothing to drain into; waiting would only hold the node's restart back by the
            // drain timeout.
            if (await Task.WhenAny(completion, system.WhenTerminated).WaitAsync(DrainTimeout).ConfigureAwait(false) != completion)
            {
                logger.LogWarning("The actor system has stopped (this node was removed from the cluster); {InFlight} unacknowledged messages are not drained and will be delivered again when the node is back",
                    metrics.InFlight);
                await _aborting.CancelAsync().ConfigureAwait(false);
                await source.DisposeAsync().ConfigureAwait(false);
                return;
            }

            await completion.ConfigureAwait(false);
            logger.LogInformation("Ingest drained: {Stored} readings stored, {Duplicates} duplicates, {Rejected} rejected, {Acked} acknowledged",
                metrics.Stored, metrics.Duplicates, metrics.Rejected, metrics.Acknowledged);
        }
        catch (TimeoutException)
        {
            logger.LogWarning("Ingest did not drain in time; {InFlight} unacknowledged messages will be delivered again", metrics.InFlight);
            await _aborting.CancelAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogError(e, "The ingest stream failed while draining; unacknowledged messages will be delivered again");
        }

        await source.DisposeAsync().ConfigureAwait(false);
    }
}
