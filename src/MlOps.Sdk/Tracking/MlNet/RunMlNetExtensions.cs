using System.Collections;
using System.Diagnostics;
using System.Reflection;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace MlOps.Sdk.Tracking;

/// <summary>
/// ML.NET inside a run: fit the same estimator you would fit without one, and the run records the trainer, its options,
/// the rows and the fit time; log the evaluators' metrics objects as named metrics.
/// </summary>
/// <example>
/// <code>
/// await using var run = await client.Runs.StartAsync("flight-delays");
/// var model = run.Fit(pipeline, training);                          // same pipeline object as without a run
/// run.LogMetrics(mlContext.BinaryClassification.Evaluate(model.Transform(test)), "test.");
/// </code>
/// </example>
public static class RunMlNetExtensions
{
    /// <summary>
    /// Fits <paramref name="estimator"/> on <paramref name="data"/> and records, in the run: the trainer's name
    /// (parameter <c>trainer</c>) and the public fields of its options (parameters <c>trainer.{field}</c>, nested options
    /// as <c>trainer.{field}.{field}</c>), the number of rows (metric <c>{prefix}rows</c>) and the fit time in seconds
    /// (metric <c>{prefix}fit_seconds</c>).
    /// </summary>
    /// <typeparam name="TTransformer">The transformer the estimator makes.</typeparam>
    /// <param name="run">The run.</param>
    /// <param name="estimator">The estimator or pipeline, unchanged.</param>
    /// <param name="data">The training data.</param>
    /// <param name="prefix">Prepended to the metric names; default <c>training.</c>.</param>
    /// <returns>The fitted model, exactly what <c>estimator.Fit(data)</c> returns.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ParameterConflictException">The run already has different trainer parameters (one run, one model).</exception>
    /// <exception cref="RunNotActiveException">The run has ended.</exception>
    public static TTransformer Fit<TTransformer>(this Run run, IEstimator<TTransformer> estimator, IDataView data, string prefix = "training.")
        where TTransformer : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(estimator);
        ArgumentNullException.ThrowIfNull(data);
        run.LogParameters(DescribeEstimator(estimator));
        var rows = CountRows(data);
        var watch = Stopwatch.StartNew();
        var model = estimator.Fit(data);
        run.LogMetric(prefix + "fit_seconds", watch.Elapsed.TotalSeconds);
        run.LogMetric(prefix + "rows", rows);
        return model;
    }

    /// <summary>Records the trainer of an estimator and its options as parameters, without fitting.</summary>
    /// <param name="run">The run.</param>
    /// <param name="estimator">The estimator or pipeline.</param>
    /// <exception cref="ParameterConflictException">The run already has different trainer parameters.</exception>
    /// <exception cref="RunNotActiveException">The run has ended.</exception>
    public static void LogEstimator(this Run run, IEstimator<ITransformer> estimator)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(estimator);
        run.LogParameters(DescribeEstimator(estimator));
    }

    /// <summary>Records binary classification metrics (AUC, accuracy, F1, ..., and log-loss when calibrated) as named metrics.</summary>
    /// <param name="run">The run.</param>
    /// <param name="metrics">What <c>BinaryClassification.Evaluate</c> returned.</param>
    /// <param name="prefix">Prepended to every name, for example <c>test.</c>.</param>
    /// <param name="step">The step to record them at.</param>
    public static void LogMetrics(this Run run, BinaryClassificationMetrics metrics, string prefix = "", long step = 0) => LogObject(run, metrics, prefix, step);

    /// <summary>Records multiclass classification metrics (micro/macro accuracy, log-loss, top-k accuracy, per-class log-loss).</summary>
    /// <param name="run">The run.</param>
    /// <param name="metrics">What <c>MulticlassClassification.Evaluate</c> returned.</param>
    /// <param name="prefix">Prepended to every name.</param>
    /// <param name="step">The step to record them at.</param>
    public static void LogMetrics(this Run run, MulticlassClassificationMetrics metrics, string prefix = "", long step = 0) => LogObject(run, metrics, prefix, step);

    /// <summary>Records regression metrics (MAE, MSE, RMSE, R², loss).</summary>
    /// <param name="run">The run.</param>
    /// <param name="metrics">What <c>Regression.Evaluate</c> returned.</param>
    /// <param name="prefix">Prepended to every name.</param>
    /// <param name="step">The step to record them at.</param>
    public static void LogMetrics(this Run run, RegressionMetrics metrics, string prefix = "", long step = 0) => LogObject(run, metrics, prefix, step);

    /// <summary>Records ranking metrics (NDCG@k and DCG@k, one metric per k).</summary>
    /// <param name="run">The run.</param>
    /// <param name="metrics">What <c>Ranking.Evaluate</c> returned.</param>
    /// <param name="prefix">Prepended to every name.</param>
    /// <param name="step">The step to record them at.</param>
    public static void LogMetrics(this Run run, RankingMetrics metrics, string prefix = "", long step = 0) => LogObject(run, metrics, prefix, step);

    /// <summary>Records clustering metrics (NMI, average distance, Davies-Bouldin index).</summary>
    /// <param name="run">The run.</param>
    /// <param name="metrics">What <c>Clustering.Evaluate</c> returned.</param>
    /// <param name="prefix">Prepended to every name.</param>
    /// <param name="step">The step to record them at.</param>
    public static void LogMetrics(this Run run, ClusteringMetrics metrics, string prefix = "", long step = 0) => LogObject(run, metrics, prefix, step);

    /// <summary>Records anomaly detection metrics (AUC, detection rate at the false-positive count).</summary>
    /// <param name="run">The run.</param>
    /// <param name="metrics">What <c>AnomalyDetection.Evaluate</c> returned.</param>
    /// <param name="prefix">Prepended to every name.</param>
    /// <param name="step">The step to record them at.</param>
    public static void LogMetrics(this Run run, AnomalyDetectionMetrics metrics, string prefix = "", long step = 0) => LogObject(run, metrics, prefix, step);

    /// <summary>
    /// The parameters an estimator is described by: <c>trainer</c> (the trainer's type name, generic arguments dropped)
    /// and <c>trainer.{option}</c> for each public field of the options object the trainer was made with.
    /// </summary>
    internal static Dictionary<string, object?> DescribeEstimator(object estimator)
    {
        var parameters = new Dictionary<string, object?>(StringComparer.Ordinal);
        var trainer = FindTrainer(estimator);
        if (trainer is null)
        {
            parameters["estimator"] = TypeName(estimator.GetType());
            return parameters;
        }

        parameters["trainer"] = TypeName(trainer.GetType());
        if (FindOptions(trainer) is { } options)
        {
            AddFields(parameters, "trainer.", options, depth: 0);
        }

        return parameters;
    }

    /// <summary>The trainer of a pipeline: the estimator itself, or the last estimator of a chain, looked into recursively.</summary>
    private static object? FindTrainer(object estimator)
    {
        for (var current = estimator; current is not null;)
        {
            if (IsTrainer(current.GetType()))
            {
                return current;
            }

            // EstimatorChain<T> exposes it as a public field.
            var type = current.GetType();
            var next = type.GetField("LastEstimator", BindingFlags.Public | BindingFlags.Instance)?.GetValue(current)
                ?? type.GetProperty("LastEstimator", BindingFlags.Public | BindingFlags.Instance)?.GetValue(current);
            if (next is null || ReferenceEquals(next, current))
            {
                return null;
            }

            current = next;
        }

        return null;
    }

    private static bool IsTrainer(Type type)
        => type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ITrainerEstimator<,>));

    /// <summary>The options object a trainer keeps (of a type derived from ML.NET's <see cref="TrainerInputBase"/>), wherever in its hierarchy.</summary>
    private static object? FindOptions(object trainer)
    {
        for (var type = trainer.GetType(); type is not null && type != typeof(object); type = type.BaseType)
        {
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (typeof(TrainerInputBase).IsAssignableFrom(field.FieldType) || typeof(TrainerInputBase).IsAssignableFrom(field.GetValue(trainer)?.GetType()))
                {
                    return field.GetValue(trainer);
                }
            }
        }

        return null;
    }

    /// <summary>Adds the public fields and readable properties of an options object; nested options objects (a LightGBM booster) as <c>name.field</c>.</summary>
    private static void AddFields(Dictionary<string, object?> parameters, string prefix, object options, int depth)
    {
        var members = options.GetType().GetFields(BindingFlags.Public | BindingFlags.Instance)
            .Select(f => (f.Name, Read: (Func<object?>)(() => f.GetValue(options))))
            .Concat(options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.CanRead && p.GetIndexParameters().Length == 0 && p.GetMethod!.IsPublic)
                .Select(p => (p.Name, Read: (Func<object?>)(() => p.GetValue(options)))))
            .OrderBy(m => m.Name, StringComparer.Ordinal);
        foreach (var (memberName, read) in members)
        {
            object? value;
            try
            {
                value = read();
            }
            catch (TargetInvocationException)
            {
                continue;
            }

            var name = prefix + memberName;
            if (value is null || IsSimple(value.GetType()))
            {
                parameters[name] = value;
            }
            else if (depth < 2 && value is not IEnumerable && value.GetType().IsClass && !value.GetType().IsAssignableTo(typeof(Delegate)))
            {
                parameters[name] = TypeName(value.GetType());
                AddFields(parameters, name + ".", value, depth + 1);
            }
        }
    }

    private static bool IsSimple(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan);
    }

    private static string TypeName(Type type)
    {
        var name = type.Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        return tick < 0 ? name : name[..tick];
    }

    private static long CountRows(IDataView data)
    {
        if (data.GetRowCount() is { } known)
        {
            return (long)known;
        }

        long rows = 0;
        using var cursor = data.GetRowCursor([]);
        while (cursor.MoveNext())
        {
            rows++;
        }

        return rows;
    }

    /// <summary>Logs every public <see cref="double"/> property as a metric, and every list of doubles as <c>name@1</c>, <c>name@2</c>, ....</summary>
    private static void LogObject(Run run, object metrics, string prefix, long step)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(prefix);
        foreach (var property in metrics.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            var name = prefix + SnakeCase(property.Name);
            switch (property.GetValue(metrics))
            {
                case double value:
                    run.LogMetric(name, value, step);
                    break;
                case IReadOnlyList<double> values:
                    for (var i = 0; i < values.Count; i++)
                    {
                        run.LogMetric($"{name}@{i + 1}", values[i], step);
                    }

                    break;
            }
        }
    }

    /// <summary><c>AreaUnderRocCurve</c> → <c>area_under_roc_curve</c>; <c>RSquared</c> → <c>r_squared</c>; <c>F1Score</c> → <c>f1_score</c>.</summary>
    internal static string SnakeCase(string name)
    {
        var text = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1]))))
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(c));
        }

        return text.ToString();
    }
}
