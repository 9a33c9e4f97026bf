using Microsoft.Data.Sqlite;

namespace Pipeline.Streams.Storing.Sqlite;

/// <summary>
/// The schema, versioned with <c>PRAGMA user_version</c>: each migration runs once, in order, in a transaction.
/// Documented in docs/storage.md.
/// </summary>
internal static class SqliteSchema
{
    private static readonly string[] Migrations =
    [
        // 1: readings and rejects.
        """
        CREATE TABLE readings (
            id          INTEGER PRIMARY KEY,
            sensor_id   TEXT    NOT NULL,
            seq         INTEGER NOT NULL,
            ts          INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            flow        REAL,
            temperature REAL,
            pressure    REAL,
            current     REAL,
            extra       TEXT,
            UNIQUE (sensor_id, seq)
        );
        CREATE INDEX readings_ts ON readings (ts);
        CREATE TABLE rejects (
            id          INTEGER PRIMARY KEY,
            received_at INTEGER NOT NULL,
            topic       TEXT    NOT NULL,
            reason      TEXT    NOT NULL,
            detail      TEXT    NOT NULL,
            payload     BLOB    NOT NULL
        );
        CREATE INDEX rejects_received_at ON rejects (received_at);
        """,

        // 2: sensors — registrations (pipeline sensors add) and the latest status their actors reported.
        """
        CREATE TABLE sensors (
            sensor_id     TEXT PRIMARY KEY,
            registered_at INTEGER,
            display_name  TEXT,
            location      TEXT,
            limits        TEXT,
            last_seen     INTEGER,
            last_seq      INTEGER,
            window_fill   INTEGER,
            window_length INTEGER,
            health        TEXT,
            node          TEXT,
            duplicates    INTEGER NOT NULL DEFAULT 0,
            out_of_order  INTEGER NOT NULL DEFAULT 0,
            gaps          INTEGER NOT NULL DEFAULT 0,
            updated_at    INTEGER
        );
        """,

        // 3: verdicts — one per scored window, keyed by the window's last reading.
        """
        CREATE TABLE verdicts (
            id            INTEGER PRIMARY KEY,
            sensor_id     TEXT    NOT NULL,
            first_seq     INTEGER NOT NULL,
            last_seq      INTEGER NOT NULL,
            start_ts      INTEGER NOT NULL,
            end_ts        INTEGER NOT NULL,
            score         REAL    NOT NULL,
            per_signal    TEXT    NOT NULL,
            threshold     REAL    NOT NULL,
            anomalous     INTEGER NOT NULL,
            model_version TEXT    NOT NULL,
            stored_at     INTEGER NOT NULL,
            UNIQUE (sensor_id, last_seq)
        );
        CREATE INDEX verdicts_end_ts ON verdicts (end_ts);
        """,

        // 4: alarms (current state, one row per sensor and type) and their journal (one row per transition).
        """
        CREATE TABLE alarms (
            id              TEXT PRIMARY KEY,
            sensor_id       TEXT    NOT NULL,
            type            TEXT    NOT NULL,
            state           TEXT    NOT NULL,
            severity        TEXT    NOT NULL,
            raised_at       INTEGER,
            acknowledged_at INTEGER,
            cleared_at      INTEGER,
            last_at         INTEGER,
            count           INTEGER NOT NULL,
            peak_score      REAL    NOT NULL,
            cause_hint      TEXT,
            message         TEXT    NOT NULL,
            shelved_until   INTEGER,
            chattering      INTEGER NOT NULL
        );
        CREATE TABLE alarm_events (
            id          INTEGER PRIMARY KEY,
            alarm_id    TEXT    NOT NULL,
            sensor_id   TEXT    NOT NULL,
            type        TEXT    NOT NULL,
            transition  TEXT    NOT NULL,
            state       TEXT    NOT NULL,
            severity    TEXT    NOT NULL,
            peak_score  REAL    NOT NULL,
            cause_hint  TEXT,
            message     TEXT    NOT NULL,
            at          INTEGER NOT NULL
        );
        CREATE INDEX alarm_events_at ON alarm_events (at);
        """,

        // 5: each sensor's own calibration of a model (its learning period's result), and which verdicts were learning.
        """
        CREATE TABLE sensor_calibrations (
            sensor_id     TEXT    NOT NULL,
            model_version TEXT    NOT NULL,
            mean          TEXT    NOT NULL,
            std           TEXT    NOT NULL,
            threshold     REAL    NOT NULL,
            per_signal    TEXT    NOT NULL,
            readings      INTEGER NOT NULL,
            calibrated_at INTEGER NOT NULL,
            PRIMARY KEY (sensor_id, model_version)
        );
        ALTER TABLE verdicts ADD COLUMN learning INTEGER NOT NULL DEFAULT 0;
        """,

        // 6: alarm types, states, severities and transitions as the contract spells them (active-unacknowledged, not
        // ActiveUnacknowledged): the CLI, MQTT and the store say the same thing.
        """
        UPDATE alarms SET type = lower(type), severity = lower(severity), state = CASE state
            WHEN 'ActiveUnacknowledged' THEN 'active-unacknowledged' WHEN 'ActiveAcknowledged' THEN 'active-acknowledged'
            WHEN 'ClearedUnacknowledged' THEN 'cleared-unacknowledged' WHEN 'Normal' THEN 'closed' ELSE state END;
        UPDATE alarm_events SET type = lower(type), severity = lower(severity), transition = lower(transition), state = CASE state
            WHEN 'ActiveUnacknowledged' THEN 'active-unacknowledged' WHEN 'ActiveAcknowledged' THEN 'active-acknowledged'
            WHEN 'ClearedUnacknowledged' THEN 'cleared-unacknowledged' WHEN 'Normal' THEN 'closed' ELSE state END;
        CREATE INDEX alarms_sensor ON alarms (sensor_id);
        """,

        // 7: one detector (#14): a calibration is the sensor's scaler and its window residuals' centre and spread, with a
        // threshold on their largest deviation; calibrations of the earlier rule mean nothing to it and are dropped (the
        // sensors learn again). A health alarm keeps the signal that raised it; a verdict, whether the anomaly alarm
        // was active after it.
        """
        DROP TABLE sensor_calibrations;
        CREATE TABLE sensor_calibrations (
            sensor_id       TEXT    NOT NULL,
            model_version   TEXT    NOT NULL,
            mean            TEXT    NOT NULL,
            std             TEXT    NOT NULL,
            residual_centre TEXT    NOT NULL,
            residual_spread TEXT    NOT NULL,
            threshold       REAL    NOT NULL,
            readings        INTEGER NOT NULL,
            calibrated_at   INTEGER NOT NULL,
            PRIMARY KEY (sensor_id, model_version)
        );
        ALTER TABLE alarms ADD COLUMN signal TEXT;
        ALTER TABLE verdicts ADD COLUMN alarm INTEGER NOT NULL DEFAULT 0;
        """,

        // 8: the level watch (#14): a calibration of a model of one operating point keeps what its steady signals'
        // levels normally do ('[]': none — a calibration from before, which goes on without the watch until the sensor
        // is recommissioned).
        """
        ALTER TABLE sensor_calibrations ADD COLUMN level_mean TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE sensor_calibrations ADD COLUMN level_spread TEXT NOT NULL DEFAULT '[]';
        """,

        // 9: no time indexes on the rows every reading makes (#17). Each was one more page for every commit to write;
        // retention deletes those rows in insertion order instead (SqliteDatabase.DeleteOlderThanAsync).
        """
        DROP INDEX IF EXISTS readings_ts;
        DROP INDEX IF EXISTS verdicts_end_ts;
        """,

        // 10: the nodes that write sensors' status, each seen every few seconds while it runs and marked when it stops:
        // 'pipeline sensors list' tells a sensor's health now from what a node no longer running last wrote.
        """
        CREATE TABLE nodes (
            node       TEXT    PRIMARY KEY,
            seen_at    INTEGER NOT NULL,
            stopped_at INTEGER
        );
        """,
    ];

    public static int Version => Migrations.Length;

    public static void Migrate(SqliteConnection connection)
    {
        using var read = connection.CreateCommand();
        read.CommandText = "PRAGMA user_version";
        var current = Convert.ToInt32(read.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (current > Migrations.Length)
        {
            throw new InvalidDataException(
                $"The database is at schema version {current}, newer than this Pipeline understands ({Migrations.Length}); upgrade Pipeline.");
        }

        for (var version = current + 1; version <= Migrations.Length; version++)
        {
            using var transaction = connection.BeginTransaction();
            using var migrate = connection.CreateCommand();
            migrate.Transaction = transaction;
            migrate.CommandText = Migrations[version - 1] + $"\nPRAGMA user_version = {version};";
            migrate.ExecuteNonQuery();
            transaction.Commit();
        }
    }
}
