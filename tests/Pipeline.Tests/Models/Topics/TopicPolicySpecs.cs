using Pipeline.Models.Security;
using Pipeline.Models.Topics;

namespace Pipeline.Tests.Models.Topics;

public sealed class TopicPolicySpecs
{
    private static readonly ClientIdentity Device = new("esp32-01", IdentityRole.Device);
    private static readonly ClientIdentity Node = new("node", IdentityRole.Node);
    private static readonly ClientIdentity Scada = new("nodered", IdentityRole.Scada);

    [Theory]
    [InlineData("pipeline/esp32-01/telemetry", true)]
    [InlineData("pipeline/esp32-02/telemetry", false)]
    [InlineData("pipeline/+/telemetry", false)]
    [InlineData("pipeline/esp32-01/telemetry/extra", false)]
    [InlineData("pipeline/alarms/esp32-01/anomaly", false)]
    [InlineData("pipeline/commands/ack", false)]
    public void Should_let_a_device_publish_only_its_own_telemetry(string topic, bool allowed) =>
        Assert.Equal(allowed, TopicPolicy.MayPublish(Device, topic));

    [Theory]
    [InlineData("pipeline/+/telemetry", true)]
    [InlineData("pipeline/esp32-01/telemetry", true)]
    [InlineData("pipeline/commands/#", true)]
    [InlineData("pipeline/#", false)]
    [InlineData("#", false)]
    public void Should_let_the_node_read_telemetry_and_commands(string filter, bool allowed) =>
        Assert.Equal(allowed, TopicPolicy.MaySubscribe(Node, filter));

    [Theory]
    [InlineData("pipeline/alarms/esp32-01/anomaly", true)]
    [InlineData("pipeline/events", true)]
    [InlineData("pipeline/status/node", true)]
    [InlineData("pipeline/status/other-node", false)]
    [InlineData("pipeline/esp32-01/telemetry", false)]
    [InlineData("pipeline/commands/ack", false)]
    public void Should_let_the_node_write_alarms_events_and_its_own_status(string topic, bool allowed) =>
        Assert.Equal(allowed, TopicPolicy.MayPublish(Node, topic));

    [Theory]
    [InlineData("pipeline/alarms/#", true)]
    [InlineData("pipeline/alarms/+/anomaly", true)]
    [InlineData("pipeline/events", true)]
    [InlineData("pipeline/status/#", true)]
    [InlineData("pipeline/scores/#", true)]
    [InlineData("pipeline/scores/esp32-01", true)]
    [InlineData("pipeline/+/telemetry", true)] // the dashboard's live charts (#18)
    [InlineData("pipeline/esp32-01/telemetry", true)]
    [InlineData("pipeline/#", false)]
    [InlineData("pipeline/commands/#", false)]
    public void Should_let_scada_read_alarms_events_status_scores_and_telemetry(string filter, bool allowed) =>
        Assert.Equal(allowed, TopicPolicy.MaySubscribe(Scada, filter));

    [Theory]
    [InlineData("pipeline/commands/ack", true)]
    [InlineData("pipeline/commands/shelve", true)]
    [InlineData("pipeline/commands/delete", false)] // the contract names ack and shelve only (#15)
    [InlineData("pipeline/commands/ack/x", false)]
    [InlineData("pipeline/alarms/esp32-01/anomaly", false)]
    [InlineData("pipeline/nodered/telemetry", false)]
    public void Should_let_scada_write_the_two_commands_only(string topic, bool allowed) =>
        Assert.Equal(allowed, TopicPolicy.MayPublish(Scada, topic));

    [Theory]
    [InlineData("pipeline/replies/nodered", true)]
    [InlineData("pipeline/replies/other-scada", false)]
    [InlineData("pipeline/replies/#", false)]
    public void Should_let_scada_read_only_its_own_replies(string filter, bool allowed) =>
        Assert.Equal(allowed, TopicPolicy.MaySubscribe(Scada, filter));
}
