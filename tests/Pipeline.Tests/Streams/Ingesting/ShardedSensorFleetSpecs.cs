using Akka.Actor;
using Akka.TestKit.Xunit2;
using Pipeline.Actors.Sensors;
using Pipeline.Models.Detection;
using Pipeline.Models.Telemetry;
using Pipeline.Streams.Ingesting;

namespace Pipeline.Tests.Streams.Ingesting;

/// <summary>
/// The stream's side of the sensors: each sensor told its readings, every reply taken by its request number — verdicts,
/// a failure, or none within the ask timeout — and nothing taken for another request.
/// </summary>
public sealed class ShardedSensorFleetSpecs : TestKit
{
    private static Reading Reading(string sensor, long seq) => new(sensor, 1_764_090_000_000 + seq, seq, new Dictionary<string, double> { ["flow"] = 1 });

    private static Verdict Verdict(string sensor, long seq) =>
        new(sensor, seq, seq, 0, 0, 0.5f, [0.5f], ["flow"], 1, false, "tiny@20260101T000000Z", [0f]);

    private static void Answer(IActorRef replies, RecordReadings request, params Verdict[] verdicts) =>
        replies.Tell(new ReadingsRecorded(request.SensorId, [], verdicts) { RequestId = request.RequestId });

    [Fact]
    public async Task Should_tell_each_sensor_its_readings_and_return_every_sensors_verdicts()
    {
        var region = CreateTestProbe();
        using var fleet = new ShardedSensorFleet(Sys, region.Ref, TimeSpan.FromSeconds(30));

        var recording = fleet.RecordAsync([Reading("esp32-01", 1), Reading("esp32-02", 7), Reading("esp32-01", 2)], CancellationToken.None);
        var requests = new[] { region.ExpectMsg<RecordReadings>(), region.ExpectMsg<RecordReadings>() }.OrderBy(r => r.SensorId, StringComparer.Ordinal).ToList();
        // Answered in the opposite order: each reply finds its own request.
        Answer(region.LastSender, requests[1], Verdict("esp32-02", 7));
        Answer(region.LastSender, requests[0], Verdict("esp32-01", 2));

        var verdicts = await recording.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([1L, 2L], requests[0].Readings.Select(r => r.Sequence));
        Assert.NotEqual(requests[0].RequestId, requests[1].RequestId);
        Assert.Equal(["esp32-01", "esp32-02"], verdicts.Select(v => v.SensorId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Should_fail_the_request_a_sensor_failed_and_one_not_answered_in_time_and_drop_its_late_answer()
    {
        var region = CreateTestProbe();
        using var fleet = new ShardedSensorFleet(Sys, region.Ref, TimeSpan.FromMilliseconds(300));

        var failing = fleet.RecordAsync([Reading("esp32-01", 1)], CancellationToken.None);
        var failed = region.ExpectMsg<RecordReadings>();
        region.LastSender.Tell(new Status.Failure(new InvalidOperationException("the journal is gone"), failed.RequestId));
        var silent = fleet.RecordAsync([Reading("esp32-02", 1)], CancellationToken.None);
        var unanswered = region.ExpectMsg<RecordReadings>();
        var replies = region.LastSender;

        Assert.Equal("the journal is gone", (await Assert.ThrowsAsync<InvalidOperationException>(() => failing.WaitAsync(TimeSpan.FromSeconds(10)))).Message);
        var timedOut = await Assert.ThrowsAsync<AskTimeoutException>(() => silent.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("sensor esp32-02 did not answer", timedOut.Message, StringComparison.Ordinal);

        Answer(replies, unanswered, Verdict("esp32-02", 1)); // late: dropped
        var next = fleet.RecordAsync([Reading("esp32-02", 2)], CancellationToken.None);
        Answer(replies, region.ExpectMsg<RecordReadings>(), Verdict("esp32-02", 2));
        Assert.Equal([2L], (await next.WaitAsync(TimeSpan.FromSeconds(10))).Select(v => v.LastSequence));
    }

    [Fact]
    public async Task Should_fail_what_it_waits_for_when_the_stream_is_cancelled()
    {
        var region = CreateTestProbe();
        using var fleet = new ShardedSensorFleet(Sys, region.Ref, TimeSpan.FromSeconds(30));
        using var stopping = new CancellationTokenSource();

        var waiting = fleet.RecordAsync([Reading("esp32-01", 1)], stopping.Token);
        region.ExpectMsg<RecordReadings>();
        await stopping.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
