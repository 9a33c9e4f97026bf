using Pipeline.Models.Telemetry;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Models.Telemetry;

/// <summary>The fuzz run's malformed payloads are what they claim: the codec rejects every one, with a reason.</summary>
public sealed class MalformedTelemetrySpecs
{
    [Fact]
    public void Should_be_rejected_every_one_by_the_codec()
    {
        var codec = new TelemetryCodec(new TelemetryLimits());
        var random = new Random(11);
        var now = DateTimeOffset.UtcNow;

        var results = Enumerable.Range(0, 5000).Select(_ => Malformed.Telemetry(random, now.ToUnixTimeMilliseconds()))
            .Select(m => (m.Kind, Result: codec.Decode("pipeline/esp32-01/telemetry", m.Payload, now))).ToList();

        Assert.All(results, r => Assert.True(r.Result is RejectedTelemetry, $"{r.Kind} was taken: {r.Result}"));
        Assert.Equal(17, results.Select(r => r.Kind).Distinct().Count());
    }
}
