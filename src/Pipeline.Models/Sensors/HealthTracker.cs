using System.Globalization;
using Pipeline.Models.Telemetry;

namespace Pipeline.Models.Sensors;

/// <summary>
/// Stuck, out-of-range and pulsation detection for one sensor, as a pure state machine over its readings: it returns
/// only the transitions (a condition starting or ending), never a stream of repeats.
/// </summary>
public sealed class HealthTracker(string sensorId, SensorSettings settings)
{
    // One small record per signal, found by a linear search: a sensor has a handful of signals, and a node holds
    // thousands of these (bench/README.md, "Memory per sensor": sets and dictionaries per condition cost ~1 KB a sensor).
    private readonly List<SignalHealth> _signals = new(4);

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
                Of(signal).OutOfRange = true;
                break;
            case HealthCondition.Stuck when signal is not null:
                var stuck = Of(signal);
                (stuck.Stuck, stuck.CarriedStuck) = (true, true);
                break;
            case HealthCondition.Pulsating when signal is not null:
                var pulsating = Of(signal);
                (pulsating.Pulsating, pulsating.CarriedPulsation) = (true, true);
                break;
        }
    }

    /// <summary>Stuck signals, in ordinal order.</summary>
    public IReadOnlyCollection<string> StuckSignals => Names(static s => s.Stuck);

    /// <summary>Signals outside their limits, in ordinal order.</summary>
    public IReadOnlyCollection<string> OutOfRangeSignals => Names(static s => s.OutOfRange);

    /// <summary>Pulsating signals, in ordinal order.</summary>
    public IReadOnlyCollection<string> PulsatingSignals => Names(static s => s.Pulsating);

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
            var health = Of(signal);
            var seen = health.Repeats > 0;
            var same = seen && health.Last.Equals(value);
            if (seen && !same && !health.Stuck && health.Readings <= UsualRunReadings)
            {
                // A run that ended within the signal's first readings; not one it was stuck in, which is no usual run.
                health.UsualRun = Math.Max(health.UsualRun, health.Repeats);
            }

            health.Readings = Math.Min(health.Readings + 1, UsualRunReadings + 1);
            health.Repeats = same ? health.Repeats + 1 : 1;
            health.Last = value;
            // The first value after a restart cannot show a change: a carried-over stuck signal clears from the next one on.
            var firstAfterResume = !seen && health.CarriedStuck;
            health.CarriedStuck &= seen;

            if (health.Repeats >= StuckAfter(health) && !health.Stuck)
            {
                health.Stuck = true;
                (events ??= []).Add(new HealthEvent(sensorId, HealthCondition.Stuck, signal, true,
                    string.Create(CultureInfo.InvariantCulture, $"{signal} has read {value} {health.Repeats} times in a row"), now));
            }
            else if (health.Repeats == 1 && !firstAfterResume && health.Stuck)
            {
                health.Stuck = false;
                (events ??= []).Add(new HealthEvent(sensorId, HealthCondition.Stuck, signal, false,
                    string.Create(CultureInfo.InvariantCulture, $"{signal} moves again ({value})"), now));
            }

            if (Settings.PulsationFactor > 0 && (Watch(health).Observe(value) || CarriedPulsationOver(health)) && PulsationChanged(health, now) is { } pulsation)
            {
                (events ??= []).Add(pulsation);
            }

            if (Settings.Limits.TryGetValue(signal, out var limit))
            {
                var inside = limit.Contains(value);
                if (!inside && !health.OutOfRange)
                {
                    health.OutOfRange = true;
                    (events ??= []).Add(new HealthEvent(sensorId, HealthCondition.OutOfRange, signal, true,
                        string.Create(CultureInfo.InvariantCulture, $"{signal} = {value}, outside its limits [{limit.Min}, {limit.Max}]"), now));
                }
                else if (inside && health.OutOfRange)
                {
                    health.OutOfRange = false;
                    (events ??= []).Add(new HealthEvent(sensorId, HealthCondition.OutOfRange, signal, false,
                        string.Create(CultureInfo.InvariantCulture, $"{signal} = {value}, back within [{limit.Min}, {limit.Max}]"), now));
                }
            }
        }

        return events ?? (IReadOnlyList<HealthEvent>)[];
    }

    private SignalHealth Of(string signal)
    {
        foreach (var health in _signals)
        {
            if (string.Equals(health.Name, signal, StringComparison.Ordinal))
            {
                return health;
            }
        }

        var added = new SignalHealth(signal);
        _signals.Add(added);
        return added;
    }

    private PulsationWatch Watch(SignalHealth health) => health.Watch ??= new PulsationWatch(Settings.PulsationBaseline, Settings.PulsationFactor);

    /// <summary>A pulsation carried over a restart is over once the usual roughness is learned again and it is not pulsating.</summary>
    private static bool CarriedPulsationOver(SignalHealth health)
    {
        if (!health.CarriedPulsation || health.Watch is not { Usual: not null, Pulsating: false })
        {
            return false;
        }

        health.CarriedPulsation = false;
        return true;
    }

    /// <summary>
    /// One condition per sensor (one alarm): it starts with the first pulsating signal and ends with the last, so
    /// that flow and pressure pulsating together raise and clear one alarm.
    /// </summary>
    private HealthEvent? PulsationChanged(SignalHealth health, DateTimeOffset now)
    {
        var (signal, watch) = (health.Name, health.Watch!);
        if (watch.Pulsating)
        {
            var first = !AnyPulsating();
            health.Pulsating = true;
            if (!first)
            {
                return null;
            }

            var hint = signal is "flow" or "pressure" ? " — hint: possible cavitation" : string.Empty;
            return new HealthEvent(sensorId, HealthCondition.Pulsating, signal, true,
                string.Create(CultureInfo.InvariantCulture, $"{signal} pulsates: its short-term variation is {watch.Ratio:0.#} x its usual{hint}"), now);
        }

        if (!health.Pulsating)
        {
            return null;
        }

        health.Pulsating = false;
        if (AnyPulsating())
        {
            return null;
        }

        return new HealthEvent(sensorId, HealthCondition.Pulsating, signal, false,
            string.Create(CultureInfo.InvariantCulture, $"{signal} steady again ({watch.Ratio:0.#} x its usual variation), the last to settle"), now);
    }

    private bool AnyPulsating() => Count(static s => s.Pulsating) > 0;

    private int Count(Func<SignalHealth, bool> condition)
    {
        var count = 0;
        foreach (var health in _signals)
        {
            count += condition(health) ? 1 : 0;
        }

        return count;
    }

    /// <summary>Asked with every status report; usually nothing is wrong, and then nothing is allocated.</summary>
    private string[] Names(Func<SignalHealth, bool> condition)
    {
        var count = Count(condition);
        if (count == 0)
        {
            return [];
        }

        var names = new string[count];
        count = 0;
        foreach (var health in _signals)
        {
            if (condition(health))
            {
                names[count++] = health.Name;
            }
        }

        Array.Sort(names, StringComparer.Ordinal);
        return names;
    }

    /// <summary>
    /// Readings of a signal in a row with one value that make it stuck: <see cref="SensorSettings.StuckCount"/>, or three
    /// times the longest such run the signal showed in its first <see cref="UsualRunReadings"/> readings if that is more
    /// (at most ten times the count). A healthy sensor that reads in coarse steps repeats itself: SKAB's flow, in whole
    /// litres a minute, holds one value for up to 43 readings in normal operation, and 30 raised 7 stuck alarms in 16
    /// valve1 files and the anomaly-free run cut into 9 (1 with this rule, within a signal's first 400 readings).
    /// </summary>
    private int StuckAfter(SignalHealth health) =>
        Math.Min(10 * Settings.StuckCount, Math.Max(Settings.StuckCount, 3 * health.UsualRun));

    /// <summary>The readings of a signal from which its usual longest run of one value is learned (again after a restart).</summary>
    public const int UsualRunReadings = 400;

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

    /// <summary>What is known of one signal: its last value, how often in a row, and the conditions it is in.</summary>
    private sealed class SignalHealth(string name)
    {
        public string Name { get; } = name;

        public double Last { get; set; }

        /// <summary>0 until the first value after a start.</summary>
        public int Repeats { get; set; }

        /// <summary>Readings of the signal since the start, counted up to one past <see cref="UsualRunReadings"/>.</summary>
        public int Readings { get; set; }

        /// <summary>The longest run of one value that ended within its first <see cref="UsualRunReadings"/> readings.</summary>
        public int UsualRun { get; set; }

        public bool Stuck { get; set; }

        public bool OutOfRange { get; set; }

        public bool Pulsating { get; set; }

        /// <summary>Stuck before a restart: clears only with a change after the first value.</summary>
        public bool CarriedStuck { get; set; }

        /// <summary>Pulsating before a restart: clears once the usual roughness is learned again.</summary>
        public bool CarriedPulsation { get; set; }

        public PulsationWatch? Watch { get; set; }
    }
}
