using Pipeline.Models.Sensors;

namespace Pipeline.Actors.Inference;

/// <summary>A window to score; replied to with a <see cref="Pipeline.Models.Detection.Verdict"/>.</summary>
public sealed record ScoreWindow(SensorWindow Window);

/// <summary>Registry key of the inference actor (<c>IRequiredActor&lt;InferenceActor&gt;</c>).</summary>
public sealed class InferenceRegistryKey;
