using System.Buffers;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.Models.Alarms;
using Pipeline.Models.Topics;
using Pipeline.Streams.Connecting;
using Pipeline.Streams.Storing;

namespace Pipeline.Host.Cli;

/// <summary><c>pipeline alarms</c>: see open alarms, acknowledge and shelve them as a SCADA operator would.</summary>
internal static class AlarmsCommand
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(10);

    public static Command Create() => new("alarms", "Open alarms; acknowledge or shelve one (sent as a SCADA identity over MQTT, like Node-RED does).")
    {
        List(),
        Send("ack", "Acknowledge an alarm (SENSOR/TYPE, e.g. esp32-01/anomaly).", withMinutes: false),
        Send("shelve", "Shelve an alarm for some minutes: it cannot be raised again until then.", withMinutes: true),
    };

    private static Command List()
    {
        var store = new Option<string>("--store") { Description = "The node's store: its SQLite file, or a postgres:// URI.", DefaultValueFactory = _ => "pipeline.db" };
        var command = new Command("list", "Every alarm not closed, with state, severity, count, peak score and cause hint.") { store };
        command.SetAction(result => CliAction.RunAsync(async () =>
        {
            var path = result.GetValue(store)!;
            using var database = PipelineStore.OpenExisting(path);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var table = new CliTable(("ALARM", -26), ("STATE", -22), ("SHELVED UNTIL (UTC)", -20), ("SEVERITY", -8), ("COUNT", 5), ("PEAK", 7), (" RAISED (UTC)", -21), (" HINT / MESSAGE", 0));
            foreach (var a in (await database.Alarms.LoadOpenAsync(null, CancellationToken.None)).OrderBy(a => a.Id, StringComparer.Ordinal))
            {
                var shelved = a.IsShelvedAt(now) ? Utc(a.ShelvedUntil) : "-";
                table.Add(a.Id, AlarmNames.Of(a.State), shelved, AlarmNames.Of(a.Severity), a.Count.ToString(CultureInfo.InvariantCulture),
                    a.PeakScore.ToString("F3", CultureInfo.InvariantCulture), $" {Utc(a.RaisedAt)}", $" {a.CauseHint ?? a.Message}");
            }

            table.Write(Console.Out);

            return CliAction.Ok;
        }));
        return command;
    }

    private static Command Send(string verb, string description, bool withMinutes)
    {
        var alarm = new Argument<string>("ALARM") { Description = "SENSOR/TYPE, e.g. esp32-01/anomaly." };
        var broker = new Option<string>("--broker") { Description = "HOST:PORT of the broker.", Required = true };
        var certs = new Option<string>("--certs") { Description = "PKI folder with ca.crt and the SCADA identity's certificate.", DefaultValueFactory = _ => "certs" };
        var identity = new Option<string>("--as") { Description = "The SCADA identity to send as (role scada; only it may command).", Required = true };
        var minutes = new Option<double>("--minutes") { Description = "How long to shelve.", DefaultValueFactory = _ => 60 };
        var passwordFile = new Option<string?>("--password-file") { Description = "A file whose first line is the identity's password, for a broker that also asks for one (docs/mqtt.md)." };
        var command = new Command(verb, description) { alarm, broker, certs, identity, passwordFile };
        if (withMinutes)
        {
            command.Options.Add(minutes);
        }

        command.SetAction((result, cancellation) => CliAction.RunAsync(async () =>
        {
            var id = result.GetValue(alarm)!;
            var by = result.GetValue(identity)!;
            var payload = withMinutes
                ? JsonSerializer.Serialize(new Dictionary<string, object> { ["alarm"] = id, ["minutes"] = result.GetValue(minutes), ["by"] = by }, CommandJson.Default.DictionaryStringObject)
                : JsonSerializer.Serialize(new Dictionary<string, object> { ["alarm"] = id, ["by"] = by }, CommandJson.Default.DictionaryStringObject);
            var answer = await SendAsync(BrokerEndpoint.Parse(result.GetValue(broker)!), result.GetValue(certs)!, by, result.GetValue(passwordFile), AlarmCommand.Prefix + verb, payload, cancellation);
            if (answer is null)
            {
                return CliAction.Failed;
            }

            using var reply = JsonDocument.Parse(answer);
            var ok = reply.RootElement.GetProperty("ok").GetBoolean();
            var detail = reply.RootElement.GetProperty("detail").GetString();
            if (!ok)
            {
                Console.Error.WriteLine($"error: the node refused {verb} of {id}: {detail}");
                return CliAction.Failed;
            }

            var state = reply.RootElement.TryGetProperty("alarm", out var current) ? $" (now {current.GetProperty("state").GetString()})" : string.Empty;
            Console.WriteLine($"Done: {detail}{state}.");
            return CliAction.Ok;
        }));
        return command;
    }

    /// <summary>
    /// Publishes the command with <c>pipeline/replies/&lt;identity&gt;</c> as its MQTT 5 response topic and waits for the
    /// node's answer; null (with the reason on stderr) when the broker refuses it or the node does not answer.
    /// </summary>
    private static async Task<byte[]?> SendAsync(BrokerEndpoint broker, string certs, string identity, string? passwordFile, string topic, string payload, CancellationToken cancellation)
    {
        var replies = TopicContract.Replies(identity);
        var correlation = Guid.NewGuid().ToByteArray();
        var answered = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            if (e.ApplicationMessage.CorrelationData is { } data && data.AsSpan().SequenceEqual(correlation))
            {
                answered.TrySetResult(e.ApplicationMessage.Payload.ToArray());
            }

            return Task.CompletedTask;
        };
        await client.ConnectAsync(MutualTlsClientOptions.For(broker, certs, identity).WithPasswordFrom(identity, passwordFile).Build(), cancellation);
        try
        {
            var subscribed = await client.SubscribeAsync(replies, MqttQualityOfServiceLevel.AtLeastOnce, cancellation);
            if (subscribed.Items.First().ResultCode is not (MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS0))
            {
                await Console.Error.WriteLineAsync($"error: the broker refused '{identity}' the replies topic {replies}; is '{identity}' a scada identity in its ACL (regenerate it with 'pipeline broker config')?");
                return null;
            }

            var sent = await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
                .WithResponseTopic(replies).WithCorrelationData(correlation)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellation);
            if (!sent.IsSuccess)
            {
                await Console.Error.WriteLineAsync($"error: the broker refused the command ({sent.ReasonCode}); is '{identity}' a scada identity in its ACL?");
                return null;
            }

            try
            {
                return await answered.Task.WaitAsync(ReplyTimeout, cancellation);
            }
            catch (TimeoutException)
            {
                await Console.Error.WriteLineAsync($"error: the broker took the command, but no node answered within {ReplyTimeout.TotalSeconds:0} s: is the node running and connected?");
                return null;
            }
        }
        finally
        {
            await client.DisconnectAsync(cancellationToken: CancellationToken.None);
        }
    }

    private static string Utc(long? ms) =>
        ms is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "-";
}


[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, object>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(double))]
internal sealed partial class CommandJson : System.Text.Json.Serialization.JsonSerializerContext;
