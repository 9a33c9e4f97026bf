using Pipeline.Models.Alarms;
using Pipeline.Models.Data;
using Pipeline.Models.Detection;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;

namespace Pipeline.Models.Evaluation;

/// <summary>How files are evaluated.</summary>
public enum EvaluationProtocol
{
    /// <summary>No learning period: each file is judged by the model's own calibration from its first full window on.</summary>
    Plain,

    /// <summary>SKAB's: each file's first 400 rows are the sensor's learning period; the rest is judged.</summary>
    Skab,
}

/// <summary>
/// Replays labelled files through exactly what a node does with one sensor's readings — <see cref="SensorIntake"/>
/// (sequence check, window), <see cref="SensorDetector"/> (learning, calibration, judging) and
/// <see cref="SensorAlarms"/> (on-delay, clearing) — causally: row t's flag is whether the anomaly alarm is active
/// after the window ending at t, decided from rows up to t only. Rows are readings one sampling period apart
/// (the file's median step), numbered from 0.
/// </summary>
public sealed class StreamingEvaluator(ModelBundle bundle, EvaluationProtocol protocol, AlarmSettings? alarms = null, Func<ModelBundle, IWindowScorer>? scorer = null)
{
    public const int SkabLearningRows = 400;

    private const int BatchSize = 256;
    private const string SensorId = "evaluated";

    private readonly AlarmSettings _alarms = alarms ?? new AlarmSettings();

    public IReadOnlyList<Prediction> Evaluate(string file, SignalTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var manifest = bundle.Manifest;
        var learning = protocol == EvaluationProtocol.Skab ? SkabLearningRows : 0;
        if (learning > 0 && manifest.Window > learning - 2)
        {
            throw new ArgumentException(
                $"the SKAB protocol learns on {learning} rows: model '{manifest.Name}' reads windows of {manifest.Window}, which leave fewer than two learning windows");
        }

        var data = table.Select(manifest.Signals);
        var settings = new SensorSettings { SamplingPeriod = SamplingPeriod(data), PulsationFactor = 0, ReorderWait = TimeSpan.Zero }; // a file is in order
        var intake = new SensorIntake(SensorId, settings, new WindowSpec(manifest.Window, manifest.Signals, manifest.Stride));
        var detector = new SensorDetector(SensorId, bundle, learning);
        using var network = scorer?.Invoke(bundle) ?? new PortableDetector(bundle);
        var run = new Run(file, data, detector, network, SensorAlarms.Load(SensorId, _alarms, []));
        var start = DateTimeOffset.FromUnixTimeMilliseconds(data.Count > 0 ? data.TimestampsMs[0] : 0);
        for (var row = 0; row < data.Count; row++)
        {
            var reading = data.ReadingAt(row, SensorId, row, data.TimestampsMs[row]);
            var now = start.AddMilliseconds(data.TimestampsMs[row] - data.TimestampsMs[0]);
            intake.Offer(reading, now);
            while (intake.Next(now) is { } outcome) // no reorder wait: each reading is taken as it comes
            {
                if (outcome.Row is not { } values)
                {
                    continue;
                }

                if (outcome.Window is { } window)
                {
                    run.Add(window);
                }

                if (detector.Observe(values) is { } learned)
                {
                    detector.Calibrate(Commissioning.Calibrate(SensorId, bundle, learned.ToTable(), DateTimeOffset.UnixEpoch, scorer));
                }
            }
        }

        run.Flush();
        return run.Predictions;
    }

    public static PointMetrics Metrics(IEnumerable<Prediction> predictions) =>
        predictions.Where(p => p.Actual is not null).Aggregate(PointMetrics.Empty, (m, p) => m.Add(p.Flag, p.Actual!.Value));

    private static TimeSpan SamplingPeriod(SignalTable data)
    {
        if (data.Count < 2)
        {
            return TimeSpan.FromSeconds(1);
        }

        var steps = data.TimestampsMs.Zip(data.TimestampsMs.Skip(1), (a, b) => b - a).Order().ToArray();
        return TimeSpan.FromMilliseconds(Math.Max(1, steps[steps.Length / 2]));
    }

    /// <summary>One file's windows waiting to be scored together, and what they led to.</summary>
    private sealed class Run(string file, SignalTable data, SensorDetector detector, IWindowScorer network, SensorAlarms alarms)
    {
        private readonly List<PreparedWindow> _pending = [];
        private SensorAlarms _alarms = alarms;

        public List<Prediction> Predictions { get; } = [];

        public void Add(SensorWindow window)
        {
            _pending.Add(detector.Prepare(window));
            if (_pending.Count == BatchSize)
            {
                Flush();
            }
        }

        public void Flush()
        {
            if (_pending.Count == 0)
            {
                return;
            }

            var scores = network.Score(_pending.SelectMany(p => p.Values).ToArray(), _pending.Count);
            for (var i = 0; i < _pending.Count; i++)
            {
                var verdict = SensorDetector.Judge(_pending[i], scores[i], data.Signals);
                if (verdict.Learning)
                {
                    continue;
                }

                _alarms = _alarms.OnVerdict(verdict).Next;
                var row = (int)verdict.LastSequence;
                Predictions.Add(new Prediction(file, row, verdict.EndTimestampMs, verdict.Score, _alarms.IsActive(AlarmType.Anomaly),
                    data.Labels is null ? null : data.Labels[row] == 1, data.Changepoints is null ? null : data.Changepoints[row] == 1));
            }

            _pending.Clear();
        }
    }
}
