using Pipeline.Models.Data;

namespace Pipeline.Tests.Models.Data;

/// <summary>What training takes from a table: normal rows only, no window across what was left out, none across two sensors.</summary>
public sealed class SignalTableSpecs
{
    /// <summary>Rows 0..count-1 of one signal whose value is the row's number; labelled 1 where <paramref name="anomalous"/> says.</summary>
    private static SignalTable Numbered(int count, Func<int, bool>? anomalous = null) => new(
        ["flow"],
        [.. Enumerable.Range(0, count).Select(r => new[] { (float)r })],
        [.. Enumerable.Range(0, count).Select(r => r * 1000L)],
        [.. Enumerable.Range(0, count).Select(r => anomalous?.Invoke(r) == true ? 1 : 0)]);

    /// <summary>The first row of each window, read back from the values.</summary>
    private static int[] WindowStarts(SignalTable table, int length, int stride)
    {
        var values = table.Windows(length, stride, out var count);
        return [.. Enumerable.Range(0, count).Select(w => (int)values[w * length])];
    }

    [Fact]
    public void Should_leave_out_the_rows_labelled_anomalous_and_take_no_window_across_them()
    {
        var table = Numbered(20, r => r is >= 8 and < 11);

        var normal = table.NormalRows();

        Assert.Equal(17, normal.Count);
        Assert.All(normal.Labels!, label => Assert.Equal(0, label));
        Assert.DoesNotContain(normal.Rows, r => r[0] is >= 8 and < 11);
        Assert.Equal([0, 1, 2, 3, 11, 12, 13, 14, 15], WindowStarts(normal, 5, 1)); // 4..7 would reach past 7 into 11..
    }

    [Fact]
    public void Should_start_the_windows_again_after_each_gap_with_their_stride()
    {
        var table = Numbered(30, r => r is 10 or 11 or 22);

        var normal = table.NormalRows();

        Assert.Equal([0, 3, 6, 12, 15, 18, 23, 26], WindowStarts(normal, 4, 3));
        Assert.Equal([12, 15, 18], WindowStarts(normal.Slice(10, 10), 4, 3)); // a slice keeps its gaps
    }

    [Fact]
    public void Should_keep_the_gap_of_an_unreadable_row_when_a_later_filter_leaves_out_other_rows()
    {
        var table = Numbered(12, r => r == 2) with { Rows = [.. Enumerable.Range(0, 12).Select(r => new[] { r == 5 ? float.NaN : r })] };

        var normal = table.CompleteRows().NormalRows();

        Assert.Equal([6, 7, 8, 9], WindowStarts(normal, 3, 1)); // neither 3, 4, 6 nor 4, 6, 7: row 5 is still missing
    }

    [Fact]
    public void Should_group_several_sensors_rows_each_a_run_of_its_own_and_take_one_sensors_rows_without_gaps_between_them()
    {
        // Two pumps' rows of each second together (rows 0, 2, 4, ... are a's), as a hand-made export may hold them.
        var table = Numbered(20, r => r == 8) with { Sensors = [.. Enumerable.Range(0, 20).Select(r => r % 2 == 0 ? "a" : "b")] };

        var grouped = table.BySensor();
        var a = table.OfSensor("a");

        Assert.Equal(["a", "b"], table.SensorIds);
        Assert.Equal([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19], grouped.Rows.Select(r => (int)r[0]));
        Assert.Equal([0, 4, 8, 1, 5, 9], WindowStarts(grouped, 5, 2)); // no window holds a's 18 and b's 1
        Assert.Equal([0, 2, 4, 6, 8, 10, 12, 14, 16, 18], a.Rows.Select(r => (int)r[0]));
        Assert.Equal(["a"], a.SensorIds);
        Assert.Equal(table.RowsOf("a").Select(r => table.Labels![r]), a.Labels!);
        Assert.Equal([0, 4], WindowStarts(a, 7, 2)); // b's rows between are no gap
        Assert.Equal([0, 2, 10, 12, 14], WindowStarts(a.NormalRows(), 3, 1)); // its own are: 8 left out
    }

    [Fact]
    public void Should_be_the_same_table_grouped_when_it_names_one_sensor_or_none()
    {
        var table = Numbered(5);
        var one = table with { Sensors = ["a", "a", "a", "a", "a"] };

        Assert.Same(table, table.BySensor());
        Assert.Same(one, one.BySensor());
        Assert.Empty(table.SensorIds);
        Assert.Empty(table.RowsOf("a"));
    }

    [Fact]
    public void Should_take_the_rows_measured_in_a_time_range_with_a_gap_where_rows_were_left_out()
    {
        var table = Numbered(10) with { Sensors = [.. Enumerable.Range(0, 10).Select(r => r < 5 ? "a" : "b")] };

        var range = table.BySensor().MeasuredBetween(2000, 8000); // rows 2..7: a's 2..4, b's 5..7

        Assert.Equal([2, 3, 4, 5, 6, 7], range.Rows.Select(r => (int)r[0]));
        Assert.Equal(["a", "a", "a", "b", "b", "b"], range.Sensors!);
        Assert.Equal([2, 5], WindowStarts(range, 3, 1));
    }

    [Fact]
    public void Should_name_the_runs_of_anomalous_rows_by_their_first_and_last_row()
    {
        var table = Numbered(20, r => r is 0 or (>= 5 and <= 7) or 19);

        Assert.Equal([(0, 0), (5, 7), (19, 19)], table.AnomalousRuns());
        Assert.Empty((table with { Labels = null }).AnomalousRuns());
    }

    [Fact]
    public void Should_be_the_same_table_without_labels_or_without_an_anomalous_row()
    {
        var unlabelled = Numbered(10) with { Labels = null };
        var normal = Numbered(10);

        Assert.Same(unlabelled, unlabelled.NormalRows());
        Assert.Same(normal, normal.NormalRows());
        Assert.Equal([0, 2, 4, 6], WindowStarts(normal, 4, 2)); // no gap: every window, as before
    }
}
