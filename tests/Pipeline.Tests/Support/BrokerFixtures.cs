using Pipeline.Streams.Brokering;
using Pipeline.Streams.Connecting;

namespace Pipeline.Tests.Support;

/// <summary>A broker under test with the PKI it trusts.</summary>
public interface IBrokerFixture
{
    TestPki Pki { get; }

    BrokerEndpoint Endpoint { get; }

    /// <summary>What the broker logged, for failure messages.</summary>
    string Diagnostics { get; }
}

public sealed class EmbeddedBrokerFixture : IBrokerFixture, IAsyncLifetime
{
    private EmbeddedBroker? _broker;

    public TestPki Pki { get; } = new();

    public TestLogger Logger { get; } = new();

    public EmbeddedBroker Broker => _broker ?? throw new InvalidOperationException("not started");

    public BrokerEndpoint Endpoint => new("127.0.0.1", Broker.Port);

    public string Diagnostics => string.Join("\n", Logger.Entries.Select(e => $"{e.Level}: {e.Message}"));

    public async Task InitializeAsync() => _broker = await EmbeddedBroker.StartAsync(
        new EmbeddedBrokerOptions { CertsDirectory = Pki.CertsDirectory, BindAddress = "127.0.0.1", Port = FreePort.Next() },
        Logger);

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        Pki.Dispose();
    }
}

public sealed class MosquittoFixture : IBrokerFixture, IAsyncLifetime
{
    private MosquittoProcess? _mosquitto;

    public TestPki Pki { get; } = new();

    public MosquittoProcess Mosquitto => _mosquitto ?? throw new InvalidOperationException("not started");

    public BrokerEndpoint Endpoint => Mosquitto.Endpoint;

    public string Diagnostics => Mosquitto.Log;

    public async Task InitializeAsync() => _mosquitto = await MosquittoProcess.StartAsync(Pki.CertsDirectory, Pki.Scratch("mosquitto"));

    public async Task DisposeAsync()
    {
        if (_mosquitto is not null)
        {
            await _mosquitto.DisposeAsync();
        }

        Pki.Dispose();
    }
}
