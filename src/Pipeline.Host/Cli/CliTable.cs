namespace Pipeline.Host.Cli;

/// <summary>
/// A table for a person at a terminal: each column as wide as its widest cell, and at least its usual width, so a long
/// sensor id or health (<c>not judged: readings lack temperature</c>) moves the columns after it for every row instead
/// of pushing only its own row out of line. The last column is not padded.
/// </summary>
internal sealed class CliTable(params (string Header, int Width)[] columns)
{
    private readonly List<string[]> _rows = [];

    /// <summary>A row, one cell per column; a column of negative width is aligned left, of positive width right (as in <c>{x,-20}</c>).</summary>
    public void Add(params string[] cells)
    {
        if (cells.Length != columns.Length)
        {
            throw new ArgumentException($"a row of {cells.Length} cells for {columns.Length} columns", nameof(cells));
        }

        _rows.Add(cells);
    }

    public void Write(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var widths = columns.Select((c, i) => Math.Max(Math.Abs(c.Width), _rows.Select(r => r[i].Length).Append(c.Header.Length).Max())).ToArray();
        foreach (var row in _rows.Prepend([.. columns.Select(c => c.Header)]))
        {
            var cells = row.Select((cell, i) => i == row.Length - 1 ? cell : columns[i].Width < 0 ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i]));
            output.WriteLine(string.Join(' ', cells));
        }
    }
}
