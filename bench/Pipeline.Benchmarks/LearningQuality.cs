using System.Globalization;
using Pipeline.Models.Data;
using Pipeline.Models.Detection;
using Pipeline.Models.Simulation;

namespace Pipeline.Benchmarks;

/// <summary>
/// What a sensor's learning period does to detection, on simulated pumps: normal 50-minute runs with set-point
/// changes (does any window cross the sensor's threshold?), and runs with a fault from 1,200 s to 1,500 s (which
/// fraction of the fault's rows, from 30 s in, is flagged?). Each sensor is commissioned on its first readings as a
/// node does, then every window is scored against the commissioned threshold. The figures in docs/sensors.md come
/// from here.
/// </summary>
internal static class LearningQuality
{
    private static readonly string[] Signals = ["flow", "temperature", "pressure", "current"]; // as PumpSimulator.Record
    private static readonly FaultKind[] Faults = [FaultKind.Leak, FaultKind.Blockage, FaultKind.Bearing, FaultKind.Cavitation];
    private static readonly int[] FaultSeeds = [1, 2, 3, 4, 5, 77];
    private static readonly bool[] Steadiness = [false, true];

    public static int Run(string[] args)
    {
        var model = ModelBundle.Load(Option(args, "--model", "models/default"));
        var learning = int.Parse(Option(args, "--learning", "300"), CultureInfo.InvariantCulture);
        // --offset SIGNAL=VALUE: that sensor reads VALUE too high (a miscalibrated sensor).
        var offsetArgument = Option(args, "--offset", "pressure=0").Split('=');
        var offset = new float[Signals.Length];
        offset[Array.IndexOf(Signals, offsetArgument[0])] = float.Parse(offsetArgument[1], CultureInfo.InvariantCulture);
        var node = CommissioningRule.ForNode(model);
        var rules = new (string Name, CommissioningRule? Rule)[]
        {
            ("model's own calibration", null),
            ("node rule (model scaler + offset)", node),
            ("sensor's own mean, trained spread floor", node with { ScalerFit = ScalerFit.Refit, SpreadFloor = 1.0 }),
            ("SKAB recipe's rule", new CommissioningRule()),
        };

        Console.WriteLine($"model {model.Version}, learning {learning} readings, offset {string.Join(", ", Signals.Zip(offset, (s, o) => $"{s} {o:+0.##;-0.##;0}"))}");
        foreach (var (name, rule) in rules)
        {
            var crossing = Enumerable.Range(1, 20).Count(seed => Flags(model, rule, learning, Run(seed, null, true, 3000, offset)).Any(f => f));
            Console.WriteLine($"{name}: normal set-point runs crossing {crossing} of 20");
            foreach (var steady in Steadiness)
            {
                foreach (var kind in Faults)
                {
                    var flagged = FaultSeeds.Select(seed =>
                    {
                        var flags = Flags(model, rule, learning, Run(seed, new FaultSpec(kind, "p", TimeSpan.FromSeconds(1200), TimeSpan.FromSeconds(300)), !steady, 1800, offset));
                        var first = 1200 + 30 - model.Manifest.Window;
                        return Enumerable.Range(first, 270).Average(k => flags[k] ? 1.0 : 0.0);
                    });
                    Console.WriteLine($"  {(steady ? "steady" : "set-point runs")}, {kind.ToString().ToLowerInvariant()}: fault rows flagged per seed {string.Join(" ", flagged.Select(f => f.ToString("P0", CultureInfo.InvariantCulture)))}");
                }
            }
        }

        return 0;
    }

    /// <summary>Whether each window of <paramref name="run"/> crosses the threshold after commissioning by <paramref name="rule"/>.</summary>
    private static bool[] Flags(ModelBundle model, CommissioningRule? rule, int learning, SignalTable run)
    {
        var used = rule is null ? model : Commissioning.Calibrate(model, run.Slice(0, learning), rule);
        using var detector = new PortableDetector(used);
        var windows = run.Windows(model.Manifest.Window, 1, out var count);
        return detector.Score(windows, count).Select(s => s.Total > used.Manifest.Threshold.Total).ToArray();
    }

    private static SignalTable Run(int seed, FaultSpec? fault, bool setPointChanges, int seconds, float[] offset)
    {
        var table = new PumpSimulator("p", seed, fault is null ? [] : [fault], setPointChanges).Record(seconds);
        return table with { Rows = table.Rows.Select(r => r.Select((v, f) => v + offset[f]).ToArray()).ToArray() };
    }

    private static string Option(string[] args, string name, string fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
    }
}
