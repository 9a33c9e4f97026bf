using System.Diagnostics;
using System.CommandLine;
using System.Globalization;
using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.Models.Security;
using Pipeline.Models.Simulation;
using Pipeline.Models.Topics;
using Pipeline.Streams.Connecting;

namespace Pipeline.Host.Cli;

/// <summary><c>pipeline simulate</c>: an ESP32 fleet on pumped lines, to a broker in real time or to CSV with labels.</summary>
internal static class SimulateCommand
{
    private const int MostDevices = 100_000;
    private const double MostReadingsPerSecond = 1_000;

    /// <summary>
    /// How many devices open their first connection at once. A fleet of thousands opening all of theirs in the same
    /// instant had Mosquitto (one thread, a TLS handshake each) time handshakes out, and a device whose first connection
    /// fails stops the run; field devices, powered up or back from an outage, do not all come in the same millisecond.
    /// </summary>
    public const int ConnectingAtOnce = 64;

    public static Command Create()
    {
        var devices = new Option<int>("--devices") { Description = "Number of devices: esp32-01, esp32-02, …, esp32-99, esp32-100, … (each needs its certificate).", DefaultValueFactory = _ => 3 };
        var rate = new Option<double>("--rate") { Description = "Readings per second per device; 0: as fast as the broker takes them (load tests).", DefaultValueFactory = _ => 1 };
        var countOption = new Option<long?>("--count") { Description = "Stop each device after this many readings." };
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
            devices, rate, countOption, duration, faults, scenario, seed, steady, csv, broker, certs,
        };
        command.SetAction((result, cancellation) => CliAction.RunAsync(async () =>
        {
            var faultList = (result.GetValue(faults) ?? []).Select(FaultSpec.Parse).ToList();
            if (result.GetValue(scenario) is { } file)
            {
                faultList.AddRange(ScenarioFaults(file));
            }

            // Bounded so that a slip of the keyboard (--rate 1e9, --devices 100000000) is an error, not hours of work
            // or a file of terabytes: a field device reads a few times a second, a node holds some thousands of sensors.
            var count = result.GetValue(devices);
            if (count is < 1 or > MostDevices)
            {
                throw new ArgumentException($"--devices {count}: give 1 to {MostDevices:N0}");
            }

            var names = SimulatedFleet.Names(count);
            var perSecond = result.GetValue(rate);
            if (!(perSecond is >= 0 and <= MostReadingsPerSecond) || (perSecond == 0 && result.GetValue(csv) is not null))
            {
                throw new ArgumentException($"--rate {perSecond}: give readings per second per device, at most {MostReadingsPerSecond:N0} (0, as fast as possible, only when publishing)");
            }

            if (result.GetValue(countOption) is < 1)
            {
                throw new ArgumentException($"--count {result.GetValue(countOption)}: give one or more readings per device");
            }

            TimeSpan? period = perSecond > 0 ? TimeSpan.FromSeconds(1 / perSecond) : null;
            var length = result.GetValue(duration) is { } d ? FaultSpec.ParseDuration(d) : (TimeSpan?)null;
            var perDevice = result.GetValue(countOption);
            var output = result.GetValue(csv);
            if (output is not null && result.GetValue(broker) is not null)
            {
                throw new ArgumentException("--csv writes the readings to a file instead of publishing them: give --csv FILE or --broker HOST:PORT, not both");
            }

            if (output is not null && Directory.Exists(output))
            {
                throw new ArgumentException($"--csv '{output}' is a folder: give the file to write, e.g. {Path.Combine(output, "normal.csv")}");
            }

            var simulated = SimulatedLength(period, perDevice, length);
            if (SimulatedFleet.UnreachableFaults(faultList, names, simulated) is [var problem, ..] problems)
            {
                throw new ArgumentException(problems.Count == 1 ? problem : $"{problem} (and {problems.Count - 1} more such fault(s))");
            }

            var simulators = names.Select((n, i) => new PumpSimulator(n, result.GetValue(seed) * 1000 + i, faultList, !result.GetValue(steady))).ToArray();

            if (output is not null)
            {
                var total = simulated ?? throw new ArgumentException("--csv needs --duration or --count");
                var rows = WriteCsv(output, simulators, period!.Value, total);
                Console.WriteLine($"Wrote {rows} readings of {count} device(s) over {total} to {output}.");
                return CliAction.Ok;
            }

            var endpoint = BrokerEndpoint.Parse(result.GetValue(broker) ?? throw new ArgumentException("give --broker HOST:PORT, or --csv FILE"));
            EnsureCertificates(result.GetValue(certs)!, names);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            if (length is { } limit)
            {
                stop.CancelAfter(limit);
            }

            Console.WriteLine($"Publishing {count} device(s) at {(period is null ? "full speed" : $"{perSecond} readings/s each")} to {endpoint}; {faultList.Count} fault(s) scheduled.");
            var clock = Stopwatch.StartNew();
            var firstSequence = SimulatedFleet.FirstSequence(DateTimeOffset.UtcNow);
            var report = new SimulatedLinkReport();
            using var connecting = new SemaphoreSlim(ConnectingAtOnce);
            var published = await Task.WhenAll(simulators.Select(s => PublishAsync(s, endpoint, result.GetValue(certs)!, period, perDevice, firstSequence, report, connecting, stop.Token)));
            var outages = report.Reconnects > 0 ? $"; {report.Reconnects} reconnects after the broker went away, {report.ResentReadings} unacknowledged readings sent again" : string.Empty;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Published {published.Sum()} readings in {clock.Elapsed.TotalSeconds:F1} s ({published.Sum() / clock.Elapsed.TotalSeconds:F0}/s){outages}."));
            return CliAction.Ok;
        }));
        return command;
    }

    /// <summary>A scenario file's faults, one a line (<c>#</c> starts a comment); one it cannot read is an error naming the file and the line.</summary>
    private static IEnumerable<FaultSpec> ScenarioFaults(string file)
    {
        var lines = File.Exists(file) ? File.ReadAllLines(file) : throw new FileNotFoundException($"the scenario file '{file}' does not exist", file);
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Split('#')[0].Trim() is { Length: > 0 } text)
            {
                FaultSpec fault;
                try
                {
                    fault = FaultSpec.Parse(text);
                }
                catch (FormatException e)
                {
                    throw new FormatException($"{file}:{i + 1}: {e.Message}", e);
                }

                yield return fault;
            }
        }
    }

    /// <summary>
    /// How much pump time a run simulates, when it is known: <paramref name="perDevice"/> readings a
    /// <paramref name="period"/> apart, or <paramref name="duration"/>, whichever ends first. At full speed (no period)
    /// each reading is a second of pump time and the duration is the wall clock's, which says nothing about it.
    /// </summary>
    private static TimeSpan? SimulatedLength(TimeSpan? period, long? perDevice, TimeSpan? duration)
    {
        var step = period ?? TimeSpan.FromSeconds(1);
        TimeSpan? counted = perDevice is { } n ? TimeSpan.FromTicks((long)Math.Min(TimeSpan.MaxValue.Ticks, (double)n * step.Ticks)) : null;
        var timed = period is null ? null : duration;
        return counted is { } c && timed is { } t ? (c < t ? c : t) : counted ?? timed;
    }

    /// <summary>Every device needs its certificate: checked for all before any connects, so none is silently missing.</summary>
    private static void EnsureCertificates(string certs, IReadOnlyList<string> names)
    {
        var folder = new PkiFolder(certs);
        var missing = names.Where(n => !File.Exists(folder.Certificate(n)) || !File.Exists(folder.Key(n))).ToList();
        if (missing.Count > 0)
        {
            var shown = CliAction.FirstFew(missing, 5);
            throw new FileNotFoundException(
                $"{missing.Count} simulated device(s) have no certificate in '{certs}': {shown}. Issue them with 'pipeline certs issue {string.Join(' ', missing.Take(3))}{(missing.Count > 3 ? " …" : string.Empty)} --dir {certs}'.");
        }
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

    /// <summary>
    /// One device: readings on schedule (reading n is due at n x period; a late tick publishes every reading due, so the
    /// rate holds even where timers are coarse) or, without a period, back to back, through a session that outlives its
    /// broker going away (<see cref="SimulatedDeviceSession"/>).
    /// </summary>
    private static async Task<long> PublishAsync(PumpSimulator simulator, BrokerEndpoint endpoint, string certs, TimeSpan? period, long? count, long firstSequence,
        SimulatedLinkReport report, SemaphoreSlim connecting, CancellationToken stop)
    {
        using var session = new SimulatedDeviceSession(endpoint, certs, simulator.Device, report);
        long published = 0;
        try
        {
            await connecting.WaitAsync(stop);
            try
            {
                await session.ConnectAsync(stop);
            }
            finally
            {
                connecting.Release();
            }

            var clock = Stopwatch.StartNew();
            var startedAt = DateTimeOffset.UtcNow;
            var step = period ?? TimeSpan.FromSeconds(1);
            for (var seq = 1L; count is null || seq <= count; seq++)
            {
                // Read the clock once: between a check and a second reading the wait can turn negative, which Task.Delay
                // refuses (it did, with 1,000 devices on 2 cores, and the whole simulation stopped).
                if (period is { } p && (seq - 1) * p - clock.Elapsed is var wait && wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, stop);
                }

                // Simulated time: on schedule it is the wall clock's; at full speed each reading is one second of pump time.
                if (simulator.Step((seq - 1) * step, step) is not { } s)
                {
                    continue;
                }

                // On schedule a reading is stamped when it is due, as a device stamps it when it measures: readings held
                // back while the broker was away keep their times instead of arriving as a gap and then a burst of one instant.
                var measuredAt = period is { } due ? startedAt + ((seq - 1) * due) : DateTimeOffset.UtcNow;
                await session.SendAsync(System.Text.Encoding.UTF8.GetBytes(s.ToTelemetryJson(measuredAt.ToUnixTimeMilliseconds(), firstSequence + seq - 1)), stop);
                published++;
            }

            await session.CloseAsync(stop);
        }
        catch (Exception e) when (stop.IsCancellationRequested && e is OperationCanceledException or MQTTnet.Exceptions.MqttCommunicationException)
        {
            // Stopped (Ctrl-C or --duration) in the middle of a publish.
        }

        return published;
    }
}
