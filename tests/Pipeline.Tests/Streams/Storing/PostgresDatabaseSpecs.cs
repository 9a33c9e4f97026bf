using System.Net.Sockets;
using Npgsql;
using Pipeline.Streams.Storing.Postgres;

namespace Pipeline.Tests.Streams.Storing;

/// <summary>Which errors of a PostgreSQL write the node waits out, and which are about the write itself.</summary>
public sealed class PostgresDatabaseSpecs
{
    [Theory]
    [InlineData("57P01", "terminating connection due to administrator command")] // pg_ctl stop -m fast, a restart
    [InlineData("57P03", "the database system is starting up")]
    [InlineData("08006", "connection failure")]
    [InlineData("53300", "sorry, too many clients already")]
    [InlineData("53100", "could not extend file: No space left on device")]
    public void Should_wait_out_a_server_that_cannot_take_writes_for_now(string state, string message)
    {
        var reason = PostgresDatabase.Unavailable(new PostgresException(message, "FATAL", "FATAL", state));

        Assert.Equal($"{state}: {message}", reason);
    }

    [Theory]
    [InlineData("23505", "duplicate key value violates unique constraint")]
    [InlineData("42P01", "relation \"readings\" does not exist")]
    [InlineData("28P01", "password authentication failed for user \"pipeline\"")]
    public void Should_not_wait_out_an_error_about_the_write_itself_or_its_credentials(string state, string message)
    {
        Assert.Null(PostgresDatabase.Unavailable(new PostgresException(message, "ERROR", "ERROR", state)));
    }

    [Fact]
    public void Should_name_the_connections_own_failure_with_its_cause()
    {
        var refused = new NpgsqlException("Failed to connect to 127.0.0.1:5432", new SocketException((int)SocketError.ConnectionRefused));

        Assert.Equal($"Failed to connect to 127.0.0.1:5432 ({new SocketException((int)SocketError.ConnectionRefused).Message})", PostgresDatabase.Unavailable(refused));
    }

    [Fact]
    public void Should_have_the_server_end_a_transaction_left_idle_unless_the_connection_string_says_otherwise()
    {
        Assert.Equal("-c idle_in_transaction_session_timeout=60000", PostgresDatabase.Settings("Host=db;Database=pipeline").Options);
        Assert.Equal("-c search_path=pipeline -c idle_in_transaction_session_timeout=60000", PostgresDatabase.Settings("Host=db;Options=-c search_path=pipeline").Options);
        Assert.Equal("-c idle_in_transaction_session_timeout=5000", PostgresDatabase.Settings("Host=db;Options=-c idle_in_transaction_session_timeout=5000").Options);
    }
}
