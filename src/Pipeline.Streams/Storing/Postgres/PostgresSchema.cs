using Npgsql;

namespace Pipeline.Streams.Storing.Postgres;

/// <summary>
/// The same tables and names as SQLite's (docs/storage.md), in PostgreSQL's types: integers that hold milliseconds or
/// sequences are <c>bigint</c>, reals <c>double precision</c>, payloads <c>bytea</c>. Versioned in
/// <c>pipeline_schema</c>; each migration runs once, in order, in a transaction holding an advisory lock.
/// </summary>
internal static class PostgresSchema
{
    /// <summary>Any constant: the advisory lock that serialises nodes migrating at once.</summary>
    private const long MigrationLock = 0x5049_5045_4C49_4E45; // "PIPELINE"

    private static readonly string[] Migrations =
    [
        // 1: everything SQLite's seven migrations arrived at.
        """
        CREATE TABLE readings (
            id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            sensor_id   text   NOT NULL,
            seq         bigint NOT NULL,
            ts          bigint NOT NULL,
            received_at bigint NOT NULL,
            flow        double precision,
            temperature double precision,
            pressure    double precision,
            current     double precision,
            extra       text,
            UNIQUE (sensor_id, seq)
        );
        CREATE INDEX readings_ts ON readings (ts);
        CREATE TABLE rejects (
            id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            received_at bigint NOT NULL,
            topic       text   NOT NULL,
            reason      text   NOT NULL,
            detail      text   NOT NULL,
            payload     bytea  NOT NULL
        );
        CREATE INDEX rejects_received_at ON rejects (received_at);
        CREATE TABLE sensors (
            sensor_id     text PRIMARY KEY,
            registered_at bigint,
            display_name  text,
            location      text,
            limits        text,
            last_seen     bigint,
            last_seq      bigint,
            window_fill   integer,
            window_length integer,
            health        text,
            node          text,
            duplicates    bigint NOT NULL DEFAULT 0,
            out_of_order  bigint NOT NULL DEFAULT 0,
            gaps          bigint NOT NULL DEFAULT 0,
            updated_at    bigint
        );
        CREATE TABLE verdicts (
            id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            sensor_id     text    NOT NULL,
            first_seq     bigint  NOT NULL,
            last_seq      bigint  NOT NULL,
            start_ts      bigint  NOT NULL,
            end_ts        bigint  NOT NULL,
            score         double precision NOT NULL,
            per_signal    text    NOT NULL,
            threshold     double precision NOT NULL,
            anomalous     bigint  NOT NULL,
            model_version text    NOT NULL,
            stored_at     bigint  NOT NULL,
            learning      bigint  NOT NULL DEFAULT 0,
            alarm         bigint  NOT NULL DEFAULT 0,
            UNIQUE (sensor_id, last_seq)
        );
        CREATE INDEX verdicts_end_ts ON verdicts (end_ts);
        CREATE TABLE alarms (
            id              text PRIMARY KEY,
            sensor_id       text    NOT NULL,
            type            text    NOT NULL,
            state           text    NOT NULL,
            severity        text    NOT NULL,
            raised_at       bigint,
            acknowledged_at bigint,
            cleared_at      bigint,
            last_at         bigint,
            count           integer NOT NULL,
            peak_score      double precision NOT NULL,
            cause_hint      text,
            message         text    NOT NULL,
            shelved_until   bigint,
            chattering      bigint  NOT NULL,
            signal          text
        );
        CREATE INDEX alarms_sensor ON alarms (sensor_id);
        CREATE TABLE alarm_events (
            id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            alarm_id    text   NOT NULL,
            sensor_id   text   NOT NULL,
            type        text   NOT NULL,
            transition  text   NOT NULL,
            state       text   NOT NULL,
            severity    text   NOT NULL,
            peak_score  double precision NOT NULL,
            cause_hint  text,
            message     text   NOT NULL,
            at          bigint NOT NULL
        );
        CREATE INDEX alarm_events_at ON alarm_events (at);
        CREATE TABLE sensor_calibrations (
            sensor_id       text    NOT NULL,
            model_version   text    NOT NULL,
            mean            text    NOT NULL,
            std             text    NOT NULL,
            residual_centre text    NOT NULL,
            residual_spread text    NOT NULL,
            threshold       double precision NOT NULL,
            readings        integer NOT NULL,
            calibrated_at   bigint  NOT NULL,
            PRIMARY KEY (sensor_id, model_version)
        );
        """,

        // 2: as SQLite's 8 — the level watch's baseline beside a calibration ('[]': none).
        """
        ALTER TABLE sensor_calibrations ADD COLUMN level_mean text NOT NULL DEFAULT '[]';
        ALTER TABLE sensor_calibrations ADD COLUMN level_spread text NOT NULL DEFAULT '[]';
        """,

        // 3: as SQLite's 10 — the nodes that write sensors' status, seen while they run and marked when they stop.
        """
        CREATE TABLE nodes (
            node       text   PRIMARY KEY,
            seen_at    bigint NOT NULL,
            stopped_at bigint
        );
        """,
    ];

    public static int Version => Migrations.Length;

    public static void Migrate(NpgsqlConnection connection)
    {
        using var transaction = connection.BeginTransaction();
        using (var lockIt = new NpgsqlCommand(
            $"SELECT pg_advisory_xact_lock({MigrationLock}); CREATE TABLE IF NOT EXISTS pipeline_schema (version integer NOT NULL)", connection, transaction))
        {
            lockIt.ExecuteNonQuery();
        }

        int current;
        using (var read = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM pipeline_schema", connection, transaction))
        {
            current = Convert.ToInt32(read.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }

        if (current > Migrations.Length)
        {
            throw new InvalidDataException(
                $"The database is at schema version {current}, newer than this Pipeline understands ({Migrations.Length}); upgrade Pipeline.");
        }

        for (var version = current + 1; version <= Migrations.Length; version++)
        {
            using var migrate = new NpgsqlCommand(Migrations[version - 1] + $"\nINSERT INTO pipeline_schema (version) VALUES ({version});", connection, transaction);
            migrate.ExecuteNonQuery();
        }

        transaction.Commit();
    }
}
