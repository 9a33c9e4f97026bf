using Pipeline.Models.Settings;

namespace Pipeline.Streams.Brokering;

/// <summary>What <c>pipeline broker config</c> writes.</summary>
public sealed record MosquittoConfigOptions
{
    /// <summary>PKI folder (<c>pipeline certs init</c>): its CA, server certificate, CRL and identities.</summary>
    public required string CertsDirectory { get; init; }

    /// <summary>Where <c>mosquitto.conf</c> and <c>acl</c> are written.</summary>
    public required string OutDirectory { get; init; }

    public int Port { get; init; } = 8883;

    /// <summary>Address to listen on; default all interfaces, since devices connect over the network.</summary>
    public string BindAddress { get; init; } = "0.0.0.0";

    /// <summary>
    /// QoS 1 messages Mosquitto queues per offline or slow client before it silently drops them (its default is 1000,
    /// which loses readings during a node restart). Size: sensors x readings/s x seconds of outage to survive.
    /// </summary>
    public int MaxQueuedMessages { get; init; } = 100_000;

    /// <summary>Open connections at most on the listener (idle and handshaking ones count); more are closed at once. Default 1000.</summary>
    public int MaxConnections { get; init; } = 1000;

    /// <summary>Unacknowledged QoS 1 messages in flight per client (Mosquitto's default of 20 caps QoS 1 at ~23k msg/s).</summary>
    public int MaxInflightMessages { get; init; } = 1000;

    /// <summary>
    /// Save the persistence database after every change (default), so that a reading Mosquitto acknowledged to a device
    /// survives Mosquitto being killed before it reached the node (all but the few of the network-loop pass a kill
    /// interrupts: Mosquitto saves just after that pass's acknowledgements, docs/reliability.md). False: a snapshot every 60 s and on a clean stop —
    /// faster under a backlog, but a kill loses whatever was queued since the last snapshot (docs/reliability.md measures
    /// both).
    /// </summary>
    public bool SaveEveryChange { get; init; } = true;

    /// <summary>Where Mosquitto keeps its persistence database (sessions and queued messages survive a restart).</summary>
    public string PersistenceDirectory { get; init; } = "/var/lib/mosquitto/";

    /// <summary>The user Mosquitto drops to when started as root; it must be able to read the certificates and key.</summary>
    public string RunAsUser { get; init; } = "mosquitto";

    /// <summary>Log file; null logs to stderr (the journal under systemd).</summary>
    public string? LogFile { get; init; }

    /// <summary>
    /// What Mosquitto would refuse or misread, one line each, named by the flag of <c>pipeline broker config</c> that
    /// sets it: a config with port 70000 was written, and Mosquitto failed only when started.
    /// </summary>
    public IEnumerable<string> Problems() =>
        SettingRules.Range("--port", Port, 1, 65_535)
            .Concat(SettingRules.When(string.IsNullOrWhiteSpace(BindAddress) || BindAddress.Any(char.IsWhiteSpace), $"--bind '{BindAddress}' is not an address"))
            .Concat(SettingRules.Range("--max-queued", MaxQueuedMessages, 1, int.MaxValue))
            .Concat(SettingRules.Range("--max-connections", MaxConnections, 1, int.MaxValue))
            .Concat(SettingRules.Range("max_inflight_messages", MaxInflightMessages, 1, 65_535))
            .Concat(OneLine("--certs", CertsDirectory))
            .Concat(OneLine("--data", PersistenceDirectory))
            .Concat(OneLine("--user", RunAsUser))
            .Concat(OneLine("--log", LogFile))
            .Concat(SettingRules.When(RunAsUser.Any(char.IsWhiteSpace) && !RunAsUser.Any(char.IsControl), $"--user '{RunAsUser}' is not a user name"));

    /// <summary>
    /// Each setting is one line of <c>mosquitto.conf</c>: a value with a line break in it (a paste gone wrong) ended
    /// its line there and made the rest a setting of its own — <c>--log "$'x.log\nallow_anonymous true'"</c> wrote a
    /// broker that lets anyone in.
    /// </summary>
    private static IEnumerable<string> OneLine(string flag, string? value) =>
        SettingRules.OneLine(flag, value, "; each setting of mosquitto.conf is one line");
}
