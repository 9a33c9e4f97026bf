using System.Reflection;
using System.Runtime.Loader;
using Pipeline.Host.Training;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Host.Training;

/// <summary>Which backend scores, and what choosing it costs the process.</summary>
public sealed class DetectorsSpecs
{
    [Fact]
    public void Should_not_load_torchsharp_when_the_portable_pass_scores()
    {
        // This process has TorchSharp loaded (the specs train with it), so the node's assemblies are loaded anew into a
        // context of their own: whatever they load is theirs, and TorchSharp would be among it.
        using var bundleDirectory = new TempDirectory();
        Trainer.Train(SyntheticPump.Normal(300), TrainerSpecs.Small with { Epochs = 1 }).Save(bundleDirectory.Path);
        var context = new NodeAssemblies();
        try
        {
            var models = context.LoadFromAssemblyName(typeof(Pipeline.Models.Detection.ModelBundle).Assembly.GetName());
            var host = context.LoadFromAssemblyName(typeof(Detectors).Assembly.GetName());
            var bundle = models.GetType(typeof(Pipeline.Models.Detection.ModelBundle).FullName!, throwOnError: true)!
                .GetMethod(nameof(Pipeline.Models.Detection.ModelBundle.Load))!.Invoke(null, [bundleDirectory.Path]);

            var scorer = host.GetType(typeof(Detectors).FullName!, throwOnError: true)!
                .GetMethod(nameof(Detectors.Create))!.Invoke(null, [bundle, "portable"]);

            Assert.Equal("PortableDetector", scorer!.GetType().Name);
            Assert.DoesNotContain(context.Assemblies, a => a.GetName().Name == "TorchSharp");
            Assert.Contains(context.Assemblies, a => a.GetName().Name == "pipeline"); // the context did load the node's own
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>Loads the node's and TorchSharp's assemblies itself from the test's folder; the rest come from the default context.</summary>
    private sealed class NodeAssemblies() : AssemblyLoadContext("node assemblies", isCollectible: true)
    {
        protected override Assembly? Load(AssemblyName assemblyName)
        {
            var name = assemblyName.Name ?? "";
            var ours = name == "pipeline" || (name.StartsWith("Pipeline.", StringComparison.Ordinal) && name != "Pipeline.Tests") || name.StartsWith("TorchSharp", StringComparison.Ordinal);
            var path = Path.Combine(AppContext.BaseDirectory, $"{name}.dll");
            return ours && File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
