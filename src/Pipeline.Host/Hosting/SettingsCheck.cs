using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using Pipeline.Models.Sensors;
using Pipeline.Models.Settings;

namespace Pipeline.Host.Hosting;

/// <summary>
/// Every <c>Pipeline:*</c> setting, checked before anything starts: a key that no settings group has — a typo such as
/// <c>Pipeline__Mqtt__Brokr</c>, which used to be ignored without a word (#20) — is named with where it was set and the
/// key it probably meant, and every group's own <see cref="ISettingsGroup.Problems"/> are collected. The node stops
/// with all of them, one line each, before the actor system, the broker or the store are touched.
/// </summary>
internal static class SettingsCheck
{
    public static IReadOnlyList<string> Problems(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = UnknownKeys(configuration).ToList();
        foreach (var (section, type) in PipelineSections.Groups)
        {
            var group = (ISettingsGroup)Activator.CreateInstance(type)!;
            Bind(configuration.GetSection(section), group, section, problems);
            problems.AddRange(group.Problems(section));
        }

        var catalog = new SensorCatalog();
        try
        {
            PipelineSections.BindCatalog(configuration, catalog);
            problems.AddRange(catalog.Problems());
        }
        catch (InvalidOperationException e)
        {
            problems.Add(e.Message); // "Failed to convert configuration value 'abc' at 'Pipeline:SensorDefaults:OfflineAfter' to type ..."
        }

        return problems;
    }

    /// <summary>
    /// One settings group of <paramref name="configuration"/>, bound and checked alone — its unknown keys, values the
    /// binder cannot convert, its own problems — for a command that needs only it (the rest of a node's file may name
    /// folders of another machine); <see cref="SettingsException"/> with every problem, when there is one.
    /// </summary>
    public static T Group<T>(IConfiguration configuration, string section)
        where T : ISettingsGroup, new()
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = UnknownKeys(configuration).Where(p => p.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase)).ToList();
        var group = new T();
        Bind(configuration.GetSection(section), group, section, problems);
        problems.AddRange(group.Problems(section));
        return problems.Count == 0 ? group : throw new SettingsException(problems);
    }

    /// <summary>Throws <see cref="SettingsException"/> with every problem, when there is one.</summary>
    public static void ThrowIfInvalid(IConfiguration configuration)
    {
        var problems = Problems(configuration);
        if (problems.Count > 0)
        {
            throw new SettingsException(problems);
        }
    }

    private static void Bind(IConfiguration section, object group, string name, List<string> problems)
    {
        try
        {
            section.Bind(group);
        }
        catch (InvalidOperationException e)
        {
            // The binder's own words name the key and the value it could not convert.
            problems.Add(e.Message.StartsWith("Failed to convert", StringComparison.Ordinal) ? e.Message : $"{name}: {e.GetBaseException().Message}");
        }
    }

    private static IEnumerable<string> UnknownKeys(IConfiguration configuration)
    {
        foreach (var (key, _) in configuration.AsEnumerable().Where(k => k.Value is not null && k.Key.StartsWith("Pipeline:", StringComparison.OrdinalIgnoreCase)))
        {
            if (Unknown(key) is { } known)
            {
                var suggestion = Closest(known.Level, known.Choices) is { } match ? $"; did you mean {known.Prefix}{match}?" : string.Empty;
                yield return $"{key} is not a setting{Origin(configuration, key)}{suggestion}";
            }
        }
    }

    /// <summary>Null when <paramref name="key"/> names a setting; else the level that no setting matches and what would.</summary>
    private static (string Prefix, string Level, IReadOnlyList<string> Choices)? Unknown(string key)
    {
        var parts = key.Split(':');
        var groups = PipelineSections.Groups.Select(g => g.Section.Split(':')[1])
            .Append(PipelineSections.SensorDefaults.Split(':')[1]).Append(PipelineSections.Sensors.Split(':')[1]).ToList();
        if (parts.Length < 2 || groups.FirstOrDefault(g => g.Equals(parts[1], StringComparison.OrdinalIgnoreCase)) is not { } group)
        {
            return ("Pipeline:", parts.Length > 1 ? parts[1] : string.Empty, groups);
        }

        Type type;
        var next = 2;
        if (group.Equals(PipelineSections.Sensors.Split(':')[1], StringComparison.OrdinalIgnoreCase))
        {
            type = typeof(SensorSettings);
            next = 3; // Pipeline:Sensors:<id>:…
        }
        else
        {
            type = group.Equals(PipelineSections.SensorDefaults.Split(':')[1], StringComparison.OrdinalIgnoreCase)
                ? typeof(SensorSettings)
                : PipelineSections.Groups.Single(g => g.Section.EndsWith(":" + group, StringComparison.OrdinalIgnoreCase)).Type;
        }

        return Walk(type, parts, next);
    }

    private static (string Prefix, string Level, IReadOnlyList<string> Choices)? Walk(Type type, string[] parts, int index)
    {
        while (index < parts.Length)
        {
            if (IsLeaf(type))
            {
                return (string.Join(':', parts[..index]) + ":", parts[index], []);
            }

            if (Element(type, typeof(IDictionary<,>), 1) is { } value)
            {
                (type, index) = (value, index + 1); // any key
                continue;
            }

            if (Element(type, typeof(IList<>), 0) is { } item)
            {
                (type, index) = (item, index + 1); // an index
                continue;
            }

            var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite || !IsLeaf(p.PropertyType)).ToList();
            var property = properties.FirstOrDefault(p => p.Name.Equals(parts[index], StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                return (string.Join(':', parts[..index]) + ":", parts[index], properties.Select(p => p.Name).ToList());
            }

            (type, index) = (property.PropertyType, index + 1);
        }

        return null;
    }

    private static bool IsLeaf(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(TimeSpan) || t == typeof(decimal) || t == typeof(DateTimeOffset);
    }

    private static Type? Element(Type type, Type generic, int argument) =>
        (type.IsGenericType && type.GetGenericTypeDefinition() == generic ? type : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == generic))
            ?.GetGenericArguments()[argument];

    /// <summary>The nearest of <paramref name="choices"/> by edit distance, when it is near enough to be the one meant.</summary>
    private static string? Closest(string typed, IReadOnlyList<string> choices)
    {
        var best = choices.Select(c => (Choice: c, Distance: Distance(typed.ToUpperInvariant(), c.ToUpperInvariant()))).OrderBy(c => c.Distance).FirstOrDefault();
        return best.Choice is not null && best.Distance <= Math.Max(2, typed.Length / 3) ? best.Choice : null;
    }

    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var previous = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = above;
            }
        }

        return row[b.Length];
    }

    /// <summary>Where a key was set, for the person who has to find it: the environment variable or the file.</summary>
    private static string Origin(IConfiguration configuration, string key)
    {
        if (configuration is not IConfigurationRoot root)
        {
            return string.Empty;
        }

        foreach (var provider in ((IEnumerable)root.Providers).Cast<IConfigurationProvider>().Reverse())
        {
            if (provider.TryGet(key, out _))
            {
                return provider switch
                {
                    EnvironmentVariablesConfigurationProvider => $" (environment variable {key.Replace(":", "__", StringComparison.Ordinal)})",
                    JsonConfigurationProvider json => $" (in {json.Source.Path})",
                    _ => string.Empty,
                };
            }
        }

        return string.Empty;
    }
}

/// <summary>Settings that cannot run: every problem, one line each.</summary>
public sealed class SettingsException(IReadOnlyList<string> problems) : Exception(string.Join(Environment.NewLine, problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
