using Akka.Actor;
using Pipeline.Models.Alarms;

namespace Pipeline.Actors.Sensors;

/// <summary>
/// The sensor's own periodic checks, on one tick: is it silent (the offline alarm), and is its calibration still the
/// stored one (recommissioning).
/// </summary>
public sealed partial class SensorActor
{
    private TimeSpan _checkEvery;
    private ICancelable? _checks;
    private DateTimeOffset _calibrationCheckedAt = DateTimeOffset.UtcNow;

    private void StartChecks()
    {
        // One schedule for both checks, at the shorter period, straight on the system's scheduler: Akka's timers
        // (IWithTimers) add a timer table and a wrapper per timer, about 350 bytes a sensor on top of the schedule's
        // own (bench/README.md, "Memory per sensor").
        _checkEvery = TimeSpan.FromTicks(Math.Min((_settings.OfflineAfter / 4).Ticks, _services.CalibrationCheck.Ticks));
        _checks?.Cancel();
        _checks = Context.System.Scheduler.ScheduleTellRepeatedlyCancelable(_checkEvery, _checkEvery, Self, Check.Instance, Self);
    }

    /// <summary>Silence at every tick; the calibration at its own period (give or take half a tick of the timer's jitter).</summary>
    private void HandleCheck()
    {
        HandleSilence();
        var now = DateTimeOffset.UtcNow;
        if (now - _calibrationCheckedAt >= _services.CalibrationCheck - (_checkEvery / 2))
        {
            _calibrationCheckedAt = now;
            HandleCheckCalibration();
        }
    }

    private void HandleSilence()
    {
        if (_intake.CheckSilence(DateTimeOffset.UtcNow, _started, _services.Hearing.HearingSince) is { } offline)
        {
            LogHealth(offline);
            _services.Board.Report(Status());
            var changes = new List<AlarmChange>();
            Commit(Apply(_alarms.OnHealth(offline), changes), changes, [], ActorRefs.Nobody, null);
        }
    }

    /// <summary>The periodic checks' tick: is the sensor silent, is its calibration still stored.</summary>
    private sealed class Check
    {
        public static readonly Check Instance = new();
    }
}
