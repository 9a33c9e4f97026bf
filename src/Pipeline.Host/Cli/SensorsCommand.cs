using System.CommandLine;
using System.Globalization;
using Pipeline.Models.Security;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;
using Pipeline.Streams.Storing;

namespace Pipeline.Host.Cli;

/// <summary><c>pipeline sensors</c>: register the sensors a node should expect, and see how they are doing.</summary>
internal static class SensorsCommand
{
    public static Command Create() => new("sensors", "Register sensors, list them with last-seen time, window fill and health, and recommission them.")
    {
        Add(),
        List(),
        Recommission(),
    };

    private static Option<string> StoreOption() => new("--store")
    {
        Description = "The node's store: its SQLite file, or a postgres://user@host:port/database URI (Pipeline:Store:Path).",
        DefaultValueFactory = _ => "pipeline.db",
    };

    private static Command Add()
    {
        var name = new Argument<string>("NAME") { Description = $"The sensor id (its certificate CN): {IdentityName.AllowedCharacters}." };
        var limits = new Option<string?>("--limits") { Description = "Hard limits, e.g. pressure=0.5:10,flow=0:500 (outside: out of range)." };
        var displayName = new Option<string?>("--display-name") { Description = "A name for people (dashboards, alarms)." };
        var location = new Option<string?>("--location") { Description = "Where it is, e.g. 'pump house 2, DN150 outlet'." };
        var certs = new Option<string>("--certs") { Description = "PKI folder: the sensor's certificate is issued there.", DefaultValueFactory = _ => "certs" };
        var days = new Option<int>("--days") { Description = "Validity of the certificate in days.", DefaultValueFactory = _ => CertificateAuthority.DefaultLeafDays };
        var store = StoreOption();
        var command = new Command("add", "Issue the sensor's certificate (as 'certs issue') and register it: the node then expects it, and reports it offline if it never reports.")
        {
            name, limits, displayName, location, certs, days, store,
        };
        command.SetAction(result => CliAction.RunAsync(async () =>
        {
            var sensor = IdentityName.EnsureValid(result.GetValue(name));
            var registration = new SensorRegistration(
                sensor,
                SensorRegistration.ParseLabel("--display-name", result.GetValue(displayName)),
                SensorRegistration.ParseLabel("--location", result.GetValue(location)),
                SensorRegistration.ParseLimits(result.GetValue(limits)),
                DateTimeOffset.UtcNow);

            using (var ca = CertificateAuthority.Open(result.GetValue(certs)!))
            {
                if (File.Exists(ca.Folder.Certificate(sensor)))
                {
                    Console.WriteLine($"{sensor} already has a certificate; kept.");
                }
                else
                {
                    using var issued = ca.Issue(sensor, IdentityRole.Device, result.GetValue(days));
                    Console.WriteLine($"Issued {sensor}.crt and {sensor}.key (serial {issued.SerialNumber}); flash them with 'pipeline certs export-esp32 {sensor}'.");
                }
            }

            using var database = PipelineStore.Open(new StoreOptions { Path = result.GetValue(store)! });
            await database.Sensors.RegisterSensorAsync(registration, CancellationToken.None);
            foreach (var signal in registration.Limits.Keys.Where(s => !Signals.Standard.Contains(s)))
            {
                // Devices may send signals of their own, so this is said, not refused: a misspelt standard one would never apply.
                Console.Error.WriteLine($"note: '{signal}' is none of {string.Join(", ", Signals.Standard)}: its limit holds only for readings that carry a signal of that name");
            }

            Console.WriteLine($"Registered {sensor}{(registration.Limits.Count > 0 ? " with limits " + string.Join(", ", registration.Limits.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Key} {l.Value.Min}..{l.Value.Max}"))) : string.Empty)}; a running node starts it within 30 s.");
            return CliAction.Ok;
        }));
        return command;
    }

    private static Command List()
    {
        var store = StoreOption();
        var command = new Command("list", "Registered and seen sensors: last seen, window fill, health, and the node that holds each.")
        {
            store,
        };
        command.SetAction(result => CliAction.RunAsync(async () =>
        {
            var path = result.GetValue(store)!;
            using var database = PipelineStore.OpenExisting(path);
            var now = DateTimeOffset.UtcNow;
            var table = new CliTable(("SENSOR", -20), ("NAME", -18), ("REGISTERED", -10), ("LAST SEEN", -12), ("WINDOW", -9), ("HEALTH", -24), ("NODE", 0));
            var fromGoneNodes = 0;
            foreach (var sensor in await database.Sensors.ListSensorsAsync(CancellationToken.None))
            {
                var seen = sensor.LastSeen is { } at ? Ago(now - at) : "never";
                var window = sensor.WindowLength > 0 ? string.Create(CultureInfo.InvariantCulture, $"{sensor.WindowFill}/{sensor.WindowLength}") : "-";
                var gone = NodeGone(sensor, now);
                fromGoneNodes += gone is null ? 0 : 1;
                table.Add(sensor.SensorId, sensor.DisplayName ?? "-", sensor.RegisteredAt is null ? "no" : "yes", seen, window,
                    gone is null ? sensor.Health ?? "-" : $"({sensor.Health})", $"{sensor.Node ?? "-"}{gone}");
            }

            table.Write(Console.Out);

            if (fromGoneNodes > 0)
            {
                Console.WriteLine();
                Console.WriteLine($"{fromGoneNodes} sensor(s) in (brackets): the node holding them is not running or cannot write to the store, so their health is what it last wrote, not their health now. A running node takes them over at their next reading; otherwise start the node (systemctl status pipeline) or look in its log.");
            }

            return CliAction.Ok;
        }));
        return command;
    }

    private static Command Recommission()
    {
        var name = new Argument<string>("NAME") { Description = "The sensor id." };
        var store = StoreOption();
        var command = new Command("recommission", "Forget the sensor's own calibration: it learns again from its next readings (e.g. after maintenance or a new operating point).")
        {
            name, store,
        };
        command.SetAction(result => CliAction.RunAsync(async () =>
        {
            var sensor = IdentityName.EnsureValid(result.GetValue(name));
            var path = result.GetValue(store)!;
            using var database = PipelineStore.OpenExisting(path);
            if (!(await database.Sensors.ListSensorsAsync(CancellationToken.None)).Any(s => s.SensorId == sensor))
            {
                Console.Error.WriteLine($"error: no sensor '{sensor}' is registered in or has ever reported to '{path}'; 'pipeline sensors list --store {path}' shows those that have.");
                return CliAction.Failed;
            }

            var forgotten = await database.Calibrations.DeleteCalibrationsAsync(sensor, CancellationToken.None);
            Console.WriteLine(forgotten > 0
                ? $"Forgot {forgotten} calibration(s) of {sensor}; a running node notices within 10 s and the sensor learns again (no anomaly alarms meanwhile)."
                : $"{sensor} has no calibration yet; it is learning from its readings.");
            return CliAction.Ok;
        }));
        return command;
    }

    /// <summary>
    /// Why the sensor's status may be old: the node that wrote it stopped, or has not been seen running for longer than
    /// it beats (<see cref="SensorStatusBoard.NodeSilentAfter"/>); null while it runs, or when it kept no row.
    /// </summary>
    private static string? NodeGone(SensorListing sensor, DateTimeOffset now) =>
        sensor.NodeStoppedAt is { } stopped ? $" — stopped {Ago(now - stopped)}"
        : sensor.NodeSeenAt is { } seen && now - seen > SensorStatusBoard.NodeSilentAfter ? $" — not seen running since {Ago(now - seen)}"
        : null;

    private static string Ago(TimeSpan elapsed) => elapsed.TotalSeconds switch
    {
        < 1 => "just now",
        < 120 => $"{elapsed.TotalSeconds:F0} s ago",
        < 7200 => $"{elapsed.TotalMinutes:F0} min ago",
        < 172_800 => $"{elapsed.TotalHours:F0} h ago",
        _ => $"{elapsed.TotalDays:F0} days ago",
    };
}
