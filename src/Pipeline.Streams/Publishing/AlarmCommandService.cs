using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Actors.Alarms;
using Pipeline.Models.Alarms;
using Pipeline.Models.Telemetry;
using Pipeline.Streams.Storing;

namespace Pipeline.Streams.Publishing;

/// <summary>
/// Carries operators' acknowledge and shelve commands from <c>pipeline/commands/…</c> to the alarm actor. The broker
/// lets only the SCADA role write there. A command that is not valid is logged and kept in <c>rejects</c> with the
/// reason; one for an unknown alarm is logged.
/// </summary>
public sealed class AlarmCommandService(NodeMqttLink link, IRequiredActor<AlarmRegistryKey> alarms, SqliteStore store, ILogger<AlarmCommandService> logger)
    : IHostedService
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private IActorRef? _alarms;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _alarms = await alarms.GetAsync(cancellationToken).ConfigureAwait(false);
        link.CommandReceived += HandleAsync;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        link.CommandReceived -= HandleAsync;
        return Task.CompletedTask;
    }

    private async Task HandleAsync(string topic, byte[] payload)
    {
        var command = AlarmCommand.Parse(topic, payload, out var error);
        if (command is null)
        {
            logger.LogWarning("Rejected command on {Topic}: {Reason} (stored in rejects)", topic, error);
            await store.WriteAsync([], [new RejectedMessage(DateTimeOffset.UtcNow, topic, RejectReason.InvalidCommand, error!, payload)], DateTimeOffset.UtcNow, CancellationToken.None)
                .ConfigureAwait(false);
            return;
        }

        object message = command.Verb == "ack"
            ? new AcknowledgeAlarm(command.AlarmId, command.By)
            : new ShelveAlarm(command.AlarmId, command.ShelveFor!.Value, command.By);
        try
        {
            await _alarms!.Ask<Alarm>(message, Timeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is KeyNotFoundException or ArgumentException or AskTimeoutException)
        {
            logger.LogWarning("Command {Verb} for {Alarm} from {By} failed: {Reason}", command.Verb, command.AlarmId, command.By, e.Message);
        }
    }
}
