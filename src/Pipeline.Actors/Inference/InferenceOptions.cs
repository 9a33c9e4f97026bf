using Pipeline.Models.Detection;
using Pipeline.Models.Settings;

namespace Pipeline.Actors.Inference;

/// <summary>The detector in the node (<c>Pipeline:Models</c>).</summary>
public sealed class InferenceOptions : ISettingsGroup
{
    /// <summary>The file in <see cref="Directory"/> that <c>pipeline model activate</c> writes: the active bundle's name.</summary>
    public const string ActiveFile = "ACTIVE";

    /// <summary>Folder of model bundles. Default: <c>models</c> beside the pipeline binary (the shipped <c>default</c> is there).</summary>
    public string Directory { get; set; } = Path.Combine(AppContext.BaseDirectory, "models");

    /// <summary>The bundle that scores. Default <c>default</c>.</summary>
    public string Active { get; set; } = "default";

    /// <summary>
    /// <c>auto</c> (the portable pass: it costs less in the node than libtorch on x64 too), <c>torchsharp</c> (x64 only)
    /// or <c>portable</c>. Default auto.
    /// </summary>
    public string Backend { get; set; } = "auto";

    /// <summary>Windows scored together at most. Default 256 (TorchSharp: 4.8 ms, 53k windows/s on 2 cores).</summary>
    public int BatchSize { get; set; } = 256;

    /// <summary>
    /// Longest a window waits for its batch to fill: batching adds at most this to any window's latency. Default 0: no
    /// waiting; a batch is the windows that arrived while the previous one was scored (measured in bench/README.md:
    /// 10 ms of waiting was most of the latency at 1,000 readings/s).
    /// </summary>
    public TimeSpan MaxBatchDelay { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// A new sensor's learning period, in readings: its scaler and threshold are then fitted on its own data
    /// (docs/sensors.md). Until then its verdicts are marked learning and raise no anomaly alarm. 0: no learning; every
    /// sensor is scored with the model's own calibration. Default 400.
    /// </summary>
    public int LearningReadings { get; set; } = 400;

    /// <summary>How often the node rereads the stored calibrations, to notice <c>pipeline sensors recommission</c>. Default 10 s.</summary>
    public TimeSpan CalibrationReload { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The bundle the node should score with: the name in <c>ACTIVE</c>, else <see cref="Active"/>. Throws
    /// <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> when <c>ACTIVE</c> is there but cannot be read.
    /// </summary>
    public string ActiveModelName()
    {
        string text;
        try
        {
            text = File.ReadAllText(Path.Combine(Directory, ActiveFile));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Active; // none; looked for by reading, not asked first: one deleted in between was an error
        }

        return text.Trim() is { Length: > 0 } name ? name : Active;
    }

    /// <summary>
    /// Makes <paramref name="bundleName"/> the active bundle of <paramref name="directory"/> in one step: written beside
    /// <c>ACTIVE</c> and renamed over it. Written in place, a node's look between the truncation and the write read an
    /// empty file — no name, so <see cref="Active"/> — and switched to that bundle before the one asked for.
    /// </summary>
    public static void WriteActive(string directory, string bundleName)
    {
        var file = Path.Combine(directory, ActiveFile);
        var written = $"{file}.{Environment.ProcessId}.tmp";
        File.WriteAllText(written, bundleName + "\n");
        File.Move(written, file, overwrite: true);
    }

    public IEnumerable<string> Problems(string section)
    {
        string active;
        try
        {
            active = ActiveModelName();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [$"{section}:Directory: cannot read {Path.Combine(Directory, ActiveFile)} ({e.Message}); make it readable by the node, or write it again with 'pipeline model activate NAME'"];
        }

        var bundle = Path.Combine(Directory, active);
        return SettingRules.Range($"{section}:BatchSize", BatchSize, 1, 4096)
            .Concat(SettingRules.When(MaxBatchDelay < TimeSpan.Zero, $"{section}:MaxBatchDelay ({MaxBatchDelay}) must not be negative"))
            .Concat(SettingRules.Range($"{section}:LearningReadings", LearningReadings, 0, 1_000_000))
            .Concat(SettingRules.Positive($"{section}:CalibrationReload", CalibrationReload))
            .Concat(SettingRules.When(Backend is not ("auto" or "torchsharp" or "portable"), $"{section}:Backend '{Backend}' is not auto, torchsharp or portable"))
            .Concat(SettingRules.When(!File.Exists(Path.Combine(bundle, ModelBundle.ManifestFile)),
                $"{section}:Active '{active}': no bundle at {bundle} (check {section}:Directory, or train one with 'pipeline train')"));
    }
}
