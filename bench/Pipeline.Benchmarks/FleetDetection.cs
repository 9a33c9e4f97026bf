using System.Diagnostics;
using System.Globalization;
using Pipeline.Models.Data;
using Pipeline.Models.Detection;
using Pipeline.Models.Evaluation;
using Pipeline.Models.Sensors;
using Pipeline.Models.Simulation;

namespace Pipeline.Benchmarks;

/// <summary>
/// The detector on a simulated fleet, through exactly what a node does with each sensor's readings
/// (<see cref="StreamingEvaluator"/>: a 400-reading learning period, the calibration, the alarm on-delay): anomaly
/// alarms raised in an hour of normal operation per pump (set-point changes, stops and starts), and whether each fault
/// kind is flagged — by the anomaly alarm or by the health checks (pulsation is cavitation's) — and how soon. The seeds
/// default to ones the detector was never tuned on (docs/models.md tuned on 501-540 and 701-800). The figures in
/// docs/models.md come from here.
/// </summary>
internal static class FleetDetection
{
    private static readonly FaultKind[] Faults = [FaultKind.Leak, FaultKind.Blockage, FaultKind.Bearing, FaultKind.Cavitation];
    private static readonly TimeSpan FaultStart = TimeSpan.FromSeconds(1200);
    private static readonly TimeSpan FaultLength = TimeSpan.FromSeconds(300);

    public static int Run(string[] args)
    {
        var model = ModelBundle.Load(Option(args, "--model") ?? "models/default");
        var pumps = int.Parse(Option(args, "--pumps") ?? "100", CultureInfo.InvariantCulture);
        var first = int.Parse(Option(args, "--first-seed") ?? "1001", CultureInfo.InvariantCulture);
        var faultRuns = int.Parse(Option(args, "--fault-runs") ?? "6", CultureInfo.InvariantCulture);
        // --offset SIGNAL=VALUE: every pump's sensor reads VALUE too high (a miscalibrated sensor).
        var offset = Option(args, "--offset");
        // --on-delay K/N: raise when K of the last N windows are anomalous (the node's default: 10/10).
        var onDelay = (Option(args, "--on-delay") ?? "10/10").Split('/').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        // --steady: pumps that keep their set point (no changes, starts or stops): what a model of one operating point is for.
        var steady = args.Contains("--steady");
        // --shift-confirm N: the level watch's confirmation windows (0: off; it only acts for a model of one operating point).
        var shiftConfirm = int.Parse(Option(args, "--shift-confirm") ?? "100", CultureInfo.InvariantCulture);
        var alarmSettings = new Pipeline.Models.Alarms.AlarmSettings { OnDelayAnomalous = onDelay[0], OnDelayWindows = onDelay[1], ShiftConfirmWindows = shiftConfirm };
        var evaluator = new StreamingEvaluator(model, EvaluationProtocol.Skab, alarmSettings);
        Console.WriteLine($"model {model.Version} ({model.Manifest.NormalOrAssumed.OperatingPoints} operating points), learning {StreamingEvaluator.SkabLearningRows} readings, on-delay {onDelay[0]} of {onDelay[1]}, level shifts confirmed within {shiftConfirm} windows, offset {offset ?? "none"}, pumps {(steady ? "steady" : "changing set point")}");

        var clock = Stopwatch.StartNew();
        var alarms = Enumerable.Range(first, pumps).AsParallel()
            .Select(seed => Raised(evaluator.Evaluate("normal", Offset(new PumpSimulator("p", seed, setPointChanges: !steady).Record(3600), offset))))
            .ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"normal operation: {alarms.Sum()} anomaly alarm(s) in {pumps} pump-hours (seeds {first}-{first + pumps - 1}; pumps with any: {alarms.Count(a => a > 0)}) [{clock.Elapsed.TotalSeconds:F0} s]"));

        foreach (var kind in Faults)
        {
            var runs = Enumerable.Range(1, faultRuns).AsParallel().AsOrdered().Select(seed =>
            {
                var fault = new FaultSpec(kind, "p", FaultStart, FaultLength);
                var table = Offset(new PumpSimulator("p", first + pumps + seed, [fault], setPointChanges: !steady).Record((int)(FaultStart + FaultLength).TotalSeconds + 300), offset);
                var start = (int)FaultStart.TotalSeconds;
                var flagged = evaluator.Evaluate("fault", table).FirstOrDefault(p => p.Flag && p.Row >= start && p.Row < start + FaultLength.TotalSeconds);
                var health = HealthFlag(table, start, start + (int)FaultLength.TotalSeconds);
                var anomalyDelay = flagged is null ? (int?)null : flagged.Row - start;
                return (Anomaly: anomalyDelay, Health: health);
            }).ToList();
            var byModel = runs.Where(r => r.Anomaly is not null).ToList();
            var byHealth = runs.Count(r => r.Health is not null);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {kind.ToString().ToLowerInvariant(),-10} anomaly alarm {byModel.Count}/{runs.Count} (mean delay {(byModel.Count > 0 ? byModel.Average(r => r.Anomaly!.Value) : double.NaN):F0} s); health check {byHealth}/{runs.Count} ({string.Join(", ", runs.Select(r => r.Health).OfType<string>().Distinct())}); either {runs.Count(r => r.Anomaly is not null || r.Health is not null)}/{runs.Count}"));
        }

        return 0;
    }

    /// <summary>How many times the anomaly alarm came on.</summary>
    private static int Raised(IReadOnlyList<Prediction> predictions) =>
        predictions.Where((p, i) => p.Flag && (i == 0 || !predictions[i - 1].Flag)).Count();

    /// <summary>The first health condition that came on between <paramref name="from"/> and <paramref name="to"/>, as a node's defaults see it.</summary>
    private static string? HealthFlag(SignalTable table, int from, int to)
    {
        var health = new HealthTracker("p", new SensorSettings());
        var at = DateTimeOffset.UnixEpoch;
        for (var row = 0; row < to; row++)
        {
            var reading = new Pipeline.Models.Telemetry.Reading("p", table.TimestampsMs[row], row + 1,
                table.Signals.Select((s, f) => (s, (double)table.Rows[row][f])).ToDictionary(x => x.s, x => x.Item2));
            var events = health.Observe(reading, at.AddSeconds(row));
            if (row >= from && events.FirstOrDefault(e => e.Active) is { } started)
            {
                return started.Condition.ToString().ToLowerInvariant();
            }
        }

        return null;
    }

    private static SignalTable Offset(SignalTable table, string? offset)
    {
        if (offset is null)
        {
            return table;
        }

        var parts = offset.Split('=');
        var signal = Array.IndexOf(table.Signals, parts[0]);
        var value = float.Parse(parts[1], CultureInfo.InvariantCulture);
        return table with { Rows = table.Rows.Select(r => r.Select((v, f) => f == signal ? v + value : v).ToArray()).ToArray() };
    }

    private static string? Option(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }
}
