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

    [Fact]
    public void Should_refuse_a_sensors_display_name_or_location_that_is_not_one_line_of_a_label()
    {
        var problems = Problems(("Pipeline:Sensors:esp32-01:DisplayName", "Outlet\nDN150"), ("Pipeline:SensorDefaults:Location", new string('x', 201)));

        Assert.Contains("Pipeline:Sensors:esp32-01:DisplayName 'Outlet\\nDN150' holds a line break or another control character: give it on one line", problems);
        Assert.Contains("Pipeline:SensorDefaults:Location is 201 characters long; give at most 200", problems);
    }

    [Fact]
    public void Should_refuse_a_shared_group_on_the_embedded_broker_which_has_no_shared_subscriptions()
    {
        var certs = Directory.CreateTempSubdirectory("pipeline-certs").FullName;
        try
        {
            var embedded = Problems(("Pipeline:Mqtt:SharedGroup", "fleet"), ("Pipeline:Mqtt:CertsDirectory", certs));
            var mosquitto = Problems(("Pipeline:Mqtt:SharedGroup", "fleet"), ("Pipeline:Mqtt:CertsDirectory", certs), ("Pipeline:Mqtt:Broker", "127.0.0.1:8883"));
            var wildcard = Problems(("Pipeline:Mqtt:SharedGroup", "fl+eet"), ("Pipeline:Mqtt:CertsDirectory", certs), ("Pipeline:Mqtt:Broker", "127.0.0.1:8883"));

            Assert.Contains("Pipeline:Mqtt:SharedGroup 'fleet' needs Mosquitto (Pipeline:Mqtt:Broker or --broker): the embedded broker has no MQTT 5 shared subscriptions", embedded);
            Assert.DoesNotContain(mosquitto, p => p.Contains("SharedGroup", StringComparison.Ordinal));
            Assert.Contains(wildcard, p => p.StartsWith("Pipeline:Mqtt:SharedGroup 'fl+eet':", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(certs, recursive: true);
        }
    }
}
