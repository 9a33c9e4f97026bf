using Pipeline.Host.Cli;

namespace Pipeline.Tests.Host.Cli;

public sealed class CliTableSpecs
{
    private static string Written(CliTable table)
    {
        using var output = new StringWriter { NewLine = "\n" };
        table.Write(output);
        return output.ToString();
    }

    [Fact]
    public void Should_write_cells_that_fit_at_the_columns_usual_widths_left_and_right_aligned()
    {
        var table = new CliTable(("SENSOR", -10), ("COUNT", 5), ("HEALTH", 0));
        table.Add("esp32-01", "7", "ok");

        Assert.Equal("SENSOR     COUNT HEALTH\nesp32-01       7 ok\n", Written(table));
    }

    [Fact]
    public void Should_widen_a_column_for_every_row_when_one_cell_is_longer_than_its_usual_width()
    {
        var table = new CliTable(("SENSOR", -10), ("HEALTH", -6), ("NODE", 0));
        table.Add("esp32-01", "ok", "a");
        table.Add("pump-house-2-outlet", "not judged: readings lack temperature", "a");

        Assert.Equal(
            """
            SENSOR              HEALTH                                NODE
            esp32-01            ok                                    a
            pump-house-2-outlet not judged: readings lack temperature a

            """.ReplaceLineEndings("\n"),
            Written(table));
    }
}
