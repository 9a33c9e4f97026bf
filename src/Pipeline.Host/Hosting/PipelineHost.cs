using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Pipeline.Streams.Brokering;

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
        SettingsCheck.ThrowIfInvalid(builder.Configuration); // before anything starts: one line per problem, nothing else
        if (string.IsNullOrWhiteSpace(builder.Configuration[$"{PipelineSections.Mqtt}:Broker"]))
        {
            var broker = new EmbeddedBrokerOptions();
            builder.Configuration.GetSection(PipelineSections.EmbeddedBroker).Bind(broker);
            GuardedTlsListener.EnsureAvailable(broker); // a port in use is one line, not a started and stopped actor system
        }

        builder.AddPipeline();
        return builder.Build();
    }
}
