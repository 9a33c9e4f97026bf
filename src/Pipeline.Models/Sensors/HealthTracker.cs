using System.Globalization;
using Pipeline.Models.Telemetry;

namespace Pipeline.Models.Sensors;

/// <summary>
/// Stuck, out-of-range and pulsation detection for one sensor, as a pure state machine over its readings: it returns
/// only the transitions (a condition starting or ending), never a stream of repeats.
/// </summary>
public sealed class HealthTracker(string sensorId, SensorSettings settings)
{
    private readonly HashSet<string> _carriedStuck = new(StringComparer.Ordinal);
    private readonly HashSet<string> _carriedPulsation = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (double Value, int Repeats)> _last = new(StringComparer.Ordinal);
    private readonly HashSet<string> _stuck = new(StringComparer.Ordinal);
    private readonly HashSet<string> _outOfRange = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PulsationWatch> _pulsation = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _pulsating = new(StringComparer.Ordinal);

    public bool IsOffline { get; private set; }

    /// <summary>
    /// The sensor's settings; replaced when its registration changes on a running node (new limits apply from the next
    /// reading, #20).
    /// </summary>
    public SensorSettings Settings { get; set; } = settings;

    /// <summary>
    /// Picks up the conditions that were active before a restart (the sensor's open alarms), so that each clears when
    /// the sensor shows it is over — before #20 an offline alarm reloaded at start never cleared. Offline clears with
    /// the next reading, out of range with the next value inside the limits, stuck with the next change of value after
    /// the first, pulsation once the signal's usual roughness is learned again and it is not pulsating.
    /// </summary>
    public void Resume(HealthCondition condition, string? signal)
    {
        switch (condition)
        {
            case HealthCondition.Offline:
                IsOffline = true;
                break;
            case HealthCondition.OutOfRange when signal is not null:
                _outOfRange.Add(signal);
                break;
            case HealthCondition.Stuck when signal is not null:
                _stuck.Add(signal);
                _carriedStuck.Add(signal);
                break;
            case HealthCondition.Pulsating when signal is not null:
                _pulsating.Add(signal);
                _carriedPulsation.Add(signal);
                break;
        }
    }

    public IReadOnlyCollection<string> StuckSignals => _stuck;

    public IReadOnlyCollection<string> OutOfRangeSignals => _outOfRange;

    public IReadOnlyCollection<string> PulsatingSignals => _pulsating;

    /// <summary>Updates the conditions with a reading and returns the transitions it caused.</summary>
    public IReadOnlyList<HealthEvent> Observe(Reading reading, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(reading);
        List<HealthEvent>? events = null;
        if (IsOffline)
        {
            IsOffline = false;
            (events ??= []).Add(new HealthEvent(sensorId, HealthCondition.Offline, null, false, "reporting again", now));
        }

        foreach (var (signal, value) in reading.Values)
        {
            var seen = _last.TryGetValue(signal, out var last);
            var repeats = seen && last.Value.Equals(value) ? last.Repeats + 1 : 1;
            _last[signal] = (value, repeats);
            // The first value after a restart cannot show a change: a carried-over stuck signal clears from the next one on.
            var firstAfterResume = !seen && _carriedStuck.Remove(signal);

            if (repeats >= Settings.StuckCount && _stuck.Add(signal))
            {
                (events ??= []).Add(new HealthEvent(sensorId, HealthCondition.Stuck, signal, true,
                    string.Create(CultureInfo.InvariantCulture, $"{signal} has read {value} {repeats} times in a row"), now));
            }
            else if (repeats == 1 && !firstAfterResume && _stuck.Remove(signal))
            {
                (events ??= []).Add(new HealthEvent(sensorId, HealthCondition.Stuck, signal, false,
                    string.Create(CultureInfo.InvariantCulture, $"{signal} moves again ({value})"), now));
            }

            if (Settings.PulsationFactor > 0 && (Pulsation(signal).Observe(value) || CarriedPulsationOver(signal)) && PulsationChanged(signal, now) is { } pulsation)
            {
                (events ??= []).Add(pulsation);
            }

            if (Settings.Limits.TryGetValue(signal, out var limit))
            {
                var inside = limit.Contains(value);
                if (!inside && _outOfRange.Add(signal))
                {
                    (events ??= []).Add(new HealthEvent(sensorId, HealthCondition.OutOfRange, signal, true,
                        string.Create(CultureInfo.InvariantCulture, $"{signal} = {value}, outside its limits [{limit.Min}, {limit.Max}]"), now));
                }
                else if (inside && _outOfRange.Remove(signal))
                {
                    (events ??= []).Add(new HealthEvent(sensorId, HealthCondition.OutOfRange, signal, false,
                        string.Create(CultureInfo.InvariantCulture, $"{signal} = {value}, back within [{limit.Min}, {limit.Max}]"), now));
                }
            }
        }

        return events ?? (IReadOnlyList<HealthEvent>)[];
    }

    private PulsationWatch Pulsation(string signal)
    {
        if (!_pulsation.TryGetValue(signal, out var watch))
        {
            watch = new PulsationWatch(Settings.PulsationBaseline, Settings.PulsationFactor);
            _pulsation[signal] = watch;
        }

        return watch;
    }

    /// <summary>A pulsation carried over a restart is over once the usual roughness is learned again and it is not pulsating.</summary>
    private bool CarriedPulsationOver(string signal) =>
        _carriedPulsation.Contains(signal) && _pulsation[signal] is { Usual: not null, Pulsating: false } && _carriedPulsation.Remove(signal);

    /// <summary>
    /// One condition per sensor (one alarm): it starts with the first pulsating signal and ends with the last, so
    /// that flow and pressure pulsating together raise and clear one alarm.
    /// </summary>
    private HealthEvent? PulsationChanged(string signal, DateTimeOffset now)
    {
        var watch = _pulsation[signal];
        if (watch.Pulsating)
        {
            var first = _pulsating.Count == 0;
            _pulsating.Add(signal);
            if (!first)
            {
                return null;
            }

            var hint = signal is "flow" or "pressure" ? " — hint: possible cavitation" : string.Empty;
            return new HealthEvent(sensorId, HealthCondition.Pulsating, signal, true,
                string.Create(CultureInfo.InvariantCulture, $"{signal} pulsates: its short-term variation is {watch.Ratio:0.#} x its usual{hint}"), now);
        }

        if (!_pulsating.Remove(signal) || _pulsating.Count > 0)
        {
            return null;
        }

        return new HealthEvent(sensorId, HealthCondition.Pulsating, signal, false,
            string.Create(CultureInfo.InvariantCulture, $"{signal} steady again ({watch.Ratio:0.#} x its usual variation), the last to settle"), now);
    }

    /// <summary>No reading for <see cref="SensorSettings.OfflineAfter"/>: returns the transition, once.</summary>
    public HealthEvent? Silent(DateTimeOffset now, DateTimeOffset? lastSeen)
    {
        if (IsOffline)
        {
            return null;
        }

        IsOffline = true;
        var since = lastSeen is { } seen ? $"no reading since {seen:u}" : "never reported";
        return new HealthEvent(sensorId, HealthCondition.Offline, null, true,
            $"{since} (offline after {Settings.OfflineAfter.TotalSeconds:F0} s)", now);
    }
}
