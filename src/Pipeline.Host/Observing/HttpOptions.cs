using Pipeline.Models.Settings;

namespace Pipeline.Host.Observing;

/// <summary>The node's HTTP endpoints (<c>Pipeline:Http</c>): health for systemd and load balancers, metrics for Prometheus.</summary>
public sealed record HttpOptions : ISettingsGroup
{
    /// <summary>
    /// Where to serve <c>/health/live</c>, <c>/health/ready</c> and <c>/metrics</c>, as <c>http://HOST:PORT</c>; empty
    /// (the default): no endpoints. Bind it to 127.0.0.1 unless Prometheus scrapes from another machine: the endpoints
    /// have no authentication. Flag: <c>--http HOST:PORT</c>.
    /// </summary>
    public string? Urls { get; init; }

    /// <summary>The listener prefix, e.g. <c>http://127.0.0.1:9464/</c>, or null when the endpoints are off.</summary>
    public string? Prefix => Parse(Urls) is { } uri ? $"http://{uri.Host}:{uri.Port}/" : null;

    public IEnumerable<string> Problems(string section)
    {
        if (!string.IsNullOrWhiteSpace(Urls) && Parse(Urls) is null)
        {
            yield return $"{section}:Urls is '{Urls}'; give one http://HOST:PORT with an explicit port and no path, e.g. http://127.0.0.1:9464";
        }
    }

    private static Uri? Parse(string? urls) =>
        !string.IsNullOrWhiteSpace(urls)
        && Uri.TryCreate(urls.Trim(), UriKind.Absolute, out var uri)
        && uri.Scheme == Uri.UriSchemeHttp
        && uri.AbsolutePath == "/"
        && string.IsNullOrEmpty(uri.Query)
        && urls.Trim().TrimEnd('/').EndsWith($":{uri.Port}", StringComparison.Ordinal)
            ? uri
            : null;
}
