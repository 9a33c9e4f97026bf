using Serilog;
using Serilog.Events;

namespace Pipeline.Host.Cli;

internal static class CliLogging
{
    /// <summary>
    /// The logger of the short-lived commands: everything to stderr, so that a command's stdout (a table, a header
    /// file) stays clean for pipes. <c>pipeline run</c> replaces it with the configured one.
    /// </summary>
    public static ILogger CreateLogger(LogEventLevel minimum = LogEventLevel.Information) =>
        new LoggerConfiguration()
            .MinimumLevel.Is(minimum)
            .MinimumLevel.Override("MQTTnet", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .WriteTo.Console(
                outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}",
                standardErrorFromLevel: LogEventLevel.Verbose,
                formatProvider: System.Globalization.CultureInfo.InvariantCulture)
            .CreateLogger();
}
