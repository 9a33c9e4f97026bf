using System.Collections.Concurrent;
using Pipeline.Models.Alarms;

namespace Pipeline.Host.Observing;

/// <summary>
/// Passes alarm changes on to SCADA and keeps the active ones, for the node's metrics: every change goes through the
/// publisher, so what it saw is what SCADA saw.
/// </summary>
public sealed class ObservedAlarms(IAlarmPublisher inner) : IAlarmPublisher
{
    private readonly ConcurrentDictionary<string, Alarm> _active = new(StringComparer.Ordinal);

    public IEnumerable<Alarm> Active => _active.Values;

    public void Publish(IReadOnlyList<AlarmChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        foreach (var change in changes)
        {
            Keep(change.Alarm);
        }

        inner.Publish(changes);
    }

    public void PublishState(IReadOnlyList<Alarm> open)
    {
        ArgumentNullException.ThrowIfNull(open);
        foreach (var alarm in open)
        {
            Keep(alarm);
        }

        inner.PublishState(open);
    }

    private void Keep(Alarm alarm)
    {
        if (alarm.IsActive)
        {
            _active[alarm.Id] = alarm;
        }
        else
        {
            _active.TryRemove(alarm.Id, out _);
        }
    }
}
