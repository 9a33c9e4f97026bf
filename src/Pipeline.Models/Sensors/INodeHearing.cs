namespace Pipeline.Models.Sensors;

/// <summary>
/// Whether the node can hear its sensors at all: its broker session up, its store taking writes (a reading reaches
/// its sensor only once stored). While it cannot, a sensor's silence says nothing about the sensor, so none is taken
/// for offline — one cause, said once by the node (its log, <c>/health/ready</c>), not an offline alarm for every sensor
/// it has; once it hears again, each sensor has its whole <see cref="SensorSettings.OfflineAfter"/> to be heard.
/// </summary>
public interface INodeHearing
{
    /// <summary>Since when the node has heard without a break, or null while it cannot.</summary>
    DateTimeOffset? HearingSince { get; }
}

/// <summary>A node that always hears: the specs' and tools' that have no broker or store to lose.</summary>
public sealed class AlwaysHearing : INodeHearing
{
    public static readonly AlwaysHearing Instance = new();

    private AlwaysHearing()
    {
    }

    public DateTimeOffset? HearingSince => DateTimeOffset.MinValue;
}
