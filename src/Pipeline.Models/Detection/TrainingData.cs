using System.Globalization;
using Pipeline.Models.Data;

namespace Pipeline.Models.Detection;

/// <summary>
/// What a person should know about training data before a model is trained on it (#20: 700 rows from one sensor trained
/// a model that flagged every row of a normal run, and nothing said so). Warnings, not refusals: the data may be all
/// there is.
/// </summary>
public static class TrainingData
{
    /// <summary>
    /// Fewer rows than this is too little. SKAB's anomaly-free run (9,405 rows) trains a useful model; 700 rows of one
    /// sensor did not (docs/models.md). The shipped model had 115,200.
    /// </summary>
    public const int EnoughRows = 5000;

    /// <summary>Warnings and notes about <paramref name="data"/> (already restricted to the signals to train on), each a sentence.</summary>
    public static IReadOnlyList<string> Review(SignalTable data, int window)
    {
        ArgumentNullException.ThrowIfNull(data);
        var findings = new List<string>();
        if (data.Count < EnoughRows)
        {
            var lastFifth = data.Slice(data.Count - (data.Count / 5), data.Count / 5); // what training holds out: the newest rows, or of several sensors the last one's
            findings.Add(string.Create(CultureInfo.InvariantCulture,
                $"warning: only {data.Count} rows: the last fifth, held out ({lastFifth.Count} rows, {lastFifth.WindowCount(window, 1)} windows), is all the model is judged on. A useful model needs at least {EnoughRows} rows of normal operation — hours, not minutes — that show what the pump does normally: its set points, starts and stops."));
        }

        foreach (var (signal, f) in data.Signals.Select((s, f) => (s, f)))
        {
            if (data.Rows.Select(r => r[f]).Distinct().Take(2).Count() < 2)
            {
                findings.Add($"warning: {signal} never changes in this data: the model can learn nothing about it, and any change later reads as an anomaly. Leave it out (--signals) or check the sensor.");
            }
        }

        if (data.Count >= NormalOperation.MinimumRows && NormalOperation.OperatingPoints(data, DriftingSignals.Find(data)) == ModelManifest.OneOperatingPoint)
        {
            findings.Add("note: the data shows one operating point (its signals move little beyond their noise). Sensors will be judged against their own learning period, so a later set-point change, stop or start reads as an anomaly; if the pump has those, train on data that shows them (docs/models.md).");
        }

        return findings;
    }
}
