using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace MlOps.Sdk.Pipelines;

/// <summary>
/// A command-line entry point for a pipeline, so the program a developer runs by hand is the one a scheduler runs:
/// <c>trainer run --set Leaves=63 --variant west --env dev</c>, <c>trainer plan</c>, <c>trainer reproduce &lt;runId&gt;</c>,
/// <c>trainer variants</c>.
/// </summary>
/// <remarks>
/// Options: <c>--set key=value</c> (repeatable; keys of the pipeline's options, nested with <c>:</c>; they win over the
/// configuration and the variant), <c>--variant name</c>, <c>--force-from step</c>, <c>--up-to step</c>, <c>--no-cache</c>,
/// <c>--seed n</c>. <c>--env name</c> names the environment whose <c>appsettings.{name}.json</c> the program adds to
/// its configuration (read it with <see cref="EnvironmentName"/> before building the configuration).
/// </remarks>
/// <example>
/// <code>
/// var environment = PipelineCommandLine.EnvironmentName(args) ?? "development";
/// var configuration = new ConfigurationBuilder()
///     .AddJsonFile("appsettings.json", optional: true)
///     .AddJsonFile($"appsettings.{environment}.json", optional: true)
///     .AddEnvironmentVariables()
///     .Build();
/// return await PipelineCommandLine.RunAsync(MlOpsClient.CreateDefault(), pipeline, configuration, args);
/// </code>
/// </example>
public static class PipelineCommandLine
{
    private const string Usage = "usage: <program> [run|plan|reproduce <runId>|variants] [--set key=value]... [--variant name] [--env name] [--force-from step] [--up-to step] [--no-cache] [--seed n]";

    /// <summary>Reads <c>--env name</c> from the arguments.</summary>
    /// <param name="args">The command-line arguments.</param>
    /// <returns>The environment's name, or <see langword="null"/>.</returns>
    public static string? EnvironmentName(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        for (var i = 0; i + 1 < args.Count; i++)
        {
            if (args[i] == "--env")
            {
                return args[i + 1];
            }
        }

        return null;
    }

    /// <summary>Runs the command the arguments name, printing each step's outcome.</summary>
    /// <typeparam name="TOptions">The pipeline's options.</typeparam>
    /// <param name="client">The client.</param>
    /// <param name="pipeline">The pipeline.</param>
    /// <param name="configuration">The program's configuration; the options are bound from <c>Pipelines:{name}</c>.</param>
    /// <param name="args">The command-line arguments.</param>
    /// <param name="options">Where to print, and what to do after a run; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the run.</param>
    /// <returns>
    /// The exit code: 0 done; 1 a step, the store or <see cref="PipelineCommandLineOptions{TOptions}.AfterRun"/> failed (the
    /// pipeline's run may have completed: the message says what failed); 2 bad arguments or configuration (the reason is printed).
    /// </returns>
    public static async Task<int> RunAsync<TOptions>(MlOpsClient client, Pipeline<TOptions> pipeline, IConfiguration configuration, IReadOnlyList<string> args, PipelineCommandLineOptions<TOptions>? options = null, CancellationToken cancellationToken = default)
        where TOptions : class, new()
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(args);
        var output = options?.Output ?? Console.Out;
        Command command;
        IConfiguration resolved;
        TOptions? bound = null;
        try
        {
            command = Parse(args);
            if (command.Variant is { } named && !PipelineConfiguration.Variants(configuration, pipeline.Name).Contains(named, StringComparer.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"The pipeline '{pipeline.Name}' has no variant '{named}' in the configuration (variants: {string.Join(", ", PipelineConfiguration.Variants(configuration, pipeline.Name))}).", nameof(args));
            }

            var prefix = command.Variant is null ? $"{PipelineConfiguration.SectionName}:{pipeline.Name}" : $"{PipelineConfiguration.SectionName}:{pipeline.Name}:Variants:{command.Variant}";
            resolved = new ConfigurationBuilder()
                .AddConfiguration(configuration)
                .AddInMemoryCollection(command.Sets.Select(s => new KeyValuePair<string, string?>($"{prefix}:{s.Key}", s.Value)))
                .Build();
            if (command.Verb is "run" or "plan")
            {
                bound = PipelineConfiguration.Bind<TOptions>(resolved, pipeline.Name, command.Variant);
            }
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException or Microsoft.Extensions.Options.OptionsValidationException or InvalidOperationException)
        {
            await output.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            await output.WriteLineAsync(Usage).ConfigureAwait(false);
            return 2;
        }

        var runOptions = new PipelineRunOptions { ForceFrom = command.ForceFrom, UpTo = command.UpTo, UseCache = !command.NoCache, Variant = command.Variant };
        if (command.Seed is { } seed)
        {
            runOptions.Seed = seed;
        }

        try
        {
            switch (command.Verb)
            {
                case "variants":
                    foreach (var variant in PipelineConfiguration.Variants(resolved, pipeline.Name))
                    {
                        await output.WriteLineAsync(variant).ConfigureAwait(false);
                    }

                    return 0;

                case "plan":
                    await PrintAsync(output, await client.Pipelines.PlanAsync(pipeline, bound!, runOptions, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
                    return 0;

                case "reproduce":
                    var reproduction = await client.Pipelines.ReproduceAsync(pipeline, command.RunId!, cancellationToken: cancellationToken).ConfigureAwait(false);
                    foreach (var step in reproduction.Steps)
                    {
                        await output.WriteLineAsync($"{step.Name,-20} {(step.Identical ? "identical" : "differs")}").ConfigureAwait(false);
                    }

                    await output.WriteLineAsync(reproduction.ToString()).ConfigureAwait(false);
                    return 0;

                default:
                    var result = await client.Pipelines.RunAsync(pipeline, bound!, runOptions, cancellationToken).ConfigureAwait(false);
                    await PrintAsync(output, result).ConfigureAwait(false);
                    if (options?.AfterRun is { } afterRun && command.UpTo is null)
                    {
                        try
                        {
                            await afterRun(result, bound!, cancellationToken).ConfigureAwait(false);
                        }
                        catch (Exception ex) when (ex is not OperationCanceledException)
                        {
                            await output.WriteLineAsync($"failed after the run {result.RunId} completed: {ex.GetType().Name}: {ex.Message}").ConfigureAwait(false);
                            return 1;
                        }
                    }

                    return 0;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A step (or the store) failed: not the caller's arguments.
            await output.WriteLineAsync($"failed: {ex.GetType().Name}: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    private static async Task PrintAsync(TextWriter output, PipelineResult result)
    {
        foreach (var step in result.Steps)
        {
            await output.WriteLineAsync($"{step.Name,-20} {step.Status,-8} {step.Detail}").ConfigureAwait(false);
        }

        if (result.RunId is not null)
        {
            await output.WriteLineAsync($"run {result.RunId}").ConfigureAwait(false);
        }
    }

    private static Command Parse(IReadOnlyList<string> args)
    {
        var command = new Command();
        var i = 0;
        if (args.Count > 0 && !args[0].StartsWith("--", StringComparison.Ordinal))
        {
            command.Verb = args[0];
            i = 1;
            if (command.Verb is not ("run" or "plan" or "reproduce" or "variants"))
            {
                throw new ArgumentException($"Unknown command '{command.Verb}'.", nameof(args));
            }

            if (command.Verb == "reproduce")
            {
                command.RunId = i < args.Count ? args[i++] : throw new ArgumentException("reproduce needs the id of the run to reproduce.", nameof(args));
            }
        }

        for (; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.", nameof(args));
            switch (args[i])
            {
                case "--set":
                    var pair = Value();
                    var equals = pair.IndexOf('=', StringComparison.Ordinal);
                    if (equals <= 0)
                    {
                        throw new ArgumentException($"--set takes key=value, not '{pair}'.", nameof(args));
                    }

                    command.Sets.Add(new(pair[..equals], pair[(equals + 1)..]));
                    break;
                case "--variant":
                    command.Variant = Value();
                    break;
                case "--env":
                    _ = Value();
                    break;
                case "--force-from":
                    command.ForceFrom = Value();
                    break;
                case "--up-to":
                    command.UpTo = Value();
                    break;
                case "--seed":
                    command.Seed = int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture);
                    break;
                case "--no-cache":
                    command.NoCache = true;
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{args[i]}'.", nameof(args));
            }
        }

        return command;
    }

    private sealed class Command
    {
        public string Verb { get; set; } = "run";

        public string? RunId { get; set; }

        public List<KeyValuePair<string, string>> Sets { get; } = [];

        public string? Variant { get; set; }

        public string? ForceFrom { get; set; }

        public string? UpTo { get; set; }

        public int? Seed { get; set; }

        public bool NoCache { get; set; }
    }
}

/// <summary>What <see cref="PipelineCommandLine.RunAsync{TOptions}"/> does besides running the command.</summary>
/// <typeparam name="TOptions">The pipeline's options.</typeparam>
public sealed class PipelineCommandLineOptions<TOptions>
    where TOptions : class
{
    /// <summary>Gets or sets where to print; standard output when <see langword="null"/>.</summary>
    public TextWriter? Output { get; set; }

    /// <summary>
    /// Gets or sets what to do after a <c>run</c> of the whole pipeline succeeded (not after <c>--up-to</c>), with its
    /// result and the bound options (the variant's): register its model under the variant's own name, promote it. Its
    /// failure exits 1 with the reason.
    /// </summary>
    public Func<PipelineResult, TOptions, CancellationToken, Task>? AfterRun { get; set; }
}
