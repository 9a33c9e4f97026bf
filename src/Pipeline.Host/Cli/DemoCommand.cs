using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.Models.Security;
using Pipeline.Models.Topics;
using Pipeline.Streams.Brokering;
using Pipeline.Streams.Connecting;
using Serilog.Extensions.Logging;

namespace Pipeline.Host.Cli;

/// <summary>
/// <c>pipeline demo</c>: generated certificates, the embedded mTLS broker, a few simulated devices and the node's
/// subscription, live. At this stage it shows the secure transport: who may connect and speak, and what is refused.
/// </summary>
internal static class DemoCommand
{
    private static readonly string[] Devices = ["esp32-01", "esp32-02", "esp32-03"];

    public static Command Create()
    {
        var dir = new Option<string?>("--dir") { Description = "Folder for the demo's certificates (default: a new temp folder)." };
        var duration = new Option<int>("--seconds") { Description = "Stop after this many seconds (0: run until Ctrl-C).", DefaultValueFactory = _ => 0 };
        var command = new Command("demo", "Run the demo: certificates, embedded mTLS broker, simulated devices, live view. Ctrl-C stops.")
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

        var certs = directory ?? Path.Combine(Path.GetTempPath(), "pipeline-demo-" + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture), "certs");
        using (var ca = File.Exists(new PkiFolder(certs).CaCertificate)
                   ? CertificateAuthority.Open(certs)
                   : CertificateAuthority.Init(certs, new PkiInitOptions { ServerIps = [IPAddress.Loopback], ServerDnsNames = ["localhost"] }))
        {
            foreach (var device in Devices.Where(d => !File.Exists(ca.Folder.Certificate(d))))
            {
                ca.Issue(device, IdentityRole.Device).Dispose();
            }
        }

        Console.WriteLine($"Certificates: {certs}");
        using var loggers = new SerilogLoggerFactory(Serilog.Log.Logger);
        var port = FreeLoopbackPort();
        await using var broker = await EmbeddedBroker.StartAsync(
            new EmbeddedBrokerOptions { CertsDirectory = certs, BindAddress = "127.0.0.1", Port = port },
            loggers.CreateLogger("Pipeline.Broker"));
        var endpoint = new BrokerEndpoint("127.0.0.1", port);

        using var node = new MqttClientFactory().CreateMqttClient();
        long received = 0;
        node.ApplicationMessageReceivedAsync += _ =>
        {
            Interlocked.Increment(ref received);
            return Task.CompletedTask;
        };
        await node.ConnectAsync(MutualTlsClientOptions.For(endpoint, certs, PkiFolder.NodeIdentity).Build(), stop.Token);
        await node.SubscribeAsync(TopicContract.AllTelemetry, MqttQualityOfServiceLevel.AtLeastOnce, stop.Token);
        Console.WriteLine($"Node subscribed to {TopicContract.AllTelemetry} on {endpoint} (mTLS). Ctrl-C stops.");

        var publishers = Devices.Select(d => PublishAsync(endpoint, certs, d, stop.Token)).ToList();
        var clock = Stopwatch.StartNew();
        long last = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(2), stop.Token);
                var now = Interlocked.Read(ref received);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[{clock.Elapsed:mm\\:ss}] readings/s {(now - last) / 2.0,6:F1}  received {now,6}  denied publishes {broker.DeniedPublishes,4}  refused connections {broker.RefusedConnections,3}"));
                last = now;
            }
        }
        catch (OperationCanceledException)
        {
        }

        await Task.WhenAll(publishers);
        Console.WriteLine($"Stopped. Certificates remain in {certs}.");
        return CliAction.Ok;
    }

    /// <summary>A simulated device: telemetry on its own topic, and every tenth time a forged publish for a neighbour.</summary>
    private static async Task PublishAsync(BrokerEndpoint endpoint, string certs, string device, CancellationToken stop)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            await client.ConnectAsync(MutualTlsClientOptions.For(endpoint, certs, device).Build(), stop);
            var random = new Random(device.GetHashCode(StringComparison.Ordinal));
            for (var seq = 1L; !stop.IsCancellationRequested; seq++)
            {
                var payload = string.Create(CultureInfo.InvariantCulture,
                    $$"""{"ts":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}},"seq":{{seq}},"flow":{{120 + random.NextDouble() * 2:F2}},"temperature":{{21 + random.NextDouble() * 0.2:F2}},"pressure":{{4.2 + random.NextDouble() * 0.05:F3}},"current":{{8.5 + random.NextDouble() * 0.1:F2}}}""");
                await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(TopicContract.Telemetry(device)).WithPayload(payload)
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), stop);
                if (seq % 10 == 0 && device == Devices[^1])
                {
                    var forged = await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(TopicContract.Telemetry(Devices[0]))
                        .WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), stop);
                    if (seq == 10)
                    {
                        Console.WriteLine($"{device} tried to publish as {Devices[0]}: broker answered {forged.ReasonCode}.");
                    }
                }

                await Task.Delay(200, stop);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
