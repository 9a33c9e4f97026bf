using CsCheck;
using Microsoft.Extensions.Configuration;
using Pipeline.Host.Hosting;

namespace Pipeline.Tests.Host.Hosting;

/// <summary>Settings from outside (appsettings, environment, command line): every problem named, never an exception.</summary>
public sealed class SettingsCheckProperties
{
    private static readonly Gen<string> Sections = Gen.OneOf<string>(
        "Pipeline:Mqtt", "Pipeline:Store", "Pipeline:Telemetry", "Pipeline:Ingest", "Pipeline:Models", "Pipeline:Alarms", "Pipeline:Cluster",
        "Pipeline:EmbeddedBroker", "Pipeline:SensorDefaults", "Pipeline:Sensors:esp32-01", "Pipeline:Sensors:esp32-01:Limits:pressure", "Pipeline");

    private static readonly Gen<string> Keys = Gen.OneOf(
        Gen.OneOf<string>("Broker", "Port", "BatchSize", "Path", "MaxPayloadBytes", "AskTimeout", "LearningReadings", "OnDelayAnomalous",
            "SeedNodes:0", "OfflineAfter", "Limits:flow:Min", "Min", "Max", "Backend", "Brokr", "Retention", "MaxInFlight"),
        Gen.String[Gen.Char.AlphaNumeric, 1, 10]);

    private static readonly Gen<string> Values = Gen.OneOf(
        Gen.OneOf<string>("", "0", "-1", "1", "99999999999999999999", "00:00:00", "-00:00:01", "1.5", "true", "abc", "127.0.0.1:1883", "portable", "NaN"),
        Gen.String[0, 20]);

    [Fact]
    public void Should_name_every_problem_of_any_settings_and_never_throw()
    {
        Gen.Select(Sections, Keys, Values).List[0, 8].Sample(settings =>
        {
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>($"{s.Item1}:{s.Item2}", s.Item3))
                    .DistinctBy(s => s.Key, StringComparer.OrdinalIgnoreCase))
                .Build();

            var problems = SettingsCheck.Problems(configuration);

            return problems.All(p => p.Length > 0);
        }, iter: 3_000);
    }
}
