using Akka.Event;

namespace Pipeline.Host.Hosting;

/// <summary>
/// What Akka prints itself — before its logger is up and after it is gone, at start-up and shutdown — only when it is a
/// warning or an error: "Remoting shut down." after every stop is not for an operator (#16). Everything else goes
/// through Serilog. Named by <c>akka.stdout-logger-class</c>.
/// </summary>
public sealed class QuietStandardOutLogger : MinimalLogger
{
    protected override void Log(object message)
    {
        if (message is LogEvent logEvent && logEvent.LogLevel() >= LogLevel.WarningLevel)
        {
            Console.WriteLine(logEvent.ToString());
        }
    }
}
