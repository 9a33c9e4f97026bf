using Pipeline.Models.Telemetry;

namespace Pipeline.Models.Sensors;

/// <summary>
/// What a sensor's window holds: the last <see cref="Length"/> samples of <see cref="Signals"/> (in this order), and a
/// new window every <see cref="Stride"/> samples. It comes from the active model bundle's metadata.
/// </summary>
public sealed record WindowSpec(int Length, IReadOnlyList<string> Signals, int Stride = 1)
{
    /// <summary>Until a model bundle says otherwise: one minute at 1 Hz of the four standard signals.</summary>
    public static readonly WindowSpec Default = new(60, Signals: Telemetry.Signals.Standard);

    public int Width => Signals.Count;

    public void Validate()
    {
        if (Length < 1)
        {
            throw new ArgumentException($"window length must be at least 1, not {Length}");
        }

        if (Stride < 1)
        {
            throw new ArgumentException($"window stride must be at least 1, not {Stride}");
        }

        if (Signals.Count == 0 || Signals.Distinct(StringComparer.Ordinal).Count() != Signals.Count)
        {
            throw new ArgumentException("a window needs one or more distinct signals");
        }
    }
}
