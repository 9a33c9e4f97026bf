using Akka.Hosting;
using Akka.Logger.Serilog;
using Pipeline.Actors.Alarms;
using Pipeline.Actors.Hosting;
using Pipeline.Actors.Inference;
using Pipeline.Models.Alarms;
using Pipeline.Models.Detection;
using Pipeline.Models.Sensors;
using Pipeline.Models.Settings;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pipeline.Models.Telemetry;
using Pipeline.Streams.Brokering;
using Pipeline.Streams.Connecting;
using Pipeline.Streams.Ingesting;
using Pipeline.Streams.Publishing;
using Pipeline.Streams.Storing;
using Serilog;

namespace Pipeline.Host.Hosting;

public static class PipelineHostingExtensions
{
    /// <summary>Everything the node runs: settings, logging, the broker (embedded unless one is configured), Akka, ingest.</summary>
    public static IHostApplicationBuilder AddPipeline(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;

        services.AddSerilog((_, logger) => logger
            .ReadFrom.Configuration(builder.Configuration)
            .Enrich.FromLogContext()
            .WriteTo.Console(
                outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}",
                formatProvider: System.Globalization.CultureInfo.InvariantCulture));

        AddValidatedOptions<MqttOptions>(services, PipelineSections.Mqtt);
        AddValidatedOptions<StoreOptions>(services, PipelineSections.Store);
        AddValidatedOptions<TelemetryLimits>(services, PipelineSections.Telemetry);
        AddValidatedOptions<EmbeddedBrokerOptions>(services, PipelineSections.EmbeddedBroker);
        AddValidatedOptions<IngestOptions>(services, PipelineSections.Ingest);
        AddValidatedOptions<ClusterNodeOptions>(services, PipelineSections.Cluster);
        AddValidatedOptions<InferenceOptions>(services, PipelineSections.Models);
        AddValidatedOptions<AlarmSettings>(services, PipelineSections.Alarms);
        services.AddSingleton(sp => LoadActiveModel(sp.GetRequiredService<IOptions<InferenceOptions>>().Value));
        services.AddSingleton(sp => LoadPinnedModels(sp.GetRequiredService<SensorCatalog>(), sp.GetRequiredService<IOptions<InferenceOptions>>().Value));
        services.AddOptions<SensorCatalog>()
            .Configure(catalog => PipelineSections.BindCatalog(builder.Configuration, catalog))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SensorCatalog>, SensorCatalogValidator>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<SensorCatalog>>().Value);
        services.PostConfigure<EmbeddedBrokerOptions>(broker =>
            broker.CertsDirectory = builder.Configuration[$"{PipelineSections.Mqtt}:CertsDirectory"] ?? new MqttOptions().CertsDirectory);

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new TelemetryCodec(sp.GetRequiredService<IOptions<TelemetryLimits>>().Value));
        services.AddSingleton(sp => PipelineStore.Open(sp.GetRequiredService<IOptions<StoreOptions>>().Value));
        services.AddSingleton(sp => sp.GetRequiredService<PipelineStore>().Readings);
        services.AddSingleton(sp => sp.GetRequiredService<PipelineStore>().Verdicts);
        services.AddSingleton(sp => sp.GetRequiredService<PipelineStore>().Sensors);
        services.AddSingleton(sp => sp.GetRequiredService<PipelineStore>().Alarms);
        services.AddSingleton(sp => sp.GetRequiredService<PipelineStore>().Calibrations);
        services.AddSingleton<IngestMetrics>();
        services.AddSingleton<NodeMqttLink>();
        services.AddSingleton<IAlarmPublisher, MqttAlarmPublisher>();
        services.AddSingleton<SensorStatusBoard>();
        services.AddSingleton<ISensorStatusBoard>(sp => sp.GetRequiredService<SensorStatusBoard>());

        // No broker configured: the node brings its own, and connects to it over loopback like any other client.
        var external = builder.Configuration[$"{PipelineSections.Mqtt}:Broker"];
        if (string.IsNullOrWhiteSpace(external))
        {
            services.AddHostedService<EmbeddedBrokerService>();
            services.AddSingleton(sp => new BrokerEndpoint("127.0.0.1", sp.GetRequiredService<IOptions<EmbeddedBrokerOptions>>().Value.Port));
        }
        else
        {
            services.AddSingleton(_ =>
            {
                try
                {
                    return BrokerEndpoint.Parse(external);
                }
                catch (FormatException e)
                {
                    throw new FormatException($"{PipelineSections.Mqtt}:Broker: {e.Message}", e);
                }
            });
        }

        services.AddAkka("pipeline", (akka, sp) => akka
            // The host stops things in order (ingest drains before the actor system goes); Akka's own exit hook
            // would tear the streams down underneath it on SIGTERM.
            .AddHocon("akka.coordinated-shutdown.run-by-clr-shutdown-hook = off", HoconAddMode.Prepend)
            // What Akka prints before its logger is up and after it is gone (remoting start-up and shutdown) is not for
            // an operator; warnings and errors still show.
            .AddHocon("akka.stdout-loglevel = WARNING\nakka.remote.log-remote-lifecycle-events = off", HoconAddMode.Prepend)
            .ConfigureLoggers(loggers =>
            {
                loggers.ClearLoggers();
                loggers.AddLogger<SerilogLogger>();
            })
            .WithSensorSharding(
                sp.GetRequiredService<IOptions<ClusterNodeOptions>>().Value,
                SensorShardingExtensions.SensorProps(
                    sp.GetRequiredService<SensorCatalog>(),
                    model => WindowOf(model is null ? sp.GetRequiredService<ModelBundle>() : sp.GetRequiredService<PinnedModels>().Bundles[model]),
                    sp.GetRequiredService<IReadingStore>(),
                    sp.GetRequiredService<ISensorStatusBoard>()))
            .WithActors((system, registry) =>
            {
                var bundle = sp.GetRequiredService<ModelBundle>();
                var options = sp.GetRequiredService<IOptions<InferenceOptions>>().Value;
                var catalog = sp.GetRequiredService<SensorCatalog>();
                IWindowScorer CreateScorer(ModelBundle model) => Detectors.Create(model, options.Backend);
                registry.Register<InferenceRegistryKey>(system.ActorOf(
                    InferenceActor.Props(
                        bundle,
                        CreateScorer(bundle),
                        options,
                        sp.GetRequiredService<ISensorCalibrations>(),
                        CreateScorer,
                        sp.GetRequiredService<PinnedModels>().Bundles,
                        sensor => catalog.For(sensor).Model),
                    "inference"));
                registry.Register<AlarmRegistryKey>(system.ActorOf(
                    AlarmActor.Props(sp.GetRequiredService<IOptions<AlarmSettings>>().Value, sp.GetRequiredService<IAlarmJournal>(),
                        sp.GetRequiredService<IAlarmPublisher>()), "alarms"));
            }));

        services.AddSingleton<CertificateExpiryWatch>();
        services.AddHostedService(sp => sp.GetRequiredService<CertificateExpiryWatch>());
        services.AddHostedService<RetentionService>();
        services.AddHostedService(sp => sp.GetRequiredService<SensorStatusBoard>());
        services.AddHostedService<SensorRegistrationService>();
        services.AddHostedService<IngestService>();
        services.AddHostedService<NodeStatusService>();
        services.AddHostedService<AlarmCommandService>();
        services.AddHostedService<ModelWatcher>();
        return builder;
    }

    /// <summary>The active bundle, checked at start: a bad one stops the node with what is wrong.</summary>
    private static ModelBundle LoadActiveModel(InferenceOptions options) =>
        ModelBundle.Load(Path.Combine(options.Directory, options.ActiveModelName()));

    /// <summary>Every bundle a sensor is pinned to (<c>Model</c>), loaded and checked now: a bad one stops the node, naming the setting.</summary>
    private static PinnedModels LoadPinnedModels(SensorCatalog catalog, InferenceOptions options)
    {
        var settings = catalog.Sensors.Select(s => (Key: $"{PipelineSections.Sensors}:{s.Key}:Model", s.Value.Model))
            .Prepend(($"{PipelineSections.SensorDefaults}:Model", catalog.Defaults.Model));
        var bundles = new Dictionary<string, ModelBundle>(StringComparer.Ordinal);
        foreach (var (key, name) in settings)
        {
            if (string.IsNullOrEmpty(name) || bundles.ContainsKey(name))
            {
                continue;
            }

            try
            {
                bundles[name] = ModelBundle.Load(Path.Combine(options.Directory, name));
            }
            catch (ModelBundleException e)
            {
                throw new ModelBundleException($"{key} '{name}': {e.Message}");
            }
        }

        return new PinnedModels(bundles);
    }

    /// <summary>A sensor's window is what the model reads: its length, its signals in its order, its stride.</summary>
    private static WindowSpec WindowOf(ModelBundle bundle) =>
        new(bundle.Manifest.Window, bundle.Manifest.Signals, bundle.Manifest.Stride);

    private static void AddValidatedOptions<T>(IServiceCollection services, string section)
        where T : class, ISettingsGroup
    {
        services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>>(new SettingsValidator<T>(section));
    }
}
