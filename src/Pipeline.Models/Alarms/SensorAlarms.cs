using Pipeline.Models.Detection;
using Pipeline.Models.Sensors;

namespace Pipeline.Models.Alarms;

/// <summary>
/// The alarms of one sensor — one per type — as a value: each event gives the next value and the transitions it caused.
/// Whoever holds it keeps the next value only once those transitions are journalled, so an alarm is never raised in
/// memory and lost on disk (#15). Decisions are <see cref="AlarmPolicy"/>'s.
/// <para>
/// A struct: a sensor keeps its alarms from one window to the next, a second at a sensor's usual rate, and a new object
/// per window outlived the collector's young generations and died in its oldest — 5 MB of them in a fleet of 10,000
/// sensors in operation (bench/README.md, #17). Its fields are the value; the tracks array is never changed once made.
/// </para>
/// </summary>
public readonly struct SensorAlarms
{
    /// <summary>The health alarm raised by each condition.</summary>
    private static readonly Dictionary<AlarmType, HealthCondition> Conditions = new()
    {
        [AlarmType.Offline] = HealthCondition.Offline,
        [AlarmType.Stuck] = HealthCondition.Stuck,
        [AlarmType.Pulsation] = HealthCondition.Pulsating,
        [AlarmType.Limit] = HealthCondition.OutOfRange,
        [AlarmType.Incomplete] = HealthCondition.Incomplete,
    };

    private static readonly int TypeCount = Enum.GetValues<AlarmType>().Length;

    /// <summary>
    /// Each type's track at its number, null for a type never raised. A copy per change, of five references: an immutable
    /// dictionary's new nodes per window were 3 % of a steady node's allocations (bench/README.md).
    /// </summary>
    private readonly AlarmPolicy.Track?[] _tracks;
    private readonly long _judgedThrough;

    private SensorAlarms(string sensorId, AlarmSettings settings, AlarmPolicy.Track?[] tracks, long judgedThrough)
    {
        SensorId = sensorId;
        Settings = settings;
        _tracks = tracks;
        _judgedThrough = judgedThrough;
    }

    public string SensorId { get; }

    public AlarmSettings Settings { get; }

    /// <summary>The alarms not in the normal state (or shelved), as journalled.</summary>
    public IEnumerable<Alarm> Open => _tracks.OfType<AlarmPolicy.Track>().Select(t => t.Alarm).Where(a => a.State != AlarmState.Normal || a.ShelvedUntil is not null);

    /// <summary>
    /// The sensor's alarms as the journal left them (<see cref="IAlarmJournal.LoadOpenAsync"/>); the others are normal.
    /// With its newest stored verdicts (<see cref="IAlarmJournal.LoadJudgedAsync"/>, at least
    /// <see cref="AlarmSettings.RememberedWindows"/>), the anomaly alarm also goes on where it stopped: windows judged
    /// before count once, and its on-delay and off-delay remember the windows before the restart.
    /// </summary>
    public static SensorAlarms Load(string sensorId, AlarmSettings settings, IEnumerable<Alarm> open, IReadOnlyList<JudgedWindow>? judged = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(open);
        var tracks = new AlarmPolicy.Track?[TypeCount];
        foreach (var alarm in open.Where(a => a.SensorId == sensorId))
        {
            tracks[(int)alarm.Type] = AlarmPolicy.Track.Start(sensorId, alarm.Type) with { Alarm = alarm };
        }

        if (judged is not { Count: > 0 })
        {
            return new SensorAlarms(sensorId, settings, tracks, long.MinValue);
        }

        var scored = judged.Where(w => !w.Learning).ToList();
        var anomaly = tracks[(int)AlarmType.Anomaly] ?? AlarmPolicy.Track.Start(sensorId, AlarmType.Anomaly);
        tracks[(int)AlarmType.Anomaly] = anomaly with
        {
            Recent = scored.TakeLast(settings.OnDelayWindows).Select(w => w.Score > w.Threshold).ToList(),
            BelowClear = scored.AsEnumerable().Reverse().TakeWhile(w => w.Score < w.Threshold * settings.ClearFraction).Count(),
        };
        return new SensorAlarms(sensorId, settings, tracks, judged.Max(w => w.LastSequence));
    }

    /// <summary>The health conditions behind the active health alarms, with their signals: what a restarted sensor picks up again.</summary>
    public IEnumerable<(HealthCondition Condition, string? Signal)> ActiveConditions() =>
        Open.Where(a => a.IsActive && Conditions.ContainsKey(a.Type)).Select(a => (Conditions[a.Type], a.Signal));

    public Alarm this[AlarmType type] => Track(type).Alarm;

    /// <summary>Whether the alarm is active; asked after every verdict, so a type never raised allocates no normal alarm for it.</summary>
    public bool IsActive(AlarmType type) => _tracks[(int)type] is { Alarm.IsActive: true };

    /// <summary>
    /// A scored window. A learning window raises nothing (it was not judged against the sensor's own calibration), and a
    /// window judged before — its readings redelivered — counts once.
    /// </summary>
    public SensorAlarmsChange OnVerdict(Verdict verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        if (verdict.Learning || verdict.LastSequence <= _judgedThrough)
        {
            return Unchanged();
        }

        var hint = verdict.Anomalous ? CauseHint.Describe(verdict.Signals, verdict.PerSignal, verdict.Residual, verdict.Threshold) : null;
        var outcome = AlarmPolicy.OnScore(Track(AlarmType.Anomaly), Settings, verdict.Score, verdict.Threshold, verdict.Threshold * Settings.ClearFraction, hint, verdict.EndTimestampMs, verdict.Shift);
        return Next(outcome, verdict.EndTimestampMs, verdict.LastSequence);
    }

    /// <summary>A health condition starting or ending.</summary>
    public SensorAlarmsChange OnHealth(HealthEvent health)
    {
        ArgumentNullException.ThrowIfNull(health);
        var type = Conditions.First(c => c.Value == health.Condition).Key;
        var message = health.Signal is null ? health.Detail : $"{health.Signal}: {health.Detail}";
        var at = health.At.ToUnixTimeMilliseconds();
        return Next(AlarmPolicy.OnCondition(Track(type), Settings, health.Active, message, at, health.Signal), at, _judgedThrough);
    }

    /// <summary>An operator acknowledges; refused (with why) when the alarm is not waiting for it.</summary>
    public SensorAlarmsChange Acknowledge(AlarmType type, long nowMs)
    {
        var alarm = this[type];
        if (alarm.State is not (AlarmState.ActiveUnacknowledged or AlarmState.ClearedUnacknowledged))
        {
            var state = alarm.RaisedAt is null ? "it has never been raised" : $"it is {AlarmNames.Of(alarm.State)}";
            return new SensorAlarmsChange(this, [], $"{alarm.Id} is not waiting for an acknowledgement: {state}");
        }

        return Next(AlarmPolicy.Acknowledge(Track(type), nowMs), nowMs, _judgedThrough);
    }

    /// <summary>An operator shelves an alarm for a time: no (re-)raise until then.</summary>
    public SensorAlarmsChange Shelve(AlarmType type, TimeSpan duration, long nowMs) =>
        Next(AlarmPolicy.Shelve(Track(type), duration, nowMs), nowMs, _judgedThrough);

    private AlarmPolicy.Track Track(AlarmType type) => _tracks[(int)type] ?? AlarmPolicy.Track.Start(SensorId, type);

    private SensorAlarmsChange Unchanged() => new(this, []);

    private SensorAlarmsChange Next(AlarmPolicy.Outcome outcome, long at, long judgedThrough)
    {
        // A normal window of a sensor in normal operation leaves its track as it was (AlarmPolicy.OnScore): the tracks
        // are then shared, not copied — an array is never changed once made — and only how far it has judged moves on.
        var (type, tracks) = ((int)outcome.Alarm.Type, _tracks);
        if (!ReferenceEquals(outcome.Track, tracks[type]))
        {
            tracks = (AlarmPolicy.Track?[])_tracks.Clone();
            tracks[type] = outcome.Track;
        }

        return new SensorAlarmsChange(
            new SensorAlarms(SensorId, Settings, tracks, Math.Max(judgedThrough, _judgedThrough)),
            outcome.Transitions.Count == 0 ? [] : [.. outcome.Transitions.Select(t => new AlarmChange(outcome.Alarm, t, at))]);
    }
}

/// <param name="Next">The alarms after the event: keep them once <paramref name="Changes"/> are journalled.</param>
/// <param name="Refusal">Why an operator's command did nothing, when it did nothing.</param>
public sealed record SensorAlarmsChange(SensorAlarms Next, IReadOnlyList<AlarmChange> Changes, string? Refusal = null);
