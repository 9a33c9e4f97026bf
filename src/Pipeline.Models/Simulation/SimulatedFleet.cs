namespace Pipeline.Models.Simulation;

/// <summary>The names and sequence numbers of <c>pipeline simulate</c>'s devices.</summary>
public static class SimulatedFleet
{
    /// <summary>esp32-01, esp32-02, …, esp32-99, esp32-100, …: two digits at least, whatever the fleet's size.</summary>
    public static IReadOnlyList<string> Names(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return [.. Enumerable.Range(1, count).Select(i => $"esp32-{i:D2}")];
    }

    /// <summary>
    /// The first sequence number of a run: the start time in Unix microseconds. Each run continues above the one
    /// before, with no state kept, as a device must (the node keeps one reading per sensor and sequence: a run that
    /// started again at 1 was thrown away as duplicates, #20). A device counts +1 per reading, far slower than a
    /// microsecond, so the next run always starts above; the node sees the jump as a gap between runs. It stays below
    /// 2^53, the largest integer JSON carries exactly, until the year 2255.
    /// </summary>
    public static long FirstSequence(DateTimeOffset start) => start.ToUnixTimeMilliseconds() * 1000;

    /// <summary>
    /// Why each of <paramref name="faults"/> would not happen in a run of <paramref name="devices"/> lasting
    /// <paramref name="length"/> (when known), one line each: a fault on a device the run does not simulate, or one
    /// starting when the run has ended, would leave the run silently normal where a fault was asked for.
    /// </summary>
    public static IReadOnlyList<string> UnreachableFaults(IEnumerable<FaultSpec> faults, IReadOnlyList<string> devices, TimeSpan? length)
    {
        ArgumentNullException.ThrowIfNull(faults);
        ArgumentNullException.ThrowIfNull(devices);
        var simulated = devices.ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var fault in faults)
        {
            if (!simulated.Contains(fault.Device))
            {
                problems.Add($"fault {fault}: {fault.Device} is not one of the {devices.Count} simulated devices ({devices[0]}{(devices.Count > 1 ? $" .. {devices[^1]}" : string.Empty)}); --devices sets how many");
            }
            else if (length is { } end && fault.Start >= end)
            {
                problems.Add($"fault {fault}: it starts at {FaultSpec.FormatDuration(fault.Start)}, when the run of {FaultSpec.FormatDuration(end)} has ended");
            }
        }

        return problems;
    }
}
