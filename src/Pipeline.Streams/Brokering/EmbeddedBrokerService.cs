using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Pipeline.Streams.Brokering;

/// <summary>Hosts the embedded broker when the node has no external broker configured.</summary>
public sealed class EmbeddedBrokerService(IOptions<EmbeddedBrokerOptions> options, ILogger<EmbeddedBroker> logger) : IHostedService
{
    private EmbeddedBroker? _broker;

    public EmbeddedBroker? Broker => _broker;

    public async Task StartAsync(CancellationToken cancellationToken) =>
        _broker = await EmbeddedBroker.StartAsync(options.Value, logger).ConfigureAwait(false);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync().ConfigureAwait(false);
            _broker = null;
        }
    }
}
