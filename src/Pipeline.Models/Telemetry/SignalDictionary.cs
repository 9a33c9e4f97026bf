using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Pipeline.Models.Telemetry;

/// <summary>
/// A decoded reading's signal values: the names in the payload's order, shared by every reading whose payload named the
/// same signals, and one array of the values. A <see cref="Dictionary{TKey,TValue}"/> of four signals took about 320
/// bytes per reading, this about 90 (bench/README.md); a reading has a handful of signals, so a lookup is a short scan.
/// </summary>
public sealed class SignalDictionary : IReadOnlyDictionary<string, double>
{
    private readonly string[] _names;
    private readonly double[] _values;

    /// <param name="names">Distinct names, not changed after this call (they may be shared between readings).</param>
    /// <param name="values">The values, index for index; owned by this instance from now on.</param>
    public SignalDictionary(string[] names, double[] values)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(values);
        if (names.Length != values.Length)
        {
            throw new ArgumentException($"{names.Length} names for {values.Length} values", nameof(values));
        }

        (_names, _values) = (names, values);
    }

    /// <summary>The names, in the payload's order; shared: never change them.</summary>
    internal string[] Names => _names;

    public int Count => _names.Length;

    public double this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"no signal '{key}' in this reading");

    public IEnumerable<string> Keys => _names;

    public IEnumerable<double> Values => _values;

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out double value)
    {
        var index = IndexOf(key);
        value = index >= 0 ? _values[index] : default;
        return index >= 0;
    }

    public IEnumerator<KeyValuePair<string, double>> GetEnumerator()
    {
        for (var i = 0; i < _names.Length; i++)
        {
            yield return new KeyValuePair<string, double>(_names[i], _values[i]);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int IndexOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        for (var i = 0; i < _names.Length; i++)
        {
            // The codec hands out its own strings for the names it expects, and callers look up by the same constants.
            if (ReferenceEquals(_names[i], key) || string.Equals(_names[i], key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
