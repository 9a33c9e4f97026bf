namespace Pipeline.Tests.Support;

public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="because"/> after <paramref name="timeout"/>.</summary>
    public static async Task HoldsAsync(Func<bool> condition, TimeSpan timeout, Func<string> because)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Not within {timeout}: {because()}");
            }

            await Task.Delay(50);
        }
    }
}
