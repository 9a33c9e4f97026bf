namespace Pipeline.Streams.Subscribing;

/// <summary>
/// A message on <c>pipeline/commands/…</c>, with where its sender wants the answer (MQTT 5 response topic and
/// correlation data; null when it asked for none).
/// </summary>
public sealed record IncomingCommand(string Topic, byte[] Payload, string? ResponseTopic, byte[]? CorrelationData);
