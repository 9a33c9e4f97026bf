using Akka.Hosting;
using Akka.Logger.Serilog;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Actors.Hosting;
using Pipeline.Actors.Inference;
using Pipeline.Actors.Sensors;
using Pipeline.Host.Observing;
using Pipeline.Host.Training;
using Pipeline.Models.Alarms;
using Pipeline.Models.Detection;
using Pipeline.Models.Sensors;
using Pipeline.Models.Settings;
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
        AddValidatedOptions<HttpOptions>(services, PipelineSections.Http);
        AddValidatedOptions<ScoreOptions>(services, PipelineSections.Scores);
        services.AddSingleton(sp => LoadModels(sp.GetRequiredService<SensorCatalog>(), sp.GetRequiredService<IOptions<InferenceOptions>>().Value));
        services.AddOptions<SensorCatalog>()
            .Configure(catalog => PipelineSections.BindCatalog(builder.Configuration, catalog))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SensorCatalog>, SensorCatalogValidator>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<SensorCatalog>>().Value);
        services.PostConfigure<EmbeddedBrokerOptions>(broker =>
            broker.CertsDirectory = builder.Configuration[$"{PipelineSections.Mqtt}:CertsDirectory"] ?? new MqttOptions().CertsDirectory);

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new TelemetryCodec(sp.GetRequiredService<IOptions<TelemetryLimits>>().Value));
        services.AddSingleton(sp => PipelineStore.Open(sp.GetRequiredService<IOptions<StoreOptions>>().Value, sp.GetRequiredService<ILogger<PipelineStore>>()));
        services.AddSingleton(sp => sp.GetRequiredService<PipelineStore>().Readings);
        services.AddSingleton(sp => sp.GetRequiredService<PipelineStore>().Verdicts);
        services.AddSingleton(sp => sp.GetRequiredService<PipelineStore>().Sensors);
        services.AddSingleton(sp => sp.GetRequiredService<PipelineStore>().Alarms);
        services.AddSingleton(sp => sp.GetRequiredService<PipelineStore>().Calibrations);
        services.AddSingleton<IngestMetrics>();
        services.AddSingleton<NodeMqttLink>();
        services.AddSingleton(sp => new NodeHearingWatch(sp.GetRequiredService<NodeMqttLink>(), sp.GetRequiredService<PipelineStore>(),
            sp.GetRequiredService<IngestMetrics>(), sp.GetRequiredService<IOptions<MqttOptions>>().Value.MaxInFlight, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<NodeHearingWatch>>()));
        services.AddSingleton<MqttAlarmPublisher>();
        services.AddSingleton<MqttScorePublisher>();
        services.AddSingleton(sp => new ObservedAlarms(sp.GetRequiredService<MqttAlarmPublisher>()));
        services.AddSingleton<IAlarmPublisher>(sp => sp.GetRequiredService<ObservedAlarms>());
        // The node's address as its sensors name it in their status: known once the actor system is up, before the board beats.
        services.AddSingleton(sp => new SensorStatusBoard(
            sp.GetRequiredService<PipelineStore>().Sensors,
            sp.GetRequiredService<ILogger<SensorStatusBoard>>(),
            node: () => ((Akka.Actor.ExtendedActorSystem)sp.GetRequiredService<Akka.Actor.ActorSystem>()).Provider.DefaultAddress.ToString()));
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

        // Before the actor system: a port in use stops the node before anything else has started.
        services.AddPipelineObserving(builder.Configuration, PipelineSections.Http);

        services.AddAkka("pipeline", (akka, sp) => akka
            // The host stops things in order (ingest drains before the actor system goes); Akka's own exit hook
            // would tear the streams down underneath it on SIGTERM.
            .AddHocon("akka.coordinated-shutdown.run-by-clr-shutdown-hook = off", HoconAddMode.Prepend)
            // What Akka prints before its logger is up and after it is gone (remoting start-up and shutdown) is not for
            // an operator; warnings and errors still show.
            .AddHocon($"akka.stdout-loglevel = WARNING\nakka.stdout-logger-class = \"{typeof(QuietStandardOutLogger).AssemblyQualifiedName}\"\nakka.remote.log-remote-lifecycle-events = off", HoconAddMode.Prepend)
            .ConfigureLoggers(loggers =>
            {
                loggers.ClearLoggers();
                loggers.AddLogger<SerilogLogger>();
            })
            .WithActors((system, registry) =>
            {
                var options = sp.GetRequiredService<IOptions<InferenceOptions>>().Value;
                registry.Register<InferenceRegistryKey>(system.ActorOf(
                    InferenceActor.Props(sp.GetRequiredService<ModelCatalog>(), model => Detectors.Create(model, options.Backend), options), "inference"));
            })
            .WithSensorSharding(sp.GetRequiredService<IOptions<ClusterNodeOptions>>().Value, SensorProps(sp)));

        services.AddSingleton<CertificateExpiryWatch>();
        services.AddHostedService(sp => sp.GetRequiredService<CertificateExpiryWatch>());
        services.AddHostedService<RetentionService>();
        services.AddHostedService(sp => sp.GetRequiredService<SensorStatusBoard>());
        services.AddHostedService<SensorRegistrationService>();
        services.AddHostedService<IngestService>();
        services.AddHostedService(sp => sp.GetRequiredService<NodeHearingWatch>());
        services.AddHostedService<NodeStatusService>();
        services.AddHostedService<AlarmCommandService>();
        services.AddHostedService<ModelWatcher>();

        return builder;
    }

    /// <summary>
    /// A sensor's actor, with what it works with on this node. Made when the region first starts a sensor, after the
    /// inference actor is registered.
    /// </summary>
    private static Func<string, Akka.Actor.Props> SensorProps(IServiceProvider sp)
    {
        var services = new Lazy<SensorServices>(() =>
        {
            var models = sp.GetRequiredService<IOptions<InferenceOptions>>().Value;
            var ingest = sp.GetRequiredService<IOptions<IngestOptions>>().Value;
            return new SensorServices(
                sp.GetRequiredService<SensorCatalog>(),
                sp.GetRequiredService<ModelCatalog>(),
                sp.GetRequiredService<ActorRegistry>().Get<InferenceRegistryKey>(),
                model => Detectors.Create(model, models.Backend),
                sp.GetRequiredService<IReadingStore>(),
                sp.GetRequiredService<ISensorStatusBoard>(),
                sp.GetRequiredService<ISensorCalibrations>(),
                sp.GetRequiredService<IAlarmJournal>(),
                sp.GetRequiredService<IAlarmPublisher>(),
                sp.GetRequiredService<IOptions<AlarmSettings>>().Value,
                models.LearningReadings,
                models.CalibrationReload,
                ingest.AskTimeout,
                SharedIntake: !string.IsNullOrEmpty(sp.GetRequiredService<IOptions<MqttOptions>>().Value.SharedGroup))
            {
                Hearing = sp.GetRequiredService<NodeHearingWatch>(),
            };
        });
        return sensorId => SensorActor.Props(sensorId, services.Value);
    }

    /// <summary>
    /// The active bundle and every bundle a sensor is pinned to (<c>Model</c>), loaded and checked at start: a bad one
    /// stops the node with what is wrong, naming the setting.
    /// </summary>
    private static ModelCatalog LoadModels(SensorCatalog catalog, InferenceOptions options)
    {
        var active = ModelBundle.Load(Path.Combine(options.Directory, options.ActiveModelName()));
        var settings = catalog.Sensors.Select(s => (Key: $"{PipelineSections.Sensors}:{s.Key}:Model", s.Value.Model))
            .Prepend(($"{PipelineSections.SensorDefaults}:Model", catalog.Defaults.Model));
        var pinned = new Dictionary<string, ModelBundle>(StringComparer.Ordinal);
        foreach (var (key, name) in settings)
        {
            if (string.IsNullOrEmpty(name) || pinned.ContainsKey(name))
            {
                continue;
            }

            try
            {
                pinned[name] = ModelBundle.Load(Path.Combine(options.Directory, name));
            }
            catch (ModelBundleException e)
            {
                throw new ModelBundleException($"{key} '{name}': {e.Message}");
            }
        }

        return new ModelCatalog(active, pinned);
    }

    private static void AddValidatedOptions<T>(IServiceCollection services, string section)
        where T : class, ISettingsGroup
    {
        services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>>(new SettingsValidator<T>(section));
    }
}
