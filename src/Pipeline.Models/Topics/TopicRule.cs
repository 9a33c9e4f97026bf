namespace Pipeline.Models.Topics;

/// <summary>Whether a rule lets an identity receive (subscribe) or send (publish).</summary>
public enum TopicAccess
{
    Read,
    Write,
}

/// <summary>
/// One permission: <paramref name="Filter"/> is an MQTT topic filter in which <c>{id}</c> stands for the identity's
/// own name (Mosquitto's <c>%u</c> under <c>use_identity_as_username</c>).
/// </summary>
public sealed record TopicRule(TopicAccess Access, string Filter)
{
    public const string IdentityPlaceholder = "{id}";

    public string FilterFor(string identity) => Filter.Replace(IdentityPlaceholder, identity, StringComparison.Ordinal);
}
