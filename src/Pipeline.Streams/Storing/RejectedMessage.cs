using Pipeline.Models.Telemetry;

namespace Pipeline.Streams.Storing;

/// <summary>A message that can never become a reading, kept in <c>rejects</c> for a person to look at.</summary>
public sealed record RejectedMessage(DateTimeOffset ReceivedAt, string Topic, RejectReason Reason, string Detail, ReadOnlyMemory<byte> Payload);
