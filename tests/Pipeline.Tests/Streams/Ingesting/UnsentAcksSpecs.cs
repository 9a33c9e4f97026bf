using Microsoft.Extensions.Logging;
using Pipeline.Streams.Ingesting;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Ingesting;

/// <summary>
/// The ingest stream's hold on acknowledgements the MQTT client has not sent yet: it waits while more than its bound
/// are queued (a broker too busy to read them made a node queue 235,000), and a failed one is reported, never thrown.
/// </summary>
public sealed class UnsentAcksSpecs
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Should_wait_while_more_than_the_bound_are_unsent_and_go_on_as_the_oldest_leave()
    {
        var acks = new UnsentAcks(new TestLogger());
        var sends = Enumerable.Range(0, 5).Select(_ => new TaskCompletionSource()).ToArray();
        foreach (var send in sends)
        {
            acks.Observe(send.Task);
        }

        var waiting = acks.UntilAtMost(3);
        Assert.False(waiting.IsCompleted, "5 unsent, bound 3");

        sends[0].SetResult();
        Assert.False(waiting.IsCompleted, "4 unsent, bound 3");

        sends[1].SetResult();
        await waiting.WaitAsync(Patience);

        await acks.UntilAtMost(3).WaitAsync(Patience); // 3 unsent: within the bound, at once
        Assert.False(acks.UntilAtMost(2).IsCompleted);
    }

    [Theory]
    [InlineData("failed", "Could not acknowledge a stored message (1 so far); the broker will deliver it again and the store keeps it once the connection went away")]
    [InlineData("cancelled", ClosedFirst)] // cancelled as its connection closed (IncomingMessage)
    [InlineData("refused", ClosedFirst)] // MQTTnet's answer for a connection already closed: an OperationCanceledException at once
    public async Task Should_go_on_past_a_failed_or_cancelled_ack_and_report_it_a_closed_connections_in_one_line(string how, string reported)
    {
        var logger = new TestLogger();
        var acks = new UnsentAcks(logger);
        var ending = new TaskCompletionSource();
        acks.Observe(ending.Task);
        acks.Observe(Task.CompletedTask);

        var waiting = acks.UntilAtMost(0);
        _ = how switch
        {
            "cancelled" => ending.TrySetCanceled(),
            "refused" => ending.TrySetException(new OperationCanceledException()),
            _ => ending.TrySetException(new IOException("the connection went away")),
        };

        await waiting.WaitAsync(Patience);
        await Eventually.HoldsAsync(() => logger.At(LogLevel.Warning).Any(m => m.Contains("Could not acknowledge", StringComparison.Ordinal)),
            Patience, () => string.Join("\n", logger.Entries));
        Assert.Equal(reported, Assert.Single(logger.At(LogLevel.Warning)));
    }

    private const string ClosedFirst =
        "Could not acknowledge a stored message (1 so far): its connection closed before it went out; the broker will deliver it again and the store keeps it once";
}
