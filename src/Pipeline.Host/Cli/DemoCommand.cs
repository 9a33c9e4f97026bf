using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.Host.Hosting;
using Pipeline.Models.Security;
using Pipeline.Models.Simulation;
using Pipeline.Models.Topics;
using Pipeline.Streams.Connecting;
using Pipeline.Streams.Ingesting;
using Pipeline.Streams.Storing;

namespace Pipeline.Host.Cli;

/// <summary>
/// <c>pipeline demo</c>: generated certificates, the node with its embedded mTLS broker, SQLite store and the shipped
/// model, and three simulated pumps — one leaks for a minute, one's pressure sensor sticks, one tries to speak for
/// another — live.
/// </summary>
internal static class DemoCommand
{
    private static readonly string[] Devices = ["esp32-01", "esp32-02", "esp32-03"];

    /// <summary>The SCADA identity the dashboard connects with.</summary>
    private const string Scada = "nodered";

    public static Command Create()
    {
        var dir = new Option<string?>("--dir") { Description = "Folder for the demo's certificates and database (default: a new temp folder)." };
        var duration = new Option<int>("--seconds") { Description = "Stop after this many seconds (0: run until Ctrl-C).", DefaultValueFactory = _ => 0 };
        var command = new Command("demo", "Run the demo: certificates, the node with its embedded mTLS broker, simulated devices, a live view. Ctrl-C stops.")
        {
            dir, duration,
        };
        command.SetAction((result, cancellation) => CliAction.RunAsync(() =>
            RunAsync(result.GetValue(dir), result.GetValue(duration), cancellation)));
        return command;
    }

    private static async Task<int> RunAsync(string? directory, int seconds, CancellationToken cancellation)
    {
        if (seconds < 0)
        {
            throw new ArgumentException($"--seconds {seconds}: give 0 (run until Ctrl-C) or more");
        }

        if (directory is not null && File.Exists(directory))
        {
            throw new ArgumentException($"--dir '{directory}' is a file: give a folder (it is made when missing) for the demo's certificates and database");
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        if (seconds > 0)
        {
            stop.CancelAfter(TimeSpan.FromSeconds(seconds));
        }

        var root = directory ?? Path.Combine(Path.GetTempPath(), "pipeline-demo-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        var certs = Path.Combine(root, "certs");
        var database = Path.Combine(root, "pipeline.db");
        PrepareCertificates(certs);
        var port = FreeLoopbackPort();
        var http = $"http://127.0.0.1:{FreeLoopbackPort()}/";

        using var host = PipelineHost.Build(configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{PipelineSections.Mqtt}:CertsDirectory"] = certs,
            [$"{PipelineSections.EmbeddedBroker}:BindAddress"] = "127.0.0.1",
            [$"{PipelineSections.EmbeddedBroker}:Port"] = port.ToString(CultureInfo.InvariantCulture),
            [$"{PipelineSections.Store}:Path"] = database,
            [$"{PipelineSections.Http}:Urls"] = http,
            [$"{PipelineSections.SensorDefaults}:OfflineAfter"] = "00:00:10",
            [$"{PipelineSections.SensorDefaults}:SamplingPeriod"] = "00:00:00.200",
            [$"{PipelineSections.SensorDefaults}:StuckCount"] = "30",
            [$"{PipelineSections.Models}:LearningReadings"] = "100",
            ["Serilog:MinimumLevel:Default"] = "Warning",
            ["Serilog:MinimumLevel:Override:Pipeline.Actors"] = "Information",
        }));
        await host.StartAsync(stop.Token);

        // SIGTERM (and Ctrl-C) reach the host's console lifetime, which stops only the host: the demo must follow.
        using var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(stop.Cancel);

        Console.WriteLine($"Pipeline demo — certificates in {certs}");
        Console.WriteLine($"SQLite store: {database}  (try: sqlite3 {database} \"select * from readings order by id desc limit 5\")");
        Console.WriteLine($"Embedded mTLS broker on 127.0.0.1:{port}; {Devices.Length} simulated pumps at 5 readings/s (1 s of pump time each).");
        Console.WriteLine($"Health: {http}health/ready  Prometheus metrics: {http}metrics  (try: curl -s {http}metrics | grep ^pipeline_)");
        Console.WriteLine("Each pump first learns for 100 readings (20 s): its own calibration, no anomaly alarms meanwhile.");
        var folder = new PkiFolder(certs);
        Console.WriteLine($"SCADA dashboard (Node-RED 4 with @flowfuse/node-red-dashboard, deploy/README.md): PIPELINE_BROKER_HOST=127.0.0.1 PIPELINE_BROKER_PORT={port} " +
            $"PIPELINE_SCADA_ID={Scada} PIPELINE_CA={folder.CaCertificate} PIPELINE_CERT={folder.Certificate(Scada)} PIPELINE_KEY={folder.Key(Scada)} node-red deploy/node-red/flow.json, then open http://127.0.0.1:1880/dashboard");
        Console.WriteLine("Script: esp32-02 leaks from 0:24 to 0:48; esp32-03's pressure sensor sticks from 0:48 to 1:06; esp32-01 cavitates from 1:20 to 1:40. Ctrl-C stops.");
        Console.WriteLine();

        var endpoint = new BrokerEndpoint("127.0.0.1", port);
        var publishers = Devices.Select((device, i) => SimulateAsync(endpoint, certs, device, i, stop.Token)).ToList();
        await ShowLiveAsync(host.Services, stop.Token);

        await Task.WhenAll(publishers);
        await host.StopAsync(CancellationToken.None);
        Console.WriteLine($"Stopped. Store: {database}");
        return CliAction.Ok;
    }

    private static void PrepareCertificates(string certs)
    {
        using var ca = File.Exists(new PkiFolder(certs).CaCertificate)
            ? CertificateAuthority.Open(certs)
            : CertificateAuthority.Init(certs, new PkiInitOptions { ServerIps = [IPAddress.Loopback], ServerDnsNames = ["localhost"], Key = KeyAlgorithm.EcdsaP256 });
        foreach (var device in Devices.Where(d => !File.Exists(ca.Folder.Certificate(d))))
        {
            ca.Issue(device, IdentityRole.Device).Dispose();
        }

        if (!File.Exists(ca.Folder.Certificate(Scada)))
        {
            ca.Issue(Scada, IdentityRole.Scada).Dispose(); // for the dashboard
        }
    }

    private static async Task ShowLiveAsync(IServiceProvider services, CancellationToken stop)
    {
        var metrics = services.GetRequiredService<IngestMetrics>();
        var sensorDirectory = services.GetRequiredService<ISensorDirectory>();
        var clock = Stopwatch.StartNew();
        long last = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(3), stop);
                var stored = metrics.Stored;
                var sensors = string.Join("  ", (await sensorDirectory.ListSensorsAsync(stop)).Select(s => $"{s.SensorId}[{s.WindowFill}/{s.WindowLength} {s.Health}{Score(metrics, s.SensorId)}]"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[{clock.Elapsed:mm\\:ss}] stored/s {(stored - last) / 3.0,5:F1}  verdicts {metrics.Verdicts,5} ({metrics.Anomalous} anomalous)  rejected {metrics.Rejected}  {sensors}"));
                last = stored;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The sensor's latest score against its threshold and, when anomalous, the signals most off.</summary>
    private static string Score(IngestMetrics metrics, string sensor)
    {
        if (!metrics.LatestVerdicts.TryGetValue(sensor, out var v))
        {
            return string.Empty;
        }

        var text = string.Create(CultureInfo.InvariantCulture, $" score {v.Score:F2}/{v.Threshold:F2}");
        if (!v.Anomalous)
        {
            return text;
        }

        var worst = v.Signals.Zip(v.PerSignal).OrderByDescending(p => p.Second).Take(2).Select(p => p.First);
        return $"{text} ANOMALY: {string.Join(", ", worst)}";
    }

    /// <summary>
    /// A device on a simulated pump (docs/simulator.md), 5 readings/s, each one second of pump time — so the demo
    /// shows minutes of process in seconds. Operators change set points now and then (normal: no alarm). The script
    /// (pump time): esp32-02 leaks from 2:00 to 4:00; esp32-03's pressure sensor sticks from 4:00 to 5:30; esp32-01
    /// cavitates from 6:40 to 8:20; esp32-02 also tries, now and then, to publish as esp32-01.
    /// </summary>
    private static async Task SimulateAsync(BrokerEndpoint endpoint, string certs, string device, int index, CancellationToken stop)
    {
        FaultSpec[] script =
        [
            new(FaultKind.Leak, Devices[1], TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(120)),
            new(FaultKind.Stuck, Devices[2], TimeSpan.FromSeconds(240), TimeSpan.FromSeconds(90)),
            new(FaultKind.Cavitation, Devices[0], TimeSpan.FromSeconds(400), TimeSpan.FromSeconds(100)),
        ];
        var pump = new PumpSimulator(device, index + 1, script);
        var period = TimeSpan.FromMilliseconds(200);
        using var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            await client.ConnectAsync(MutualTlsClientOptions.For(endpoint, certs, device).Build(), stop);
            using var timer = new PeriodicTimer(period);
            for (var seq = 1L; await timer.WaitForNextTickAsync(stop); seq++)
            {
                if (pump.Step(TimeSpan.FromSeconds(seq), TimeSpan.FromSeconds(1)) is not { } s)
                {
                    continue;
                }

                var payload = s.ToTelemetryJson(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), seq);
                await client.PublishAsync(Message(TopicContract.Telemetry(device), payload), stop);
                if (index == 1 && seq % 100 == 0)
                {
                    var forged = await client.PublishAsync(Message(TopicContract.Telemetry(Devices[0]), payload), stop);
                    Console.WriteLine($"{device} tried to publish as {Devices[0]}: the broker answered {forged.ReasonCode}.");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static MqttApplicationMessage Message(string topic, string payload) => new MqttApplicationMessageBuilder()
        .WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
