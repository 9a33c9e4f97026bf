using Pipeline.Models.Sensors;

namespace Pipeline.Tests.Models.Sensors;

public sealed class PulsationWatchSpecs
{
    private const int Baseline = 100;

    /// <summary>Feeds <paramref name="values"/>; returns the index of each change of <see cref="PulsationWatch.Pulsating"/>.</summary>
    private static List<(int At, bool Pulsating)> Feed(PulsationWatch watch, IEnumerable<double> values) =>
        values.Select((v, i) => (Changed: watch.Observe(v), At: i, watch.Pulsating)).Where(x => x.Changed).Select(x => (x.At, x.Pulsating)).ToList();

    private static IEnumerable<double> Noise(int count, int seed, double level = 100, double sigma = 0.4)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => Math.Round((level + (sigma * ((random.NextDouble() * 2) - 1))) * 10) / 10);
    }

    [Fact]
    public void Should_learn_the_usual_roughness_then_report_a_pulsation_once_and_its_end_once()
    {
        var watch = new PulsationWatch(Baseline, factor: 8);
        var learning = Noise(200, seed: 1).ToList();
        // Cavitation-like: +-5 around the level at 0.37 Hz, for 120 readings; then noise again.
        var pulsating = Noise(120, seed: 2).Select((v, t) => v + (5 * Math.Sin(t * 2.3))).ToList();

        var changes = Feed(watch, [.. learning, .. pulsating, .. Noise(200, seed: 3)]);

        Assert.NotNull(watch.Usual);
        Assert.Equal(2, changes.Count);
        Assert.True(changes[0].Pulsating);
        Assert.InRange(changes[0].At, 200, 200 + PulsationWatch.Span);
        Assert.False(changes[1].Pulsating);
        Assert.InRange(changes[1].At, 320, 320 + PulsationWatch.Span);
    }

    [Fact]
    public void Should_not_take_a_set_point_ramp_a_step_or_a_few_spikes_for_a_pulsation()
    {
        var watch = new PulsationWatch(Baseline, factor: 8);
        var ramp = Noise(60, seed: 5).Select((v, t) => v - (1.5 * t)); // 90 down in a minute
        var step = Noise(60, seed: 6, level: 0);                        // a stop
        var spikes = Noise(60, seed: 7).Select((v, t) => t % 20 == 0 ? v + 30 : v);

        var changes = Feed(watch, [.. Noise(200, seed: 4), .. ramp, .. step, .. Noise(60, seed: 8), .. spikes]);

        Assert.Empty(changes);
        Assert.True(watch.Ratio < 4, $"ratio {watch.Ratio}");
    }

    [Fact]
    public void Should_take_the_resolution_as_usual_when_a_quantised_signal_hardly_moves()
    {
        // A temperature at 0.01 resolution that flickers by one step now and then: its median roughness is 0.
        var watch = new PulsationWatch(Baseline, factor: 8);
        var flicker = Enumerable.Range(0, 200).Select(t => t % 17 == 0 ? 21.01 : 21.00);

        var changes = Feed(watch, [.. flicker, .. Enumerable.Range(0, 60).Select(t => 21 + (0.5 * Math.Sin(t * 2.3)))]);

        Assert.Equal(0.01, watch.Usual!.Value, 6);
        var (at, pulsating) = Assert.Single(changes);
        Assert.True(pulsating);
        Assert.InRange(at, 200, 200 + PulsationWatch.Span);
    }

    [Fact]
    public void Should_not_judge_before_it_has_learned()
    {
        var watch = new PulsationWatch(Baseline, factor: 8);

        var changes = Feed(watch, Noise(60, seed: 9).Select((v, t) => v + (5 * Math.Sin(t * 2.3))));

        Assert.Empty(changes);
        Assert.Null(watch.Usual);
    }

    [Fact]
    public void Should_start_learning_when_the_signal_first_moves()
    {
        // A pump standing still at commissioning: no roughness, nothing usual to learn; then it runs. Learned from the
        // zeros, the start's noise was taken for a pulsation (at reading 231, before this spec).
        var watch = new PulsationWatch(Baseline, factor: 8);
        var still = Enumerable.Repeat(0.0, 200);
        var running = Noise(200, seed: 10);
        var cavitating = Noise(120, seed: 11).Select((v, t) => v + (5 * Math.Sin(t * 2.3)));

        var changes = Feed(watch, [.. still, .. running, .. cavitating]);

        Assert.NotNull(watch.Usual);
        var (at, pulsating) = Assert.Single(changes);
        Assert.True(pulsating);
        Assert.InRange(at, 400, 400 + PulsationWatch.Span);
    }

    [Fact]
    public void Should_measure_the_median_roughness_of_the_last_span_readings()
    {
        // Second differences of whole numbers, many of them equal (1..12 over 30 readings), signs alternating so the
        // signal stays near its level; the first Span + 2 readings teach a usual roughness of exactly 10.
        var watch = new PulsationWatch(baselineReadings: 1, factor: 1e9);
        var random = new Random(7);
        var steps = Enumerable.Repeat(10, PulsationWatch.Span + 2).Concat(Enumerable.Range(0, 500).Select(_ => random.Next(1, 13))).ToArray();
        var (previous, beforePrevious) = (0.0, 0.0);
        for (var t = 0; t < steps.Length; t++)
        {
            var value = (2 * previous) - beforePrevious + ((t % 2 == 0 ? 1 : -1) * steps[t]);
            watch.Observe(value);
            (beforePrevious, previous) = (previous, value);
            if (t < PulsationWatch.Span + 2)
            {
                continue;
            }

            Assert.Equal(10, watch.Usual);
            var recent = steps[(t - PulsationWatch.Span + 1)..(t + 1)].Order().ToArray();
            var median = (recent[(PulsationWatch.Span / 2) - 1] + recent[PulsationWatch.Span / 2]) / 2.0;
            Assert.True(median / 10 == watch.Ratio, $"reading {t}: median {median}, the watch's ratio {watch.Ratio}");
        }
    }
}
