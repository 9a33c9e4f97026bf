using Pipeline.Models.Telemetry;

namespace Pipeline.Tests.Models.Telemetry;

/// <summary>One device from the future is its own clock's fault; three within a minute point at the node's.</summary>
public sealed class NodeClockWatchSpecs
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 6, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Should_say_nothing_while_one_or_two_devices_are_ahead()
    {
        var watch = new NodeClockWatch();

        for (var second = 0; second < 120; second++)
        {
            Assert.Null(watch.Ahead(second % 2 == 0 ? "esp32-01" : "esp32-02", Start.AddSeconds(second)));
        }
    }

    [Fact]
    public void Should_name_the_devices_once_when_a_third_is_ahead_within_the_minute_and_again_after_a_quiet_minute()
    {
        var watch = new NodeClockWatch();

        Assert.Null(watch.Ahead("esp32-03", Start));
        Assert.Null(watch.Ahead("esp32-01", Start.AddSeconds(10)));
        Assert.Equal(["esp32-01", "esp32-02", "esp32-03"], watch.Ahead("esp32-02", Start.AddSeconds(20)));
        Assert.Null(watch.Ahead("esp32-04", Start.AddSeconds(30))); // the same spell: said once
        Assert.Null(watch.Ahead("esp32-01", Start.AddSeconds(85)));

        var later = Start.AddMinutes(10); // a minute and more without one ended the spell
        Assert.Null(watch.Ahead("esp32-07", later));
        Assert.Null(watch.Ahead("esp32-08", later.AddSeconds(1)));
        Assert.Equal(["esp32-07", "esp32-08", "esp32-09"], watch.Ahead("esp32-09", later.AddSeconds(2)));
    }

    [Fact]
    public void Should_not_count_devices_that_were_ahead_more_than_a_minute_apart()
    {
        var watch = new NodeClockWatch();

        Assert.Null(watch.Ahead("esp32-01", Start));
        Assert.Null(watch.Ahead("esp32-02", Start.AddSeconds(50)));
        Assert.Null(watch.Ahead("esp32-03", Start.AddSeconds(70))); // esp32-01's was 70 s before
    }
}
