namespace Pipeline.Models.Telemetry;

/// <summary>What <see cref="TelemetryCodec.Decode"/> made of a message: a reading, or the precise reason it is rejected.</summary>
public abstract record TelemetryDecodeResult;

public sealed record DecodedReading(Reading Reading) : TelemetryDecodeResult;

/// <param name="Detail">What is wrong and where, e.g. "field 'pressure' is 812.5 bar, outside [-1.1, 700]".</param>
public sealed record RejectedTelemetry(RejectReason Reason, string Detail) : TelemetryDecodeResult
{
    public override string ToString() => $"{Reason}: {Detail}";
}
