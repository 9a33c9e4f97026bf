namespace Pipeline.Tests.Support;

/// <summary>The .NET installation running these specs, for sandboxes that must mount it where a service user can see it.</summary>
public static class DotnetInstall
{
    /// <summary>The folder of the <c>dotnet</c> host on PATH, symbolic links resolved.</summary>
    public static string Root => Path.GetDirectoryName(
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':')
            .Select(folder => new FileInfo(Path.Combine(folder, "dotnet")))
            .Where(file => file.Exists)
            .Select(file => file.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? file.FullName)
            .First())!;
}
