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
using Pipeline.Models.Topics;
using Pipeline.Streams.Connecting;
using Pipeline.Streams.Ingesting;
using Pipeline.Streams.Storing;

namespace Pipeline.Host.Cli;

/// <summary>
/// <c>pipeline demo</c>: generated certificates, the node with its embedded mTLS broker and SQLite store, and a few
/// simulated devices — one of which tries to speak for another, and one whose temperature sensor sticks — live.
/// </summary>
internal static class DemoCommand
{
    private static readonly string[] Devices = ["esp32-01", "esp32-02", "esp32-03"];

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

        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{PipelineSections.Mqtt}:CertsDirectory"] = certs,
            [$"{PipelineSections.EmbeddedBroker}:BindAddress"] = "127.0.0.1",
            [$"{PipelineSections.EmbeddedBroker}:Port"] = port.ToString(CultureInfo.InvariantCulture),
            [$"{PipelineSections.Store}:Path"] = database,
            [$"{PipelineSections.SensorDefaults}:OfflineAfter"] = "00:00:10",
            [$"{PipelineSections.SensorDefaults}:SamplingPeriod"] = "00:00:00.200",
            ["Serilog:MinimumLevel:Default"] = "Warning",
            ["Serilog:MinimumLevel:Override:Pipeline.Actors"] = "Information",
        });
        builder.AddPipeline();
        using var host = builder.Build();
        await host.StartAsync(stop.Token);

        Console.WriteLine($"Pipeline demo — certificates in {certs}");
        Console.WriteLine($"SQLite store: {database}  (try: sqlite3 {database} \"select * from readings order by id desc limit 5\")");
        Console.WriteLine($"Embedded mTLS broker on 127.0.0.1:{port}; {Devices.Length} simulated devices at 5 readings/s. Ctrl-C stops.");
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
    }

    private static async Task ShowLiveAsync(IServiceProvider services, CancellationToken stop)
    {
        var metrics = services.GetRequiredService<IngestMetrics>();
        var store = services.GetRequiredService<SqliteStore>();
        var clock = Stopwatch.StartNew();
        long last = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(3), stop);
                var stored = metrics.Stored;
                var sensors = string.Join("  ", store.ListSensors().Select(s => $"{s.SensorId}[{s.WindowFill}/{s.WindowLength} {s.Health}]"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[{clock.Elapsed:mm\\:ss}] stored/s {(stored - last) / 3.0,5:F1}  stored {stored,6}  rejected {metrics.Rejected,3}  in flight {metrics.InFlight,3}  {sensors}"));
                last = stored;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// A device: smooth pump-like signals with noise. esp32-02 also tries, now and then, to publish as esp32-01 (the
    /// broker refuses); esp32-03's temperature sensor sticks after 30 s.
    /// </summary>
    private static async Task SimulateAsync(BrokerEndpoint endpoint, string certs, string device, int index, CancellationToken stop)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var random = new Random(index + 1);
        try
        {
            await client.ConnectAsync(MutualTlsClientOptions.For(endpoint, certs, device).Build(), stop);
            var started = DateTime.UtcNow;
            for (var seq = 1L; !stop.IsCancellationRequested; seq++)
            {
                var t = (DateTime.UtcNow - started).TotalSeconds;
                var flow = 120 + (5 * Math.Sin(t / 20)) + random.NextDouble();
                var temperature = index == 2 && t > 30 ? 21.7 : 21 + (0.5 * Math.Sin(t / 60)) + (random.NextDouble() * 0.05);
                var payload = string.Create(CultureInfo.InvariantCulture,
                    $$"""{"ts":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}},"seq":{{seq}},"flow":{{flow:F2}},"temperature":{{temperature:F2}},"pressure":{{4.2 - (flow - 120) * 0.01 + random.NextDouble() * 0.02:F3}},"current":{{8.5 + (flow - 120) * 0.03:F2}}}""");
                await client.PublishAsync(Message(TopicContract.Telemetry(device), payload), stop);
                if (index == 1 && seq % 50 == 0)
                {
                    var forged = await client.PublishAsync(Message(TopicContract.Telemetry(Devices[0]), payload), stop);
                    Console.WriteLine($"{device} tried to publish as {Devices[0]}: the broker answered {forged.ReasonCode}.");
                }

                await Task.Delay(200, stop);
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
