namespace Pipeline.Tests.Support;

/// <summary>A node's HTTP endpoints as a probe sees them.</summary>
public static class HttpStatus
{
    /// <summary>The status code of a GET, its body to <paramref name="body"/>; 0 while nothing answers.</summary>
    public static async Task<int> StatusAsync(this HttpClient http, string url, Action<string>? body = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        try
        {
            using var response = await http.GetAsync(url);
            body?.Invoke(await response.Content.ReadAsStringAsync());
            return (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }
}
