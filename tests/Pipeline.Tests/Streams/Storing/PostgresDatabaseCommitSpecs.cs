using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Pipeline.Models.Alarms;
using Pipeline.Models.Telemetry;
using Pipeline.Streams.Storing;
using Pipeline.Streams.Storing.Postgres;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Storing;

/// <summary>
/// The connection breaks after the server took a write's COMMIT and before its answer got back: the node cannot tell
/// whether the write committed. It asks the server, and runs the write again only if it did not — so nothing is
/// journalled twice, and readings it stored are not taken for another node's on the second run.
/// </summary>
[Trait("Category", "Process")]
public sealed class PostgresDatabaseCommitSpecs(PostgresClusterFixture fixture) : IClassFixture<PostgresClusterFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly string _database = fixture.Cluster.CreateDatabase();
    private readonly TestLogger _log = new();

    [Fact]
    public async Task Should_journal_an_alarm_event_once_when_its_commit_went_unanswered()
    {
        using var relay = new CommitCuttingRelay(fixture.Cluster.Port);
        using var database = OpenThrough(relay);

        relay.CutAfterNextCommit();
        await new PostgresAlarmJournal(database).RecordAsync([Raised()], [], default).WaitAsync(Patience);

        Assert.Equal(1, relay.Cuts);
        Assert.Equal(1, Scalar("SELECT count(*) FROM alarm_events")); // before: 2, the second run journalled it again
        Assert.Contains(_log.At(LogLevel.Information), m => m.Contains("takes writes again", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Should_keep_a_reject_once_and_report_the_readings_it_stored_as_new_when_their_commit_went_unanswered()
    {
        using var relay = new CommitCuttingRelay(fixture.Cluster.Port);
        using var database = OpenThrough(relay);
        var readings = Enumerable.Range(1, 3).Select(seq => Telemetry.Reading("esp32-01", seq)).ToList();
        var reject = new RejectedMessage(DateTimeOffset.UtcNow, "pipeline/esp32-01/telemetry", RejectReason.NotJson, "not JSON", "{"u8.ToArray());

        relay.CutAfterNextCommit();
        var written = await new PostgresReadingStore(database).WriteAsync(readings, [reject], DateTimeOffset.UtcNow, default).WaitAsync(Patience);

        Assert.Equal(1, relay.Cuts);
        Assert.Equal(3, written.Inserted); // before: 0 new and 3 duplicates, so the sensors never judged them
        Assert.Equal(0, written.Duplicates);
        Assert.Equal(3, Scalar("SELECT count(*) FROM readings"));
        Assert.Equal(1, Scalar("SELECT count(*) FROM rejects")); // before: 2
    }

    [Fact]
    public async Task Should_write_again_once_the_server_ends_a_transaction_whose_commit_never_reached_it()
    {
        // The server's side of the connection stays open, idle in its transaction and holding the alarm's row: before,
        // the node's second run waited on that lock until TCP gave up, hours later. The server now ends such a
        // transaction (idle_in_transaction_session_timeout: the node's default 60 s, 2 s here), and the node, told it
        // did not commit, writes again.
        using var relay = new CommitCuttingRelay(fixture.Cluster.Port);
        using var database = OpenThrough(relay, ";Options=-c idle_in_transaction_session_timeout=2000");

        relay.LoseNextCommit();
        await new PostgresAlarmJournal(database).RecordAsync([Raised()], [], default).WaitAsync(Patience);

        Assert.Equal(1, relay.Cuts);
        Assert.Equal(1, Scalar("SELECT count(*) FROM alarm_events"));
        Assert.Equal("active-unacknowledged", Convert.ToString(fixture.Cluster.Scalar(_database, "SELECT state FROM alarms"), CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Should_name_the_server_process_to_end_when_a_lost_commit_stays_open()
    {
        // With the server's idle timeout turned off in the connection string, nothing ends the transaction: the writes
        // wait for it, as they must (it may have committed). Before, they waited without a word.
        using var relay = new CommitCuttingRelay(fixture.Cluster.Port);
        using var database = OpenThrough(relay, ";Options=-c idle_in_transaction_session_timeout=0");
        database.StillOpenWarningAfter = TimeSpan.FromSeconds(1);

        relay.LoseNextCommit();
        var recording = new PostgresAlarmJournal(database).RecordAsync([Raised()], [], default);
        await Eventually.HoldsAsync(() => StillOpenWarning() is not null, Patience, () => "no warning named the open transaction: " + string.Join(" | ", _log.At(LogLevel.Warning)));
        var process = Regex.Match(StillOpenWarning()!, @"pg_terminate_backend\((\d+)\)").Groups[1].Value;

        Assert.False(recording.IsCompleted);
        Assert.True(fixture.Cluster.Scalar(_database, $"SELECT pg_terminate_backend({process})") is true, $"no server process {process} to end"); // what the warning says to do
        await recording.WaitAsync(Patience);
        Assert.Equal(1, Scalar("SELECT count(*) FROM alarm_events"));
    }

    private static AlarmChange Raised() => new(
        Alarm.Normal("esp32-01", AlarmType.Anomaly) with { State = AlarmState.ActiveUnacknowledged, RaisedAt = 5, Count = 1, Message = "m" }, AlarmTransition.Raised, 5);

    private string? StillOpenWarning() => _log.At(LogLevel.Warning).FirstOrDefault(m => m.Contains("is still open", StringComparison.Ordinal));

    private PostgresDatabase OpenThrough(CommitCuttingRelay relay, string settings = "") => PostgresDatabase.Open(
        fixture.Cluster.ConnectionString(_database).Replace($"Port={fixture.Cluster.Port.ToString(CultureInfo.InvariantCulture)}", $"Port={relay.Port.ToString(CultureInfo.InvariantCulture)}", StringComparison.Ordinal) + settings,
        _log);

    private long Scalar(string sql) => Convert.ToInt64(fixture.Cluster.Scalar(_database, sql), CultureInfo.InvariantCulture);
}
