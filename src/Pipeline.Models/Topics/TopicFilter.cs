namespace Pipeline.Models.Topics;

/// <summary>MQTT topic-filter matching (MQTT 5 §4.7).</summary>
public static class TopicFilter
{
    /// <summary>Whether <paramref name="topic"/> (no wildcards) matches <paramref name="filter"/>.</summary>
    public static bool Matches(string filter, string topic) => Covers(filter, topic);

    /// <summary>
    /// Whether every topic that <paramref name="inner"/> matches is also matched by <paramref name="outer"/>.
    /// With a concrete topic as <paramref name="inner"/> this is plain matching.
    /// </summary>
    public static bool Covers(string outer, string inner)
    {
        ArgumentNullException.ThrowIfNull(outer);
        ArgumentNullException.ThrowIfNull(inner);
        var o = outer.Split('/');
        var i = inner.Split('/');
        for (var level = 0; level < o.Length; level++)
        {
            if (o[level] == "#")
            {
                return true;
            }

            if (level >= i.Length)
            {
                return false;
            }

            if (i[level] == "#")
            {
                return false; // inner reaches deeper than outer allows at this level
            }

            if (o[level] == "+")
            {
                continue;
            }

            if (i[level] == "+" || o[level] != i[level])
            {
                return false;
            }
        }

        return o.Length == i.Length;
    }
}
