using System.CommandLine;
using System.Globalization;
using System.Net;
using Pipeline.Models.Security;

namespace Pipeline.Host.Cli;

/// <summary><c>pipeline certs</c>: the private CA, one certificate per device.</summary>
internal static class CertsCommand
{
    public static Command Create() => new("certs", "Manage the private CA: the broker's certificate and one client certificate per identity.")
    {
        Init(),
        Issue(),
        Renew(),
        Revoke(),
        List(),
        ExportEsp32(),
        PasswordCommand.Create(DirOption(), NameArgument()),
    };

    private static Option<string> DirOption() => new("--dir")
    {
        Description = "PKI folder (created 0700; keys are written 0600).",
        DefaultValueFactory = _ => "certs",
    };

    private static Option<int> DaysOption(string what) => new("--days")
    {
        Description = $"Validity of {what} in days (1–{CertificateAuthority.CaDays}).",
        DefaultValueFactory = _ => CertificateAuthority.DefaultLeafDays,
    };

    private static Argument<string> NameArgument() => new("NAME")
    {
        Description = $"Identity (the certificate CN; for a device its sensor id): {IdentityName.AllowedCharacters}.",
    };

    private static Command Init()
    {
        var dir = DirOption();
        var ips = new Option<string[]>("--server-ip") { Description = "An IP address the broker is reached at (repeatable)." };
        var dns = new Option<string[]>("--server-dns") { Description = "A DNS name the broker is reached at (repeatable)." };
        var days = DaysOption("the server and node certificates");
        var key = new Option<string>("--key") { Description = "Key type.", DefaultValueFactory = _ => "rsa2048" };
        key.AcceptOnlyFromAmong([.. KeyAlgorithms.Names]);
        var force = new Option<bool>("--force") { Description = "Replace an existing CA (every certificate it issued stops working)." };
        var command = new Command("init", "Create the CA (10 years), the broker's server certificate, the node identity 'node' and an empty CRL.")
        {
            dir, ips, dns, days, key, force,
        };
        command.SetAction(result => CliAction.RunAsync(() =>
        {
            var serverIps = (result.GetValue(ips) ?? []).Select(ParseIp).ToList();
            var serverDns = (result.GetValue(dns) ?? []).ToList();
            if (serverIps.Count == 0 && serverDns.Count == 0)
            {
                // Nothing given: the broker on this machine, reached locally and by its host name.
                serverIps = [IPAddress.Loopback, IPAddress.IPv6Loopback];
                serverDns = ["localhost", Environment.MachineName];
                Console.WriteLine($"No --server-ip/--server-dns given: using 127.0.0.1, ::1, localhost and {Environment.MachineName}.");
            }

            var algorithm = KeyAlgorithms.Parse(result.GetValue(key)!);
            var directory = result.GetValue(dir)!;
            using var ca = CertificateAuthority.Init(directory, new PkiInitOptions
            {
                ServerIps = serverIps,
                ServerDnsNames = serverDns,
                Days = result.GetValue(days),
                Key = algorithm,
                Force = result.GetValue(force),
            });
            Console.WriteLine($"Created the Pipeline CA ({algorithm.ToName()}) in {Path.GetFullPath(directory)}:");
            Console.WriteLine("  ca.crt ca.key server.crt server.key node.crt node.key crl.pem");
            Console.WriteLine($"Server SANs: {string.Join(", ", serverIps.Select(i => i.ToString()).Concat(serverDns))}");
            Console.WriteLine($"Next: pipeline certs issue <sensor-id> --dir {directory}");
            return CliAction.Ok;
        }));
        return command;
    }

    private static Command Issue()
    {
        var name = new Argument<string[]>("NAME")
        {
            Description = $"Identities to issue (the certificate CN; for a device its sensor id): {IdentityName.AllowedCharacters}. Several at once for a fleet.",
            Arity = ArgumentArity.OneOrMore,
        };
        var dir = DirOption();
        var days = DaysOption("the certificate");
        var role = new Option<string>("--role") { Description = "What the identity may do on the broker.", DefaultValueFactory = _ => "device" };
        role.AcceptOnlyFromAmong("device", "node", "scada");
        var key = new Option<string?>("--key") { Description = "Key type (default: the CA's)." };
        key.AcceptOnlyFromAmong([.. KeyAlgorithms.Names]);
        var force = new Option<bool>("--force") { Description = "Replace an existing certificate of the same name, with a new key; every earlier certificate of the name is revoked." };
        var command = new Command("issue", "Issue a client certificate whose CN is NAME (one per NAME), with its role recorded in the OU.")
        {
            name, dir, days, role, key, force,
        };
        command.SetAction(result => CliAction.RunAsync(() =>
        {
            using var ca = CertificateAuthority.Open(result.GetValue(dir)!);
            var identityRole = IdentityRoles.Parse(result.GetValue(role)!);
            KeyAlgorithm? algorithm = result.GetValue(key) is { } keyName ? KeyAlgorithms.Parse(keyName) : null;
            foreach (var identity in result.GetValue(name)!)
            {
                using var issued = ca.Issue(identity, identityRole, result.GetValue(days), algorithm, force: result.GetValue(force));
                Console.WriteLine($"Issued {identity}.crt and {identity}.key (role {identityRole.ToOrganizationalUnit()}, serial {issued.SerialNumber}, " +
                    $"valid until {issued.NotAfter.ToUniversalTime():yyyy-MM-dd}).");
            }

            if (identityRole != IdentityRole.Device)
            {
                Console.WriteLine("Regenerate the Mosquitto ACL (pipeline broker config) so that the broker knows this identity's role.");
            }

            return CliAction.Ok;
        }));
        return command;
    }

    private static Command Renew()
    {
        var name = new Argument<string>("NAME") { Description = "The identity to renew: a device, node or SCADA name, or 'server' for the broker's certificate." };
        var dir = DirOption();
        var days = DaysOption("the new certificate");
        var newKey = new Option<bool>("--new-key") { Description = "Make a new key too; the old certificate is then revoked. Default: keep the key." };
        var command = new Command("renew", "A new certificate for NAME: same identity, role and names, new validity, same key unless --new-key. A running embedded broker and node use a renewed server or node certificate without a restart.")
        {
            name, dir, days, newKey,
        };
        command.SetAction(result => CliAction.RunAsync(() =>
        {
            using var ca = CertificateAuthority.Open(result.GetValue(dir)!);
            var identity = result.GetValue(name)!;
            using var renewed = ca.Renew(identity, result.GetValue(days), result.GetValue(newKey));
            Console.WriteLine($"Renewed {identity}: serial {renewed.SerialNumber}, valid until {renewed.NotAfter.ToUniversalTime():yyyy-MM-dd}, " +
                (result.GetValue(newKey) ? "with a new key; the previous certificate is revoked." : "same key; the previous certificate stays valid until it expires."));
            if (identity != "server" && File.Exists(ca.Folder.Certificate(identity)) && !result.GetValue(newKey))
            {
                Console.WriteLine($"A device gets it with 'pipeline certs export-esp32 {identity}'; Mosquitto needs no change (it trusts the CA).");
            }

            return CliAction.Ok;
        }));
        return command;
    }

    private static Command Revoke()
    {
        var name = NameArgument();
        var dir = DirOption();
        var command = new Command("revoke", "Add every certificate ever issued to NAME (its current one and any it replaced) to the CRL. The embedded broker applies it at once and disconnects the revoked client; restart Mosquitto.")
        {
            name, dir,
        };
        command.SetAction(result => CliAction.RunAsync(() =>
        {
            using var ca = CertificateAuthority.Open(result.GetValue(dir)!);
            var identity = result.GetValue(name)!;
            var revoked = ca.Revoke(identity);
            Console.WriteLine(revoked > 0
                ? $"Revoked {revoked} certificate(s) of {identity}. Restart Mosquitto (it reads crl.pem at start) for it to take effect there; the embedded broker applies it at once."
                : $"Every certificate of {identity} was already revoked.");
            return CliAction.Ok;
        }));
        return command;
    }

    private static Command List()
    {
        var dir = DirOption();
        var command = new Command("list", $"Every certificate with serial, expiry, days left and revocation; warns below {CertificateSummary.WarnDays} days.")
        {
            dir,
        };
        command.SetAction(result => CliAction.RunAsync(() =>
        {
            var rows = CertificateInventory.List(new PkiFolder(result.GetValue(dir)!));
            Console.WriteLine($"{"NAME",-24} {"ROLE",-7} {"SERIAL",-34} {"NOT AFTER",-10} {"DAYS",5}  STATUS");
            foreach (var row in rows)
            {
                var status = !row.IssuedByCa ? "NOT ISSUED BY THIS CA" : row.Revoked ? "REVOKED" : row.Expired ? "EXPIRED" : row.ExpiresSoon ? $"WARNING: expires in {row.DaysLeft} days" : "ok";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Path.GetFileNameWithoutExtension(row.File),-24} {row.Kind,-7} {row.Serial,-34} {row.NotAfter:yyyy-MM-dd} {row.DaysLeft,5}  {status}"));
            }

            var expiring = rows.Count(r => r.ExpiresSoon);
            if (expiring > 0)
            {
                Console.Error.WriteLine($"warning: {expiring} certificate(s) expire within {CertificateSummary.WarnDays} days or have expired.");
            }

            return CliAction.Ok;
        }));
        return command;
    }

    private static Command ExportEsp32()
    {
        var name = NameArgument();
        var dir = DirOption();
        var output = new Option<string?>("--out") { Description = "Header file to write (0600: it holds the key). Default: stdout." };
        var command = new Command("export-esp32", "A C header with the CA, NAME's certificate and key as string literals for an ESP32 MQTT client.")
        {
            name, dir, output,
        };
        command.SetAction(result => CliAction.RunAsync(() =>
        {
            using var ca = CertificateAuthority.Open(result.GetValue(dir)!);
            var header = Esp32Header.Export(ca.Folder, result.GetValue(name)!);
            if (result.GetValue(output) is { } path)
            {
                PrivateKeyFile.Write(path, header);
                Console.Error.WriteLine($"Wrote {path} (0600: it contains the device's private key).");
            }
            else
            {
                Console.Write(header);
            }

            return CliAction.Ok;
        }));
        return command;
    }

    private static IPAddress ParseIp(string text) =>
        IPAddress.TryParse(text, out var ip) ? ip : throw new FormatException($"--server-ip '{text}' is not an IP address.");
}
