using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Actors.Inference;
using Pipeline.Models.Detection;
using Pipeline.Streams.Ingesting;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Ingesting;

/// <summary>
/// Model hot swap keeps the node running whatever <c>models/ACTIVE</c> turns into: an ACTIVE the node could not read
/// (a root-only file written with a umask of 077; here a socket, which root cannot read either) threw out of the
/// watcher and stopped the whole node.
/// </summary>
public sealed class ModelWatcherSpecs : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Should_keep_scoring_while_active_cannot_be_read_and_switch_once_it_names_a_bundle_again()
    {
        var models = _temp.Combine("models");
        foreach (var name in new[] { "default", "second" })
        {
            Directory.CreateDirectory(Path.Combine(models, name));
            foreach (var file in Directory.GetFiles(Path.Combine(Repository.Root, "models", "default")))
            {
                File.Copy(file, Path.Combine(models, name, Path.GetFileName(file)));
            }
        }

        var settings = new InferenceOptions { Directory = models };
        var catalog = new ModelCatalog(ModelBundle.Load(Path.Combine(models, "default")));
        var log = new TestLogger<ModelWatcher>();
        using var watcher = new ModelWatcher(Options.Create(settings), catalog, log, TimeSpan.FromMilliseconds(50));
        await watcher.StartAsync(default);
        var active = Path.Combine(models, InferenceOptions.ActiveFile);

        using (var unreadable = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            unreadable.Bind(new UnixDomainSocketEndPoint(active));
            await Eventually.HoldsAsync(() => log.At(LogLevel.Error).Any(), TimeSpan.FromSeconds(10), () => "nothing said about the unreadable ACTIVE");
        }

        File.Delete(active);
        await File.WriteAllTextAsync(active, "second");
        await Eventually.HoldsAsync(() => log.At(LogLevel.Information).Any(m => m.Contains("Model switched", StringComparison.Ordinal)), TimeSpan.FromSeconds(10),
            () => "the watcher did not switch to the bundle ACTIVE names now");
        await watcher.StopAsync(default);

        Assert.False(watcher.ExecuteTask!.IsFaulted, watcher.ExecuteTask.Exception?.ToString());
        var error = Assert.Single(log.At(LogLevel.Error)); // said once, not every 50 ms
        Assert.Contains($"Cannot read {active}", error, StringComparison.Ordinal);
        Assert.Contains("Still scoring with default@", error, StringComparison.Ordinal);
        Assert.Contains(log.At(LogLevel.Information), m => m.Contains("can be read again", StringComparison.Ordinal));
    }

    [Fact]
    public void Should_name_an_unreadable_active_file_as_a_settings_problem_at_start()
    {
        var models = _temp.Combine("models");
        Directory.CreateDirectory(models);
        using var unreadable = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        unreadable.Bind(new UnixDomainSocketEndPoint(Path.Combine(models, InferenceOptions.ActiveFile)));

        var problem = Assert.Single(new InferenceOptions { Directory = models }.Problems("Pipeline:Models"));

        Assert.StartsWith($"Pipeline:Models:Directory: cannot read {Path.Combine(models, InferenceOptions.ActiveFile)} (", problem, StringComparison.Ordinal);
    }
}
