using Akka.Actor;
using Akka.TestKit.Xunit2;
using Pipeline.Actors.Sensors;
using Pipeline.Models.Alarms;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Actors.Sensors;

/// <summary>A sensor's alarms: journalled before anyone hears of them, commanded by operators, carried over a restart.</summary>
public sealed class SensorActorAlarmSpecs : TestKit
{
    private const string Sensor = "esp32-01";
    private static readonly DateTimeOffset Start = DateTimeOffset.UtcNow.AddMinutes(-10);
    private static readonly AlarmSettings QuickAlarms = new() { OnDelayAnomalous = 2, OnDelayWindows = 3, ClearWindows = 2 };

    private static Reading Sample(long seq, double flow = 120, double pressure = 4.2) =>
        new(Sensor, Start.AddSeconds(seq).ToUnixTimeMilliseconds(), seq, new Dictionary<string, double> { ["flow"] = flow + Math.Sin(seq), ["pressure"] = pressure });

    private ReadingsRecorded Record(IActorRef sensor, params Reading[] readings)
    {
        sensor.Tell(new RecordReadings(Sensor, readings), TestActor);
        return ExpectMsg<ReadingsRecorded>(TimeSpan.FromSeconds(10));
    }

    /// <summary>Raises the anomaly alarm: readings far from anything the model has seen.</summary>
    private ReadingsRecorded RaiseAnomaly(IActorRef sensor) => Record(sensor, [.. Enumerable.Range(1, 9).Select(s => Sample(s, flow: 5000, pressure: 90))]);

    private void Restart(ref IActorRef sensor, SensorHarness node)
    {
        Watch(sensor);
        Sys.Stop(sensor);
        ExpectTerminated(sensor);
        sensor = node.Start(Sensor);
    }

    [Fact]
    public void Should_journal_an_anomaly_alarm_before_answering_and_publish_it_once_journalled()
    {
        using var node = new SensorHarness(Sys, alarms: QuickAlarms);
        var sensor = node.Start(Sensor);

        var recorded = RaiseAnomaly(sensor);

        Assert.Equal(["esp32-01/anomaly raised"], node.Journal()); // stored before the answer came
        Assert.Equal([AlarmTransition.Raised], node.Published.Changes.Select(c => c.Transition));
        Assert.True(recorded.Verdicts[^1].AlarmActive);
        Assert.False(recorded.Verdicts[0].AlarmActive);
    }

    [Fact]
    public void Should_acknowledge_an_alarm_refuse_one_not_waiting_and_shelve_one()
    {
        using var node = new SensorHarness(Sys, alarms: QuickAlarms);
        var sensor = node.Start(Sensor);
        RaiseAnomaly(sensor);

        sensor.Tell(new AcknowledgeAlarm(Sensor, AlarmType.Anomaly, "operator"));
        var acknowledged = ExpectMsg<AlarmCommandOutcome>();
        sensor.Tell(new AcknowledgeAlarm(Sensor, AlarmType.Stuck, "operator"));
        var refused = ExpectMsg<AlarmCommandOutcome>();
        sensor.Tell(new ShelveAlarm(Sensor, AlarmType.Offline, TimeSpan.FromHours(1), "operator"));
        var shelved = ExpectMsg<AlarmCommandOutcome>();

        Assert.True(acknowledged.Done);
        Assert.Equal(AlarmState.ActiveAcknowledged, acknowledged.Alarm!.State);
        Assert.False(refused.Done);
        Assert.Equal("esp32-01/stuck is not waiting for an acknowledgement: it has never been raised", refused.Detail);
        Assert.True(shelved.Done);
        Assert.NotNull(shelved.Alarm!.ShelvedUntil);
        Assert.Equal(["esp32-01/anomaly raised", "esp32-01/anomaly acknowledged", "esp32-01/offline shelved"], node.Journal());
    }

    [Fact]
    public void Should_clear_an_offline_alarm_carried_over_a_restart_when_the_sensor_reports_again()
    {
        // #20: after a node restart an offline alarm was reloaded and never cleared.
        using var node = new SensorHarness(Sys, settings: new SensorCatalog { Defaults = new SensorSettings { OfflineAfter = TimeSpan.FromMilliseconds(300), ReorderWait = SensorHarness.ReorderWait } });
        var sensor = node.Start(Sensor);
        sensor.Tell(new WakeUp(Sensor));
        AwaitCondition(() => node.Journal().Count == 1, TimeSpan.FromSeconds(5));

        Restart(ref sensor, node);
        Record(sensor, Sample(1));

        // Only the first two: on a loaded machine the sensor may already be 300 ms silent again and rightly raise anew.
        Assert.Equal(["esp32-01/offline raised", "esp32-01/offline cleared"], node.Journal().Take(2));
    }

    [Fact]
    public void Should_clear_a_limit_alarm_carried_over_a_restart_when_the_value_is_back_inside()
    {
        var limits = new Dictionary<string, SignalBounds>(StringComparer.Ordinal) { ["pressure"] = new(0, 5) };
        using var node = new SensorHarness(Sys, settings: new SensorCatalog { Defaults = new SensorSettings { Limits = limits, ReorderWait = SensorHarness.ReorderWait } });
        var sensor = node.Start(Sensor);
        Record(sensor, Sample(1, pressure: 9));

        Restart(ref sensor, node);
        Record(sensor, Sample(2, pressure: 9));
        Record(sensor, Sample(3, pressure: 4));

        Assert.Equal(["esp32-01/limit raised", "esp32-01/limit cleared"], node.Journal());
    }

    [Fact]
    public void Should_raise_an_incomplete_alarm_when_the_readings_keep_lacking_a_signal_the_model_needs_and_clear_it_over_a_restart_once_they_carry_it()
    {
        using var node = new SensorHarness(Sys);
        var sensor = node.Start(Sensor);
        var withoutPressure = Enumerable.Range(1, 12).Select(s => Sample(s) with { Values = new Dictionary<string, double> { ["flow"] = 120 } }).ToArray();

        var unjudged = Record(sensor, withoutPressure);

        Assert.Empty(unjudged.Verdicts);
        Assert.Equal(["esp32-01/incomplete raised"], node.Journal());
        var raised = Assert.Single(node.Published.Changes).Alarm;
        Assert.Equal("pressure", raised.Signal);
        Assert.StartsWith("pressure: readings lack it: its window restarted 10 times since it was last full; the model does not judge this sensor", raised.Message, StringComparison.Ordinal);

        Restart(ref sensor, node);
        var judged = Record(sensor, [.. Enumerable.Range(13, 3).Select(s => Sample(s))]); // the tiny model's window is 3

        Assert.Single(judged.Verdicts);
        Assert.Equal(["esp32-01/incomplete raised", "esp32-01/incomplete cleared"], node.Journal());
    }

    [Fact]
    public void Should_keep_an_open_anomaly_alarm_over_a_restart_and_clear_it_when_the_readings_are_normal_again()
    {
        using var node = new SensorHarness(Sys, alarms: QuickAlarms);
        var sensor = node.Start(Sensor);
        RaiseAnomaly(sensor);

        Restart(ref sensor, node);
        var recorded = Record(sensor, [.. Enumerable.Range(10, 12).Select(s => Sample(s))]);

        Assert.True(recorded.Verdicts[0].AlarmActive);
        Assert.Equal(["esp32-01/anomaly raised", "esp32-01/anomaly cleared"], node.Journal());
    }
}
