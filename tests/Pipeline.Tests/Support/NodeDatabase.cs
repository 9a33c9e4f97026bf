using Microsoft.Data.Sqlite;

namespace Pipeline.Tests.Support;

/// <summary>Reads a node's SQLite file from outside, read-only, as an operator's sqlite3 would while the node runs.</summary>
public static class NodeDatabase
{
    /// <summary>The single value of <paramref name="sql"/>; 0 for a count when the node has not created the file yet.</summary>
    public static long Scalar(string path, string sql) => File.Exists(path) ? (long)Query(path, sql)! : 0;

    public static string Text(string path, string sql) => (string)Query(path, sql)!;

    /// <summary>The first column of every row of <paramref name="sql"/>; none when the node has not created the file yet.</summary>
    public static List<string> Strings(string path, string sql)
    {
        var values = new List<string>();
        if (!File.Exists(path))
        {
            return values;
        }

        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var rows = new SqliteCommand(sql, connection).ExecuteReader();
        while (rows.Read())
        {
            values.Add(rows.GetString(0));
        }

        return values;
    }

    private static object? Query(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = new SqliteCommand(sql, connection);
        return command.ExecuteScalar();
    }
}
