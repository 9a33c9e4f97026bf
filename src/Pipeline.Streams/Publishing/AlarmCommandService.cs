using System.Buffers;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.Actors.Sensors;
using Pipeline.Models.Alarms;
using Pipeline.Models.Telemetry;
using Pipeline.Models.Topics;
using Pipeline.Streams.Storing;
using Pipeline.Streams.Subscribing;

namespace Pipeline.Streams.Publishing;

/// <summary>
/// Carries operators' acknowledge and shelve commands from <c>pipeline/commands/…</c> to the alarms, and answers each
/// on the response topic its sender gave (<c>pipeline/replies/&lt;identity&gt;</c>): done, with the alarm's state, or
/// refused and why. The broker lets only the SCADA role write commands. A command that cannot be one — not valid, for
/// a sensor the node has never heard of, for an alarm that is not waiting for it — is logged, counted and kept in
/// <c>rejects</c> with the reason, like bad telemetry.
/// </summary>
public sealed class AlarmCommandService(
    NodeMqttLink link, IRequiredActor<SensorRegion> sensors, IReadingStore rejects, ISensorDirectory directory, IAlarmJournal alarms,
    ILogger<AlarmCommandService> logger)
    : IHostedService
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private IActorRef? _sensors;
    private long _rejected;

    /// <summary>Commands refused so far (invalid, unknown sensor, nothing to do).</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _sensors = await sensors.GetAsync(cancellationToken).ConfigureAwait(false);
        link.CommandReceived += HandleAsync;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        link.CommandReceived -= HandleAsync;
        return Task.CompletedTask;
    }

    private async Task HandleAsync(IncomingCommand incoming)
    {
        var outcome = await DecideAsync(incoming).ConfigureAwait(false);
        if (!outcome.Done)
        {
            var rejected = Interlocked.Increment(ref _rejected);
            logger.LogWarning("Rejected command on {Topic}: {Reason} (stored in rejects; {Rejected} so far)", incoming.Topic, outcome.Detail, rejected);
            try
            {
                await rejects.WriteAsync([], [new RejectedMessage(DateTimeOffset.UtcNow, incoming.Topic, RejectReason.InvalidCommand, outcome.Detail, incoming.Payload)],
                    DateTimeOffset.UtcNow, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Could not store the rejected command from {Topic}", incoming.Topic);
            }
        }

        await ReplyAsync(incoming, outcome).ConfigureAwait(false);
    }

    internal async Task<AlarmCommandOutcome> DecideAsync(IncomingCommand incoming)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        var parsed = AlarmCommand.Parse(incoming.Topic, incoming.Payload);
        if (parsed.Command is not { } command)
        {
            return new AlarmCommandOutcome(false, parsed.Rejection!, null);
        }

        bool known;
        try
        {
            known = await KnowsAsync(command.SensorId).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The store could not be read (its file gone, a disk error): refused with the cause, not thrown into the MQTT
            // client's callback, where the operator would hear nothing.
            return new AlarmCommandOutcome(false, $"{command.AlarmId}: the node could not look the sensor up in its store ({e.Message}); try again", null);
        }

        if (!known)
        {
            return new AlarmCommandOutcome(false, $"{command.AlarmId}: no sensor '{command.SensorId}' is registered or has ever reported", null);
        }

        object message = command.Verb == AlarmCommandVerb.Acknowledge
            ? new AcknowledgeAlarm(command.SensorId, command.Type, command.By)
            : new ShelveAlarm(command.SensorId, command.Type, command.ShelveFor!.Value, command.By);
        try
        {
            return await _sensors!.Ask<AlarmCommandOutcome>(message, Timeout).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            return new AlarmCommandOutcome(false, $"{command.VerbName} of {command.AlarmId}: the sensor did not answer within {Timeout.TotalSeconds:0} s", null);
        }
    }

    /// <summary>
    /// Whether the sensor exists, so that a command for a made-up id starts no sensor. An open alarm is asked first:
    /// it is journalled before it is published, so an operator who sees one can act on it at once — the sensor's row
    /// in the directory is written every couple of seconds, and a click in that gap was refused (ScadaDashboardSpecs,
    /// on CI).
    /// </summary>
    private async Task<bool> KnowsAsync(string sensorId)
    {
        if ((await alarms.LoadOpenAsync(sensorId, CancellationToken.None).ConfigureAwait(false)).Count > 0)
        {
            return true;
        }

        var listed = await directory.ListSensorsAsync(CancellationToken.None).ConfigureAwait(false);
        return listed.Any(s => s.SensorId == sensorId);
    }

    /// <summary>Answers on the sender's response topic, if it gave one the node may write to.</summary>
    private async Task ReplyAsync(IncomingCommand incoming, AlarmCommandOutcome outcome)
    {
        if (incoming.ResponseTopic is not { } topic || link.Current is not { } session
            || !topic.StartsWith(TopicContract.Replies(string.Empty), StringComparison.Ordinal))
        {
            return;
        }

        var reply = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(ReplyJson(outcome))
            .WithCorrelationData(incoming.CorrelationData)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        if (!await session.PublishAsync(reply, CancellationToken.None).ConfigureAwait(false))
        {
            logger.LogWarning("Could not answer the command on {Topic} at {ReplyTopic}", incoming.Topic, topic);
        }
    }

    /// <summary><c>{"ok":true,"detail":"…","alarm":{…}}</c>; the alarm as on its retained topic, when there is one.</summary>
    internal static byte[] ReplyJson(AlarmCommandOutcome outcome)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteBoolean("ok", outcome.Done);
            json.WriteString("detail", outcome.Detail);
            if (outcome.Alarm is { } alarm)
            {
                json.WritePropertyName("alarm");
                json.WriteRawValue(MqttAlarmPublisher.Json(alarm, null, null));
            }

            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
