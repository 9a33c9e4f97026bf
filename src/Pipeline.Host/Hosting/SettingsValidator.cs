using Microsoft.Extensions.Options;
using Pipeline.Models.Sensors;
using Pipeline.Models.Settings;

namespace Pipeline.Host.Hosting;

/// <summary>Runs a settings group's own checks as options validation (<c>ValidateOnStart</c>), so that nothing that binds options later can skip them.</summary>
internal sealed class SettingsValidator<T>(string section) : IValidateOptions<T>
    where T : class, ISettingsGroup
{
    public ValidateOptionsResult Validate(string? name, T options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems(section).ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

/// <summary>The same for the per-sensor settings.</summary>
internal sealed class SensorCatalogValidator : IValidateOptions<SensorCatalog>
{
    public ValidateOptionsResult Validate(string? name, SensorCatalog options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems().ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
