using System.CommandLine;
using Pipeline.Models.Security;

namespace Pipeline.Host.Cli;

/// <summary>
/// <c>pipeline certs password NAME</c>: sets an identity's password for the optional password layer (docs/mqtt.md). The
/// password is read from standard input (a line), never from the command line, where other users could see it; only
/// its salted PBKDF2 hash is kept, in <c>certs/passwords</c>.
/// </summary>
internal static class PasswordCommand
{
    public static Command Create(Option<string> dir, Argument<string> name)
    {
        var command = new Command("password", "Set an identity's password for the optional password layer (read from standard input; kept hashed in DIR/passwords).")
        {
            name, dir,
        };
        command.SetAction(result => CliAction.RunAsync(() =>
        {
            var identity = result.GetValue(name)!;
            var folder = result.GetValue(dir)!;
            if (!File.Exists(Path.Combine(folder, identity + ".crt")))
            {
                Console.Error.WriteLine($"error: no certificate of '{identity}' in '{folder}': a password is a second factor to a certificate; issue one first ('pipeline certs issue {identity} --dir {folder}')");
                return 1;
            }

            var password = Console.In.ReadLine();
            if (string.IsNullOrEmpty(password))
            {
                Console.Error.WriteLine($"error: no password on standard input (e.g. 'printf %s \"$PASSWORD\" | pipeline certs password {identity}')");
                return 1;
            }

            PasswordFile.Set(Path.Combine(folder, PasswordFile.FileName), identity, password);
            Console.WriteLine($"Password of {identity} set (hashed in {Path.Combine(folder, PasswordFile.FileName)}). The embedded broker asks for it when Pipeline:EmbeddedBroker:RequirePasswords is true.");
            return CliAction.Ok;
        }));
        return command;
    }
}
