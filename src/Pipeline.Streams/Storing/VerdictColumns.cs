using System.Buffers;
using System.Text;
using System.Text.Json;
using Pipeline.Models.Detection;

namespace Pipeline.Streams.Storing;

/// <summary>How a verdict maps to the <c>verdicts</c> table in every provider.</summary>
internal static class VerdictColumns
{
    /// <summary>Each signal's score as a JSON object, in the model's signal order.</summary>
    public static string PerSignalJson(Verdict verdict)
    {
        using var writer = new PerSignalWriter();
        return Encoding.UTF8.GetString(writer.Utf8(verdict));
    }

    /// <summary>Writes <see cref="PerSignalJson"/> as UTF-8 into one buffer, reused from verdict to verdict.</summary>
    public sealed class PerSignalWriter : IDisposable
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(512); // four signals' scores take about 130 bytes
        private readonly Utf8JsonWriter _json;

        public PerSignalWriter() => _json = new Utf8JsonWriter(_buffer);

        /// <summary>The verdict's JSON; valid until the next call.</summary>
        public ReadOnlySpan<byte> Utf8(Verdict verdict)
        {
            ArgumentNullException.ThrowIfNull(verdict);
            _buffer.ResetWrittenCount();
            _json.Reset(_buffer);
            _json.WriteStartObject();
            for (var i = 0; i < verdict.Signals.Length; i++)
            {
                _json.WriteNumber(verdict.Signals[i], verdict.PerSignal[i]);
            }

            _json.WriteEndObject();
            _json.Flush();
            return _buffer.WrittenSpan;
        }

        public void Dispose() => _json.Dispose();
    }
}
