using System.CommandLine;
using System.Globalization;
using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.Models.Simulation;
using Pipeline.Models.Topics;
using Pipeline.Streams.Connecting;

namespace Pipeline.Host.Cli;

/// <summary><c>pipeline simulate</c>: an ESP32 fleet on pumped lines, to a broker in real time or to CSV with labels.</summary>
internal static class SimulateCommand
{
    public static Command Create()
    {
        var devices = new Option<int>("--devices") { Description = "Number of devices (esp32-01, esp32-02, ...).", DefaultValueFactory = _ => 3 };
        var rate = new Option<double>("--rate") { Description = "Readings per second per device.", DefaultValueFactory = _ => 1 };
        var duration = new Option<string?>("--duration") { Description = "How long, e.g. 90s, 30m, 8h (CSV: required; broker: until Ctrl-C when omitted)." };
        var faults = new Option<string[]>("--fault") { Description = "A fault, repeatable: KIND:DEVICE@START+DURATION, e.g. leak:esp32-03@120s+60s." };
        var scenario = new Option<string?>("--scenario") { Description = "A file with one fault per line (same form; # starts a comment)." };
        var seed = new Option<int>("--seed") { Description = "Random seed: the same seed gives the same data.", DefaultValueFactory = _ => 1 };
        var steady = new Option<bool>("--steady") { Description = "No set-point changes, starts or stops." };
        var csv = new Option<string?>("--csv") { Description = "Write the readings (simulated time, no waiting) to this CSV with labels instead of publishing." };
        var broker = new Option<string?>("--broker") { Description = "HOST:PORT of the broker to publish to (mTLS, QoS 1)." };
        var certs = new Option<string>("--certs") { Description = "PKI folder with ca.crt and each device's certificate.", DefaultValueFactory = _ => "certs" };
        var command = new Command("simulate", "Simulate ESP32 devices on pumped lines, with faults: publish to a broker, or write labelled CSV.")
        {
            devices, rate, duration, faults, scenario, seed, steady, csv, broker, certs,
        };
        command.SetAction((result, cancellation) => CliAction.RunAsync(async () =>
        {
            var faultList = (result.GetValue(faults) ?? []).Select(FaultSpec.Parse).ToList();
            if (result.GetValue(scenario) is { } file)
            {
                faultList.AddRange(File.ReadAllLines(file).Select(l => l.Split('#')[0].Trim()).Where(l => l.Length > 0).Select(FaultSpec.Parse));
            }

            var count = result.GetValue(devices);
            var names = Enumerable.Range(1, count).Select(i => $"esp32-{i.ToString(count > 99 ? "D3" : "D2", CultureInfo.InvariantCulture)}").ToArray();
            var period = TimeSpan.FromSeconds(1 / result.GetValue(rate));
            var length = result.GetValue(duration) is { } d ? FaultSpec.ParseDuration(d) : (TimeSpan?)null;
            var simulators = names.Select((n, i) => new PumpSimulator(n, result.GetValue(seed) * 1000 + i, faultList, !result.GetValue(steady))).ToArray();

            if (result.GetValue(csv) is { } output)
            {
                var total = length ?? throw new ArgumentException("--csv needs --duration");
                var rows = WriteCsv(output, simulators, period, total);
                Console.WriteLine($"Wrote {rows} readings of {count} device(s) over {total} to {output}.");
                return CliAction.Ok;
            }

            var endpoint = BrokerEndpoint.Parse(result.GetValue(broker) ?? throw new ArgumentException("give --broker HOST:PORT, or --csv FILE"));
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            if (length is { } limit)
            {
                stop.CancelAfter(limit);
            }

            Console.WriteLine($"Publishing {count} device(s) at {result.GetValue(rate)} readings/s each to {endpoint}; {faultList.Count} fault(s) scheduled.");
            var published = await Task.WhenAll(simulators.Select(s => PublishAsync(s, endpoint, result.GetValue(certs)!, period, stop.Token)));
            Console.WriteLine($"Published {published.Sum()} readings.");
            return CliAction.Ok;
        }));
        return command;
    }

    /// <summary>Our export format: ts (Unix ms), sensor, seq, the four signals, anomaly (0/1) and the fault's name.</summary>
    private static long WriteCsv(string path, PumpSimulator[] simulators, TimeSpan period, TimeSpan total)
    {
        var start = DateTimeOffset.FromUnixTimeSeconds(1_767_225_600); // 2026-01-01: files do not depend on when they were made
        using var writer = new StreamWriter(path);
        writer.Write("ts,sensor,seq,flow,temperature,pressure,current,anomaly,fault\n");
        long rows = 0;
        foreach (var simulator in simulators)
        {
            var seq = 0L;
            for (var t = TimeSpan.Zero; t < total; t += period)
            {
                seq++;
                if (simulator.Step(t, period) is not { } s)
                {
                    continue;
                }

                writer.Write(string.Create(CultureInfo.InvariantCulture,
                    $"{(start + t).ToUnixTimeMilliseconds()},{s.Device},{seq},{s.Flow:0.0},{s.Temperature:0.00},{s.Pressure:0.00},{s.Current:0.00},{(s.Fault is null ? 0 : 1)},{s.Fault}\n"));
                rows++;
            }
        }

        return rows;
    }

    private static async Task<long> PublishAsync(PumpSimulator simulator, BrokerEndpoint endpoint, string certs, TimeSpan period, CancellationToken stop)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        long published = 0;
        try
        {
            await client.ConnectAsync(MutualTlsClientOptions.For(endpoint, certs, simulator.Device).Build(), stop);
            using var timer = new PeriodicTimer(period);
            var started = DateTimeOffset.UtcNow;
            var seq = 0L;
            while (await timer.WaitForNextTickAsync(stop))
            {
                seq++;
                var now = DateTimeOffset.UtcNow;
                if (simulator.Step(now - started, period) is not { } s)
                {
                    continue;
                }

                var payload = s.ToTelemetryJson(now.ToUnixTimeMilliseconds(), seq);
                await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(TopicContract.Telemetry(simulator.Device)).WithPayload(payload)
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), stop);
                published++;
            }
        }
        catch (Exception e) when (stop.IsCancellationRequested && e is OperationCanceledException or MQTTnet.Exceptions.MqttCommunicationException)
        {
            // Stopped (Ctrl-C or --duration) in the middle of a publish.
        }

        return published;
    }
}
