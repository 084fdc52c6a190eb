using Microsoft.ML;
using MlOps.Sdk.Pipelines;
using MlOps.Sdk.Retraining;

namespace MlOps.Sdk.Tests.Retraining;

/// <summary>
/// A small binary classification to retrain: a point's label is X &gt; 50; Z is noise. Versions of the dataset "points"
/// differ in how true their labels are (clean; noisy: they follow Z, so a model learns nothing of X; inverted), so a
/// challenger is better or worse than production on the clean holdout "points-holdout" for a known reason.
/// </summary>
internal static class RetrainingScenario
{
    public enum Labels
    {
        Clean,
        Noisy,
        Inverted,
    }

    public static Task<MlOps.Sdk.Data.DatasetVersion> RegisterPointsAsync(MlOpsClient client, Labels labels, int seed = 1, string name = "points")
        => client.Datasets.RegisterDataViewAsync(name, Points(labels, seed), new MLContext(seed: 1));

    public static Task<MlOps.Sdk.Data.DatasetVersion> RegisterHoldoutAsync(MlOpsClient client) => RegisterPointsAsync(client, Labels.Clean, seed: 99, name: "points-holdout");

    public static IDataView Points(Labels labels, int seed)
    {
        var random = new Random(seed);
        var rows = Enumerable.Range(0, 400).Select(_ =>
        {
            var x = (float)(random.NextDouble() * 100);
            var z = (float)(random.NextDouble() * 100);
            var label = labels switch
            {
                Labels.Noisy => z > 50,
                Labels.Inverted => x <= 50,
                _ => x > 50,
            };
            return new Point { X = x, Z = z, Label = label };
        }).ToList();
        return new MLContext(seed: 1).Data.LoadFromEnumerable(rows);
    }

    public static Pipeline<PointOptions> Pipeline() => MlOps.Sdk.Pipelines.Pipeline.Create<PointOptions>("points-model", p =>
    {
        var points = p.Dataset("points", o => o.Data);
        p.Step("train", [points], o => new { o.Iterations }, ctx => (ITransformer)ctx.ML.Transforms.Concatenate("Features", "X", "Z")
            .Append(ctx.ML.Transforms.NormalizeMinMax("Features"))
            .Append(ctx.ML.BinaryClassification.Trainers.SdcaLogisticRegression(labelColumnName: "Label", maximumNumberOfIterations: ctx.Parameters.Iterations))
            .Fit(ctx.Get(points)));
    });

    public static RetrainingPolicy<PointOptions> Policy(RolloutStrategy rollout = RolloutStrategy.Direct, double margin = 0.01)
    {
        var policy = new RetrainingPolicy<PointOptions>
        {
            ModelName = "points",
            Pipeline = Pipeline(),
            ModelStep = "train",
            Options = context => new PointOptions { Data = context.Dataset?.Uri ?? "datasets:/points@latest" },
            Holdout = "datasets:/points-holdout@latest",
            Evaluator = ModelEvaluator.BinaryClassification(),
            Rule = new PromotionRule { Metric = "auc", MinimumMargin = margin },
            Rollout = rollout,
        };
        policy.Guards.Add(new GuardRule { Metric = "log-loss", Direction = MetricDirection.Minimize, MaximumRegression = 0.05 });
        policy.Triggers.Add(RetrainingTrigger.OnNewDatasetVersion("points"));
        return policy;
    }

    public sealed class Point
    {
        public float X { get; set; }

        public float Z { get; set; }

        public bool Label { get; set; }
    }

    public sealed class PointOptions
    {
        public string Data { get; set; } = "datasets:/points@latest";

        public int Iterations { get; set; } = 20;
    }
}
