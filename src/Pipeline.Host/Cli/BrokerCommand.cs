using System.CommandLine;
using Microsoft.Extensions.Logging;
using Pipeline.Streams.Brokering;
using Serilog.Extensions.Logging;

namespace Pipeline.Host.Cli;

/// <summary><c>pipeline broker</c>: Mosquitto configuration, and the embedded broker on its own.</summary>
internal static class BrokerCommand
{
    public static Command Create() => new("broker", "The MQTT broker: a generated Mosquitto config, or the embedded mTLS broker.")
    {
        Config(),
        Run(),
    };

    private static Command Config()
    {
        var certs = new Option<string>("--certs") { Description = "PKI folder (pipeline certs init).", DefaultValueFactory = _ => "certs" };
        var output = new Option<string>("--out") { Description = "Folder for mosquitto.conf and acl.", Required = true };
        var port = new Option<int>("--port") { Description = "TLS listener port.", DefaultValueFactory = _ => 8883 };
        var bind = new Option<string>("--bind") { Description = "Address to listen on.", DefaultValueFactory = _ => "0.0.0.0" };
        var queued = new Option<int>("--max-queued")
        {
            Description = "QoS 1 messages queued per offline client before Mosquitto drops them: sensors x readings/s x seconds of outage.",
            DefaultValueFactory = _ => 100_000,
        };
        var connections = new Option<int>("--max-connections") { Description = "Open connections at most (idle ones count): the rest are closed at once.", DefaultValueFactory = _ => 1000 };
        var data = new Option<string>("--data") { Description = "Persistence folder.", DefaultValueFactory = _ => "/var/lib/mosquitto/" };
        var user = new Option<string>("--user") { Description = "User Mosquitto runs as (must read the certs and server.key).", DefaultValueFactory = _ => "mosquitto" };
        var log = new Option<string?>("--log") { Description = "Log file (default: stderr, i.e. the journal)." };
        var snapshot = new Option<bool>("--snapshot-persistence")
        {
            Description = "Save Mosquitto's persistence every 60 s instead of after every change: faster under a backlog, but a killed broker loses what it queued since (docs/reliability.md).",
        };
        var command = new Command("config", "Write mosquitto.conf and its ACL: mTLS on 8883, CRL, CN as identity, persistence, sized queues.")
        {
            certs, output, port, bind, queued, connections, data, user, log, snapshot,
        };
        command.SetAction(result => CliAction.RunAsync(() =>
        {
            var (config, acl) = MosquittoConfigWriter.Write(new MosquittoConfigOptions
            {
                SaveEveryChange = !result.GetValue(snapshot),
                CertsDirectory = result.GetValue(certs)!,
                OutDirectory = result.GetValue(output)!,
                Port = result.GetValue(port),
                BindAddress = result.GetValue(bind)!,
                MaxQueuedMessages = result.GetValue(queued),
                MaxConnections = result.GetValue(connections),
                PersistenceDirectory = result.GetValue(data)!,
                RunAsUser = result.GetValue(user)!,
                LogFile = result.GetValue(log),
            });
            Console.WriteLine($"Wrote {config} and {acl}. Start with: mosquitto -c {config}");
            return CliAction.Ok;
        }));
        return command;
    }

    private static Command Run()
    {
        var certs = new Option<string>("--certs") { Description = "PKI folder (pipeline certs init).", DefaultValueFactory = _ => "certs" };
        var port = new Option<int>("--port") { Description = "TLS listener port.", DefaultValueFactory = _ => 8883 };
        var bind = new Option<string>("--bind") { Description = "Address to listen on.", DefaultValueFactory = _ => "0.0.0.0" };
        var command = new Command("run", "Run the embedded mTLS broker on its own until Ctrl-C (same rules as the generated Mosquitto config).")
        {
            certs, port, bind,
        };
        command.SetAction((result, cancellation) => CliAction.RunAsync(async () =>
        {
            var options = new EmbeddedBrokerOptions
            {
                CertsDirectory = result.GetValue(certs)!,
                Port = result.GetValue(port),
                BindAddress = result.GetValue(bind)!,
            };
            // The node's own rules for its embedded broker, named by this command's flags.
            const string section = "Pipeline:EmbeddedBroker";
            var problems = options.Problems(section)
                .Select(p => p.Replace($"{section}:Port", "--port", StringComparison.Ordinal).Replace($"{section}:BindAddress", "--bind", StringComparison.Ordinal))
                .ToList();
            if (problems.Count > 0)
            {
                throw new ArgumentException(string.Join(Environment.NewLine, problems));
            }

            using var loggers = new SerilogLoggerFactory(Serilog.Log.Logger);
            await using var broker = await EmbeddedBroker.StartAsync(options, loggers.CreateLogger("Pipeline.Broker"));
            await Task.Delay(Timeout.Infinite, cancellation).ContinueWith(_ => { }, TaskScheduler.Default);
            return CliAction.Ok;
        }));
        return command;
    }
}
