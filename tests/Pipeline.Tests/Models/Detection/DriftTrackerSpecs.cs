using Pipeline.Models.Detection;

namespace Pipeline.Tests.Models.Detection;

public sealed class DriftTrackerSpecs
{
    [Fact]
    public void Should_follow_the_tracked_signals_from_the_commissioned_centre_and_leave_the_others()
    {
        var tracker = new DriftTracker([20f, 4f], [0]);

        tracker.Observe([30f, 9f]);
        var first = tracker.Shift;
        for (var i = 0; i < 200; i++)
        {
            tracker.Observe([30f, 9f]);
        }

        Assert.Equal(DriftTracker.Rate * 10, first[0], 5);
        Assert.Equal(10, tracker.Shift[0], 3);
        Assert.Equal(0, tracker.Shift[1]);
    }
}
