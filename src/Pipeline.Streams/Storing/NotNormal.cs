using Pipeline.Models.Alarms;
using Pipeline.Models.Sensors;

namespace Pipeline.Streams.Storing;

/// <summary>
/// What the node found abnormal in a sensor's readings, for training to leave out: the windows it judged anomalous
/// after the sensor's learning period or under its anomaly alarm (by sequence), and the times its stuck and pulsation
/// alarms stood (by when the node stored the readings: health alarms are raised on the node's clock as readings are
/// taken in, not on the device's). A limit alarm marks nothing: its limit is the operator's setting, and a pump can run
/// normally past a limit set too tight — what is abnormal about it the model's own verdicts say.
/// <para>
/// A stuck alarm is raised only once the value has repeated for the sensor's stuck count: the readings of the run
/// before the raise are stuck too. <see cref="StuckFrom"/> says where a stuck alarm stood, and the rows are walked back
/// over the repeated value (<see cref="ReadingColumns.ToSignalTable"/>). A pulsation alarm is raised once the median
/// roughness of the last <see cref="PulsationWatch.Span"/> readings is many times the usual: those readings are the
/// evidence it was raised on, and are left out with it (<see cref="PulsationFrom"/>).
/// </para>
/// </summary>
internal sealed class NotNormal(Spans windows, Spans healthAlarms, Spans stuckAlarms, Spans pulsationAlarms)
{
    /// <summary>(first_seq, last_seq) of the windows, parameter <c>@sensor</c>.</summary>
    public const string WindowsSql =
        """
        SELECT first_seq, last_seq FROM verdicts
        WHERE sensor_id = @sensor AND learning = 0 AND (anomalous = 1 OR alarm = 1)
        """;

    /// <summary>(type, transition, at) of the health alarms' raises and clears in order, parameter <c>@sensor</c>.</summary>
    public static readonly string HealthAlarmsSql =
        $"""
        SELECT type, transition, at FROM alarm_events
        WHERE sensor_id = @sensor AND type IN ({string.Join(", ", HealthTypes.Select(t => $"'{AlarmNames.Of(t)}'"))})
          AND transition IN ('{AlarmNames.Of(AlarmTransition.Raised)}', '{AlarmNames.Of(AlarmTransition.Cleared)}')
        ORDER BY id
        """;

    private static AlarmType[] HealthTypes => [AlarmType.Stuck, AlarmType.Pulsation];

    public bool Covers(long sequence, long receivedAtMs) => windows.Covers(sequence) || healthAlarms.Covers(receivedAtMs);

    /// <summary>Whether a stuck alarm of the sensor stood when the reading was stored.</summary>
    public bool StuckFrom(long receivedAtMs) => stuckAlarms.Covers(receivedAtMs);

    /// <summary>Whether a pulsation alarm of the sensor stood when the reading was stored.</summary>
    public bool PulsationFrom(long receivedAtMs) => pulsationAlarms.Covers(receivedAtMs);

    /// <summary>
    /// From <see cref="WindowsSql"/>'s rows and <see cref="HealthAlarmsSql"/>'s: each alarm stands from its raise to its
    /// clear, one still standing until now.
    /// </summary>
    public static NotNormal From(IEnumerable<(long First, long Last)> windows, IEnumerable<(string Type, string Transition, long At)> healthEvents)
    {
        var raised = new Dictionary<string, long>(StringComparer.Ordinal);
        var stood = new List<(string Type, long From, long Until)>();
        foreach (var (type, transition, at) in healthEvents)
        {
            if (transition == AlarmNames.Of(AlarmTransition.Raised))
            {
                raised.TryAdd(type, at);
            }
            else if (raised.Remove(type, out var from))
            {
                stood.Add((type, from, at));
            }
        }

        stood.AddRange(raised.Select(r => (r.Key, r.Value, long.MaxValue)));
        Spans Of(AlarmType type) => new(stood.Where(s => s.Type == AlarmNames.Of(type)).Select(s => (s.From, s.Until)));
        return new NotNormal(new Spans(windows), new Spans(stood.Select(s => (s.From, s.Until))), Of(AlarmType.Stuck), Of(AlarmType.Pulsation));
    }
}
