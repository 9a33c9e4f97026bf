using Pipeline.Models.Data;

namespace Pipeline.Tests.Support;

/// <summary>Test data: a pump's four signals, coupled and noisy, with optional injected faults.</summary>
public static class SyntheticPump
{
    public static readonly string[] Signals = ["flow", "temperature", "pressure", "current"];

    /// <param name="leakFrom">From this row on: pressure drops and flow rises (a leak).</param>
    public static SignalTable Normal(int rows, int seed = 1, int? leakFrom = null)
    {
        var random = new Random(seed);
        var data = new float[rows][];
        var labels = new int[rows];
        for (var t = 0; t < rows; t++)
        {
            var demand = Math.Sin(t / 40.0) + (0.5 * Math.Sin(t / 7.0));
            var flow = 120 + (10 * demand) + Noise(random, 0.6);
            var pressure = 4.2 - (0.05 * demand) + Noise(random, 0.02);
            var current = 8.5 + (0.3 * demand) + Noise(random, 0.05);
            var temperature = 21 + (0.2 * Math.Sin(t / 300.0)) + Noise(random, 0.02);
            if (leakFrom is { } leak && t >= leak)
            {
                pressure -= 0.6;
                flow += 15;
                labels[t] = 1;
            }

            data[t] = [(float)flow, (float)temperature, (float)pressure, (float)current];
        }

        return new SignalTable(Signals, data, Enumerable.Range(0, rows).Select(t => t * 1000L).ToArray(), labels);
    }

    /// <summary>The same rows with the temperature rising by <paramref name="perRow"/> each row: the fluid warming up.</summary>
    public static SignalTable Warming(SignalTable table, double perRow)
    {
        ArgumentNullException.ThrowIfNull(table);
        var temperature = Array.IndexOf(table.Signals, "temperature");
        return table with
        {
            Rows = table.Rows.Select((row, t) =>
            {
                var warmed = row.ToArray();
                warmed[temperature] += (float)(perRow * t);
                return warmed;
            }).ToArray(),
        };
    }

    private static double Noise(Random random, double scale) => (random.NextDouble() - 0.5) * 2 * scale;
}
