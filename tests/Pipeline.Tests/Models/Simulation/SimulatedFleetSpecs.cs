using Pipeline.Models.Simulation;

namespace Pipeline.Tests.Models.Simulation;

public sealed class SimulatedFleetSpecs
{
    [Fact]
    public void Should_name_devices_with_two_digits_at_least_whatever_the_fleet_size()
    {
        // #20: from 100 devices on the names switched to esp32-001, and certificates issued as esp32-01 … matched none.
        var names = SimulatedFleet.Names(100);

        Assert.Equal(["esp32-01", "esp32-02"], names.Take(2));
        Assert.Equal(["esp32-99", "esp32-100"], names.Skip(98));
        Assert.Equal(["esp32-01", "esp32-02", "esp32-03"], SimulatedFleet.Names(3));
    }

    [Fact]
    public void Should_start_each_run_above_where_an_earlier_run_could_have_reached()
    {
        var first = SimulatedFleet.FirstSequence(DateTimeOffset.FromUnixTimeSeconds(1_790_000_000));
        var tenMinutesLater = SimulatedFleet.FirstSequence(DateTimeOffset.FromUnixTimeSeconds(1_790_000_600));

        // Even a device publishing 100,000 readings a second for the ten minutes in between stays below the next start.
        Assert.True(first + (100_000L * 600) < tenMinutesLater);
        Assert.True(SimulatedFleet.FirstSequence(new DateTimeOffset(2250, 1, 1, 0, 0, 0, TimeSpan.Zero)) < 9_007_199_254_740_991);
    }
}
