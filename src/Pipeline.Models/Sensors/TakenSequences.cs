namespace Pipeline.Models.Sensors;

/// <summary>
/// The sequences a sensor has taken since it started, as runs: a reading older than the last one taken is a duplicate
/// when it falls in a run (a redelivery of one it took, or refilled from the store), and out of order only when it falls
/// in a hole the sensor went across. Bounded: the oldest runs are forgotten first.
/// </summary>
public sealed class TakenSequences
{
    /// <summary>Runs kept; each hole gone across starts one.</summary>
    public const int MaxRuns = 64;

    private readonly List<(long From, long To)> _runs = [];

    public void Add(long sequence)
    {
        if (_runs.Count > 0 && _runs[^1] is var (from, to) && sequence >= from)
        {
            if (sequence <= to)
            {
                return;
            }

            if (sequence == to + 1)
            {
                _runs[^1] = (from, sequence);
                return;
            }
        }
        else
        {
            _runs.Clear(); // went back: the device's counter restarted, what was taken before is another count
        }

        if (_runs.Count == MaxRuns)
        {
            _runs.RemoveAt(0);
        }

        _runs.Add((sequence, sequence));
    }

    /// <summary>Every sequence up to <paramref name="last"/> counts as taken (judged before a restart; their verdicts are stored).</summary>
    public void Through(long last)
    {
        _runs.Clear();
        _runs.Add((long.MinValue, last));
    }

    public bool Contains(long sequence)
    {
        foreach (var (from, to) in _runs)
        {
            if (sequence >= from && sequence <= to)
            {
                return true;
            }
        }

        return false;
    }
}
