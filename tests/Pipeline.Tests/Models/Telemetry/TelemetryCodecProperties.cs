using System.Globalization;
using System.Text;
using CsCheck;
using Pipeline.Models.Telemetry;

namespace Pipeline.Tests.Models.Telemetry;

/// <summary>The codec against any input a device could send: a reading or a rejection with a reason, never an exception.</summary>
public sealed class TelemetryCodecProperties
{
    private static readonly TelemetryCodec Codec = new(new TelemetryLimits());
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000);

    private static readonly Gen<string> Topics = Gen.OneOf(
        Gen.Const("pipeline/esp32-01/telemetry"),
        Gen.String[Gen.Char.AlphaNumeric, 0, 20].Select(s => $"pipeline/{s}/telemetry"),
        Gen.String);

    /// <summary>JSON values of every kind a broken or hostile device sends, and some that look almost right.</summary>
    private static readonly Gen<string> Values = Gen.OneOf(
        Gen.Long.Select(v => v.ToString(CultureInfo.InvariantCulture)),
        Gen.Double.Select(v => v.ToString("R", CultureInfo.InvariantCulture)),
        Gen.OneOf<string>("null", "true", "\"high\"", "[]", "{}", "NaN", "Infinity", "-Infinity", "1e400", "-0", "01", "1.", ".5",
            new string('9', 5000), "{\"a\":{\"b\":{\"c\":{\"d\":1}}}}", "\"\\u0000\""),
        Gen.String.Select(s => JsonString(s)));

    private static readonly Gen<string> Keys = Gen.OneOf(
        Gen.OneOf<string>("ts", "seq", "flow", "temperature", "pressure", "current", "sensor", "id", "vibration", ""),
        Gen.String[0, 12]);

    /// <summary>An object of 0-12 fields, duplicates allowed, or something that is not quite an object.</summary>
    private static readonly Gen<string> Payloads = Gen.OneOf(
        Gen.Select(Keys, Values).List[0, 12].Select(fields => "{" + string.Join(",", fields.Select(f => $"{JsonString(f.Item1)}:{f.Item2}")) + "}"),
        Gen.String,
        Gen.Select(Keys, Values).List[0, 5].Select(fields => "[" + string.Join(",", fields.Select(f => f.Item2)) + "]"));

    private static string JsonString(string s) => System.Text.Json.JsonSerializer.Serialize(s);

    [Fact]
    public void Should_give_a_reading_or_a_reason_for_any_json_like_payload()
    {
        Gen.Select(Topics, Payloads).Sample((topic, payload) =>
        {
            var result = Codec.Decode(topic, Encoding.UTF8.GetBytes(payload), Now);

            return result switch
            {
                DecodedReading decoded => decoded.Reading.Values.Count > 0 && decoded.Reading.Values.Values.All(double.IsFinite),
                RejectedTelemetry rejected => rejected.Detail.Length > 0,
                _ => false,
            };
        }, iter: 20_000);
    }

    [Fact]
    public void Should_give_a_reading_or_a_reason_for_any_bytes()
    {
        Gen.Select(Topics, Gen.Byte.Array[0, 5000]).Sample((topic, payload) =>
            Codec.Decode(topic, payload, Now) is DecodedReading or RejectedTelemetry { Detail.Length: > 0 }, iter: 20_000);
    }

    [Fact]
    public void Should_read_back_exactly_what_a_device_sent_within_the_limits()
    {
        var readings = Gen.Select(
            Gen.Long[1, 9_007_199_254_740_991],
            Gen.Int[-3_600_000, 240_000],
            Gen.Double[-1_000, 100_000], Gen.Double[-60, 250], Gen.Double[-1.1, 1_000], Gen.Double[-10, 2_000]);

        readings.Sample((seq, offsetMs, flow, temperature, pressure, current) =>
        {
            var ts = Now.ToUnixTimeMilliseconds() + offsetMs;
            var payload = string.Create(CultureInfo.InvariantCulture,
                $$"""{"ts":{{ts}},"seq":{{seq}},"flow":{{flow:R}},"temperature":{{temperature:R}},"pressure":{{pressure:R}},"current":{{current:R}}}""");

            var reading = Assert.IsType<DecodedReading>(Codec.Decode("pipeline/esp32-01/telemetry", Encoding.UTF8.GetBytes(payload), Now)).Reading;

            return reading.SensorId == "esp32-01" && reading.Sequence == seq && reading.TimestampMs == ts
                && reading.Values["flow"].Equals(flow) && reading.Values["temperature"].Equals(temperature)
                && reading.Values["pressure"].Equals(pressure) && reading.Values["current"].Equals(current);
        }, iter: 5_000);
    }
}
