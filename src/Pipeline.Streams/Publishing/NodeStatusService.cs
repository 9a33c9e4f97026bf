using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.Models.Alarms;
using Pipeline.Models.Topics;
using Pipeline.Streams.Connecting;

namespace Pipeline.Streams.Publishing;

/// <summary>
/// Keeps <c>pipeline/status/&lt;node&gt;</c> current (retained "online" with a heartbeat every 30 s; the broker's last will
/// says "offline"), and on every reconnect rewrites the retained states of the open alarms, as journalled.
/// </summary>
public sealed class NodeStatusService(NodeMqttLink link, IAlarmJournal journal, IAlarmPublisher publisher, IOptions<MqttOptions> options, ILogger<NodeStatusService> logger)
    : BackgroundService
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        link.Connected += () =>
        {
            _ = RepublishAlarmsAsync();
            _ = PublishOnlineAsync(CancellationToken.None);
        };
        using var timer = new PeriodicTimer(Heartbeat);
        do
        {
            if (!await PublishOnlineAsync(stoppingToken).ConfigureAwait(false))
            {
                logger.LogDebug("The heartbeat did not go out (no session); the next connect publishes it");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task RepublishAlarmsAsync()
    {
        try
        {
            publisher.PublishState(await journal.LoadOpenAsync(null, CancellationToken.None).ConfigureAwait(false));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not read the open alarms to republish them; SCADA keeps the states it has until they change");
        }
    }

    private Task<bool> PublishOnlineAsync(CancellationToken cancellation) =>
        link.Current?.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(TopicContract.Status(options.Value.Identity))
            .WithPayload(NodeStatus.Online(DateTimeOffset.UtcNow))
            .WithRetainFlag()
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build(), cancellation) ?? Task.FromResult(false);
}
