using Akka.Hosting;
using Microsoft.Extensions.Hosting;
using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.Actors.Alarms;
using Pipeline.Models.Topics;
using Pipeline.Streams.Connecting;
using Microsoft.Extensions.Options;

namespace Pipeline.Streams.Publishing;

/// <summary>
/// Keeps <c>pipeline/status/&lt;node&gt;</c> current (retained "online" with a heartbeat every 30 s; the broker's last will
/// says "offline"), and on every reconnect has the alarm actor rewrite the retained alarm states.
/// </summary>
public sealed class NodeStatusService(NodeMqttLink link, IRequiredActor<AlarmRegistryKey> alarms, IOptions<MqttOptions> options) : BackgroundService
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var alarmActor = await alarms.GetAsync(stoppingToken).ConfigureAwait(false);
        link.Connected += () =>
        {
            alarmActor.Tell(new RepublishAlarms(), Akka.Actor.ActorRefs.NoSender);
            _ = PublishOnlineAsync(CancellationToken.None);
        };
        using var timer = new PeriodicTimer(Heartbeat);
        do
        {
            await PublishOnlineAsync(stoppingToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private Task<bool> PublishOnlineAsync(CancellationToken cancellation) =>
        link.Current?.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(TopicContract.Status(options.Value.Identity))
            .WithPayload(NodeStatus.Online(DateTimeOffset.UtcNow))
            .WithRetainFlag()
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build(), cancellation) ?? Task.FromResult(false);
}
