using Pipeline.Models.Telemetry;

namespace Pipeline.Models.Sensors;

/// <summary>
/// Puts one sensor's live readings back in sequence order before the sequence check sees them. Readings arrive out of
/// order when the broker redelivers what a node had not acknowledged behind newer ones (after a reconnect), or when
/// several nodes share the sensor's telemetry (a shared subscription): without this, the late ones would be rejected
/// as out of order and the windows ending with them never judged.
/// <para>
/// A reading that leaves a hole after the last one taken — or, when asked, any reading of a sensor that has taken none
/// yet — waits,
/// at most the sensor's <see cref="SensorSettings.ReorderWait"/> (from when the first of the waiting readings came) and
/// at most <see cref="Capacity"/> readings, for the missing ones; then it goes on across the hole and the gap rules
/// decide (<see cref="SequenceDecision"/>). The sensor actor looks again when the wait is over.
/// </para>
/// </summary>
public sealed class ReorderBuffer
{
    /// <summary>Readings one sensor holds at most by default (about 200 bytes each): a burst past a hole goes on once it is this long.</summary>
    public const int DefaultCapacity = 256;

    private readonly PriorityQueue<Reading, long> _waiting = new();
    private DateTimeOffset _waitingSince;
    private long _highestLive; // the highest live reading among those waiting

    /// <summary>Readings waiting for a missing predecessor.</summary>
    public int Count => _waiting.Count;

    /// <summary>Readings that came after a later one of the sensor and were put back before it (a count for a person, not a fault).</summary>
    public long Reordered { get; private set; }

    /// <summary>Adds a reading to wait; false when one with its sequence waits already (a redelivery: a duplicate).</summary>
    public bool Add(Reading reading, DateTimeOffset now) => Add(reading, now, live: true);

    /// <summary>
    /// Adds a reading the sensor found stored, not yet judged, when it started. It waits as a live one does, but a live
    /// reading before it is not counted as put back in order: the stream brought that one first, the store was only
    /// read sooner (a starting sensor reads what was stored while it loaded, before the batch that woke it).
    /// </summary>
    public bool AddStored(Reading reading, DateTimeOffset now) => Add(reading, now, live: false);

    private bool Add(Reading reading, DateTimeOffset now, bool live)
    {
        ArgumentNullException.ThrowIfNull(reading);
        if (IsWaiting(reading.Sequence))
        {
            return false;
        }

        if (_waiting.Count == 0)
        {
            _waitingSince = now;
            _highestLive = long.MinValue;
        }

        if (live && reading.Sequence < _highestLive)
        {
            Reordered++;
        }
        else if (live)
        {
            _highestLive = reading.Sequence;
        }

        _waiting.Enqueue(reading, reading.Sequence);
        return true;
    }

    /// <summary>
    /// The lowest waiting reading, when it may be taken after <paramref name="lastSequence"/> (the last one taken):
    /// it follows it, it is older (a duplicate or a late one: the sequence check decides), or it has waited long
    /// enough (<paramref name="wait"/>; zero takes every reading as it comes). Null while it still waits for a missing
    /// predecessor. With <paramref name="firstWaits"/>, nothing follows "no reading yet": the first readings wait too.
    /// More than <paramref name="capacity"/> waiting: the lowest goes on at once.
    /// </summary>
    public Reading? Next(long? lastSequence, TimeSpan wait, DateTimeOffset now, bool firstWaits = false, int capacity = DefaultCapacity)
    {
        if (!_waiting.TryPeek(out var lowest, out var sequence))
        {
            return null;
        }

        // With several nodes, a sensor's very first reading may have predecessors on their way through another one.
        // A device counts from 0 or 1: nothing comes before those, so they need not wait for a predecessor.
        var follows = lastSequence is { } last ? sequence <= last + 1 : !firstWaits || sequence <= 1;
        if (!follows && _waiting.Count <= capacity && now - _waitingSince < wait)
        {
            return null;
        }

        _waiting.Dequeue();
        return lowest;
    }

    /// <summary>
    /// A search, not a set: what waits is usually the one reading on its way through, at most a batch; a set of its
    /// sequences cost every sensor of a node ~170 bytes kept (bench/README.md, "Memory per sensor").
    /// </summary>
    private bool IsWaiting(long sequence)
    {
        foreach (var (_, waiting) in _waiting.UnorderedItems)
        {
            if (waiting == sequence)
            {
                return true;
            }
        }

        return false;
    }
}
