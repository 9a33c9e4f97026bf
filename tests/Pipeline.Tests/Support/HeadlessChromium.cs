using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Pipeline.Tests.Support;

/// <summary>
/// A real headless Chromium (Debian's <c>chromium</c>) driven over the Chrome DevTools Protocol on loopback: navigate,
/// evaluate JavaScript in the page, take a screenshot. One page; no driver package, no download.
/// </summary>
public sealed partial class HeadlessChromium : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ClientWebSocket _socket = new();
    private readonly List<string> _log = [];
    private int _nextId;

    private HeadlessChromium(Process process) => _process = process;

    public string Log
    {
        get
        {
            lock (_log)
            {
                return string.Join("\n", _log);
            }
        }
    }

    public static async Task<HeadlessChromium> StartAsync(string profileDirectory, int width = 1400, int height = 1000)
    {
        Directory.CreateDirectory(profileDirectory);
        var process = Process.Start(new ProcessStartInfo("chromium",
            ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions", "--disable-background-networking",
             "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", $"--user-data-dir={profileDirectory}",
             $"--window-size={width},{height}", "about:blank"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("chromium did not start");
        var browser = new HeadlessChromium(process);
        var endpoint = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            browser.Keep(e.Data);
            if (DevToolsLine().Match(e.Data) is { Success: true } match)
            {
                endpoint.TrySetResult(new Uri(match.Groups["url"].Value));
            }
        };
        process.OutputDataReceived += (_, e) => browser.Keep(e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            var browserSocket = await endpoint.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await browser.AttachToPageAsync(browserSocket);
            return browser;
        }
        catch (Exception e) when (e is TimeoutException or WebSocketException or HttpRequestException)
        {
            await browser.DisposeAsync();
            throw new InvalidOperationException($"chromium's DevTools did not answer: {e.Message}\n{browser.Log}", e);
        }
    }

    public async Task NavigateAsync(string url)
    {
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url });
    }

    /// <summary>The value of a JavaScript expression in the page (awaited when it is a promise), as JSON.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true });
        if (result?["exceptionDetails"] is { } failure)
        {
            throw new InvalidOperationException($"the page threw on '{expression}': {failure.ToJsonString()}");
        }

        return result?["result"]?["value"];
    }

    /// <summary>Waits until <paramref name="expression"/> is true in the page.</summary>
    public Task WaitForAsync(string expression, TimeSpan timeout, Func<string>? explain = null) =>
        Eventually.HoldsAsync(() => EvaluateAsync(expression).GetAwaiter().GetResult()?.GetValueKind() == JsonValueKind.True, timeout,
            () => $"never true in the page: {expression}\n{explain?.Invoke()}");

    public async Task ScreenshotAsync(string pngFile)
    {
        var result = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = true });
        await File.WriteAllBytesAsync(pngFile, Convert.FromBase64String(result?["data"]?.GetValue<string>() ?? string.Empty));
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task AttachToPageAsync(Uri browserSocket)
    {
        // The page's own socket: http://host:port/json/list names it.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var list = JsonNode.Parse(await http.GetStringAsync(new Uri($"http://{browserSocket.Authority}/json/list")))!.AsArray();
        var page = list.FirstOrDefault(t => t?["type"]?.GetValue<string>() == "page")
            ?? throw new InvalidOperationException($"chromium has no page: {list.ToJsonString()}");
        await _socket.ConnectAsync(new Uri(page["webSocketDebuggerUrl"]!.GetValue<string>()), CancellationToken.None);
        await SendAsync("Page.enable", []);
    }

    /// <summary>One command at a time: sends it and reads until its answer (events in between are skipped).</summary>
    private async Task<JsonNode?> SendAsync(string method, JsonObject parameters)
    {
        var id = Interlocked.Increment(ref _nextId);
        var command = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters }.ToJsonString();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _socket.SendAsync(Encoding.UTF8.GetBytes(command), WebSocketMessageType.Text, true, timeout.Token);
        var buffer = new byte[1 << 16];
        while (true)
        {
            using var message = new MemoryStream();
            WebSocketReceiveResult received;
            do
            {
                received = await _socket.ReceiveAsync(buffer, timeout.Token);
                message.Write(buffer, 0, received.Count);
            }
            while (!received.EndOfMessage);

            var answer = JsonNode.Parse(message.ToArray());
            if (answer?["id"]?.GetValue<int>() != id)
            {
                continue;
            }

            if (answer["error"] is { } error)
            {
                throw new InvalidOperationException($"chromium refused {method}: {error.ToJsonString()}");
            }

            return answer["result"];
        }
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.Add(line);
            }
        }
    }

    [GeneratedRegex(@"DevTools listening on (?<url>ws://\S+)", RegexOptions.CultureInvariant)]
    private static partial Regex DevToolsLine();
}
