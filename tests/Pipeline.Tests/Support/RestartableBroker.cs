using Pipeline.Streams.Connecting;

namespace Pipeline.Tests.Support;

/// <summary>
/// A Mosquitto that goes away and comes back on the same port and folder, as a broker its operator restarts: what the
/// node and its devices must ride out. Disposing stops whichever process is current.
/// </summary>
public sealed class RestartableBroker : IAsyncDisposable
{
    private readonly string _certsDirectory;
    private readonly string _workDirectory;
    private MosquittoProcess _process;

    private RestartableBroker(string certsDirectory, string workDirectory, MosquittoProcess process) =>
        (_certsDirectory, _workDirectory, _process) = (certsDirectory, workDirectory, process);

    public BrokerEndpoint Endpoint => _process.Endpoint;

    public static async Task<RestartableBroker> StartAsync(string certsDirectory, string workDirectory) =>
        new(certsDirectory, workDirectory, await MosquittoProcess.StartAsync(certsDirectory, workDirectory));

    public Task StopAsync() => _process.StopAsync();

    public async Task StartAgainAsync() => _process = await MosquittoProcess.StartAsync(_certsDirectory, _workDirectory, _process.Endpoint.Port);

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
