using System.Formats.Asn1;
using System.Security.Cryptography;
using Pipeline.Models.Security;

namespace Pipeline.Host.Cli;

/// <summary>Runs a command body and turns the failures a user can fix into one clear line and exit code 1.</summary>
internal static class CliAction
{
    public const int Ok = 0;
    public const int Failed = 1;

    public static async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (IsUserError(e))
        {
            foreach (var line in MessageOf(e).Split(Environment.NewLine))
            {
                await Console.Error.WriteLineAsync($"error: {line}");
            }

            return Failed;
        }
        catch (OperationCanceledException)
        {
            return Ok;
        }
        catch (Exception e)
        {
            // A fault of ours, not the user's: the stack trace is what a report needs, and it goes to stderr with the
            // line, because the node's logger may not be up yet (or may be gone) when this happens.
            await Console.Error.WriteLineAsync($"error: unexpected {e.GetType().Name}: {MessageOf(e)}");
            await Console.Error.WriteLineAsync(e.ToString());
            return Failed;
        }
    }

    public static Task<int> RunAsync(Func<int> body) => RunAsync(() => Task.FromResult(body()));

    private static string MessageOf(Exception e) => e switch
    {
        ArgumentOutOfRangeException { ParamName: { } name } range => OneLine(range, name),
        // "Failed to load configuration from file ..." says where; the JSON reader's message inside says what and on which line.
        InvalidDataException { InnerException: not null } data when !data.Message.Contains(data.GetBaseException().Message, StringComparison.Ordinal) =>
            $"{data.Message.TrimEnd('.')}: {data.GetBaseException().Message}",
        // A server that is down, a password or a database that is wrong: the operator's to fix, said with its cause.
        Npgsql.NpgsqlException postgres => WithCause("the store (PostgreSQL)", postgres),
        // MQTTnet says where it failed; the cause (connection refused, a name that does not resolve, TLS) is inside.
        MQTTnet.Exceptions.MqttCommunicationException mqtt when mqtt.Message.Contains("remote certificate", StringComparison.OrdinalIgnoreCase) =>
            $"the broker: {mqtt.Message.TrimEnd('.')}: its certificate is not signed by the CA in --certs (ca.crt), or does not name the address connected to (pipeline certs init --server-ip/--server-dns)",
        MQTTnet.Exceptions.MqttCommunicationException mqtt => WithCause("the broker", mqtt),
        ArgumentException { ParamName: { } name } argument => argument.Message.Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal),
        Microsoft.Extensions.Options.OptionsValidationException options => string.Join(Environment.NewLine, options.Failures),
        AggregateException { InnerExceptions.Count: 1 } one => MessageOf(one.InnerException!),
        System.Net.HttpListenerException listener => $"Pipeline:Http:Urls: cannot listen there: {listener.Message}",
        InvalidOperationException { InnerException: System.Net.HttpListenerException listener } => MessageOf(listener), // the metrics exporter's
        _ => e.Message,
    };

    /// <summary>"<paramref name="who"/>: what failed (the cause)", the cause left out when it says nothing more.</summary>
    private static string WithCause(string who, Exception e) => e.InnerException is { } cause && cause.Message != e.Message
        ? $"{who}: {e.Message.TrimEnd('.')} ({cause.Message.TrimEnd('.')})"
        : $"{who}: {e.Message}";

    /// <summary>The range error in one line: its message ends with a line of its own, "Actual value was ...", which ours already say.</summary>
    private static string OneLine(ArgumentOutOfRangeException range, string name)
    {
        var first = range.Message.Split('\n')[0].Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal).TrimEnd();
        var actual = Convert.ToString(range.ActualValue, System.Globalization.CultureInfo.InvariantCulture);
        return actual is null || first.Contains(actual, StringComparison.Ordinal) ? first : $"{first} (it was {actual})";
    }

    private static bool IsUserError(Exception e) =>
        (e is AggregateException { InnerExceptions.Count: 1 } one && IsUserError(one.InnerException!))
        || e is IOException or UnauthorizedAccessException or ArgumentException or InvalidDataException
            or InsecurePrivateKeyException or CryptographicException or AsnContentException or FormatException
            or Microsoft.Extensions.Options.OptionsValidationException or Hosting.SettingsException
            or MQTTnet.Exceptions.MqttCommunicationException or Pipeline.Models.Detection.ModelBundleException
            or Npgsql.NpgsqlException { InnerException: System.Net.Sockets.SocketException or TimeoutException }
            or Npgsql.PostgresException { SqlState: "28P01" or "28000" or "3D000" } // wrong password, no such role, no such database
            or System.Net.HttpListenerException or InvalidOperationException { InnerException: System.Net.HttpListenerException };

    /// <summary>The first <paramref name="shown"/> of <paramref name="items"/>, comma-separated, and how many more: "a, b, c and 7 more".</summary>
    public static string FirstFew(IReadOnlyCollection<string> items, int shown) =>
        string.Join(", ", items.Take(shown)) + (items.Count > shown ? $" and {items.Count - shown} more" : string.Empty);
}
