using System.Text;
using CsCheck;
using Pipeline.Models.Alarms;

namespace Pipeline.Tests.Models.Alarms;

public sealed class AlarmCommandSpecs
{
    private static AlarmCommandParse Parse(string topic, string payload) => AlarmCommand.Parse(topic, Encoding.UTF8.GetBytes(payload));

    [Fact]
    public void Should_read_an_acknowledgement_and_a_shelving()
    {
        var ack = Parse("pipeline/commands/ack", """{"alarm":"esp32-01/anomaly","by":"op1"}""");
        var shelve = Parse("pipeline/commands/shelve", """{"alarm":"esp32-01/stuck","minutes":30}""");

        Assert.Equal(new AlarmCommand(AlarmCommandVerb.Acknowledge, "esp32-01", AlarmType.Anomaly, "op1", null), ack.Command);
        Assert.Equal(new AlarmCommand(AlarmCommandVerb.Shelve, "esp32-01", AlarmType.Stuck, "scada", TimeSpan.FromMinutes(30)), shelve.Command);
        Assert.Equal("esp32-01/stuck", shelve.Command!.AlarmId);
    }

    [Theory]
    [InlineData("pipeline/commands/delete", """{"alarm":"a/limit"}""", "not a command topic")]
    [InlineData("pipeline/commands/ack", "nope", "not valid JSON")]
    [InlineData("pipeline/commands/ack", "[1]", "not an object")]
    [InlineData("pipeline/commands/ack", """{"alarm":"esp32-01"}""", "is not an alarm type")]
    [InlineData("pipeline/commands/ack", """{"alarm":"esp32-01/Anomaly"}""", "is not an alarm type")] // crashed the alarm actor (#15)
    [InlineData("pipeline/commands/ack", """{"alarm":"esp32-01/7"}""", "is not an alarm type")] // was taken as an enum number
    [InlineData("pipeline/commands/ack", """{"alarm":"esp32-01/anomaly/x"}""", "is not an alarm type")]
    [InlineData("pipeline/commands/ack", """{"alarm":"+/anomaly"}""", "is not a sensor id")]
    [InlineData("pipeline/commands/ack", """{"alarm":"ca/anomaly"}""", "is not a sensor id")]
    [InlineData("pipeline/commands/ack", """{"alarm":5}""", "needs \"alarm\"")]
    [InlineData("pipeline/commands/ack", """{"alarm":"a/limit","alarm":"b/limit"}""", "appears twice")]
    [InlineData("pipeline/commands/ack", """{"alarm":"a/limit","by":""}""", "\"by\"")]
    [InlineData("pipeline/commands/ack", """{"alarm":"a/limit","by":{"x":1}}""", "\"by\"")]
    [InlineData("pipeline/commands/ack", """{"alarm":{"a":{"b":1}}}""", "not valid JSON")]
    [InlineData("pipeline/commands/shelve", """{"alarm":"a/limit"}""", "minutes")]
    [InlineData("pipeline/commands/shelve", """{"alarm":"a/limit","minutes":-5}""", "minutes")]
    [InlineData("pipeline/commands/shelve", """{"alarm":"a/limit","minutes":"30"}""", "minutes")]
    [InlineData("pipeline/commands/shelve", """{"alarm":"a/limit","minutes":1e400}""", "minutes")]
    [InlineData("pipeline/commands/shelve", """{"alarm":"a/limit","minutes":10081}""", "minutes")]
    public void Should_say_why_a_command_is_refused(string topic, string payload, string reason)
    {
        var parsed = Parse(topic, payload);

        Assert.Null(parsed.Command);
        Assert.Contains(reason, parsed.Rejection, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_an_oversized_command_without_reading_it()
    {
        var parsed = Parse("pipeline/commands/ack", $$"""{"alarm":"a/limit","by":"{{new string('x', 2000)}}"}""");

        Assert.Contains("at most 1024", parsed.Rejection, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_give_a_command_or_a_reason_for_any_bytes_and_never_throw()
    {
        Gen.Select(Gen.OneOf<string>(AlarmCommand.AcknowledgeTopic, AlarmCommand.ShelveTopic, "pipeline/commands/x", "x"), Gen.Byte.Array[0, 1200])
            .Sample((topic, payload) =>
            {
                var parsed = AlarmCommand.Parse(topic, payload);
                return (parsed.Command is null) != (parsed.Rejection is null);
            }, iter: 5_000);
    }

    [Fact]
    public void Should_take_only_a_known_type_in_its_own_spelling_for_any_alarm_text()
    {
        var typeText = Gen.OneOf(Gen.String, Gen.OneOf<string>("anomaly", "Anomaly", "LIMIT", "7", "0", "offline", "stuck ", " pulsation"));
        var alarm = Gen.OneOf(Gen.String, Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 1, 10], typeText, (sensor, type) => $"{sensor}/{type}"));
        Gen.Select(alarm, Gen.OneOf<string>(AlarmCommand.AcknowledgeTopic, AlarmCommand.ShelveTopic))
            .Sample((text, topic) =>
            {
                var json = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object> { ["alarm"] = text, ["minutes"] = 10 });
                var parsed = AlarmCommand.Parse(topic, Encoding.UTF8.GetBytes(json));
                return parsed.Command is null || (parsed.Command.AlarmId == text && AlarmNames.TypeNames.Contains(text[(text.IndexOf('/', StringComparison.Ordinal) + 1)..]));
            }, iter: 5_000);
    }
}
