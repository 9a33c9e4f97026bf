using Akka.Actor;
using Akka.Streams;
using Pipeline.Models.Telemetry;
using Pipeline.Streams.Connecting;
using Pipeline.Streams.Ingesting;
using Pipeline.Streams.Storing;
using Pipeline.Streams.Subscribing;

namespace Pipeline.Tests.Support;

/// <summary>The ingest graph in this process, against a real broker and a real SQLite file.</summary>
public sealed class IngestHarness : IAsyncDisposable
{
    private readonly ActorSystem _system;
    private readonly MqttTelemetrySource _source;

    private IngestHarness(ActorSystem system, MqttTelemetrySource source, PipelineStore store, Task completion, TestLogger logger, IngestMetrics metrics)
    {
        _system = system;
        _source = source;
        Store = store;
        Completion = completion;
        Logger = logger;
        Metrics = metrics;
    }

    public PipelineStore Store { get; }

    public Task Completion { get; }

    public TestLogger Logger { get; }

    public IngestMetrics Metrics { get; }

    public static IngestHarness Start(
        BrokerEndpoint broker,
        string certsDirectory,
        StoreOptions storeOptions,
        MqttOptions? mqtt = null,
        ISensorFleet? sensors = null,
        CancellationToken abort = default)
    {
        var logger = new TestLogger();
        var metrics = new IngestMetrics();
        var system = ActorSystem.Create("ingest-" + Guid.NewGuid().ToString("N")[..8]);
        var store = PipelineStore.Open(storeOptions);
        var source = new MqttTelemetrySource(
            mqtt ?? new MqttOptions { CertsDirectory = certsDirectory, ReconnectMinDelay = TimeSpan.FromMilliseconds(200), ReconnectMaxDelay = TimeSpan.FromSeconds(1) },
            broker,
            logger);
        var completion = IngestGraph.Create(source.Source, new TelemetryCodec(new TelemetryLimits()), store.Readings, store.Verdicts, storeOptions, metrics, logger, sensors, cancellation: abort)
            .Run(system.Materializer());
        source.Start();
        return new IngestHarness(system, source, store, completion, logger, metrics);
    }

    public bool IsConnected => _source.IsConnected;

    /// <summary>No more messages into the stream: it ends once what it holds has gone through.</summary>
    public void CompleteIntake() => _source.CompleteIntake();

    public long Count(string table) => NodeDatabase.Scalar(Store.Description, $"SELECT count(*) FROM {table}");

    public async ValueTask DisposeAsync()
    {
        _source.CompleteIntake();
        try
        {
            await Completion.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception) when (Completion.IsFaulted)
        {
            // A spec that fails the stream on purpose has looked at the failure already.
        }

        await _source.DisposeAsync();
        await _system.Terminate();
        Store.Dispose();
    }
}
