using Pipeline.Models.Detection;

namespace Pipeline.Actors.Inference;

/// <summary>
/// Windows prepared for model <paramref name="ModelVersion"/> (its window x signals values each, in the model's input
/// space), to score together; replied to with <see cref="WindowsScored"/>, one score per window in order, or with a
/// failure when this node does not have the model or a window does not fit it. Each window keeps its own array: the
/// inference actor copies them into its batch once, so the sender need not join them first. The reply carries
/// <paramref name="RequestId"/> back: a sensor tells, never asks (an ask per window was a temporary actor, a timer and
/// a task: 13 % of a steady node's allocations, bench/README.md), and knows a late reply by it.
/// </summary>
public sealed record ScoreWindows(string ModelVersion, IReadOnlyList<float[]> Windows, long RequestId = 0);

public sealed record WindowsScored(IReadOnlyList<WindowScore> Scores, long RequestId = 0);

/// <summary>Registry key of the inference actor (<c>IRequiredActor&lt;InferenceRegistryKey&gt;</c>).</summary>
public sealed class InferenceRegistryKey;
