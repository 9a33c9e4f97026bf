using Pipeline.Models.Detection;

namespace Pipeline.Actors.Inference;

/// <summary>
/// <paramref name="Count"/> windows, prepared for model <paramref name="ModelVersion"/> (its window x signals each, in the
/// model's input space), to score together; replied to with <see cref="WindowsScored"/>, one score per window in order,
/// or with a failure when this node does not have the model or the windows do not fit it.
/// </summary>
public sealed record ScoreWindows(string ModelVersion, float[] Values, int Count);

public sealed record WindowsScored(IReadOnlyList<WindowScore> Scores);

/// <summary>Registry key of the inference actor (<c>IRequiredActor&lt;InferenceRegistryKey&gt;</c>).</summary>
public sealed class InferenceRegistryKey;
