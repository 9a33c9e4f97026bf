namespace Pipeline.Models.Telemetry;

/// <summary>
/// Tells a node clock that is behind from a device clock that is ahead. A reading more than <c>MaxClockSkew</c> ahead of
/// the node's clock is rejected (<see cref="RejectReason.TimestampInFuture"/>), which is right for one device with a
/// wrong clock. When the readings of <paramref name="devices"/> or more devices are, within <paramref name="within"/>
/// (default a minute), the node's own clock is the likelier one to be wrong: a Raspberry Pi keeps no time while off
/// (no battery for its clock by default) and starts at the time it was last shut down until it reaches a time server,
/// and every device's readings meanwhile look as if from the future. Said once per spell; a minute without such a
/// reading ends it.
/// </summary>
public sealed class NodeClockWatch(int devices = 3, TimeSpan? within = null)
{
    private readonly TimeSpan _within = within ?? TimeSpan.FromMinutes(1);
    private readonly Dictionary<string, DateTimeOffset> _aheadAt = new(StringComparer.Ordinal); // the devices of the last minute; bounded by the fleet
    private bool _said;

    /// <summary>
    /// Notes that a reading of <paramref name="sensorId"/> received at <paramref name="receivedAt"/> was ahead of the
    /// node's clock. Returns the devices (sorted) when this makes <c>devices</c> of them within the minute for the first
    /// time in this spell; otherwise null.
    /// </summary>
    public IReadOnlyList<string>? Ahead(string sensorId, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(sensorId);
        foreach (var (sensor, at) in _aheadAt)
        {
            if (at < receivedAt - _within)
            {
                _aheadAt.Remove(sensor);
            }
        }

        if (_aheadAt.Count == 0)
        {
            _said = false; // a quiet minute ended the spell: the next one is said again
        }

        _aheadAt[sensorId] = receivedAt;
        if (_said || _aheadAt.Count < devices)
        {
            return null;
        }

        _said = true;
        return [.. _aheadAt.Keys.Order(StringComparer.Ordinal)];
    }
}
