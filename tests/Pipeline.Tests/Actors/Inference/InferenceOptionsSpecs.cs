using Pipeline.Actors.Inference;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Actors.Inference;

/// <summary>The active bundle's name in <c>ACTIVE</c>, as <c>pipeline model activate</c> writes it and a running node reads it.</summary>
public sealed class InferenceOptionsSpecs : IDisposable
{
    private readonly TempDirectory _models = new();

    [Fact]
    public async Task Should_show_a_node_reading_active_either_name_and_never_none_while_it_is_written_again()
    {
        // Written in place, a node's look between the truncation and the write found no name and switched to the
        // configured bundle before the one asked for.
        var settings = new InferenceOptions { Directory = _models.Path, Active = "configured" };
        InferenceOptions.WriteActive(_models.Path, "pump1");
        using var writing = new CancellationTokenSource();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var reads = 0;
        var reader = Task.Run(() =>
        {
            while (!writing.IsCancellationRequested)
            {
                seen.Add(settings.ActiveModelName());
                Interlocked.Increment(ref reads);
            }
        });
        await Eventually.HoldsAsync(() => Volatile.Read(ref reads) > 0, TimeSpan.FromSeconds(10), () => "the reader never read");

        for (var i = 0; i < 2_000; i++)
        {
            InferenceOptions.WriteActive(_models.Path, i % 2 == 0 ? "pump2" : "pump1");
        }

        await writing.CancelAsync();
        await reader.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.DoesNotContain("configured", seen);
        Assert.Equal(["ACTIVE"], Directory.GetFiles(_models.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Should_take_the_configured_bundle_when_there_is_no_active_file()
    {
        Assert.Equal("configured", new InferenceOptions { Directory = _models.Path, Active = "configured" }.ActiveModelName());
    }

    public void Dispose() => _models.Dispose();
}
