using Pipeline.Models.Data;

namespace Pipeline.Models.Simulation;

/// <summary>
/// One simulated device on a pumped line: a centrifugal pump (head falling with flow, rising with speed squared)
/// working against a system curve; flow, head pressure and motor current are tied together by that operating point.
/// Fluid temperature drifts slowly and warms with load. Sensors add noise and quantisation. The operator starts and
/// stops the pump and changes its set-point now and then — normal transients, ramped as a drive would ramp them.
/// </summary>
public sealed class PumpSimulator
{
    // Pump: head (m) = ShutOffHead * n^2 - PumpLoss * Q^2 with Q in L/min; system: StaticHead + Resistance * Q^2.
    private const double ShutOffHead = 60;
    private const double PumpLoss = 1.0e-3;
    private const double StaticHead = 12;
    private const double Resistance = 1.6e-3;
    private const double RampPerSecond = 0.05;

    private readonly Random _random;
    private readonly IReadOnlyList<FaultSpec> _faults;
    private double _speed;
    private double _target;
    private double _temperature;
    private double? _stuckPressure;
    private TimeSpan _nextChange;

    public PumpSimulator(string device, int seed, IEnumerable<FaultSpec>? faults = null, bool setPointChanges = true)
    {
        Device = device;
        _random = new Random(seed);
        _faults = (faults ?? []).Where(f => f.Device == device).ToList();
        SetPointChanges = setPointChanges;
        _speed = 0.85;
        _target = 0.85;
        _temperature = 18 + (_random.NextDouble() * 4);
        _nextChange = TimeSpan.FromSeconds(120 + (_random.NextDouble() * 240));
    }

    public string Device { get; }

    public bool SetPointChanges { get; }

    /// <summary>
    /// The next <paramref name="seconds"/> seconds, a reading a second, as a table labelled where a fault is active
    /// (flow, temperature, pressure, current; a dropout leaves its seconds out): what training, specs and benchmarks
    /// read.
    /// </summary>
    public SignalTable Record(int seconds)
    {
        var samples = Enumerable.Range(1, seconds)
            .Select(t => Step(TimeSpan.FromSeconds(t), TimeSpan.FromSeconds(1)))
            .OfType<SimulatedSample>()
            .ToList();
        return new SignalTable(
            ["flow", "temperature", "pressure", "current"],
            samples.Select(s => new[] { (float)s.Flow, (float)s.Temperature, (float)s.Pressure, (float)s.Current }).ToArray(),
            samples.Select(s => (long)s.Time.TotalMilliseconds).ToArray(),
            samples.Select(s => s.Fault is null ? 0 : 1).ToArray());
    }

    /// <summary>The state at simulated time <paramref name="t"/> after <paramref name="dt"/>; null while the device drops out.</summary>
    public SimulatedSample? Step(TimeSpan t, TimeSpan dt)
    {
        var active = _faults.Where(f => f.ActiveAt(t)).Select(f => f.Kind).ToHashSet();
        Operate(t, dt);

        var resistance = Resistance;
        if (active.Contains(FaultKind.Blockage))
        {
            resistance *= 4;
        }

        if (active.Contains(FaultKind.Leak))
        {
            resistance *= 0.55; // the leak is a parallel path: the line seen by the pump gets easier
        }

        var head = Math.Max(0, (ShutOffHead * _speed * _speed) - StaticHead);
        var flow = _speed < 0.05 ? 0 : Math.Sqrt(head / (PumpLoss + resistance)); // L/min
        var pumpHead = (ShutOffHead * _speed * _speed) - (PumpLoss * flow * flow);
        if (active.Contains(FaultKind.Cavitation))
        {
            var pulse = Math.Sin(t.TotalSeconds * 2.3) + (0.5 * Math.Sin(t.TotalSeconds * 5.9));
            flow *= 0.93 + (0.05 * pulse);
            pumpHead *= 0.9 + (0.06 * pulse);
        }

        // Hydraulic power (kW) = rho g Q H; motor current at 400 V three-phase with 65 % efficiency, plus no-load.
        var hydraulicKw = 1000 * 9.81 * (flow / 60_000) * pumpHead / 1000;
        var current = _speed < 0.05 ? 0.1 : 1.5 + (_speed * 1.0) + (hydraulicKw / (0.65 * 1.732 * 0.4 * 0.85));
        if (active.Contains(FaultKind.Bearing))
        {
            current = (current * 1.18) + Gaussian(0.35);
        }

        _temperature += dt.TotalSeconds * ((0.0004 * (hydraulicKw - 2)) + (0.0002 * Math.Sin(t.TotalSeconds / 900)));
        var pressure = pumpHead * 0.0981; // bar

        var measuredPressure = Quantise(pressure + Gaussian(0.01), 0.01);
        if (active.Contains(FaultKind.Stuck))
        {
            measuredPressure = _stuckPressure ??= measuredPressure;
        }
        else
        {
            _stuckPressure = null;
        }

        if (active.Contains(FaultKind.Spike) && _random.NextDouble() < 0.08)
        {
            measuredPressure += _random.NextDouble() < 0.5 ? 3 : -2;
        }

        if (active.Contains(FaultKind.Drift))
        {
            var since = _faults.First(f => f.Kind == FaultKind.Drift && f.ActiveAt(t)).Start;
            measuredPressure += 0.01 * (t - since).TotalSeconds;
        }

        if (active.Contains(FaultKind.Dropout))
        {
            return null;
        }

        return new SimulatedSample(
            Device,
            t,
            Quantise(flow + Gaussian(0.4), 0.1),
            Quantise(_temperature + Gaussian(0.03), 0.01),
            measuredPressure,
            Quantise(Math.Max(0, current + Gaussian(0.04)), 0.01),
            active.Count == 0 ? null : string.Join('+', active.Order().Select(k => k.ToString().ToLowerInvariant())));
    }

    private void Operate(TimeSpan t, TimeSpan dt)
    {
        if (SetPointChanges && t >= _nextChange)
        {
            // A set-point change now and then, sometimes a stop and a restart.
            _target = _random.NextDouble() < 0.15 ? (_target < 0.05 ? 0.85 : 0) : 0.7 + (_random.NextDouble() * 0.3);
            _nextChange = t + TimeSpan.FromSeconds(_target < 0.05 ? 30 + (_random.NextDouble() * 30) : 180 + (_random.NextDouble() * 420));
        }

        var step = RampPerSecond * dt.TotalSeconds;
        _speed += Math.Clamp(_target - _speed, -step, step);
    }

    private double Gaussian(double sigma)
    {
        var u1 = 1.0 - _random.NextDouble();
        var u2 = _random.NextDouble();
        return sigma * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static double Quantise(double value, double step) => Math.Round(value / step) * step;
}

/// <summary>One reading of a simulated device; <paramref name="Fault"/> names the active fault(s), if any.</summary>
public sealed record SimulatedSample(string Device, TimeSpan Time, double Flow, double Temperature, double Pressure, double Current, string? Fault)
{
    /// <summary>The telemetry payload a device sends for this reading (docs/mqtt.md), at the sensors' resolution.</summary>
    public string ToTelemetryJson(long timestampMs, long sequence) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $$"""{"ts":{{timestampMs}},"seq":{{sequence}},"flow":{{Flow:0.0}},"temperature":{{Temperature:0.00}},"pressure":{{Pressure:0.00}},"current":{{Current:0.00}}}""");
}
