using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Pipeline.Host.Hosting;

/// <summary>Builds the node's host: appsettings.json beside the binary, then the given overrides (last wins), then <see cref="PipelineHostingExtensions.AddPipeline"/>.</summary>
internal static class PipelineHost
{
    public static IHost Build(Action<IConfigurationBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        configure(builder.Configuration);
        builder.AddPipeline();
        return builder.Build();
    }
}
