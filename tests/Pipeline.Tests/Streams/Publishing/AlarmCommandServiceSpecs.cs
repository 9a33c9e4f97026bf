using System.Text;
using Akka.Actor;
using Akka.Hosting;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Actors.Sensors;
using Pipeline.Models.Alarms;
using Pipeline.Streams.Publishing;
using Pipeline.Streams.Storing;
using Pipeline.Streams.Subscribing;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Publishing;

/// <summary>
/// Which commands reach a sensor: one for an alarm the operator can see, even before the sensor's row is in the
/// directory (its status is written every couple of seconds; a click in that gap was refused, ScadaDashboardSpecs on
/// CI); none for a sensor the node has never heard of, which would start an actor for a made-up id. A real SQLite
/// store; a probe stands in for the sensors.
/// </summary>
public sealed class AlarmCommandServiceSpecs : TestKit, IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly PipelineStore _store;
    private readonly AlarmCommandService _service;

    public AlarmCommandServiceSpecs()
    {
        _store = PipelineStore.Open(new StoreOptions { Path = _temp.Combine("node.db") });
        var registry = new ActorRegistry();
        registry.Register<SensorRegion>(TestActor);
        _service = new AlarmCommandService(new NodeMqttLink(), new RequiredActor<SensorRegion>(registry), _store.Readings, _store.Sensors, _store.Alarms,
            NullLogger<AlarmCommandService>.Instance);
    }

    private static IncomingCommand Ack(string alarm) =>
        new(AlarmCommand.AcknowledgeTopic, Encoding.UTF8.GetBytes($$"""{"alarm":"{{alarm}}","by":"ops"}"""), null, null);

    [Fact]
    public async Task Should_carry_an_acknowledgement_of_a_journalled_alarm_whose_sensor_has_no_row_in_the_directory_yet()
    {
        var raised = Alarm.Normal("esp32-01", AlarmType.Limit) with { State = AlarmState.ActiveUnacknowledged, RaisedAt = 5, Count = 1, Message = "over" };
        await _store.Alarms.RecordAsync([new AlarmChange(raised, AlarmTransition.Raised, 5)], [], default);
        await _service.StartAsync(default);

        var deciding = _service.DecideAsync(Ack("esp32-01/limit"));
        var asked = await ExpectMsgAsync<AcknowledgeAlarm>();
        LastSender.Tell(new AlarmCommandOutcome(true, "acknowledged", raised with { State = AlarmState.ActiveAcknowledged }));
        var outcome = await deciding;

        Assert.Empty(await _store.Sensors.ListSensorsAsync(default));
        Assert.Equal(("esp32-01", AlarmType.Limit, "ops"), (asked.SensorId, asked.Type, asked.By));
        Assert.True(outcome.Done, outcome.Detail);
    }

    [Fact]
    public async Task Should_refuse_with_the_cause_a_command_the_store_cannot_be_read_for()
    {
        await _service.StartAsync(default);
        File.Delete(_temp.Combine("node.db")); // every read of the store now fails

        var outcome = await _service.DecideAsync(Ack("esp32-01/limit"));

        Assert.False(outcome.Done);
        Assert.StartsWith("esp32-01/limit: the node could not look the sensor up in its store (", outcome.Detail, StringComparison.Ordinal);
        ExpectNoMsg(TimeSpan.Zero); // no sensor asked: an ask would have been sent before the answer
    }

    [Fact]
    public async Task Should_refuse_a_command_for_a_sensor_that_is_neither_listed_nor_alarmed_without_asking_the_sensors()
    {
        await _service.StartAsync(default);
        var outcome = await _service.DecideAsync(Ack("nosuch/limit"));

        Assert.False(outcome.Done);
        Assert.Equal("nosuch/limit: no sensor 'nosuch' is registered or has ever reported", outcome.Detail);
        ExpectNoMsg(TimeSpan.Zero);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _store.Dispose();
            _temp.Dispose();
        }

        base.Dispose(disposing);
    }
}
