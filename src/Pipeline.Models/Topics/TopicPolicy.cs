using Pipeline.Models.Security;

namespace Pipeline.Models.Topics;

/// <summary>
/// Who may publish and subscribe where: the single source of the topic permissions. The embedded broker evaluates
/// it; <c>pipeline broker config</c> renders it as Mosquitto's ACL file.
/// </summary>
public static class TopicPolicy
{
    public static readonly IReadOnlyDictionary<IdentityRole, IReadOnlyList<TopicRule>> Rules =
        new Dictionary<IdentityRole, IReadOnlyList<TopicRule>>
        {
            [IdentityRole.Device] =
            [
                new(TopicAccess.Write, "pipeline/{id}/telemetry"),
            ],
            [IdentityRole.Node] =
            [
                new(TopicAccess.Read, TopicContract.AllTelemetry),
                new(TopicAccess.Read, "pipeline/commands/#"),
                new(TopicAccess.Write, "pipeline/alarms/#"),
                new(TopicAccess.Write, TopicContract.Events),
                new(TopicAccess.Write, "pipeline/status/{id}"),
                new(TopicAccess.Write, "pipeline/scores/#"),
                new(TopicAccess.Write, "pipeline/replies/#"),
            ],
            [IdentityRole.Scada] =
            [
                new(TopicAccess.Read, "pipeline/alarms/#"),
                new(TopicAccess.Read, TopicContract.Events),
                new(TopicAccess.Read, "pipeline/status/#"),
                new(TopicAccess.Read, "pipeline/scores/#"),
                // The dashboard's live charts of each sensor's signals (#18): reading them is all it may do with them.
                new(TopicAccess.Read, TopicContract.AllTelemetry),
                new(TopicAccess.Read, "pipeline/replies/{id}"),
                new(TopicAccess.Write, "pipeline/commands/ack"),
                new(TopicAccess.Write, "pipeline/commands/shelve"),
            ],
        };

    public static bool MayPublish(ClientIdentity identity, string topic)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(topic);
        return IsConcreteTopic(topic) && Rules[identity.Role].Any(rule =>
            rule.Access == TopicAccess.Write && TopicFilter.Matches(rule.FilterFor(identity.Name), topic));
    }

    /// <summary>A subscription is allowed only when every topic it can match is readable by the identity.</summary>
    public static bool MaySubscribe(ClientIdentity identity, string filter)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(filter);
        return Rules[identity.Role].Any(rule =>
            rule.Access == TopicAccess.Read && TopicFilter.Covers(rule.FilterFor(identity.Name), filter));
    }

    private static bool IsConcreteTopic(string topic) => topic.Length > 0 && !topic.Contains('+') && !topic.Contains('#');
}
