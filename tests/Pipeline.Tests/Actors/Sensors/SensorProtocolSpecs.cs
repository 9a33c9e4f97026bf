using System.Text;
using Akka.TestKit.Xunit2;
using Pipeline.Actors.Sensors;
using Pipeline.Models.Alarms;
using Pipeline.Models.Detection;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;

namespace Pipeline.Tests.Actors.Sensors;

/// <summary>Every message a sensor receives or sends crosses the wire between cluster nodes intact.</summary>
public sealed class SensorProtocolSpecs : TestKit
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_764_090_000_000);

    private T RoundTrip<T>(T message)
        where T : class
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        var bytes = serializer.ToBinary(message);
        return Assert.IsType<T>(serializer.FromBinary<T>(bytes));
    }

    private static Reading Decoded(long seq) => Assert.IsType<DecodedReading>(new TelemetryCodec(new TelemetryLimits())
        .Decode("pipeline/esp32-01/telemetry", Encoding.UTF8.GetBytes($$"""{"ts":{{At.ToUnixTimeMilliseconds() + seq}},"seq":{{seq}},"flow":1.5,"temperature":20,"pressure":4,"current":8,"vibration":0.1}"""), At)).Reading;

    [Fact]
    public void Should_carry_a_batch_of_decoded_readings()
    {
        var sent = new RecordReadings("esp32-01", new List<Reading> { Decoded(7), Decoded(8) }) { RequestId = 42 };

        var received = RoundTrip(sent);

        Assert.Equal((sent.SensorId, 42L), (received.SensorId, received.RequestId));
        Assert.Equal(sent.Readings.Select(r => (r.SensorId, r.TimestampMs, r.Sequence)), received.Readings.Select(r => (r.SensorId, r.TimestampMs, r.Sequence)));
        Assert.Equal(sent.Readings[1].Values, received.Readings[1].Values);
    }

    [Fact]
    public void Should_carry_what_a_batch_came_to_with_its_verdicts()
    {
        var verdict = new Verdict("esp32-01", 1, 60, 0, 59_000, 3.5f, [3.5f, 0.1f], ["flow", "pressure"], 2f, true, "default@1", [0.4f, -0.1f], false, true);
        var sent = new ReadingsRecorded("esp32-01", new List<ReadingRecorded> { new(60, SequenceVerdict.Next, null), new(3, SequenceVerdict.OutOfOrder, "older") }, new List<Verdict> { verdict });

        var received = RoundTrip(sent);

        Assert.Equal(sent.Readings, received.Readings);
        var back = Assert.Single(received.Verdicts);
        Assert.Equal((verdict.Score, verdict.AlarmActive, verdict.ModelVersion), (back.Score, back.AlarmActive, back.ModelVersion));
        Assert.Equal(verdict.Residual, back.Residual);
    }

    [Fact]
    public void Should_carry_operators_commands_and_their_outcome()
    {
        var alarm = Alarm.Normal("esp32-01", AlarmType.Limit) with { State = AlarmState.ActiveUnacknowledged, Signal = "pressure" };

        Assert.Equal(new AcknowledgeAlarm("esp32-01", AlarmType.Limit, "scada"), RoundTrip(new AcknowledgeAlarm("esp32-01", AlarmType.Limit, "scada")));
        Assert.Equal(new ShelveAlarm("esp32-01", AlarmType.Limit, TimeSpan.FromHours(1), "scada"), RoundTrip(new ShelveAlarm("esp32-01", AlarmType.Limit, TimeSpan.FromHours(1), "scada")));
        Assert.Equal(alarm, RoundTrip(new AlarmCommandOutcome(true, "acknowledged", alarm)).Alarm);
    }

    [Fact]
    public void Should_carry_status_and_control_messages()
    {
        var status = new SensorStatus("esp32-01", At, 5, 3, 60, "stuck: flow", "akka.tcp://pipeline@127.0.0.1:4053", 1, 2, 3, At);

        Assert.Equal(status, RoundTrip(status));
        Assert.Equal(new WakeUp("esp32-01"), RoundTrip(new WakeUp("esp32-01")));
        Assert.Equal(new Rewind("esp32-01"), RoundTrip(new Rewind("esp32-01")));
    }
}
