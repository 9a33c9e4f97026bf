using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Pipeline.Tests.Support;

/// <summary>A real Prometheus (Debian's) on a free loopback port, scraping one target every second, its data in a temp folder.</summary>
public sealed class PrometheusProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _log = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly string _url;

    private PrometheusProcess(Process process, string url)
    {
        _process = process;
        _url = url;
    }

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

    public static async Task<PrometheusProcess> StartAsync(string workDirectory, string target)
    {
        Directory.CreateDirectory(workDirectory);
        var config = Path.Combine(workDirectory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: pipeline
                static_configs:
                  - targets: ["{target}"]
            """);
        var port = FreePort.Next();
        var process = Process.Start(new ProcessStartInfo("prometheus",
            [$"--config.file={config}", $"--storage.tsdb.path={Path.Combine(workDirectory, "data")}", $"--web.listen-address=127.0.0.1:{port}"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        }) ?? throw new InvalidOperationException("prometheus did not start");
        var prometheus = new PrometheusProcess(process, $"http://127.0.0.1:{port}");
        process.ErrorDataReceived += (_, e) => prometheus.Add(e.Data);
        process.OutputDataReceived += (_, e) => prometheus.Add(e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        await FreePort.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(30),
            () => process.HasExited ? $"prometheus exited with {process.ExitCode}: {prometheus.Log}" : null);
        return prometheus;
    }

    /// <summary>The value of an instant query that yields one series, or null when it yields none yet.</summary>
    public async Task<double?> QueryAsync(string query)
    {
        try
        {
            using var document = JsonDocument.Parse(await _http.GetStringAsync($"{_url}/api/v1/query?query={Uri.EscapeDataString(query)}"));
            var result = document.RootElement.GetProperty("data").GetProperty("result");
            return result.GetArrayLength() == 0 ? null
                : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.Add(line);
            }
        }
    }
}
