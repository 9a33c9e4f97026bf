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
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            for (var i = 0; i < verdict.Signals.Length; i++)
            {
                json.WriteNumber(verdict.Signals[i], verdict.PerSignal[i]);
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
