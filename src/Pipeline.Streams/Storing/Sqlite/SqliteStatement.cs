using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Pipeline.Streams.Storing.Sqlite;

/// <summary>
/// One statement prepared on the writer connection and run through SQLite's own API, inside the caller's transaction;
/// the database keeps the ones every reading runs (<see cref="SqliteDatabase.Prepared"/>: the inserts, BEGIN and
/// COMMIT), so none is prepared again per write. Binding a value this way allocates nothing; <see cref="SqliteCommand"/>
/// allocates a binder per parameter per row, boxes every number and converts every string to UTF-8 — about 2 KB per
/// reading stored, a sixth of what the node allocated per reading (#17, bench/README.md). Parameters are numbered from
/// 1 in the order they appear in the SQL; every run binds all of them again.
/// </summary>
internal sealed class SqliteStatement : IDisposable
{
    private readonly sqlite3 _database;
    private readonly sqlite3_stmt _statement;

    public SqliteStatement(SqliteConnection connection, string sql)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _database = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
        var prepared = raw.sqlite3_prepare_v2(_database, sql, out _statement);
        if (prepared != raw.SQLITE_OK)
        {
            _statement.Dispose();
            SqliteException.ThrowExceptionForRC(prepared, _database);
        }
    }

    public void Integer(int parameter, long value) => Check(raw.sqlite3_bind_int64(_statement, parameter, value));

    public void Real(int parameter, double value) => Check(raw.sqlite3_bind_double(_statement, parameter, value));

    /// <summary>Binds the string as it is (UTF-16; SQLite stores it in the file's encoding), or null.</summary>
    public void Text(int parameter, string? value) =>
        Check(value is null ? raw.sqlite3_bind_null(_statement, parameter) : raw.sqlite3_bind_text16(_statement, parameter, value.AsSpan()));

    /// <summary>Binds UTF-8 text.</summary>
    public void Text(int parameter, ReadOnlySpan<byte> utf8) => Check(raw.sqlite3_bind_text(_statement, parameter, utf8));

    public void Null(int parameter) => Check(raw.sqlite3_bind_null(_statement, parameter));

    /// <summary>Runs the statement with the values bound; returns the rows it inserted (0 when a conflict skipped it).</summary>
    public int Run()
    {
        var step = raw.sqlite3_step(_statement);
        raw.sqlite3_reset(_statement);
        if (step != raw.SQLITE_DONE)
        {
            SqliteException.ThrowExceptionForRC(step, _database);
        }

        return raw.sqlite3_changes(_database);
    }

    /// <summary>Runs a query with the values bound; the first column of its first row as an integer, or null when it has no row.</summary>
    public long? Scalar()
    {
        try
        {
            var step = raw.sqlite3_step(_statement);
            if (step == raw.SQLITE_ROW)
            {
                return raw.sqlite3_column_int64(_statement, 0);
            }

            if (step != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(step, _database);
            }

            return null;
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    public void Dispose() => _statement.Dispose();

    /// <summary>A failure as Microsoft.Data.Sqlite reports it, so callers (busy, full disk) see the same exception.</summary>
    private void Check(int result)
    {
        if (result != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(result, _database);
        }
    }
}
