using System.Globalization;
using Pipeline.Streams.Storing;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Storing;

/// <summary>One private PostgreSQL cluster for the provider's specs; each spec gets its own database in it.</summary>
public sealed class PostgresClusterFixture : IDisposable
{
    public PostgresCluster Cluster { get; } = new();

    public void Dispose() => Cluster.Dispose();
}

/// <summary>The store specs on a real PostgreSQL (#19), and what is its own: the URI <c>--store</c> takes, the schema once.</summary>
[Trait("Category", "Process")]
public sealed class PostgresStoreSpecs(PostgresClusterFixture fixture) : StoreSpecs, IClassFixture<PostgresClusterFixture>
{
    private readonly string _database = fixture.Cluster.CreateDatabase();

    protected override PipelineStore Open() => PipelineStore.Open(new StoreOptions { Path = fixture.Cluster.Uri(_database) });

    protected override long Scalar(string sql) => Convert.ToInt64(fixture.Cluster.Scalar(_database, sql), CultureInfo.InvariantCulture);

    protected override string Text(string sql) => Convert.ToString(fixture.Cluster.Scalar(_database, sql), CultureInfo.InvariantCulture) ?? string.Empty;

    public override void Dispose()
    {
    }

    [Fact]
    public void Should_bring_the_schema_up_to_date_once_and_name_the_server_never_the_password()
    {
        var options = new StoreOptions { Provider = StoreOptions.Postgres, ConnectionString = fixture.Cluster.ConnectionString(_database) + ";Password=secret" };
        using (var first = PipelineStore.Open(options))
        using (var second = PipelineStore.Open(options))
        {
            Assert.Equal($"postgres://127.0.0.1:{fixture.Cluster.Port}/{_database}", second.Description);
        }

        Assert.Equal(Pipeline.Streams.Storing.Postgres.PostgresSchema.Version, Scalar("SELECT count(*) FROM pipeline_schema")); // each migration once
        Assert.Equal(7, Scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('readings', 'rejects', 'sensors', 'verdicts', 'alarms', 'alarm_events', 'sensor_calibrations')"));
    }

    [Fact]
    public void Should_take_a_postgres_uri_as_an_npgsql_connection_string()
    {
        var connection = Pipeline.Streams.Storing.Postgres.PostgresDatabase.ConnectionString("postgres://node%40site:p%3Ass@db.local:6543/pipeline?Timeout=7");

        Assert.Equal("Host=db.local;Port=6543;Database=pipeline;Username=node@site;Password=p:ss;Timeout=7", connection);
        Assert.Equal("Host=x;Database=y", Pipeline.Streams.Storing.Postgres.PostgresDatabase.ConnectionString("Host=x;Database=y"));
    }

    [Fact]
    public void Should_refuse_a_provider_it_does_not_know_and_a_postgres_store_without_a_connection()
    {
        Assert.Contains("Pipeline:Store:Provider is 'mysql'; it must be sqlite or postgres", new StoreOptions { Provider = "mysql" }.Problems("Pipeline:Store"));
        Assert.Contains(new StoreOptions { Provider = "postgres" }.Problems("Pipeline:Store"), p => p.StartsWith("Pipeline:Store:Provider is postgres: set", StringComparison.Ordinal));
        Assert.Empty(new StoreOptions { Path = "postgres://pipeline@127.0.0.1/x" }.Problems("Pipeline:Store"));
    }
}
