using Akka.Hosting;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.Logging;
using Pipeline.Actors.Sensors;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;
using Pipeline.Streams.Ingesting;
using Pipeline.Streams.Storing;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Ingesting;

/// <summary>
/// Registered sensors are started, and a look at the store that fails is tried again: the node ran with its store
/// deleted underneath it, this service's read threw, and the exception stopped the whole node.
/// </summary>
public sealed class SensorRegistrationServiceSpecs : TestKit
{
    [Fact]
    public async Task Should_go_on_after_a_failed_read_of_the_registered_sensors_and_start_them_at_the_next_look()
    {
        var registry = new ActorRegistry();
        registry.Register<SensorRegion>(TestActor);
        var log = new TestLogger<SensorRegistrationService>();
        using var service = new SensorRegistrationService(new FlakyDirectory(failures: 2), new SensorCatalog(), new RequiredActor<SensorRegion>(registry), log,
            TimeSpan.FromMilliseconds(50));

        await service.StartAsync(default);
        var woken = await ExpectMsgAsync<WakeUp>(TimeSpan.FromSeconds(10));
        await service.StopAsync(default);

        Assert.Equal("esp32-01", woken.SensorId);
        Assert.NotNull(service.ExecuteTask);
        Assert.False(service.ExecuteTask.IsFaulted, service.ExecuteTask.Exception?.ToString()); // cancelled by the stop, as it should be
        var warning = Assert.Single(log.At(LogLevel.Warning)); // once, not at every failed look
        Assert.Contains("Could not read the registered sensors from the store", warning, StringComparison.Ordinal);
        Assert.Contains(log.At(LogLevel.Information), m => m.Contains("could be read again", StringComparison.Ordinal));
    }

    private sealed class FlakyDirectory(int failures) : ISensorDirectory
    {
        private int _failures = failures;

        public Task<IReadOnlyList<SensorRegistration>> RegisteredSensorsAsync(CancellationToken cancellation) =>
            _failures-- > 0
                ? throw new IOException("unable to open database file")
                : Task.FromResult<IReadOnlyList<SensorRegistration>>([new SensorRegistration("esp32-01", null, null, new Dictionary<string, SignalBounds>(), DateTimeOffset.UtcNow)]);

        public Task RegisterSensorAsync(SensorRegistration registration, CancellationToken cancellation) => throw new NotSupportedException();

        public Task UpsertSensorStatusAsync(IReadOnlyCollection<SensorStatus> statuses, CancellationToken cancellation) => throw new NotSupportedException();

        public Task RecordNodeAsync(string node, DateTimeOffset at, bool stopped, CancellationToken cancellation) => throw new NotSupportedException();

        public Task<int> ForgetNodesAsync(DateTimeOffset before, CancellationToken cancellation) => throw new NotSupportedException();

        public Task<IReadOnlyList<SensorListing>> ListSensorsAsync(CancellationToken cancellation) => throw new NotSupportedException();
    }
}
