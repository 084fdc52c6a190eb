using Microsoft.ML;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using MlOps.Sdk.Models;

namespace MlOps.Sdk.Tests.Pipelines;

/// <summary>
/// Which ML.NET trainers give byte-identical models when trained twice with the same seed (in fresh contexts, saved
/// by <see cref="ModelSerializer"/>): the list docs/pipelines.md gives for reproductions.
/// </summary>
public sealed class TrainerReproducibilityTests
{
    private static IEnumerable<TestCaseData> Trainers()
    {
        yield return new TestCaseData((Func<MLContext, IEstimator<ITransformer>>)(ml => ml.BinaryClassification.Trainers.SdcaLogisticRegression(new SdcaLogisticRegressionBinaryTrainer.Options { NumberOfThreads = 1 }))).SetArgDisplayNames("SdcaLogisticRegression, 1 thread");
        yield return new TestCaseData((Func<MLContext, IEstimator<ITransformer>>)(ml => ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options { NumberOfThreads = 1 }))).SetArgDisplayNames("LbfgsLogisticRegression, 1 thread");
        yield return new TestCaseData((Func<MLContext, IEstimator<ITransformer>>)(ml => ml.BinaryClassification.Trainers.AveragedPerceptron())).SetArgDisplayNames("AveragedPerceptron");
        yield return new TestCaseData((Func<MLContext, IEstimator<ITransformer>>)(ml => ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options { NumberOfThreads = 1, NumberOfTrees = 20 }))).SetArgDisplayNames("FastTree, 1 thread");
        yield return new TestCaseData((Func<MLContext, IEstimator<ITransformer>>)(ml => ml.BinaryClassification.Trainers.FastForest(new FastForestBinaryTrainer.Options { NumberOfThreads = 1, NumberOfTrees = 20 }))).SetArgDisplayNames("FastForest, 1 thread");
        yield return new TestCaseData((Func<MLContext, IEstimator<ITransformer>>)(ml => ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options { NumberOfThreads = 1, NumberOfIterations = 20, Seed = 7 }))).SetArgDisplayNames("LightGbm, 1 thread, seed");
    }

    [TestCaseSource(nameof(Trainers))]
    public void Train_TwiceWithTheSameSeed_GivesByteIdenticalModels(Func<MLContext, IEstimator<ITransformer>> trainer)
    {
        var first = Train(trainer);
        var second = Train(trainer);

        Assert.That(second, Is.EqualTo(first));
    }

    private static byte[] Train(Func<MLContext, IEstimator<ITransformer>> trainer)
    {
        var ml = new MLContext(seed: 42);
        var rows = Enumerable.Range(0, 400).Select(i => new Row { A = i % 17, B = (i * 7) % 23, Label = (i % 17) + ((i * 7) % 23) > 20 }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.Concatenate("Features", "A", "B").Append(ml.Transforms.NormalizeMinMax("Features")).Append(trainer(ml)).Fit(data);
        using var stream = new MemoryStream();
        ModelSerializer.Save(ml, model, data.Schema, stream);
        return stream.ToArray();
    }

    public sealed class Row
    {
        public float A { get; set; }

        public float B { get; set; }

        public bool Label { get; set; }
    }
}
