using Pipeline.Models.Settings;

namespace Pipeline.Streams.Connecting;

/// <summary>How the node connects to its broker (<c>Pipeline:Mqtt</c>).</summary>
public sealed class MqttOptions : ISettingsGroup
{
    /// <summary>
    /// <c>HOST:PORT</c> of an external broker (Mosquitto). Empty (the default): start the embedded broker and connect
    /// to it. Env: <c>Pipeline__Mqtt__Broker</c>.
    /// </summary>
    public string? Broker { get; set; }

    /// <summary>PKI folder with <c>ca.crt</c> and the node identity's certificate and key. Default <c>certs</c>.</summary>
    public string CertsDirectory { get; set; } = "certs";

    /// <summary>The node's identity (certificate CN and client id). Default <c>node</c>.</summary>
    public string Identity { get; set; } = "node";

    /// <summary>
    /// Unacknowledged messages the broker may have in flight to the node (MQTT 5 Receive Maximum), and the capacity
    /// of the node's intake queue, and the acknowledgements the node lets queue unsent in its MQTT client. The node
    /// holds at most this many plus two store batches; a slow store makes the broker wait and queue (and, should a
    /// broker overshoot, the MQTT client stops reading the socket); so does a broker too busy to read the node's
    /// acknowledgements (beyond these, up to <see cref="NodeMqttChannel.MaxQueuedBytes"/> of them wait in the
    /// connection to go out together). Default 1000.
    /// </summary>
    public int MaxInFlight { get; set; } = 1000;

    /// <summary>How long the broker keeps the node's session and queue while it is away. Default 7 days.</summary>
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromDays(7);

    /// <summary>First delay before reconnecting; doubles (with jitter) up to <see cref="ReconnectMaxDelay"/>. Default 1 s.</summary>
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest delay between reconnect attempts. Default 30 s.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A file whose first line is this identity's password, for a broker that also asks for one (the optional password
    /// layer, docs/mqtt.md). Default none: no password is sent.
    /// </summary>
    public string? PasswordFile { get; set; }

    /// <summary>
    /// Several nodes share the fleet's telemetry and the operators' commands: each node subscribes through the MQTT 5
    /// shared subscription <c>$share/&lt;SharedGroup&gt;/…</c>, so the broker gives each message to one of them. Same
    /// name on every node of a cluster; each node keeps its own <see cref="Identity"/>. Needs Mosquitto (the embedded
    /// broker has no shared subscriptions). Default none: the node reads everything itself.
    /// </summary>
    public string? SharedGroup { get; set; }

    /// <summary>The filter the node subscribes <paramref name="filter"/> with: shared when <see cref="SharedGroup"/> is set.</summary>
    public string Subscription(string filter) =>
        string.IsNullOrEmpty(SharedGroup) ? filter : Pipeline.Models.Topics.TopicContract.Shared(SharedGroup, filter);

    /// <summary>MQTT keep-alive. Default 15 s.</summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    public IEnumerable<string> Problems(string section)
    {
        var broker = new List<string>();
        if (!string.IsNullOrWhiteSpace(Broker))
        {
            try
            {
                BrokerEndpoint.Parse(Broker);
            }
            catch (FormatException e)
            {
                broker.Add($"{section}:Broker: {e.Message}");
            }
        }

        return broker
            .Concat(Pipeline.Models.Security.IdentityName.Validate(Identity) is { } error ? [$"{section}:Identity '{Identity}': {error}"] : Enumerable.Empty<string>())
            .Concat(SharedGroupProblems(section))
            .Concat(SettingRules.Range($"{section}:MaxInFlight", MaxInFlight, 1, 65_535))
            .Concat(SettingRules.Positive($"{section}:SessionExpiry", SessionExpiry))
            .Concat(SettingRules.Positive($"{section}:ReconnectMinDelay", ReconnectMinDelay))
            .Concat(SettingRules.When(ReconnectMaxDelay < ReconnectMinDelay, $"{section}:ReconnectMaxDelay ({ReconnectMaxDelay}) must not be below ReconnectMinDelay ({ReconnectMinDelay})"))
            .Concat(SettingRules.When(!string.IsNullOrEmpty(PasswordFile) && !File.Exists(PasswordFile), $"{section}:PasswordFile '{PasswordFile}' does not exist"))
            .Concat(SettingRules.When(!Directory.Exists(CertsDirectory),
                $"{section}:CertsDirectory '{CertsDirectory}' does not exist; create it with 'pipeline certs init --dir {CertsDirectory}'"));
    }

    private IEnumerable<string> SharedGroupProblems(string section)
    {
        if (string.IsNullOrEmpty(SharedGroup))
        {
            yield break;
        }

        if (Pipeline.Models.Security.IdentityName.Validate(SharedGroup) is { } error)
        {
            yield return $"{section}:SharedGroup '{SharedGroup}': {error}";
        }

        if (string.IsNullOrWhiteSpace(Broker))
        {
            yield return $"{section}:SharedGroup '{SharedGroup}' needs Mosquitto ({section}:Broker or --broker): the embedded broker has no MQTT 5 shared subscriptions";
        }
    }
}
