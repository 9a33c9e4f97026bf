using Microsoft.Extensions.Logging;
using Pipeline.Streams.Ingesting;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Ingesting;

/// <summary>Whether the node can hear its sensors, as its sensors' offline checks ask it.</summary>
public sealed class NodeHearingWatchSpecs
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly TestLogger<NodeHearingWatch> _log = new();
    private string? _deaf = "the node is not connected to the broker";

    [Fact]
    public void Should_not_hear_before_its_first_connection_and_say_nothing_about_it()
    {
        var watch = new NodeHearingWatch(() => _deaf, _log);

        watch.Look(T0);

        Assert.Null(watch.HearingSince);
        Assert.Empty(_log.Entries);
    }

    [Fact]
    public void Should_hear_from_the_look_that_found_it_hearing_and_not_through_a_stall()
    {
        var watch = new NodeHearingWatch(() => _deaf, _log);
        watch.Look(T0);
        _deaf = null;
        watch.Look(T0.AddSeconds(1));
        watch.Look(T0.AddSeconds(2));
        Assert.Equal(T0.AddSeconds(1), watch.HearingSince); // without a break since

        _deaf = "the store postgres://db:5432/pipeline cannot take writes";
        watch.Look(T0.AddSeconds(3));
        watch.Look(T0.AddSeconds(4));
        Assert.Null(watch.HearingSince);

        _deaf = null;
        watch.Look(T0.AddSeconds(50));
        Assert.Equal(T0.AddSeconds(50), watch.HearingSince); // a new start: each sensor's whole OfflineAfter from here

        Assert.Equal(["No sensor is taken for offline while the store postgres://db:5432/pipeline cannot take writes: their silence says nothing about them then"],
            _log.At(LogLevel.Warning));
        Assert.Equal(["The node hears its sensors again: each has its OfflineAfter from now to be heard"], _log.At(LogLevel.Information));
    }
}
