namespace Pipeline.Tests.Support;

public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="because"/> after <paramref name="timeout"/>.</summary>
    /// <param name="every">How often to look (default 50 ms): a condition about something settling needs longer.</param>
    public static async Task HoldsAsync(Func<bool> condition, TimeSpan timeout, Func<string> because, TimeSpan? every = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Not within {timeout}: {because()}");
            }

            await Task.Delay(every ?? TimeSpan.FromMilliseconds(50));
        }
    }

    /// <summary>The same for a condition that has to ask something over the network (every 200 ms).</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> because)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Not within {timeout}: {because()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }
}
