namespace Pipeline.Streams.Publishing;

/// <summary>Payloads of <c>pipeline/status/&lt;node&gt;</c> (retained).</summary>
public static class NodeStatus
{
    public const string Offline = """{"state":"offline"}""";

    public static string Online(DateTimeOffset at) => $$"""{"state":"online","at":{{at.ToUnixTimeMilliseconds()}}}""";
}
