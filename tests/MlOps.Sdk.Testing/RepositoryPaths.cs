namespace MlOps.Sdk.Testing;

/// <summary>Finds the repository's folders from wherever a test or benchmark binary runs.</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>Gets the repository root: the folder holding MlOps.Sdk.sln.</summary>
    public static string Root => RootPath.Value;

    /// <summary>Gets the npm folder under build/ that holds Azurite and the data packages.</summary>
    public static string NodeModules => Path.Combine(Root, "build", "node_modules");

    /// <summary>Gets the folder of the vega-datasets package's data files.</summary>
    public static string VegaData => Path.Combine(NodeModules, "vega-datasets", "data");

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "MlOps.Sdk.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No MlOps.Sdk.sln above '{AppContext.BaseDirectory}'.");
    }
}
