using System.Text;
using Pipeline.Models.Telemetry;

namespace Pipeline.Tests.Models.Telemetry;

public sealed class TelemetryCodecSpecs
{
    private const string Topic = "pipeline/esp32-01/telemetry";
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_764_090_000_000);
    private static readonly long Ts = Now.ToUnixTimeMilliseconds();

    private readonly TelemetryCodec _codec = new(new TelemetryLimits());

    private TelemetryDecodeResult Decode(string payload, string topic = Topic) => _codec.Decode(topic, Encoding.UTF8.GetBytes(payload), Now);

    private RejectedTelemetry Rejected(string payload, string topic = Topic) => Assert.IsType<RejectedTelemetry>(Decode(payload, topic));

    [Fact]
    public void Should_decode_the_contract_with_the_sensor_id_from_the_topic()
    {
        var result = Decode($$"""{"ts":{{Ts}},"seq":4711,"flow":121.4,"temperature":21.3,"pressure":4.21,"current":8.52,"vibration":0.03}""");

        var reading = Assert.IsType<DecodedReading>(result).Reading;
        Assert.Equal("esp32-01", reading.SensorId);
        Assert.Equal(Ts, reading.TimestampMs);
        Assert.Equal(4711, reading.Sequence);
        Assert.Equal(121.4, reading.Values["flow"]);
        Assert.Equal(21.3, reading.Values["temperature"]);
        Assert.Equal(4.21, reading.Values["pressure"]);
        Assert.Equal(8.52, reading.Values["current"]);
        Assert.Equal(0.03, reading.Values["vibration"]);
    }

    [Fact]
    public void Should_keep_the_signals_in_the_payloads_order_and_share_their_names_between_a_devices_readings()
    {
        var first = Assert.IsType<DecodedReading>(Decode($$"""{"ts":{{Ts}},"seq":1,"pressure":4.2,"flow":120,"vibration":0.5}""")).Reading;
        var second = Assert.IsType<DecodedReading>(Decode($$"""{"ts":{{Ts}},"seq":2,"pressure":4.3,"flow":121,"vibration":0.4}""")).Reading;
        var other = Assert.IsType<DecodedReading>(Decode($$"""{"ts":{{Ts}},"seq":3,"flow":122,"pressure":4.4}""")).Reading;

        Assert.Equal([new("pressure", 4.2), new("flow", 120.0), new KeyValuePair<string, double>("vibration", 0.5)], first.Values);
        Assert.Same(((SignalDictionary)first.Values).Names, ((SignalDictionary)second.Values).Names);
        Assert.Equal((4.3, 121.0, 0.4), (second.Values["pressure"], second.Values["flow"], second.Values["vibration"]));
        Assert.Equal(["flow", "pressure"], other.Values.Keys);
        Assert.Equal(["pressure", "flow", "vibration"], first.Values.Keys); // the next device's names did not change these
        Assert.False(other.Values.TryGetValue("vibration", out _));
        Assert.Throws<KeyNotFoundException>(() => other.Values["vibration"]);
    }

    [Fact]
    public void Should_accept_a_matching_sensor_field() =>
        Assert.IsType<DecodedReading>(Decode($$"""{"sensor":"esp32-01","ts":{{Ts}},"seq":1,"flow":1}"""));

    [Theory]
    [InlineData("not json", RejectReason.NotJson, "not valid JSON at byte")]
    [InlineData("{\"ts\":1,", RejectReason.NotJson, "not valid JSON")]
    [InlineData("{} {}", RejectReason.NotJson, "not valid JSON")]
    [InlineData("[1,2]", RejectReason.NotAnObject, "JSON array, not an object")]
    [InlineData("42", RejectReason.NotAnObject, "JSON number, not an object")]
    [InlineData("{\"seq\":1,\"flow\":1}", RejectReason.MissingField, "'ts' is missing")]
    [InlineData("{\"ts\":TS,\"flow\":1}", RejectReason.MissingField, "'seq' is missing")]
    [InlineData("{\"ts\":\"2026-11-25\",\"seq\":1,\"flow\":1}", RejectReason.WrongType, "field 'ts' is the string \"2026-11-25\"; expected a non-negative integer (Unix milliseconds)")]
    [InlineData("{\"ts\":TS,\"seq\":1.5,\"flow\":1}", RejectReason.WrongType, "field 'seq' is the number 1.5")]
    [InlineData("{\"ts\":TS,\"seq\":-1,\"flow\":1}", RejectReason.WrongType, "field 'seq' is the number -1")]
    [InlineData("{\"ts\":TS,\"seq\":1,\"flow\":\"12.5\"}", RejectReason.WrongType, "field 'flow' is the string \"12.5\"; every signal must be a number")]
    [InlineData("{\"ts\":TS,\"seq\":1,\"flow\":null}", RejectReason.WrongType, "field 'flow' is null")]
    [InlineData("{\"ts\":TS,\"seq\":1,\"flow\":true}", RejectReason.WrongType, "field 'flow' is boolean")]
    [InlineData("{\"ts\":TS,\"seq\":1,\"flow\":[1]}", RejectReason.WrongType, "field 'flow' is array")]
    [InlineData("{\"ts\":TS,\"seq\":1,\"flow\":NaN}", RejectReason.NotFinite, "NaN or Infinity")]
    [InlineData("{\"ts\":TS,\"seq\":1,\"flow\":-Infinity}", RejectReason.NotFinite, "NaN or Infinity")]
    [InlineData("{\"ts\":TS,\"seq\":1,\"flow\":1e400}", RejectReason.NotFinite, "overflows")]
    [InlineData("{\"ts\":TS,\"seq\":1,\"pressure\":1500}", RejectReason.OutOfPhysicalBounds, "field 'pressure' is 1500, outside its physical range [-1.1, 1000]")]
    [InlineData("{\"ts\":TS,\"seq\":1,\"temperature\":-300}", RejectReason.OutOfPhysicalBounds, "field 'temperature' is -300")]
    [InlineData("{\"ts\":TS,\"seq\":1,\"vibration\":1e12}", RejectReason.OutOfPhysicalBounds, "field 'vibration'")]
    [InlineData("{\"ts\":TS,\"seq\":1,\"flow\":1,\"flow\":2}", RejectReason.DuplicateField, "field 'flow' appears twice")]
    [InlineData("{\"ts\":TS,\"seq\":1,\"flow\":1,\"fl\\u006fw\":2}", RejectReason.DuplicateField, "field 'flow' appears twice")]
    [InlineData("{\"ts\":TS,\"seq\":1,\"ts\":TS,\"flow\":1}", RejectReason.DuplicateField, "field 'ts' appears twice")]
    [InlineData("{\"ts\":TS,\"seq\":1,\"flow\":1,\"seq\":2}", RejectReason.DuplicateField, "field 'seq' appears twice")]
    [InlineData("{\"ts\":TS,\"seq\":1,\"id\":\"esp32-01\",\"id\":\"esp32-01\",\"flow\":1}", RejectReason.DuplicateField, "field 'id' appears twice")]
    [InlineData("{\"ts\":TS,\"seq\":1}", RejectReason.NoSignals, "no signal values")]
    [InlineData("{\"ts\":TS,\"seq\":1,\"sensor\":\"esp32-02\",\"flow\":1}", RejectReason.SensorMismatch, "field 'sensor' says 'esp32-02' but the message came from 'esp32-01'")]
    [InlineData("{\"ts\":TS,\"seq\":1,\"id\":\"esp32-09\",\"flow\":1}", RejectReason.SensorMismatch, "'esp32-09'")]
    public void Should_reject_with_a_precise_reason(string payload, RejectReason reason, string detail)
    {
        var rejected = Rejected(payload.Replace("TS", Ts.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));

        Assert.Equal(reason, rejected.Reason);
        Assert.Contains(detail, rejected.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_reject_a_timestamp_too_far_in_the_future()
    {
        var rejected = Rejected($$"""{"ts":{{Ts + (long)TimeSpan.FromMinutes(6).TotalMilliseconds}},"seq":1,"flow":1}""");

        Assert.Equal(RejectReason.TimestampInFuture, rejected.Reason);
        Assert.Contains("360 s ahead of the node's clock; at most 300 s", rejected.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_accept_small_clock_skew_and_readings_queued_for_days()
    {
        Assert.IsType<DecodedReading>(Decode($$"""{"ts":{{Ts + 60_000}},"seq":1,"flow":1}"""));
        Assert.IsType<DecodedReading>(Decode($$"""{"ts":{{Ts - (long)TimeSpan.FromDays(6).TotalMilliseconds}},"seq":1,"flow":1}"""));
    }

    [Fact]
    public void Should_reject_a_timestamp_older_than_the_max_age() =>
        Assert.Equal(RejectReason.TimestampTooOld, Rejected($$"""{"ts":{{Ts - (long)TimeSpan.FromDays(8).TotalMilliseconds}},"seq":1,"flow":1}""").Reason);

    [Fact]
    public void Should_reject_an_oversize_payload_before_parsing_it()
    {
        var rejected = Rejected("{\"pad\":\"" + new string('x', 5000) + "\"}");

        Assert.Equal(RejectReason.PayloadTooLarge, rejected.Reason);
        Assert.Contains("at most 4096", rejected.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pipeline/esp32-01/status")]
    [InlineData("pipeline/a/b/telemetry")]
    [InlineData("other/esp32-01/telemetry")]
    [InlineData("pipeline/telemetry")]
    [InlineData("pipeline//telemetry")]
    [InlineData("pipeline/telemetry/telemetry/x")]
    [InlineData("pipelinex/telemetry")]
    [InlineData("")]
    public void Should_reject_a_topic_outside_the_contract(string topic) =>
        Assert.Equal(RejectReason.NotTelemetryTopic, Rejected($$"""{"ts":{{Ts}},"seq":1,"flow":1}""", topic).Reason);

    [Fact]
    public void Should_apply_configured_bounds()
    {
        var limits = new TelemetryLimits();
        limits.Bounds["pressure"] = new SignalBounds(0, 10);
        var codec = new TelemetryCodec(limits);

        var result = codec.Decode(Topic, Encoding.UTF8.GetBytes($$"""{"ts":{{Ts}},"seq":1,"pressure":12}"""), Now);

        Assert.Equal(RejectReason.OutOfPhysicalBounds, Assert.IsType<RejectedTelemetry>(result).Reason);
    }
}
