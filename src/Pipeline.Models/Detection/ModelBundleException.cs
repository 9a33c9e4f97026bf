namespace Pipeline.Models.Detection;

/// <summary>A model bundle that cannot be used, with what is wrong and where.</summary>
public sealed class ModelBundleException(string message, Exception? inner = null) : Exception(message, inner);
