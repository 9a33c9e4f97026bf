using System.CommandLine;
using Pipeline.Actors.Inference;
using Pipeline.Models.Detection;
using Pipeline.Streams.Ingesting;

namespace Pipeline.Host.Cli;

/// <summary><c>pipeline model activate NAME</c>: switch the running node to another bundle (checked first).</summary>
internal static class ModelCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "A bundle folder under the models directory." };
        var models = new Option<string>("--models") { Description = "The node's models directory (Pipeline:Models:Directory).", DefaultValueFactory = _ => new InferenceOptions().Directory };
        var activate = new Command("activate", "Check NAME's bundle and make it the active one; a running node switches to it within seconds, between batches.")
        {
            name, models,
        };
        activate.SetAction(result => CliAction.RunAsync(() =>
        {
            var directory = result.GetValue(models)!;
            var bundleName = result.GetValue(name)!;
            if (bundleName is "" or "." or ".." || bundleName.IndexOfAny(['/', '\\']) >= 0)
            {
                throw new ArgumentException($"'{bundleName}' is not a bundle's name: give the name of its folder inside --models ({directory})");
            }

            var bundle = ModelBundle.Load(Path.Combine(directory, bundleName));
            InferenceOptions.WriteActive(directory, bundleName);
            Console.WriteLine($"Active model: {bundle.Version} ({bundle.Manifest.Window} x {string.Join(",", bundle.Manifest.Signals)}). A running node switches within 5 s.");
            return CliAction.Ok;
        }));
        return new Command("model", "The node's active model bundle.") { activate };
    }
}
