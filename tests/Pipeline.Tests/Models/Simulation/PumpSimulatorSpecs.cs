using Pipeline.Models.Simulation;

namespace Pipeline.Tests.Models.Simulation;

/// <summary>Each injected fault moves the signals the way docs/simulator.md says, against the same pump without it.</summary>
public sealed class PumpSimulatorSpecs
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FaultStart = TimeSpan.FromSeconds(200);
    private static readonly TimeSpan FaultLength = TimeSpan.FromSeconds(120);

    /// <summary>The fault window of a faulty and a healthy run of the same pump (same seed, steady set-point).</summary>
    private static (List<SimulatedSample> Faulty, List<SimulatedSample> Healthy) Run(FaultKind kind)
    {
        var faulty = new PumpSimulator("p", 42, [new FaultSpec(kind, "p", FaultStart, FaultLength)], setPointChanges: false);
        var healthy = new PumpSimulator("p", 42, setPointChanges: false);
        var a = new List<SimulatedSample>();
        var b = new List<SimulatedSample>();
        for (var t = TimeSpan.Zero; t < FaultStart + FaultLength; t += Second)
        {
            var x = faulty.Step(t, Second);
            var y = healthy.Step(t, Second)!;
            if (t >= FaultStart + TimeSpan.FromSeconds(5))
            {
                if (x is not null)
                {
                    a.Add(x);
                }

                b.Add(y);
            }
        }

        return (a, b);
    }

    private static double Std(IEnumerable<double> values)
    {
        var list = values.ToList();
        var mean = list.Average();
        return Math.Sqrt(list.Average(v => (v - mean) * (v - mean)));
    }

    [Fact]
    public void Should_drop_pressure_and_raise_flow_on_a_leak()
    {
        var (faulty, healthy) = Run(FaultKind.Leak);

        Assert.True(faulty.Average(s => s.Pressure) < healthy.Average(s => s.Pressure) - 0.2);
        Assert.True(faulty.Average(s => s.Flow) > healthy.Average(s => s.Flow) + 10);
        Assert.All(faulty, s => Assert.Equal("leak", s.Fault));
    }

    [Fact]
    public void Should_raise_pressure_and_lower_flow_and_current_on_a_blockage()
    {
        var (faulty, healthy) = Run(FaultKind.Blockage);

        Assert.True(faulty.Average(s => s.Pressure) > healthy.Average(s => s.Pressure) + 0.3);
        Assert.True(faulty.Average(s => s.Flow) < healthy.Average(s => s.Flow) - 20);
        Assert.True(faulty.Average(s => s.Current) < healthy.Average(s => s.Current) - 0.1);
    }

    [Fact]
    public void Should_raise_current_and_its_noise_on_a_bearing_fault_leaving_hydraulics_alone()
    {
        var (faulty, healthy) = Run(FaultKind.Bearing);

        Assert.True(faulty.Average(s => s.Current) > healthy.Average(s => s.Current) * 1.1);
        Assert.True(Std(faulty.Select(s => s.Current)) > 3 * Std(healthy.Select(s => s.Current)));
        Assert.InRange(faulty.Average(s => s.Pressure) - healthy.Average(s => s.Pressure), -0.05, 0.05);
    }

    [Fact]
    public void Should_make_pressure_and_flow_pulsate_on_cavitation()
    {
        var (faulty, healthy) = Run(FaultKind.Cavitation);

        Assert.True(Std(faulty.Select(s => s.Pressure)) > 3 * Std(healthy.Select(s => s.Pressure)));
        Assert.True(Std(faulty.Select(s => s.Flow)) > 3 * Std(healthy.Select(s => s.Flow)));
        Assert.True(faulty.Average(s => s.Flow) < healthy.Average(s => s.Flow));
    }

    [Fact]
    public void Should_freeze_the_pressure_reading_when_the_sensor_sticks()
    {
        var (faulty, _) = Run(FaultKind.Stuck);

        Assert.Single(faulty.Select(s => s.Pressure).Distinct());
        Assert.True(faulty.Select(s => s.Flow).Distinct().Count() > 10);
    }

    [Fact]
    public void Should_put_isolated_spikes_on_the_pressure_reading()
    {
        var (faulty, healthy) = Run(FaultKind.Spike);
        var deviations = faulty.Zip(healthy, (f, h) => Math.Abs(f.Pressure - h.Pressure)).ToList();

        Assert.InRange(deviations.Count(d => d > 1.5), 2, deviations.Count / 4);
    }

    [Fact]
    public void Should_let_the_pressure_reading_drift_away()
    {
        var (faulty, healthy) = Run(FaultKind.Drift);
        var offsets = faulty.Zip(healthy, (f, h) => f.Pressure - h.Pressure).ToList();

        Assert.True(offsets[^1] > offsets[0] + 0.8);
    }

    [Fact]
    public void Should_send_nothing_during_a_dropout()
    {
        var (faulty, healthy) = Run(FaultKind.Dropout);

        Assert.Empty(faulty);
        Assert.NotEmpty(healthy);
    }

    [Fact]
    public void Should_record_a_labelled_table_without_the_seconds_a_dropout_sends_nothing()
    {
        var faults = new FaultSpec[]
        {
            new(FaultKind.Leak, "p", TimeSpan.FromSeconds(100), TimeSpan.FromSeconds(50)),
            new(FaultKind.Dropout, "p", TimeSpan.FromSeconds(300), TimeSpan.FromSeconds(20)),
        };

        var table = new PumpSimulator("p", 1, faults).Record(400);

        Assert.Equal(["flow", "temperature", "pressure", "current"], table.Signals);
        Assert.Equal(400 - 20, table.Count);
        Assert.Equal(50, table.Labels!.Sum());
        Assert.Equal(100_000, table.TimestampsMs[Array.IndexOf(table.Labels!, 1)]);
        Assert.DoesNotContain(310_000L, table.TimestampsMs);
    }

    [Fact]
    public void Should_keep_flow_pressure_and_current_tied_through_set_point_changes()
    {
        var pump = new PumpSimulator("p", 7);
        var samples = Enumerable.Range(0, 7200).Select(i => pump.Step(TimeSpan.FromSeconds(i), Second)!).ToList();

        Assert.True(samples.Max(s => s.Flow) - samples.Min(s => s.Flow) > 30, "the operator changed the set-point over two hours");
        var running = samples.Where(s => s.Flow > 20).ToList();
        // Along the pump's operating points, more flow means more motor current.
        var correlation = Correlation(running.Select(s => s.Flow).ToList(), running.Select(s => s.Current).ToList());
        Assert.True(correlation > 0.8, $"flow-current correlation {correlation}");
    }

    [Theory]
    [InlineData("leak:esp32-03@120s+60s", FaultKind.Leak, "esp32-03", 120, 60)]
    [InlineData("Blockage:esp32-01@2m+1.5m", FaultKind.Blockage, "esp32-01", 120, 90)]
    public void Should_parse_a_fault_argument(string text, FaultKind kind, string device, int start, int length) =>
        Assert.Equal(new FaultSpec(kind, device, TimeSpan.FromSeconds(start), TimeSpan.FromSeconds(length)), FaultSpec.Parse(text));

    [Fact]
    public void Should_explain_a_malformed_fault_argument() =>
        Assert.Contains("KIND:DEVICE@START+DURATION", Assert.Throws<FormatException>(() => FaultSpec.Parse("flood:x@1s")).Message, StringComparison.Ordinal);

    private static double Correlation(List<double> x, List<double> y)
    {
        var mx = x.Average();
        var my = y.Average();
        var cov = x.Zip(y, (a, b) => (a - mx) * (b - my)).Sum();
        return cov / Math.Sqrt(x.Sum(a => (a - mx) * (a - mx)) * y.Sum(b => (b - my) * (b - my)));
    }
}
