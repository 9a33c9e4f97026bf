using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.Models.Detection;
using Pipeline.Models.Topics;
using Pipeline.Streams.Subscribing;

namespace Pipeline.Streams.Publishing;

/// <summary>
/// Each sensor's score against its threshold for the SCADA dashboard, on <c>pipeline/scores/&lt;sensor&gt;</c>: QoS 0, not
/// retained — a live view, never a record (the verdicts table is). Thinned per sensor by <see cref="ScoreOptions.Every"/>.
/// Sent after the verdicts are stored, from the stream's last stage: it never holds a reading back.
/// </summary>
public sealed class MqttScorePublisher(NodeMqttLink link, IOptions<ScoreOptions> options, ILogger<MqttScorePublisher> logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, Verdict> _last = new(StringComparer.Ordinal);
    private readonly Lock _writing = new();
    private readonly ArrayBufferWriter<byte> _buffer = new(512); // a point's JSON, written again for each point
    private Utf8JsonWriter? _json;
    private long _skipped;

    /// <summary>Points not sent because the session was down (counted; the next ones go out when it is back).</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    public void Publish(IReadOnlyList<Verdict> verdicts)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        var settings = options.Value;
        if (!settings.Enabled || verdicts.Count == 0)
        {
            return;
        }

        var session = link.Current;
        for (var i = 0; i < verdicts.Count; i++) // not foreach: an interface's enumerator per batch
        {
            var verdict = verdicts[i];
            if (!Due(verdict, (long)settings.Every.TotalMilliseconds))
            {
                continue;
            }

            _last[verdict.SensorId] = verdict;
            if (session is not { IsConnected: true })
            {
                Interlocked.Increment(ref _skipped);
                continue;
            }

            Send(session, verdict);
        }
    }

    // Apart from Publish's loop: the failure callback's closure is then made for a point sent, not for every verdict
    // (C# makes a captured variable's closure where its scope begins: 0.8 % of a steady node's allocations).
    private void Send(MqttTelemetrySource session, Verdict verdict)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(TopicContract.Scores(verdict.SensorId))
            .WithPayload(Payload(verdict))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce)
            .Build();
        _ = session.PublishAsync(message, CancellationToken.None).ContinueWith(
            t => logger.LogDebug(t.Exception?.GetBaseException(), "Could not publish a score point for {Sensor}", verdict.SensorId),
            CancellationToken.None, TaskContinuationOptions.NotOnRanToCompletion, TaskScheduler.Default);
    }

    /// <summary>
    /// The first point, one past the interval, and every one whose state differs from the last sent (anomalous or not,
    /// learning, alarm): the chart shows each change at once, and a sensor that stays anomalous does not flood it.
    /// </summary>
    private bool Due(Verdict verdict, long everyMs) =>
        !_last.TryGetValue(verdict.SensorId, out var last)
        || verdict.EndTimestampMs - last.EndTimestampMs >= everyMs
        || verdict.Anomalous != last.Anomalous
        || verdict.Learning != last.Learning
        || verdict.AlarmActive != last.AlarmActive;

    /// <summary>
    /// The point of docs/mqtt.md ("Scores"), through the publisher's own writer and buffer: only the payload is new,
    /// which the client keeps until it is sent (a writer and a growing buffer per point were 4 % of a steady node's
    /// allocations, bench/README.md).
    /// </summary>
    private byte[] Payload(Verdict verdict)
    {
        lock (_writing)
        {
            _buffer.ResetWrittenCount();
            _json ??= new Utf8JsonWriter(_buffer);
            _json.Reset(_buffer);
            Write(_json, verdict);
            _json.Flush();
            return _buffer.WrittenSpan.ToArray();
        }
    }

    public void Dispose() => _json?.Dispose();

    private static void Write(Utf8JsonWriter json, Verdict verdict)
    {
        json.WriteStartObject();
        json.WriteString("sensor", verdict.SensorId);
        json.WriteNumber("ts", verdict.EndTimestampMs);
        json.WriteNumber("seq", verdict.LastSequence);
        json.WriteNumber("score", Math.Round(verdict.Score, 5));
        json.WriteNumber("threshold", Math.Round(verdict.Threshold, 5));
        json.WriteBoolean("anomalous", verdict.Anomalous);
        json.WriteBoolean("learning", verdict.Learning);
        json.WriteBoolean("alarm", verdict.AlarmActive);
        json.WriteString("model", verdict.ModelVersion);
        json.WriteStartObject("signals");
        for (var i = 0; i < verdict.Signals.Length && i < verdict.PerSignal.Length; i++)
        {
            json.WriteNumber(verdict.Signals[i], Math.Round(verdict.PerSignal[i], 5));
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }
}
