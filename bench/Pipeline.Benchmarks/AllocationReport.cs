using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace Pipeline.Benchmarks;

/// <summary>
/// Where a node's allocations come from: reads the runtime's allocation samples (an <c>AllocationTick</c> about every
/// 100 KB, with its stack) from an EventPipe trace and sums them by type, by the innermost frame of our own code, and
/// by both. A trace of a node under <c>bench/e2e.sh</c> (bench/README.md says how to record one) tells which code to cut.
/// </summary>
public static class AllocationReport
{
    public static int Run(string[] args)
    {
        if (args is not [var path, ..] || !File.Exists(path))
        {
            Console.Error.WriteLine("usage: allocations TRACE.nettrace [--top N] [--large]");
            return 2;
        }

        var top = Array.IndexOf(args, "--top") is var at and > 0 && at + 1 < args.Length ? int.Parse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture) : 25;
        // The large-object heap's own samples: what it holds is kept in place, so its churn shows in the RSS.
        var largeOnly = args.Contains("--large");
        using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(path));
        var byType = new Dictionary<string, long>(StringComparer.Ordinal);
        var byFrame = new Dictionary<string, long>(StringComparer.Ordinal);
        var byBoth = new Dictionary<string, long>(StringComparer.Ordinal);
        var byLibrary = new Dictionary<string, long>(StringComparer.Ordinal);
        long total = 0;
        foreach (var traceEvent in log.Events) // TraceEvents enumerates only as IEnumerable<TraceEvent>
        {
            if (traceEvent is not GCAllocationTickTraceData sample || (largeOnly && sample.AllocationKind != GCAllocationKind.Large))
            {
                continue;
            }

            var type = sample.TypeName ?? "?";
            var frame = OwnFrame(sample.CallStack());
            total += sample.AllocationAmount64;
            Add(byType, type, sample.AllocationAmount64);
            Add(byFrame, frame, sample.AllocationAmount64);
            Add(byBoth, $"{type}  <-  {frame}", sample.AllocationAmount64);
            Add(byLibrary, LibraryOf(frame), sample.AllocationAmount64);
        }

        Console.WriteLine($"{total / 1e6:F1} MB sampled in {Path.GetFileName(path)}");
        Print("by type", byType, total, top);
        Print("by the innermost frame of Pipeline's code (else the innermost outside System)", byFrame, total, top);
        Print("by both", byBoth, total, top);
        Print("by the library of that frame (ours wherever our code is on the stack)", byLibrary, total, top);
        return 0;
    }

    private static string OwnFrame(TraceCallStack? stack)
    {
        string? outsideSystem = null;
        for (var frame = stack; frame is not null; frame = frame.Caller)
        {
            var name = frame.CodeAddress.FullMethodName;
            if (string.IsNullOrEmpty(name))
            {
                continue;
            }

            if (name.StartsWith("Pipeline.", StringComparison.Ordinal))
            {
                return Shorten(name);
            }

            outsideSystem ??= name.StartsWith("System.", StringComparison.Ordinal) ? null : name;
        }

        return Shorten(outsideSystem ?? "?");
    }

    /// <summary>Whose code a frame is: its namespace's first part (Pipeline, MQTTnet, Akka, Microsoft, SQLitePCL, ...).</summary>
    private static string LibraryOf(string frame) => frame.IndexOf('.', StringComparison.Ordinal) is var dot and > 0 ? frame[..dot] : frame;

    /// <summary>The method without its parameter list: the frames read as a list of places.</summary>
    private static string Shorten(string method) => method.IndexOf('(', StringComparison.Ordinal) is var open and > 0 ? method[..open] : method;

    private static void Add(Dictionary<string, long> sums, string key, long amount) => sums[key] = sums.GetValueOrDefault(key) + amount;

    private static void Print(string title, Dictionary<string, long> sums, long total, int top)
    {
        Console.WriteLine($"\n{title}:");
        foreach (var (key, amount) in sums.OrderByDescending(s => s.Value).Take(top))
        {
            Console.WriteLine($"{100.0 * amount / total,6:F1} %  {key}");
        }
    }
}
