namespace Pipeline.Models.Settings;

/// <summary>
/// A group of settings (<c>Pipeline:Mqtt</c>, <c>Pipeline:Store</c>, …) that says what is wrong with itself: each problem
/// one line naming the key — and so its environment variable, <c>:</c> written <c>__</c> — the value and what is
/// allowed. The node checks every group before anything starts and stops on the first problem with all of them.
/// </summary>
public interface ISettingsGroup
{
    IEnumerable<string> Problems(string section);
}
