namespace Pipeline.Models.Sensors;

/// <summary>
/// Window-sized arrays kept for reuse across a node's sensors. A window is copied out of its sensor's ring buffer at
/// every stride — at stride 1, a kilobyte per reading, 8 % of what a steady node allocated (bench/README.md) — and is
/// no longer needed once its verdict is made: the sensor gives the array back then. Arrays of another length (another
/// model's windows) are dropped when met. Thread-safe: sensors run on any thread.
/// </summary>
public sealed class WindowArrays(int capacity = 1024)
{
    private readonly Stack<float[]> _free = new();
    private readonly Lock _gate = new();

    /// <summary>An array of <paramref name="length"/> values, reused when one is kept; its contents are not cleared.</summary>
    public float[] Rent(int length)
    {
        lock (_gate)
        {
            while (_free.TryPop(out var array))
            {
                if (array.Length == length)
                {
                    return array;
                }
            }
        }

        return new float[length];
    }

    /// <summary>Takes back an array no one reads or writes any more; kept while fewer than the capacity are.</summary>
    public void Return(float[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        lock (_gate)
        {
            if (_free.Count < capacity)
            {
                _free.Push(array);
            }
        }
    }
}
