namespace Pipeline.Tests.Support;

public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="because"/> after <paramref name="timeout"/>.</summary>
    /// <param name="every">How often to look (default 50 ms): a condition about something settling needs longer.</param>
    public static Task HoldsAsync(Func<bool> condition, TimeSpan timeout, Func<string> because, TimeSpan? every = null) =>
        PollAsync(() => Task.FromResult(condition()), timeout, because, every ?? TimeSpan.FromMilliseconds(50));

    /// <summary>The same for a condition that has to ask something over the network (every 200 ms).</summary>
    public static Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> because) =>
        PollAsync(condition, timeout, because, TimeSpan.FromMilliseconds(200));

    private static async Task PollAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> because, TimeSpan every)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Not within {timeout}: {because()}");
            }

            await Task.Delay(every);
        }
    }
}
