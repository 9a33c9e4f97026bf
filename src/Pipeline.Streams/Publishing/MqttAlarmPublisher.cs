using System.Buffers;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.Models.Alarms;
using Pipeline.Models.Topics;

namespace Pipeline.Streams.Publishing;

/// <summary>
/// Alarms for Node-RED (docs/mqtt.md): the whole alarm as retained JSON on <c>pipeline/alarms/&lt;sensor&gt;/&lt;type&gt;</c>
/// (an empty retained message once it is closed), and every transition on <c>pipeline/events</c>. Best effort: when
/// the link is down a publication is counted and logged, and the retained state is rewritten on reconnect.
/// </summary>
public sealed class MqttAlarmPublisher(NodeMqttLink link, ILogger<MqttAlarmPublisher> logger) : IAlarmPublisher
{
    private long _failed;

    public void Publish(IReadOnlyList<AlarmChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        foreach (var change in changes)
        {
            Send(State(change.Alarm));
            Send(new MqttApplicationMessageBuilder()
                .WithTopic(TopicContract.Events)
                .WithPayload(Json(change.Alarm, change.Transition, change.At))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build());
        }
    }

    public void PublishState(IReadOnlyList<Alarm> open)
    {
        ArgumentNullException.ThrowIfNull(open);
        foreach (var alarm in open)
        {
            Send(State(alarm));
        }
    }

    private static MqttApplicationMessage State(Alarm alarm) => new MqttApplicationMessageBuilder()
        .WithTopic(TopicContract.Alarm(alarm.SensorId, AlarmNames.Of(alarm.Type)))
        .WithPayload(alarm.State == AlarmState.Normal ? [] : Json(alarm, null, null))
        .WithRetainFlag()
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .Build();

    private void Send(MqttApplicationMessage message)
    {
        var source = link.Current;
        var sending = source is null ? Task.FromResult(false) : source.PublishAsync(message, CancellationToken.None);
        sending.ContinueWith(
            t =>
            {
                if (t.IsCompletedSuccessfully && t.Result)
                {
                    return;
                }

                var failed = Interlocked.Increment(ref _failed);
                if (failed == 1 || failed % 100 == 0)
                {
                    logger.LogWarning(t.Exception?.GetBaseException(), "Could not publish {Topic} ({Failed} so far); the alarm is in the journal and retained state is rewritten on reconnect",
                        message.Topic, failed);
                }
            },
            TaskScheduler.Default);
    }

    /// <summary>The alarm object of docs/mqtt.md; with the transition for <c>pipeline/events</c>.</summary>
    internal static byte[] Json(Alarm alarm, AlarmTransition? transition, long? at)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (transition is { } t)
            {
                json.WriteString("transition", AlarmNames.Of(t));
                json.WriteNumber("at", at ?? 0);
            }

            json.WriteString("id", alarm.Id);
            json.WriteString("sensor", alarm.SensorId);
            json.WriteString("type", AlarmNames.Of(alarm.Type));
            json.WriteString("severity", AlarmNames.Of(alarm.Severity));
            json.WriteString("state", AlarmNames.Of(alarm.State));
            WriteTime(json, "raised", alarm.RaisedAt);
            WriteTime(json, "acknowledged", alarm.AcknowledgedAt);
            WriteTime(json, "cleared", alarm.ClearedAt);
            WriteTime(json, "last", alarm.LastAt);
            json.WriteNumber("count", alarm.Count);
            json.WriteNumber("peakScore", Math.Round(alarm.PeakScore, 4));
            json.WriteString("causeHint", alarm.CauseHint);
            json.WriteString("message", alarm.Message);
            WriteTime(json, "shelvedUntil", alarm.ShelvedUntil);
            json.WriteBoolean("chattering", alarm.Chattering);
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteTime(System.Text.Json.Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
