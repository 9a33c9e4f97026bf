using Pipeline.Models.Topics;

namespace Pipeline.Tests.Models.Topics;

public sealed class TopicFilterSpecs
{
    [Theory]
    [InlineData("pipeline/+/telemetry", "pipeline/a/telemetry", true)]
    [InlineData("pipeline/+/telemetry", "pipeline/a/b/telemetry", false)]
    [InlineData("pipeline/#", "pipeline", true)]
    [InlineData("pipeline/#", "pipeline/a/b", true)]
    [InlineData("pipeline/events", "pipeline/events/x", false)]
    public void Should_match_topics_as_mqtt_does(string filter, string topic, bool matches) =>
        Assert.Equal(matches, TopicFilter.Matches(filter, topic));

    [Theory]
    [InlineData("pipeline/alarms/#", "pipeline/alarms/+/anomaly", true)]
    [InlineData("pipeline/alarms/#", "pipeline/#", false)]
    [InlineData("pipeline/+/telemetry", "pipeline/+/telemetry", true)]
    [InlineData("pipeline/a/telemetry", "pipeline/+/telemetry", false)]
    [InlineData("pipeline/+/telemetry", "pipeline/#", false)]
    public void Should_cover_a_filter_only_when_it_matches_everything_the_filter_does(string outer, string inner, bool covers) =>
        Assert.Equal(covers, TopicFilter.Covers(outer, inner));
}
