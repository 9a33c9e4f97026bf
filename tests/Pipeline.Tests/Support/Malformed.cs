using System.Globalization;
using System.Text;

namespace Pipeline.Tests.Support;

/// <summary>
/// Input no part of the node may take for real, of every kind a broken or hostile client sends — for the fuzz run
/// through the real path (#15). Each generator says which kind it made, so the run can count them.
/// </summary>
public static class Malformed
{
    private static readonly string[] TelemetryKinds =
    [
        "random bytes", "truncated JSON", "text for a number", "number too large", "5,000 digits", "NaN", "no ts", "no seq",
        "nested too deep", "another sensor named", "ts a day ahead", "oversized", "pressure out of bounds", "an array", "empty",
        "seq not an integer", "duplicate field",
    ];

    /// <summary>A telemetry payload the codec must reject, for a device whose valid readings look like <c>{"ts":…,"seq":…,"flow":…}</c>.</summary>
    public static (string Kind, byte[] Payload) Telemetry(Random random, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(random);
        var kind = random.Next(TelemetryKinds.Length);
        var seq = random.NextInt64(1, 1_000_000);
        string Valid() => string.Create(CultureInfo.InvariantCulture, $$"""{"ts":{{nowMs}},"seq":{{seq}},"flow":120.5,"temperature":21.3,"pressure":4.2,"current":8.5}""");
        string Json(string fields) => "{" + fields + "}";
        var payload = kind switch
        {
            0 => RandomBytes(random, 1, 300),
            1 => Encoding.UTF8.GetBytes(Valid()[..random.Next(1, Valid().Length - 1)]),
            2 => Encoding.UTF8.GetBytes(Json($"\"ts\":{nowMs},\"seq\":{seq},\"flow\":\"high\"")),
            3 => Encoding.UTF8.GetBytes(Json($"\"ts\":{nowMs},\"seq\":{seq},\"pressure\":1e400")),
            4 => Encoding.UTF8.GetBytes(Json($"\"ts\":{nowMs},\"seq\":{seq},\"flow\":{new string('9', 5000)}")),
            5 => Encoding.UTF8.GetBytes(Json($"\"ts\":{nowMs},\"seq\":{seq},\"flow\":NaN")),
            6 => Encoding.UTF8.GetBytes(Json($"\"seq\":{seq},\"flow\":1")),
            7 => Encoding.UTF8.GetBytes(Json($"\"ts\":{nowMs},\"flow\":1")),
            8 => Encoding.UTF8.GetBytes(Json($"\"ts\":{nowMs},\"seq\":{seq},\"x\":{{\"a\":{{\"b\":{{\"c\":{{\"d\":1}}}}}}}}")),
            9 => Encoding.UTF8.GetBytes(Json($"\"ts\":{nowMs},\"seq\":{seq},\"sensor\":\"esp32-02\",\"flow\":1")),
            10 => Encoding.UTF8.GetBytes(Json($"\"ts\":{nowMs + 86_400_000},\"seq\":{seq},\"flow\":1")),
            11 => Encoding.UTF8.GetBytes(Json($"\"ts\":{nowMs},\"seq\":{seq},\"note\":\"{new string('x', 5000)}\"")),
            12 => Encoding.UTF8.GetBytes(Json($"\"ts\":{nowMs},\"seq\":{seq},\"pressure\":5000")),
            13 => Encoding.UTF8.GetBytes($"[{nowMs},{seq},1]"),
            14 => [],
            15 => Encoding.UTF8.GetBytes(Json($"\"ts\":{nowMs},\"seq\":{seq}.5,\"flow\":1")),
            _ => Encoding.UTF8.GetBytes(Json($"\"ts\":{nowMs},\"seq\":{seq},\"flow\":1,\"flow\":2")),
        };
        return (TelemetryKinds[kind], payload);
    }

    private static readonly string[] CommandKinds =
    [
        "random bytes", "not JSON", "no alarm", "unknown type", "type in another casing", "numeric type", "unknown sensor",
        "nothing to acknowledge", "shelve without minutes", "shelve for a year", "oversized", "alarm not a string",
    ];

    /// <summary>A command the node must refuse (topic, payload); <paramref name="sensor"/> is a sensor the node knows, with no alarm raised.</summary>
    public static (string Kind, string Topic, byte[] Payload) Command(Random random, string sensor)
    {
        ArgumentNullException.ThrowIfNull(random);
        var kind = random.Next(CommandKinds.Length);
        var topic = random.Next(2) == 0 ? "pipeline/commands/ack" : "pipeline/commands/shelve";
        var payload = kind switch
        {
            0 => RandomBytes(random, 0, 200),
            1 => Encoding.UTF8.GetBytes("{\"alarm\":" + random.Next()),
            2 => Encoding.UTF8.GetBytes("{\"by\":\"fuzz\",\"minutes\":30}"),
            3 => Encoding.UTF8.GetBytes($"{{\"alarm\":\"{sensor}/flood\",\"by\":\"fuzz\",\"minutes\":30}}"),
            4 => Encoding.UTF8.GetBytes($"{{\"alarm\":\"{sensor}/Anomaly\",\"by\":\"fuzz\",\"minutes\":30}}"),
            5 => Encoding.UTF8.GetBytes($"{{\"alarm\":\"{sensor}/7\",\"by\":\"fuzz\",\"minutes\":30}}"),
            6 => Encoding.UTF8.GetBytes($"{{\"alarm\":\"nosuch-{random.Next(1000)}/limit\",\"by\":\"fuzz\",\"minutes\":30}}"),
            7 => Encoding.UTF8.GetBytes($"{{\"alarm\":\"{sensor}/stuck\",\"by\":\"fuzz\"}}"),
            8 => Encoding.UTF8.GetBytes($"{{\"alarm\":\"{sensor}/limit\",\"by\":\"fuzz\",\"minutes\":\"soon\"}}"),
            9 => Encoding.UTF8.GetBytes($"{{\"alarm\":\"{sensor}/limit\",\"by\":\"fuzz\",\"minutes\":525600}}"),
            10 => Encoding.UTF8.GetBytes($"{{\"alarm\":\"{sensor}/limit\",\"by\":\"{new string('x', 2000)}\"}}"),
            _ => Encoding.UTF8.GetBytes("{\"alarm\":[1,2],\"by\":\"fuzz\"}"),
        };

        // Only an acknowledgement of an alarm that was never raised is refused on both topics; a shelve of a known
        // sensor's real alarm with good minutes would be taken, so that kind always goes to ack.
        return (CommandKinds[kind], kind == 7 ? "pipeline/commands/ack" : topic, payload);
    }

    private static byte[] RandomBytes(Random random, int min, int max)
    {
        var bytes = new byte[random.Next(min, max + 1)];
        random.NextBytes(bytes);
        return bytes;
    }
}
