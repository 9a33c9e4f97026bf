namespace Pipeline.Models.Telemetry;

/// <summary>The signals of the topic contract (docs/mqtt.md).</summary>
public static class Signals
{
    public const string Flow = "flow";
    public const string Temperature = "temperature";
    public const string Pressure = "pressure";
    public const string Current = "current";

    public static readonly IReadOnlyList<string> Standard = [Flow, Temperature, Pressure, Current];
}
