namespace Pipeline.Streams.Subscribing;

/// <summary>The broker answered, but refused the node's connection or subscription.</summary>
public sealed class MqttConnectRefusedException(string message) : Exception(message);
