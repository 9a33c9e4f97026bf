using CsCheck;
using Pipeline.Models.Security;
using Pipeline.Models.Topics;

namespace Pipeline.Tests.Models.Topics;

/// <summary>Topic and identity names from outside: a name or a reason, never an exception, and what is valid round-trips.</summary>
public sealed class TopicContractProperties
{
    private static readonly Gen<string> Names = Gen.OneOf(
        Gen.String,
        Gen.String[Gen.Char["abcxyz019-_./+#$ \u00e9\u0000"], 0, 70],
        Gen.OneOf<string>("esp32-01", "node", "ca", "server", "ESP32-01", "-a", "a-", "a..b", "", " "));

    [Fact]
    public void Should_say_why_a_name_is_not_an_identity_or_accept_it_for_any_text()
    {
        Names.Sample(name =>
        {
            var error = IdentityName.Validate(name);
            return error is null ? name.Length > 0 && !name.Any(c => c is '/' or '+' or '#' or '\0') : error.Length > 0;
        }, iter: 20_000);
    }

    [Fact]
    public void Should_find_the_sensor_of_its_own_telemetry_topic_for_every_valid_identity()
    {
        Names.Where(name => IdentityName.Validate(name) is null).Sample(name =>
            TopicContract.SensorIdOfTelemetry(TopicContract.Telemetry(name)) == name, iter: 5_000);
    }

    [Fact]
    public void Should_answer_who_may_publish_or_subscribe_for_any_topic_or_filter()
    {
        var identities = Gen.OneOf<ClientIdentity>(
            new ClientIdentity("esp32-01", IdentityRole.Device), new ClientIdentity("node", IdentityRole.Node), new ClientIdentity("scada", IdentityRole.Scada));
        var topics = Gen.OneOf(Names, Names.Select(n => $"pipeline/{n}/telemetry"), Names.Select(n => $"pipeline/commands/{n}"));

        Gen.Select(identities, topics).Sample((identity, topic) =>
        {
            var publish = TopicPolicy.MayPublish(identity, topic);
            _ = TopicPolicy.MaySubscribe(identity, topic); // answers, whatever the filter
            // A device may only ever publish its own telemetry.
            return identity.Role != IdentityRole.Device || !publish || topic == TopicContract.Telemetry(identity.Name);
        }, iter: 20_000);
    }
}
