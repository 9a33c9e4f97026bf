using System.Text.Json;

namespace Pipeline.Tests.Host.Hosting;

/// <summary>
/// The runtime options the build writes beside the node's binary (<c>pipeline.runtimeconfig.json</c>): what
/// bench/README.md measured the node with is what every node runs, on any machine.
/// </summary>
public sealed class RuntimeOptionsSpecs
{
    private static JsonElement Options()
    {
        using var file = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "pipeline.runtimeconfig.json"));
        using var json = JsonDocument.Parse(file);
        return json.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }

    [Fact]
    public void Should_cap_the_young_generations_budget_whatever_cache_the_CPU_reports()
    {
        // Uncapped, the budget follows the largest cache: 80 MiB on a 300 MiB-L3 x64 machine, a few MiB on a Pi 5.
        Assert.True(Options().TryGetProperty("System.GC.Gen0MaxBudget", out var budget), "no Gen0MaxBudget in pipeline.runtimeconfig.json");
        Assert.Equal(16L * 1024 * 1024, budget.GetInt64());
    }

    [Fact]
    public void Should_let_idle_thread_pool_workers_sleep_instead_of_spinning()
    {
        Assert.Equal(0, Options().GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
    }
}
