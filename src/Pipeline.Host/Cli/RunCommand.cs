using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Pipeline.Host.Hosting;

namespace Pipeline.Host.Cli;

/// <summary><c>pipeline run</c>: the node, until Ctrl-C or SIGTERM.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "A JSON settings file, read after appsettings.json and before environment variables." };
        var broker = new Option<string?>("--broker") { Description = "HOST:PORT of an external broker (Pipeline:Mqtt:Broker). None: start the embedded broker." };
        var certs = new Option<string?>("--certs") { Description = "PKI folder with ca.crt and the node identity (Pipeline:Mqtt:CertsDirectory)." };
        var store = new Option<string?>("--store") { Description = "SQLite database file, or a postgres://user@host:port/database URI for a store several nodes share (Pipeline:Store:Path)." };
        var http = new Option<string?>("--http") { Description = "HOST:PORT for /health/live, /health/ready and /metrics (Pipeline:Http:Urls), e.g. 127.0.0.1:9464. None: no HTTP." };
        var command = new Command("run", "Run the node: MQTT (mTLS) -> decode -> SQLite -> per-sensor windows -> LSTM scoring -> alarms (journalled, published) -> ack. Settings: appsettings.json, --config, Pipeline__* environment variables, flags.")
        {
            config, broker, certs, store, http,
        };
        command.SetAction((result, cancellation) => CliAction.RunAsync(async () =>
        {
            var file = result.GetValue(config) is { } given ? ExistingConfig(given) : null;

            var flags = new Dictionary<string, string?>();
            Set(flags, $"{PipelineSections.Mqtt}:Broker", result.GetValue(broker));
            Set(flags, $"{PipelineSections.Mqtt}:CertsDirectory", result.GetValue(certs));
            Set(flags, $"{PipelineSections.Store}:Path", result.GetValue(store));
            Set(flags, $"{PipelineSections.Http}:Urls", result.GetValue(http) is { } endpoint ? $"http://{endpoint}" : null);
            using var host = PipelineHost.Build(configuration =>
            {
                if (file is not null)
                {
                    configuration.AddJsonFile(Path.GetFullPath(file), optional: false);
                    configuration.AddEnvironmentVariables(); // environment still wins over the file
                }

                configuration.AddInMemoryCollection(flags);
            });
            await host.RunAsync(cancellation);
            return Environment.ExitCode;
        }));
        return command;
    }

    private static void Set(Dictionary<string, string?> flags, string key, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            flags[key] = value;
        }
    }

    /// <summary><paramref name="file"/>, a node's JSON settings file given by <c>--config</c>, when it exists; else the error that says so.</summary>
    internal static string ExistingConfig(string file) =>
        File.Exists(file) ? file : throw new FileNotFoundException($"--config '{file}' does not exist.", file);
}
