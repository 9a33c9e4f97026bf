using Microsoft.Extensions.Configuration;
using Pipeline.Host.Hosting;

namespace Pipeline.Tests.Host.Hosting;

public sealed class SettingsCheckSpecs
{
    private static IReadOnlyList<string> Problems(params (string Key, string Value)[] settings) =>
        SettingsCheck.Problems(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());

    [Fact]
    public void Should_name_the_key_of_a_sensor_setting_that_is_not_of_its_type()
    {
        // Found by the property: a sensor's bad value threw out of the check instead of being one of its problems.
        var problems = Problems(("Pipeline:SensorDefaults:OfflineAfter", "abc"), ("Pipeline:Ingest:AskTimeout", "soon"));

        Assert.Contains(problems, p => p.Contains("'abc' at 'Pipeline:SensorDefaults:OfflineAfter'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'soon' at 'Pipeline:Ingest:AskTimeout'", StringComparison.Ordinal));
    }
}
