using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.Models.Alarms;
using Pipeline.Streams.Connecting;
using Pipeline.Streams.Storing;

namespace Pipeline.Host.Cli;

/// <summary><c>pipeline alarms</c>: see open alarms, acknowledge and shelve them as a SCADA operator would.</summary>
internal static class AlarmsCommand
{
    public static Command Create() => new("alarms", "Open alarms; acknowledge or shelve one (sent as a SCADA identity over MQTT, like Node-RED does).")
    {
        List(),
        Send("ack", "Acknowledge an alarm (SENSOR/TYPE, e.g. esp32-01/anomaly).", withMinutes: false),
        Send("shelve", "Shelve an alarm for some minutes: it cannot be raised again until then.", withMinutes: true),
    };

    private static Command List()
    {
        var store = new Option<string>("--store") { Description = "The node's SQLite file.", DefaultValueFactory = _ => "pipeline.db" };
        var command = new Command("list", "Every alarm not closed, with state, severity, count, peak score and cause hint.") { store };
        command.SetAction(result => CliAction.RunAsync(() =>
        {
            var path = result.GetValue(store)!;
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"No store at '{path}'; pass the node's --store.", path);
            }

            using var database = SqliteStore.Open(new StoreOptions { Path = path });
            Console.WriteLine($"{"ALARM",-26} {"STATE",-22} {"SEVERITY",-8} {"COUNT",5} {"PEAK",7}  RAISED (UTC)          HINT / MESSAGE");
            foreach (var a in database.LoadOpen().OrderBy(a => a.Id, StringComparer.Ordinal))
            {
                var raised = a.RaisedAt is { } r ? DateTimeOffset.FromUnixTimeMilliseconds(r).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "-";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{a.Id,-26} {a.State,-22} {a.Severity,-8} {a.Count,5} {a.PeakScore,7:F3}  {raised,-20}  {a.CauseHint ?? a.Message}"));
            }

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
        var command = new Command(verb, description) { alarm, broker, certs, identity };
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
            using var client = new MqttClientFactory().CreateMqttClient();
            await client.ConnectAsync(MutualTlsClientOptions.For(BrokerEndpoint.Parse(result.GetValue(broker)!), result.GetValue(certs)!, by).Build(), cancellation);
            var sent = await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(AlarmCommand.Prefix + verb).WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellation);
            await client.DisconnectAsync(cancellationToken: cancellation);
            if (!sent.IsSuccess)
            {
                Console.Error.WriteLine($"error: the broker refused the command ({sent.ReasonCode}); is '{by}' a scada identity in its ACL?");
                return CliAction.Failed;
            }

            Console.WriteLine($"Sent {verb} for {id} as {by}.");
            return CliAction.Ok;
        }));
        return command;
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, object>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(double))]
internal sealed partial class CommandJson : System.Text.Json.Serialization.JsonSerializerContext;
