using System.Diagnostics;
using Pipeline.Streams.Brokering;
using Pipeline.Streams.Connecting;

namespace Pipeline.Tests.Support;

/// <summary>
/// A real Mosquitto on a free loopback port, configured by <see cref="MosquittoConfigWriter"/> — exactly what
/// <c>pipeline broker config</c> generates, with only the port, folders and user adapted to the test.
/// </summary>
public sealed class MosquittoProcess : IAsyncDisposable
{
    private readonly Process _process;

    private MosquittoProcess(Process process, int port, string logFile, string configFile)
    {
        _process = process;
        Endpoint = new BrokerEndpoint("127.0.0.1", port);
        LogFile = logFile;
        ConfigFile = configFile;
    }

    public BrokerEndpoint Endpoint { get; }

    public string LogFile { get; }

    public string ConfigFile { get; }

    public string Log => File.Exists(LogFile) ? File.ReadAllText(LogFile) : "(no log)";

    public static async Task<MosquittoProcess> StartAsync(string certsDirectory, string workDirectory, int? port = null, int maxConnections = 1000, bool saveEveryChange = true, int? openFiles = null)
    {
        var chosen = port ?? FreePort.Next();
        Directory.CreateDirectory(workDirectory);
        var logFile = Path.Combine(workDirectory, "mosquitto.log");
        var (config, _) = MosquittoConfigWriter.Write(new MosquittoConfigOptions
        {
            CertsDirectory = certsDirectory,
            OutDirectory = workDirectory,
            Port = chosen,
            BindAddress = "127.0.0.1",
            PersistenceDirectory = Path.Combine(workDirectory, "data"),
            RunAsUser = Environment.UserName,
            LogFile = logFile,
            MaxConnections = maxConnections,
            SaveEveryChange = saveEveryChange,
        });
        Directory.CreateDirectory(Path.Combine(workDirectory, "data"));

        // prlimit sets the limit and execs Mosquitto, as systemd's LimitNOFILE does (deploy/install.sh).
        string[] command = openFiles is { } limit ? ["prlimit", $"--nofile={limit}", "mosquitto", "-c", config] : ["mosquitto", "-c", config];
        var process = Process.Start(new ProcessStartInfo(command[0], command[1..])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("mosquitto did not start");
        var mosquitto = new MosquittoProcess(process, chosen, logFile, config);
        await FreePort.WaitUntilListeningAsync(chosen, TimeSpan.FromSeconds(15),
            () => process.HasExited ? $"mosquitto exited with {process.ExitCode}: {process.StandardError.ReadToEnd()}\n{mosquitto.Log}" : null);
        return mosquitto;
    }

    /// <summary>Stops Mosquitto the way systemd does (SIGTERM), so it saves its persistence database.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill!.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>SIGKILL: a crash or a power cut — it saves nothing on the way out.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }
}
