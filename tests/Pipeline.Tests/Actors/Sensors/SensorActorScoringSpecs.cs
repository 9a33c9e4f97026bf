using Akka.Actor;
using Akka.TestKit.Xunit2;
using Pipeline.Actors.Inference;
using Pipeline.Actors.Sensors;
using Pipeline.Models.Detection;
using Pipeline.Models.Telemetry;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Actors.Sensors;

/// <summary>
/// A sensor's windows through the node's inference actor and back: told, answered by request; a failure or an answer
/// that does not come fails the batch to the stream (which rewinds the sensor and delivers the readings again), and a
/// late answer is not taken for the next batch's.
/// </summary>
public sealed class SensorActorScoringSpecs : TestKit, IDisposable
{
    private const string Sensor = "esp32-01";
    private static readonly DateTimeOffset Start = DateTimeOffset.UtcNow.AddMinutes(-10);

    /// <summary>A window the model reconstructs perfectly.</summary>
    private static readonly WindowScore Quiet = new(0f, [0f, 0f], [0f, 0f]);

    private readonly SensorHarness _node;

    public SensorActorScoringSpecs() => _node = new SensorHarness(Sys);

    /// <summary>Three readings: one window of the tiny model (3 x flow, pressure).</summary>
    private static Reading[] Window(long from) => [.. Enumerable.Range(0, 3).Select(i => new Reading(
        Sensor, Start.AddSeconds(from + i).ToUnixTimeMilliseconds(), from + i, new Dictionary<string, double> { ["flow"] = 100 + i, ["pressure"] = 4.0 }))];

    /// <summary>A sensor whose inference actor is the probe, giving up on it after <paramref name="timeout"/>.</summary>
    private IActorRef SensorWith(IActorRef inference, TimeSpan timeout) =>
        Sys.ActorOf(SensorActor.Props(Sensor, _node.Services with { Inference = inference, AskTimeout = timeout }));

    [Fact]
    public void Should_fail_a_batch_the_network_could_not_score_to_the_stream_and_go_on_with_the_next()
    {
        var inference = CreateTestProbe();
        var sensor = SensorWith(inference, TimeSpan.FromSeconds(30));

        sensor.Tell(new RecordReadings(Sensor, Window(1)), TestActor);
        inference.ExpectMsg<ScoreWindows>();
        inference.Reply(new Status.Failure(new InvalidOperationException("the network ran out of memory")));

        Assert.Equal("the network ran out of memory", ExpectMsg<Status.Failure>().Cause.Message);
        sensor.Tell(new RecordReadings(Sensor, Window(4)), TestActor);
        var next = inference.ExpectMsg<ScoreWindows>();
        inference.Reply(new WindowsScored([Quiet], next.RequestId));
        Assert.Equal([5L], ExpectMsg<ReadingsRecorded>().Verdicts.Select(v => v.LastSequence));
    }

    [Fact]
    public void Should_fail_a_batch_whose_scores_do_not_come_in_time_and_not_take_them_for_the_next_batchs_when_they_come_late()
    {
        var inference = CreateTestProbe();
        var sensor = SensorWith(inference, TimeSpan.FromMilliseconds(300));

        sensor.Tell(new RecordReadings(Sensor, Window(1)), TestActor);
        var late = inference.ExpectMsg<ScoreWindows>();
        Assert.IsType<TimeoutException>(ExpectMsg<Status.Failure>(TimeSpan.FromSeconds(10)).Cause);

        sensor.Tell(new RecordReadings(Sensor, Window(4)), TestActor);
        var current = inference.ExpectMsg<ScoreWindows>();
        Assert.NotEqual(late.RequestId, current.RequestId);
        inference.Reply(new WindowsScored([new WindowScore(1e6f, [1e6f, 1e6f], [1e3f, 1e3f])], late.RequestId));
        inference.Reply(new WindowsScored([Quiet], current.RequestId));

        var verdict = Assert.Single(ExpectMsg<ReadingsRecorded>().Verdicts);
        Assert.False(verdict.Anomalous, $"score {verdict.Score} against threshold {verdict.Threshold}: the late answer was taken");
    }

    public new void Dispose()
    {
        _node.Dispose();
        base.Dispose();
    }
}
