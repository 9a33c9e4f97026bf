using Pipeline.Models.Alarms;

namespace Pipeline.Tests.Models.Alarms;

public sealed class CauseHintSpecs
{
    private static readonly string[] Signals = ["flow", "temperature", "pressure", "current"];

    [Theory]
    [InlineData(new float[] { 2, 0.1f, 2, 0.3f }, new float[] { 2.5f, 0, -2.2f, 0.4f }, "possible leak")]
    [InlineData(new float[] { 1, 0.1f, 1, 0.1f }, new float[] { 0.3f, 0, -0.8f, 0 }, "possible leak")]
    [InlineData(new float[] { 1, 0.1f, 1, 0.1f }, new float[] { 0.1f, 0, -0.8f, 0 }, "unusual pattern in flow (fluctuating) and pressure (low)")]
    [InlineData(new float[] { 2, 0.1f, 2, 0.3f }, new float[] { -2.5f, 0, 2.2f, -0.8f }, "possible blockage")]
    [InlineData(new float[] { 0.1f, 0.1f, 0.1f, 3 }, new float[] { 0, 0, 0, 2 }, "pump or motor")]
    [InlineData(new float[] { 0.1f, 4, 0.1f, 0.1f }, new float[] { 0, -3, 0, 0 }, "only temperature is off (low) — possible sensor fault")]
    [InlineData(new float[] { 1, 0.1f, 1, 0.1f }, new float[] { 0.2f, 0, 0.1f, 0 }, "unusual pattern in")]
    public void Should_hint_from_which_signals_are_off_and_which_way(float[] scores, float[] residual, string expected)
    {
        var hint = CauseHint.Describe(Signals, scores, residual, 1);

        Assert.StartsWith("hint: ", hint, StringComparison.Ordinal);
        Assert.Contains(expected, hint, StringComparison.Ordinal);
    }
}
