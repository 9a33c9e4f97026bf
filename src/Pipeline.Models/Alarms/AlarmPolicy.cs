namespace Pipeline.Models.Alarms;

/// <summary>
/// The alarm lifecycle as pure functions over an alarm's state: on-delay (k of the last n windows), off-delay with a
/// lower clear threshold, severity from how far the score exceeds the threshold, acknowledgement, timed shelving and
/// chattering; and, for sensors whose model watches levels, a raise on a level shift that the model must confirm.
/// Each call returns the new state and the transitions it caused (none when nothing changed that a person must see).
/// </summary>
public static class AlarmPolicy
{
    /// <summary>
    /// The bookkeeping behind an anomaly alarm: the alarm, recent window outcomes, and its raise/clear times.
    /// <paramref name="Unconfirmed"/>: windows left for the model to confirm an alarm a level shift raised (0: none
    /// waiting). <paramref name="Quiet"/>: windows in a row after which the alarm was not active.
    /// </summary>
    public sealed record Track(Alarm Alarm, IReadOnlyList<bool> Recent, int BelowClear, IReadOnlyList<long> Cycles, int Unconfirmed = 0, int Quiet = int.MaxValue)
    {
        public static Track Start(string sensorId, AlarmType type) => new(Alarm.Normal(sensorId, type), [], 0, []);
    }

    public sealed record Outcome(Track Track, IReadOnlyList<AlarmTransition> Transitions)
    {
        public Alarm Alarm => Track.Alarm;
    }

    /// <summary>
    /// One scored window for an anomaly alarm, with the level shift the sensor's watch saw at it, if any
    /// (<see cref="Detection.LevelShiftWatch"/>). A shift raises the alarm at once — unless an alarm was active within the
    /// watch's last <see cref="Detection.LevelShiftWatch.Span"/> windows (its reference would hold the alarm's
    /// readings) — and the model's own on-delay must then be met within
    /// <see cref="AlarmSettings.ShiftConfirmWindows"/> windows, or the alarm clears; once met, the alarm is the
    /// model's and clears by its off-delay.
    /// </summary>
    public static Outcome OnScore(Track track, AlarmSettings settings, double score, double threshold, double clearThreshold, string? causeHint, long nowMs, Detection.LevelShift? shift = null)
    {
        ArgumentNullException.ThrowIfNull(track);
        ArgumentNullException.ThrowIfNull(settings);
        var anomalous = score > threshold;
        var recent = Shift(track.Recent, anomalous, settings.OnDelayWindows);
        // Counted only as far as it is asked about (>= ClearWindows): a sensor in normal operation then keeps one track
        // from window to window instead of a new one each time (below).
        var belowClear = score < clearThreshold ? Math.Min(track.BelowClear + 1, settings.ClearWindows) : 0;
        var alarm = track.Alarm;
        var updated = false; // the only transition of an active alarm short of clearing
        var severity = Severity(settings, score / threshold);

        if (track.Unconfirmed > 0 && alarm.IsActive && CountAnomalous(recent) < settings.OnDelayAnomalous)
        {
            return track.Unconfirmed > 1
                ? new Outcome(track with { Recent = recent, BelowClear = belowClear, Unconfirmed = track.Unconfirmed - 1, Quiet = 0 }, [])
                : Unconfirmed(track with { Recent = recent, BelowClear = belowClear }, settings, nowMs);
        }

        if (track.Unconfirmed != 0)
        {
            track = track with { Unconfirmed = 0 };
        }

        if (alarm.IsActive)
        {
            if (anomalous)
            {
                alarm = alarm with
                {
                    Count = alarm.Count + 1,
                    LastAt = nowMs,
                    Severity = (AlarmSeverity)Math.Max((int)alarm.Severity, (int)severity),
                    // The hint of the worst window so far: the clearest picture of what is going on.
                    CauseHint = score >= alarm.PeakScore ? causeHint ?? alarm.CauseHint : alarm.CauseHint,
                    PeakScore = Math.Max(alarm.PeakScore, score),
                };
                updated = alarm.Severity != track.Alarm.Severity;
            }

            if (belowClear >= settings.ClearWindows)
            {
                return Clear(track with { Recent = recent, BelowClear = belowClear }, alarm, nowMs, updated);
            }

            return new Outcome(track with { Alarm = alarm, Recent = recent, BelowClear = belowClear, Quiet = 0 }, updated ? [AlarmTransition.Updated] : []);
        }

        var anomalousCount = CountAnomalous(recent);
        if (anomalousCount >= settings.OnDelayAnomalous && !alarm.IsShelvedAt(nowMs))
        {
            return Raise(track with { Recent = recent, BelowClear = belowClear }, settings, severity, score, causeHint,
                $"score {score:0.###} above threshold {threshold:0.###} in {anomalousCount} of the last {recent.Length} windows", nowMs);
        }

        if (shift is not null && settings.ShiftConfirmWindows > 0 && !alarm.IsShelvedAt(nowMs)
            && track.Quiet >= Detection.LevelShiftWatch.Span)
        {
            var raised = Raise(track with { Recent = recent, BelowClear = belowClear }, settings, severity, score, shift.Describe(),
                $"level shift: {shift.Describe()}; raised ahead of the model, whose on-delay must confirm it within {settings.ShiftConfirmWindows} windows", nowMs);
            return raised with { Track = raised.Track with { Unconfirmed = settings.ShiftConfirmWindows } };
        }

        // Quiet is asked about only as far as a level shift's span (and int.MaxValue: never raised).
        var quiet = track.Quiet >= Detection.LevelShiftWatch.Span ? track.Quiet : track.Quiet + 1;
        return ReferenceEquals(recent, track.Recent) && belowClear == track.BelowClear && quiet == track.Quiet
            ? new Outcome(track, []) // nothing changed: the same track, which its holder keeps as it is (SensorAlarms)
            : new Outcome(track with { Recent = recent, BelowClear = belowClear, Quiet = quiet }, []);
    }

    /// <summary>
    /// A level shift's alarm that the model did not confirm in time clears. The model's own on-delay and off-delay go on
    /// counting as they were: its windows were judged all along.
    /// </summary>
    private static Outcome Unconfirmed(Track track, AlarmSettings settings, long nowMs)
    {
        var cleared = Clear(track, track.Alarm with { Message = $"{track.Alarm.Message}; not confirmed by the model within {settings.ShiftConfirmWindows} windows" }, nowMs);
        return cleared with { Track = cleared.Track with { Recent = track.Recent, BelowClear = track.BelowClear, Unconfirmed = 0 } };
    }

    /// <summary>
    /// The last <paramref name="keep"/> window outcomes after <paramref name="next"/>: one array, no enumerators — this runs
    /// for every window of every sensor (it was 4 % of a steady node's allocations through LINQ, bench/README.md). A
    /// full history of normal windows followed by another is the same history: shared, not copied (the arrays are never
    /// changed once made), so a sensor in normal operation makes none.
    /// </summary>
    private static bool[] Shift(IReadOnlyList<bool> recent, bool next, int keep)
    {
        if (!next && recent.Count == keep && recent is bool[] normal && Array.IndexOf(normal, true) < 0)
        {
            return normal;
        }

        var count = Math.Min(recent.Count + 1, keep);
        var shifted = new bool[count];
        for (int from = recent.Count - (count - 1), to = 0; to < count - 1; from++, to++)
        {
            shifted[to] = recent[from];
        }

        shifted[count - 1] = next;
        return shifted;
    }

    private static int CountAnomalous(bool[] recent)
    {
        var count = 0;
        foreach (var anomalous in recent)
        {
            count += anomalous ? 1 : 0;
        }

        return count;
    }

    /// <summary>A condition (limit, offline, stuck, pulsation, incomplete) that the sensor reports as it starts or ends.</summary>
    public static Outcome OnCondition(Track track, AlarmSettings settings, bool active, string message, long nowMs, string? signal = null)
    {
        ArgumentNullException.ThrowIfNull(track);
        if (active && !track.Alarm.IsActive)
        {
            if (track.Alarm.IsShelvedAt(nowMs))
            {
                return new Outcome(track, []);
            }

            var raised = Raise(track, settings, AlarmSeverity.Medium, 0, null, message, nowMs);
            return raised with { Track = raised.Track with { Alarm = raised.Alarm with { Signal = signal } } };
        }

        return !active && track.Alarm.IsActive ? Clear(track, track.Alarm with { Message = message }, nowMs) : new Outcome(track, []);
    }

    /// <summary>An operator acknowledges: active -> active-acknowledged; cleared-unacknowledged -> closed.</summary>
    public static Outcome Acknowledge(Track track, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(track);
        var alarm = track.Alarm;
        return alarm.State switch
        {
            AlarmState.ActiveUnacknowledged => new Outcome(track with { Alarm = alarm with { State = AlarmState.ActiveAcknowledged, AcknowledgedAt = nowMs } }, [AlarmTransition.Acknowledged]),
            AlarmState.ClearedUnacknowledged => new Outcome(track with { Alarm = alarm with { State = AlarmState.Normal, AcknowledgedAt = nowMs } }, [AlarmTransition.Acknowledged, AlarmTransition.Closed]),
            _ => new Outcome(track, []),
        };
    }

    /// <summary>Shelve for a time: no new raise until then (an active alarm stays visible but suppressed from re-raising).</summary>
    public static Outcome Shelve(Track track, TimeSpan duration, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(track);
        return new Outcome(track with { Alarm = track.Alarm with { ShelvedUntil = nowMs + (long)duration.TotalMilliseconds } }, [AlarmTransition.Shelved]);
    }

    private static Outcome Raise(Track track, AlarmSettings settings, AlarmSeverity severity, double score, string? causeHint, string message, long nowMs)
    {
        var cycles = track.Cycles.Append(nowMs).Where(t => nowMs - t <= settings.ChatterPeriod.TotalMilliseconds).ToList();
        var chattering = cycles.Count >= settings.ChatterCycles;
        var alarm = track.Alarm with
        {
            State = AlarmState.ActiveUnacknowledged,
            Severity = severity,
            RaisedAt = nowMs,
            AcknowledgedAt = null,
            ClearedAt = null,
            LastAt = nowMs,
            Count = 1,
            PeakScore = score,
            CauseHint = causeHint,
            Message = message,
            Chattering = chattering,
        };
        var transitions = new List<AlarmTransition> { AlarmTransition.Raised };
        if (chattering && !track.Alarm.Chattering)
        {
            transitions.Add(AlarmTransition.Chattering);
        }

        return new Outcome(track with { Alarm = alarm, BelowClear = 0, Cycles = cycles, Quiet = 0 }, transitions);
    }

    private static Outcome Clear(Track track, Alarm alarm, long nowMs, bool updated = false)
    {
        List<AlarmTransition> transitions = updated ? [AlarmTransition.Updated] : [];
        // An acknowledged alarm that clears is closed; an unacknowledged one waits for its acknowledgement.
        var closed = alarm.State == AlarmState.ActiveAcknowledged;
        alarm = alarm with { State = closed ? AlarmState.Normal : AlarmState.ClearedUnacknowledged, ClearedAt = nowMs };
        transitions.Add(AlarmTransition.Cleared);
        if (closed)
        {
            transitions.Add(AlarmTransition.Closed);
        }

        return new Outcome(track with { Alarm = alarm, Recent = [], BelowClear = 0, Quiet = 1 }, transitions);
    }

    private static AlarmSeverity Severity(AlarmSettings settings, double ratio) =>
        ratio >= settings.HighRatio ? AlarmSeverity.High : ratio >= settings.MediumRatio ? AlarmSeverity.Medium : AlarmSeverity.Low;
}
