namespace Pipeline.Tests.Support;

/// <summary>The repository this test run was built from (for the shipped model, the Node-RED flow, the projects).</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Pipeline.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new DirectoryNotFoundException($"no Pipeline.sln above {AppContext.BaseDirectory}");
    }
}
