using System.Text;
using Akka.TestKit.Xunit2;
using Pipeline.Actors.Sensors;
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
    public void Should_carry_a_decoded_reading()
    {
        var sent = new RecordReading(Decoded(7));

        var received = RoundTrip(sent);

        Assert.Equal(sent.Reading.Sequence, received.Reading.Sequence);
        Assert.Equal(sent.Reading.Values.OrderBy(v => v.Key), received.Reading.Values.OrderBy(v => v.Key));
    }

    [Fact]
    public void Should_carry_a_window_made_from_the_default_spec()
    {
        var buffer = new WindowBuffer(WindowSpec.Default);
        for (var seq = 1; seq <= WindowSpec.Default.Length; seq++)
        {
            buffer.Append(Decoded(seq));
        }

        var sent = new ReadingRecorded("esp32-01", 60, SequenceVerdict.Next, null, buffer.Snapshot("esp32-01"));
        var received = RoundTrip(sent);

        Assert.Equal(sent.Window!.Values, received.Window!.Values);
        Assert.Equal(sent.Window.Signals, received.Window.Signals);
        Assert.Equal((1L, 60L), (received.Window.FirstSequence, received.Window.LastSequence));
    }

    [Fact]
    public void Should_carry_status_and_control_messages()
    {
        var status = new SensorStatus("esp32-01", At, 5, 3, 60, "stuck: flow", "akka.tcp://pipeline@127.0.0.1:4053", 1, 2, 3, At);

        Assert.Equal(status, RoundTrip(status));
        Assert.Equal(new WakeUp("esp32-01"), RoundTrip(new WakeUp("esp32-01")));
        Assert.Equal(new GetSensorStatus("esp32-01"), RoundTrip(new GetSensorStatus("esp32-01")));
    }
}
