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

    [Fact]
    public void Should_name_each_fault_that_would_not_happen_in_the_run()
    {
        var devices = SimulatedFleet.Names(3);
        FaultSpec[] faults =
        [
            FaultSpec.Parse("leak:esp32-03@120s+60s"),
            FaultSpec.Parse("blockage:esp32-04@1m+1m"),
            FaultSpec.Parse("stuck:esp32-01@1h+5m"),
            FaultSpec.Parse("drift:ESP32-02@10s+5s"),
        ];

        Assert.Equal(
        [
            "fault blockage:esp32-04@60s+60s: esp32-04 is not one of the 3 simulated devices (esp32-01 .. esp32-03); --devices sets how many",
            "fault stuck:esp32-01@3600s+300s: it starts at 3600s, when the run of 3600s has ended",
            "fault drift:ESP32-02@10s+5s: ESP32-02 is not one of the 3 simulated devices (esp32-01 .. esp32-03); --devices sets how many",
        ], SimulatedFleet.UnreachableFaults(faults, devices, TimeSpan.FromHours(1)));
        Assert.Equal(2, SimulatedFleet.UnreachableFaults(faults, devices, null).Count); // a run of no known end reaches every start
        Assert.Equal(["fault leak:esp32-01@0s+1s: esp32-01 is not one of the 1 simulated devices (esp32-07); --devices sets how many"],
            SimulatedFleet.UnreachableFaults([FaultSpec.Parse("leak:esp32-01@0s+1s")], ["esp32-07"], null));
    }
}
