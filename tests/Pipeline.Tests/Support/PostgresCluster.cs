using System.Globalization;
using Npgsql;

namespace Pipeline.Tests.Support;

/// <summary>
/// A private PostgreSQL cluster (Debian's <c>postgresql</c>, which test.sh installs) in a temp folder on a free loopback
/// port, trust authentication for the role <c>pipeline</c>, durability off (a test's data need not survive a power
/// cut). Run as the <c>postgres</c> user when the specs run as root: PostgreSQL refuses root.
/// </summary>
public sealed class PostgresCluster : IDisposable
{
    private readonly TempDirectory _folder = new("pipeline-pg");
    private readonly string _bin;

    public PostgresCluster()
    {
        _bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(v => Path.Combine(v, "bin")).Where(b => File.Exists(Path.Combine(b, "initdb"))).OrderDescending(StringComparer.Ordinal).FirstOrDefault()
              ?? throw new InvalidOperationException("no initdb under /usr/lib/postgresql/*/bin: install Debian's postgresql (test.sh does)")
            : throw new InvalidOperationException("no /usr/lib/postgresql: install Debian's postgresql (test.sh does)");
        Port = FreePort.Next();
        var data = _folder.Combine("data");
        if (Environment.UserName == "root")
        {
            Run("chown", "-R", "postgres:postgres", _folder.Path);
        }

        AsPostgres("initdb", "-D", data, "-A", "trust", "-U", "pipeline", "-E", "UTF8", "--no-sync");
        Start();
    }

    /// <summary>Starts the server (again, after <see cref="Stop"/>) on the same port, and waits until it takes connections.</summary>
    public void Start() =>
        AsPostgres("pg_ctl", "-D", _folder.Combine("data"), "-l", _folder.Combine("postgres.log"), "-w", "-t", "60", "-o",
            $"-p {Port.ToString(CultureInfo.InvariantCulture)} -k {_folder.Path} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off", "start");

    /// <summary>Stops the server as an administrator would (<c>pg_ctl stop -m fast</c>: open sessions are ended, 57P01).</summary>
    public void Stop() => AsPostgres("pg_ctl", "-D", _folder.Combine("data"), "-m", "fast", "-w", "stop");

    public int Port { get; }

    /// <summary>A new, empty database: one per spec, so that specs share the cluster and nothing else.</summary>
    public string CreateDatabase()
    {
        var name = "t" + Guid.NewGuid().ToString("N")[..16];
        using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        connection.Open();
        using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        create.ExecuteNonQuery();
        return name;
    }

    public string ConnectionString(string database) => $"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Username=pipeline;Database={database};Pooling=false";

    /// <summary>What <c>--store</c> takes.</summary>
    public string Uri(string database) => $"postgres://pipeline@127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/{database}";

    public object? Scalar(string database, string sql)
    {
        using var connection = new NpgsqlConnection(ConnectionString(database));
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteScalar();
    }

    public void Dispose()
    {
        try
        {
            AsPostgres("pg_ctl", "-D", _folder.Combine("data"), "-m", "immediate", "-w", "stop");
        }
        finally
        {
            _folder.Dispose();
        }
    }

    private void AsPostgres(string tool, params string[] arguments)
    {
        var program = Path.Combine(_bin, tool);
        if (Environment.UserName == "root")
        {
            Run("runuser", ["-u", "postgres", "--", program, .. arguments]);
        }
        else
        {
            Run(program, arguments);
        }
    }

    private static void Run(string program, params string[] arguments)
    {
        var (exitCode, output) = CommandLine.Run(program, arguments);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {exitCode}: {output}");
        }
    }
}
