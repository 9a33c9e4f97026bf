namespace Pipeline.Models.Telemetry;

/// <summary>Why a telemetry message can never become a reading. Stored with every reject.</summary>
public enum RejectReason
{
    /// <summary>The topic is not <c>pipeline/&lt;sensor-id&gt;/telemetry</c>.</summary>
    NotTelemetryTopic,
    PayloadTooLarge,
    NotJson,
    NotAnObject,
    DuplicateField,
    MissingField,
    WrongType,

    /// <summary>NaN or ±Infinity (not valid JSON numbers, but devices send them).</summary>
    NotFinite,
    OutOfPhysicalBounds,
    TimestampInFuture,
    TimestampTooOld,

    /// <summary>The payload names a sensor other than the one its topic (and certificate) belongs to.</summary>
    SensorMismatch,
    NoSignals,

    /// <summary>A message on the command topic that is not a valid alarm command.</summary>
    InvalidCommand,

    /// <summary>
    /// A sequence number the device's readings already have stored with another measurement time: its counter went
    /// back (a restart without a counter kept in flash). A reading is kept once per sequence number.
    /// </summary>
    SequenceReused,
}
