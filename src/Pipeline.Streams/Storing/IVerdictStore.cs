using Pipeline.Models.Detection;

namespace Pipeline.Streams.Storing;

/// <summary>The <c>verdicts</c> table: one row per scored window, stored once even when its readings come again.</summary>
public interface IVerdictStore
{
    /// <summary>Writes verdicts in one transaction; returns how many were new.</summary>
    Task<int> WriteVerdictsAsync(IReadOnlyList<Verdict> verdicts, CancellationToken cancellation);

    /// <summary>
    /// Deletes verdicts on windows that ended before <paramref name="cutoff"/>, in chunks so that writers are not held up;
    /// as <see cref="IReadingStore.DeleteOlderThanAsync"/> for those stamped after <paramref name="now"/>.
    /// </summary>
    Task<long> DeleteOlderThanAsync(DateTimeOffset cutoff, DateTimeOffset now, CancellationToken cancellation);
}
