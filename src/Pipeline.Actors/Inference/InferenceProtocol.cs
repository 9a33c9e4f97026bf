using Pipeline.Models.Sensors;

namespace Pipeline.Actors.Inference;

/// <summary>A window to score; replied to with a <see cref="Pipeline.Models.Detection.Verdict"/>.</summary>
public sealed record ScoreWindow(SensorWindow Window);

/// <summary>
/// The windows one store batch made due, to score together; replied to with <see cref="WindowsScored"/>, one verdict per
/// window in the same order, or with a failure when a window does not fit its sensor's model.
/// </summary>
public sealed record ScoreWindows(IReadOnlyList<SensorWindow> Windows);

public sealed record WindowsScored(IReadOnlyList<Pipeline.Models.Detection.Verdict> Verdicts);

/// <summary>
/// Switch to another bundle between batches. It must read the same window (length and signals) the sensors build;
/// replied to with <see cref="ModelActivated"/> or a failure that says why it was refused.
/// </summary>
public sealed record ActivateModel(Pipeline.Models.Detection.ModelBundle Bundle, Pipeline.Models.Detection.IWindowScorer Scorer);

public sealed record ModelActivated(string Previous, string Current);

/// <summary>Registry key of the inference actor (<c>IRequiredActor&lt;InferenceActor&gt;</c>).</summary>
public sealed class InferenceRegistryKey;

/// <summary>The bundles sensors are pinned to by their <c>Model</c> setting, by name; loaded and checked at start.</summary>
public sealed record PinnedModels(IReadOnlyDictionary<string, Pipeline.Models.Detection.ModelBundle> Bundles);
