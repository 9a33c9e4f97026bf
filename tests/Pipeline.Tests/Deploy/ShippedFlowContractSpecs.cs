using System.Text.RegularExpressions;
using Pipeline.Models.Alarms;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Deploy;

/// <summary>The shipped Node-RED flow's own checks against the node's contract, read from the file (no Node-RED needed).</summary>
public sealed partial class ShippedFlowContractSpecs
{
    [Fact]
    public void Should_accept_every_alarm_type_the_node_raises_in_its_commands()
    {
        var flow = File.ReadAllText(Path.Combine(Repository.Root, "deploy", "node-red", "flow.json"));

        // Each check of an alarm id: SENSOR/(type|type|...)$ — a type the flow does not know could not be acknowledged from the screen.
        var checks = AlarmIdCheck().Matches(flow).Select(m => m.Groups["types"].Value.Split('|').Order(StringComparer.Ordinal)).ToList();

        Assert.Equal(2, checks.Count); // the command sender and the HTTP endpoint
        Assert.All(checks, types => Assert.Equal(AlarmNames.TypeNames.Order(StringComparer.Ordinal), types));
    }

    [GeneratedRegex(@"\\\\/\((?<types>[a-z|]+)\)\$")]
    private static partial Regex AlarmIdCheck();
}
