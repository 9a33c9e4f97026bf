using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Models.Sensors;
using Pipeline.Streams.Storing;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Storing;

public sealed class SensorStatusBoardSpecs
{
    private static SensorStatus Status(string sensor, long seq) =>
        new(sensor, DateTimeOffset.UtcNow, seq, 10, 60, "ok", "node", 0, 0, 0, DateTimeOffset.UtcNow);

    [Fact]
    public async Task Should_keep_a_batch_whose_write_failed_and_write_it_with_the_next_one()
    {
        var directory = new FlakyDirectory(failures: 1);
        var board = new SensorStatusBoard(directory, NullLogger<SensorStatusBoard>.Instance);
        board.Report(Status("a", 1));
        board.Report(Status("b", 1));

        await Assert.ThrowsAsync<IOException>(() => board.FlushAsync(default));
        board.Report(Status("b", 2)); // newer than the failed one: it wins
        await board.FlushAsync(default);

        Assert.Equal([("a", 1L), ("b", 2L)], directory.Written.OrderBy(s => s.SensorId, StringComparer.Ordinal).Select(s => (s.SensorId, s.LastSequence!.Value)));
    }

    [Fact]
    public async Task Should_record_its_node_as_running_while_it_runs_and_as_stopped_when_it_stops()
    {
        var directory = new FlakyDirectory(failures: 0);
        var address = (string?)null;
        var board = new SensorStatusBoard(directory, NullLogger<SensorStatusBoard>.Instance, () => address);

        await board.RecordNodeAsync(stopped: false, default); // before the actor system is up: nothing to record
        address = "akka.tcp://pipeline@127.0.0.1:4053";
        await board.StartAsync(default);
        await Eventually.HoldsAsync(() => directory.Nodes.Count > 0, TimeSpan.FromSeconds(30), () => "no beat");
        await board.StopAsync(default);

        Assert.All(directory.Nodes.SkipLast(1), beat => Assert.Equal(("akka.tcp://pipeline@127.0.0.1:4053", false), beat));
        Assert.Equal(("akka.tcp://pipeline@127.0.0.1:4053", true), directory.Nodes[^1]);
    }

    private sealed class FlakyDirectory(int failures) : ISensorDirectory
    {
        private int _failures = failures;

        public List<SensorStatus> Written { get; } = [];

        public Task UpsertSensorStatusAsync(IReadOnlyCollection<SensorStatus> statuses, CancellationToken cancellation)
        {
            if (_failures-- > 0)
            {
                throw new IOException("disk full");
            }

            Written.AddRange(statuses);
            return Task.CompletedTask;
        }

        public List<(string Node, bool Stopped)> Nodes { get; } = [];

        public Task RecordNodeAsync(string node, DateTimeOffset at, bool stopped, CancellationToken cancellation)
        {
            Nodes.Add((node, stopped));
            return Task.CompletedTask;
        }

        public Task<int> ForgetNodesAsync(DateTimeOffset before, CancellationToken cancellation) => Task.FromResult(0);

        public Task RegisterSensorAsync(SensorRegistration registration, CancellationToken cancellation) => throw new NotSupportedException();

        public Task<IReadOnlyList<SensorRegistration>> RegisteredSensorsAsync(CancellationToken cancellation) => throw new NotSupportedException();

        public Task<IReadOnlyList<SensorListing>> ListSensorsAsync(CancellationToken cancellation) => throw new NotSupportedException();
    }
}
