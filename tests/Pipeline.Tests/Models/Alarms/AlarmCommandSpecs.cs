using System.Text;
using Pipeline.Models.Alarms;

namespace Pipeline.Tests.Models.Alarms;

public sealed class AlarmCommandSpecs
{
    private static AlarmCommand? Parse(string topic, string payload, out string? error) => AlarmCommand.Parse(topic, Encoding.UTF8.GetBytes(payload), out error);

    [Fact]
    public void Should_read_an_acknowledgement_and_a_shelving()
    {
        var ack = Parse("pipeline/commands/ack", """{"alarm":"esp32-01/anomaly","by":"op1"}""", out _);
        var shelve = Parse("pipeline/commands/shelve", """{"alarm":"esp32-01/stuck","minutes":30}""", out _);

        Assert.Equal(new AlarmCommand("ack", "esp32-01/anomaly", "op1", null), ack);
        Assert.Equal(new AlarmCommand("shelve", "esp32-01/stuck", "scada", TimeSpan.FromMinutes(30)), shelve);
    }

    [Theory]
    [InlineData("pipeline/commands/delete", """{"alarm":"a/b"}""", "not a command topic")]
    [InlineData("pipeline/commands/ack", "nope", "not valid JSON")]
    [InlineData("pipeline/commands/ack", """{"alarm":"esp32-01"}""", "SENSOR/TYPE")]
    [InlineData("pipeline/commands/shelve", """{"alarm":"a/b"}""", "minutes")]
    [InlineData("pipeline/commands/shelve", """{"alarm":"a/b","minutes":-5}""", "minutes")]
    public void Should_say_why_a_command_is_refused(string topic, string payload, string reason)
    {
        Assert.Null(Parse(topic, payload, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
