using System.Collections.Concurrent;
using Pipeline.Models.Detection;

namespace Pipeline.Actors.Inference;

/// <summary>
/// The bundles this node scores with: the active one (<c>models/ACTIVE</c>, switched by <c>pipeline model activate</c>)
/// and those sensors are pinned to by name. Sensors ask it which model is theirs at every batch, so a switch reaches
/// each sensor at its next reading — with a different window length too: the sensor then builds windows of the new
/// shape (docs/models.md). Every bundle ever active stays findable by version, so that windows prepared for it just
/// before a switch are still scored by it.
/// </summary>
public sealed class ModelCatalog
{
    private readonly IReadOnlyDictionary<string, ModelBundle> _pinned;
    private readonly ConcurrentDictionary<string, ModelBundle> _byVersion = new(StringComparer.Ordinal);
    private ModelBundle _active;

    public ModelCatalog(ModelBundle active, IReadOnlyDictionary<string, ModelBundle>? pinned = null)
    {
        ArgumentNullException.ThrowIfNull(active);
        _active = active;
        _pinned = pinned ?? new Dictionary<string, ModelBundle>();
        _byVersion[active.Version] = active;
        foreach (var bundle in _pinned.Values)
        {
            _byVersion[bundle.Version] = bundle;
        }
    }

    public ModelBundle Active => Volatile.Read(ref _active);

    /// <summary>The bundles sensors are pinned to, by name (<c>Pipeline:Sensors:ID:Model</c>).</summary>
    public IReadOnlyDictionary<string, ModelBundle> Pinned => _pinned;

    /// <summary>The bundle of a sensor pinned to <paramref name="pinnedName"/>, or the active one when it is not pinned.</summary>
    public ModelBundle For(string? pinnedName) =>
        pinnedName is not null && _pinned.TryGetValue(pinnedName, out var pinned) ? pinned : Active;

    /// <summary>The bundle of <paramref name="version"/>, when this node has ever loaded it.</summary>
    public ModelBundle? Find(string version) => _byVersion.GetValueOrDefault(version);

    /// <summary>Makes <paramref name="bundle"/> the active one; returns the one it replaces.</summary>
    public ModelBundle Activate(ModelBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        _byVersion[bundle.Version] = bundle;
        return Interlocked.Exchange(ref _active, bundle);
    }
}
