using Pipeline.Models.Telemetry;

namespace Pipeline.Models.Sensors;

/// <summary>
/// What one sensor makes of its readings, in order: back in sequence order (<see cref="ReorderBuffer"/>), the sequence check (<see cref="SequenceDecision"/>), the sliding
/// window (<see cref="WindowBuffer"/>) and the health conditions (<see cref="HealthTracker"/>), with the counts a
/// person looks at. No I/O: the sensor actor feeds it, and <c>pipeline evaluate</c> replays files through it, so both
/// build the same windows.
/// </summary>
public sealed class SensorIntake
{
    private readonly ReorderBuffer _reorder = new();
    private readonly TakenSequences _taken = new();
    private readonly IncompleteReadings _incomplete;
    private WindowBuffer _window;

    public SensorIntake(string sensorId, SensorSettings settings, WindowSpec spec)
    {
        ArgumentNullException.ThrowIfNull(settings);
        SensorId = sensorId;
        Health = new HealthTracker(sensorId, settings);
        _incomplete = new IncompleteReadings(sensorId);
        _window = new WindowBuffer(spec);
    }

    public string SensorId { get; }

    public HealthTracker Health { get; }

    public WindowSpec Spec => _window.Spec;

    /// <summary>Samples in the window, up to its length.</summary>
    public int WindowFill => _window.Count;

    public long? LastSequence { get; private set; }

    public long LastTimestampMs { get; private set; }

    /// <summary>When the last reading was measured (a refill's) or arrived (a live one's).</summary>
    public DateTimeOffset? LastSeen { get; private set; }

    /// <summary>When the last live reading arrived: what silence is measured from.</summary>
    public DateTimeOffset? LastHeard { get; private set; }

    public long Duplicates { get; private set; }

    public long OutOfOrder { get; private set; }

    public long Gaps { get; private set; }

    /// <summary>
    /// A sensor that has taken no reading yet holds its first ones for the reorder wait too: with several nodes sharing
    /// the telemetry, their predecessors may be on their way through another node. Off for a node that reads alone.
    /// </summary>
    public bool FirstReadingsWait { get; init; }

    /// <summary>Where the windows' arrays come from; null: new ones. Whoever takes a window may give its array back once done.</summary>
    public WindowArrays? WindowArrays { get; init; }

    /// <summary>Readings that came after a later one and were put back in order.</summary>
    public long Reordered => _reorder.Reordered;

    /// <summary>Readings waiting for a missing predecessor.</summary>
    public int Waiting => _reorder.Count;

    /// <summary>Readings that lacked a signal the window needs (each restarted the window).</summary>
    public long Incomplete { get; private set; }

    /// <summary>
    /// Takes the readings before the first live one (from the store, on a (re)start) into the window and the sequence
    /// bookkeeping, without emitting windows: they were scored before. With <paramref name="judgedThrough"/>, every
    /// older reading that comes again counts as a duplicate. Returns the rows that entered the window, for the
    /// detector to follow.
    /// </summary>
    public IReadOnlyList<float[]> Refill(IEnumerable<Reading> history, DateTimeOffset now, long? judgedThrough = null)
    {
        if (judgedThrough is { } through)
        {
            _taken.Through(through);
        }

        ArgumentNullException.ThrowIfNull(history);
        var rows = new List<float[]>();
        foreach (var reading in history)
        {
            if (Accept(reading, now, live: false).Row is { } row)
            {
                rows.Add(row);
            }
        }

        return rows;
    }

    /// <summary>
    /// A live reading comes: <see cref="Next"/> takes it, and the ones that waited for it, in sequence order. One whose
    /// sequence waits already is a duplicate: counted, and its outcome returned at once.
    /// </summary>
    public IntakeOutcome? Offer(Reading reading, DateTimeOffset now)
    {
        if (_reorder.Add(reading, now))
        {
            return null;
        }

        Duplicates++;
        return new IntakeOutcome(reading, SequenceDecision.Duplicate, null, null, [], null);
    }

    /// <summary>
    /// A reading found stored, not yet judged, when the sensor started (<see cref="ReorderBuffer.AddStored"/>): taken
    /// in sequence order with the live ones; one already waiting is left as it is.
    /// </summary>
    public void Restore(Reading reading, DateTimeOffset now) => _reorder.AddStored(reading, now);

    /// <summary>
    /// Takes the next offered reading that need wait no longer (<see cref="ReorderBuffer"/>): what the sequence check
    /// decided, the window it made due (if any) and the health transitions. Null when none is ready.
    /// </summary>
    public IntakeOutcome? Next(DateTimeOffset now) =>
        _reorder.Next(LastSequence, Health.Settings.ReorderWait, now, FirstReadingsWait, Health.Settings.ReorderCapacity) is { } reading ? Take(reading, now) : null;

    private IntakeOutcome Take(Reading reading, DateTimeOffset now)
    {
        var decision = SequenceDecision.Decide(LastSequence, LastTimestampMs, reading.Sequence, reading.TimestampMs, Health.Settings.SamplingPeriod, Health.Settings.GapFactor);
        switch (decision.Verdict)
        {
            case SequenceVerdict.Duplicate:
                Duplicates++;
                return new IntakeOutcome(reading, decision, null, null, [], null);
            case SequenceVerdict.OutOfOrder when _taken.Contains(reading.Sequence):
                Duplicates++;
                return new IntakeOutcome(reading, SequenceDecision.Duplicate, null, null, [], null);
            case SequenceVerdict.OutOfOrder:
                OutOfOrder++;
                return new IntakeOutcome(reading, decision, null, null, [], null);
            case SequenceVerdict.Gap or SequenceVerdict.Reset:
                Gaps++;
                _window.Clear();
                break;
        }

        var (row, window, health, missing) = Accept(reading, now, live: true);
        // Whether the window fills, so the model can judge the sensor: only live readings say so, those a restart takes
        // again (Refill) were judged before it.
        var restarted = missing is not null || decision.Verdict is SequenceVerdict.Gap or SequenceVerdict.Reset;
        var filling = restarted ? _incomplete.Restarted(reading, decision.Reason, _window.Spec, now) : _window.IsFull ? _incomplete.Filled(now) : null;
        return new IntakeOutcome(reading, decision, row, window, filling is null ? health : [.. health, filling], missing);
    }

    /// <summary>
    /// No live reading for the sensor's <see cref="SensorSettings.OfflineAfter"/> while the node could hear it: the
    /// offline transition, once. <paramref name="hearingSince"/> is since when the node has heard without a break
    /// (<see cref="INodeHearing"/>), null while it cannot: silence then says nothing about the sensor.
    /// </summary>
    public HealthEvent? CheckSilence(DateTimeOffset now, DateTimeOffset startedAt, DateTimeOffset? hearingSince)
    {
        if (hearingSince is not { } hearing)
        {
            return null;
        }

        var heard = LastHeard ?? startedAt;
        var silent = now - (heard > hearing ? heard : hearing) >= Health.Settings.OfflineAfter;
        return silent ? Health.Silent(now, LastSeen) : null;
    }

    /// <summary>Starts an empty window of another shape (the sensor's model changed); the next readings fill it.</summary>
    public void Reshape(WindowSpec spec)
    {
        _window = new WindowBuffer(spec);
        _incomplete.Restart();
    }

    /// <summary>
    /// Picks up a condition that stood before a restart (an open alarm), so that it clears when the sensor shows it is
    /// over (<see cref="HealthTracker.Resume"/>).
    /// </summary>
    public void Resume(HealthCondition condition, string? signal)
    {
        if (condition == HealthCondition.Incomplete)
        {
            _incomplete.Resume(signal);
            return;
        }

        Health.Resume(condition, signal);
    }

    /// <summary>What <c>pipeline sensors list</c> shows for the sensor's health: "ok", or its conditions.</summary>
    public string HealthSummary()
    {
        var parts = new List<string>();
        if (Health.IsOffline)
        {
            parts.Add("offline");
        }

        if (Health.StuckSignals.Count > 0)
        {
            parts.Add("stuck: " + string.Join(",", Health.StuckSignals));
        }

        if (Health.OutOfRangeSignals.Count > 0)
        {
            parts.Add("out of range: " + string.Join(",", Health.OutOfRangeSignals));
        }

        if (Health.PulsatingSignals.Count > 0)
        {
            parts.Add("pulsating: " + string.Join(",", Health.PulsatingSignals));
        }

        if (_incomplete.IsActive)
        {
            parts.Add("not judged: " + _incomplete.Why);
        }

        return parts.Count == 0 ? "ok" : string.Join("; ", parts);
    }

    public SensorStatus Status(string node, DateTimeOffset now) =>
        new(SensorId, LastSeen, LastSequence, _window.Count, _window.Spec.Length, HealthSummary(), node, Duplicates, OutOfOrder, Gaps, now);

    private (float[]? Row, SensorWindow? Window, IReadOnlyList<HealthEvent> Health, string? Missing) Accept(Reading reading, DateTimeOffset now, bool live)
    {
        LastSequence = reading.Sequence;
        LastTimestampMs = reading.TimestampMs;
        _taken.Add(reading.Sequence);
        LastSeen = live ? now : reading.Timestamp; // history: when it was measured, not now
        if (live)
        {
            LastHeard = now;
        }

        var health = Health.Observe(reading, now);
        if (_window.MissingSignal(reading) is { } missing)
        {
            // A window needs every signal at every step: a reading without one is a hole.
            Incomplete++;
            _window.Clear();
            return (null, null, health, missing);
        }

        var due = _window.Append(reading) && live;
        return (_window.Row(reading), due ? _window.Snapshot(SensorId, WindowArrays) : null, health, null);
    }
}

/// <param name="Row">The reading's values in the window's signal order, when it entered the window.</param>
/// <param name="Window">The window that became due with this reading, if any.</param>
/// <param name="Health">Conditions that started or ended with it.</param>
/// <param name="MissingSignal">A signal the window needs that the reading lacked (the window restarted).</param>
public sealed record IntakeOutcome(Reading Reading, SequenceDecision Decision, float[]? Row, SensorWindow? Window, IReadOnlyList<HealthEvent> Health, string? MissingSignal);
