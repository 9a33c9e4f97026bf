using Pipeline.Models.Data;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Models.Data;

public sealed class SignalCsvSpecs : IDisposable
{
    private readonly TempDirectory _temp = new();

    private string Write(string name, string text)
    {
        var path = _temp.Combine(name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Should_read_an_unreadable_cell_as_a_reading_without_that_signal_and_say_where_it_was()
    {
        var path = Write("data.csv", "ts,flow,pressure,anomaly\n1000,10,2.5,0\n2000,11,,0\n3000,abc,2.7,1\n4000,12,2.8,1\n");

        var table = SignalCsv.ReadFile(path);

        Assert.Equal(4, table.Count);
        Assert.True(float.IsNaN(table.Rows[1][1]) && float.IsNaN(table.Rows[2][0]));
        Assert.Equal([$"{path}:3: '' in column 'pressure' is not a number", $"{path}:4: 'abc' in column 'flow' is not a number"], table.Problems);
        Assert.Equal(["flow"], table.ReadingAt(1, "s", 1, 2000).Values.Keys);
        Assert.Equal(["pressure"], table.ReadingAt(2, "s", 2, 3000).Values.Keys);
    }

    [Fact]
    public void Should_leave_rows_with_an_unreadable_cell_out_of_the_complete_rows_with_their_labels()
    {
        var table = SignalCsv.ReadFile(Write("data.csv", "ts,flow,anomaly\n1000,10,0\n2000,NaN,0\n3000,11,1\n"));

        var complete = table.CompleteRows();

        Assert.Equal([[10f], [11f]], complete.Rows);
        Assert.Equal([1000L, 3000L], complete.TimestampsMs);
        Assert.Equal([0, 1], complete.Labels!);
        Assert.Single(complete.Problems);
    }

    [Fact]
    public void Should_gather_the_problems_of_every_file_in_a_folder()
    {
        Directory.CreateDirectory(_temp.Combine("group"));
        File.WriteAllText(_temp.Combine("group", "0.csv"), "ts,flow\n1000,\n2000,1\n");
        File.WriteAllText(_temp.Combine("group", "1.csv"), "ts,flow\n1000,1\n2000,-\n");

        var table = SignalCsv.Read(_temp.Combine("group"));

        Assert.Equal(4, table.Count);
        Assert.Collection(table.Problems,
            p => Assert.StartsWith(_temp.Combine("group", "0.csv") + ":2:", p, StringComparison.Ordinal),
            p => Assert.StartsWith(_temp.Combine("group", "1.csv") + ":3:", p, StringComparison.Ordinal));
    }

    [Fact]
    public void Should_read_each_rows_sensor_from_its_sensor_column()
    {
        var table = SignalCsv.ReadFile(Write("fleet.csv", "ts,sensor,seq,flow,anomaly\n1000,esp32-01,1,10,0\n1000,esp32-02,1,20,0\n2000,esp32-01,2,11,0\n"));

        Assert.Equal(["flow"], table.Signals);
        Assert.Equal(["esp32-01", "esp32-02", "esp32-01"], table.Sensors!);
        Assert.Equal(["esp32-01", "esp32-02"], table.SensorIds);
        Assert.Null(SignalCsv.ReadFile(Write("one.csv", "ts,flow\n1000,10\n")).Sensors);
    }

    [Fact]
    public void Should_take_no_window_across_two_files_of_a_folder_nor_across_one_sensors_rows_in_two_files()
    {
        Directory.CreateDirectory(_temp.Combine("days"));
        File.WriteAllText(_temp.Combine("days", "1.csv"), "ts,flow\n1000,0\n2000,1\n3000,2\n");
        File.WriteAllText(_temp.Combine("days", "2.csv"), "ts,flow\n9000,3\n10000,4\n11000,5\n");
        Directory.CreateDirectory(_temp.Combine("fleet"));
        File.WriteAllText(_temp.Combine("fleet", "1.csv"), "ts,sensor,flow\n1000,a,0\n1000,b,10\n2000,a,1\n2000,b,11\n");
        File.WriteAllText(_temp.Combine("fleet", "2.csv"), "ts,sensor,flow\n3000,b,12\n3000,a,2\n4000,b,13\n4000,a,3\n");

        var days = SignalCsv.Read(_temp.Combine("days"));
        var fleet = SignalCsv.Read(_temp.Combine("fleet")).BySensor();

        Assert.Equal(6, days.Count);
        Assert.Equal([0f, 1f, 3f, 4f], FirstValues(days.Windows(2, 1, out _), 2)); // none of the first file's 2 and the second's 3
        Assert.Equal([0f, 1f, 2f, 3f, 10f, 11f, 12f, 13f], fleet.Rows.Select(r => r[0]));
        Assert.Equal([0f, 2f, 10f, 12f], FirstValues(fleet.Windows(2, 1, out _), 2)); // none of a's 1 and 2, nor b's 11 and 12
    }

    /// <summary>The first value of each flattened window of one signal.</summary>
    private static float[] FirstValues(float[] windows, int length) => [.. windows.Where((_, i) => i % length == 0)];

    [Fact]
    public void Should_refuse_a_header_that_names_a_signal_twice()
    {
        var path = Write("twice.csv", "ts,flow,pressure,flow\n1000,1,2,3\n");
        var skab = Write("skab.csv", "datetime;Pressure;pressure\n2020-01-01 00:00:00;1;2\n"); // SKAB's name and ours

        Assert.Equal($"{path}:1: the header names the signal 'flow' 2 times", Assert.Throws<InvalidDataException>(() => SignalCsv.ReadFile(path)).Message);
        Assert.Equal($"{skab}:1: the header names the signal 'pressure' 2 times", Assert.Throws<InvalidDataException>(() => SignalCsv.ReadFile(skab)).Message);
    }

    [Fact]
    public void Should_refuse_a_line_with_the_wrong_number_of_fields_naming_the_file_and_the_line()
    {
        var path = Write("data.csv", "ts,flow,pressure\n1000,10,2.5\n2000,11\n");

        var error = Assert.Throws<InvalidDataException>(() => SignalCsv.ReadFile(path));

        Assert.Equal($"{path}:3: 2 fields, the header has 3", error.Message);
    }

    [Theory]
    [InlineData("x")]
    [InlineData("")]
    [InlineData("NaN")]
    public void Should_refuse_a_label_it_cannot_read_naming_the_file_and_the_line(string cell)
    {
        // Read as 0, as it was, such a cell moved every figure computed against the labels without a word.
        var path = Write("data.csv", $"ts,flow,anomaly\n1000,10,0\n2000,11,{cell}\n");

        var error = Assert.Throws<InvalidDataException>(() => SignalCsv.ReadFile(path));

        Assert.Equal($"{path}:3: '{cell}' in column 'anomaly' is not a label (0 or 1)", error.Message);
    }

    public void Dispose() => _temp.Dispose();
}
