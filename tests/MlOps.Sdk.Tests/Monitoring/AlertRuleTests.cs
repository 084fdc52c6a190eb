using MlOps.Sdk.Monitoring;

namespace MlOps.Sdk.Tests.Monitoring;

/// <summary>
/// The alert rules on measured snapshots: a synthetic shift raises an alert, no shift raises none at the documented
/// false-positive rate (docs/monitoring.md), metric rules wait for enough ground truth.
/// </summary>
public sealed class AlertRuleTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);

    [Test]
    public void NoShift_RaisesNoDriftAlert_AtTheDocumentedFalsePositiveRate()
    {
        // 400 checks of 5 features, live windows of 500 values drawn from the training distribution itself.
        var random = new Random(20261127);
        var rule = AlertRule.DriftedShare();
        var featureRule = AlertRule.FeatureDrift("f0");
        int alerts = 0, featureAlerts = 0, driftedFeatures = 0, significant = 0;
        const int Trials = 400;
        for (var trial = 0; trial < Trials; trial++)
        {
            var snapshot = Snapshot(random, shiftedFeatures: 0, shift: 0);
            alerts += rule.Evaluate(snapshot) is null ? 0 : 1;
            featureAlerts += featureRule.Evaluate(snapshot) is null ? 0 : 1;
            driftedFeatures += snapshot.Drift!.Overall.Features.Drifted.Count();
            significant += snapshot.Drift!.Overall.Features.Features.Count(x => x.KolmogorovSmirnov!.PValue < 0.05);
        }

        // Documented: a feature drifts only when its test is significant (p < 0.05) AND an effect size is material, so
        // the per-feature false-positive rate is at most 5 % and, at 500 live values, below 1 %.
        TestContext.Out.WriteLine($"significant alone: {significant} of {Trials * 5}; drifted (significant and material): {driftedFeatures}; drifted-share alerts: {alerts}; f0 alerts: {featureAlerts}");
        Assert.That((double)significant / (Trials * 5), Is.InRange(0.02, 0.08), "the KS test alone flags about 5 % under no shift: the rule below is doing the work");
        Assert.That((double)driftedFeatures / (Trials * 5), Is.LessThan(0.01), "per-feature false positives");
        Assert.That((double)featureAlerts / Trials, Is.LessThan(0.01), "a one-feature rule's false alarms");
        Assert.That((double)alerts / Trials, Is.LessThan(0.01), "the drifted-share rule's false alarms");
    }

    [Test]
    public void ASyntheticShift_RaisesTheAlert_NamingTheFeaturesThatMoved()
    {
        var random = new Random(7);
        var rule = AlertRule.DriftedShare(0.5);
        var raised = 0;
        const int Trials = 100;
        AlertFinding? last = null;
        for (var trial = 0; trial < Trials; trial++)
        {
            var snapshot = Snapshot(random, shiftedFeatures: 3, shift: 0.5);
            if (rule.Evaluate(snapshot) is { } finding)
            {
                raised++;
                last = finding;
            }
        }

        Assert.That(raised, Is.GreaterThanOrEqualTo(99), "half a standard deviation on 3 of 5 features, 500 live values");
        Assert.That(last!.Message, Does.Contain("f0:").And.Contain("f1:").And.Contain("f2:").And.Not.Contain("f4:"));
        Assert.That(last.Value, Is.GreaterThanOrEqualTo(0.5));
        Assert.That(last.Threshold, Is.EqualTo(0.5));
    }

    [Test]
    public void MetricRules_JudgeOnlyVersionsWithEnoughGroundTruth()
    {
        var performance = new PerformanceReport("m", MonitoringTask.BinaryClassification, [],
        [
            Window(1, "main", feedback: 5_000, accuracy: 0.91),
            Window(2, "canary", feedback: 40, accuracy: 0.50),    // too little ground truth to judge
            Window(3, "canary", feedback: 400, accuracy: 0.72),
        ]);
        var snapshot = new MonitoringSnapshot("m", Now.AddDays(-1), Now, performance, null, []);

        var below = AlertRule.MetricBelow("accuracy", 0.8).Evaluate(snapshot);
        Assert.That(below!.Message, Does.Contain("version 3").And.Not.Contain("version 2").And.Not.Contain("version 1"));
        Assert.That((below.Value, below.Threshold), Is.EqualTo(((double?)0.72, (double?)0.8)));
        Assert.That(AlertRule.MetricBelow("accuracy", 0.8, minFeedback: 10).Evaluate(snapshot)!.Value, Is.EqualTo(0.5), "the worst judged version");
        Assert.That(AlertRule.MetricAbove("accuracy", 0.95).Evaluate(snapshot), Is.Null);
        Assert.That(AlertRule.MetricBelow("auc", 0.8).Evaluate(snapshot), Is.Null, "a metric nobody measured does not alert");
        Assert.That(AlertRule.MetricBelow("accuracy", 0.8).Evaluate(snapshot with { Performance = null }), Is.Null, "nothing measured, nothing judged");
    }

    [Test]
    public void MetricRules_LeaveAShadowAlone()
    {
        var performance = new PerformanceReport("m", MonitoringTask.BinaryClassification, [],
        [
            Window(1, "main", feedback: 5_000, accuracy: 0.91),
            Window(2, "shadow", feedback: 5_000, accuracy: 0.50), // answers no caller: the canary's live check judges it
        ]);
        var snapshot = new MonitoringSnapshot("m", Now.AddDays(-1), Now, performance, null, []);

        Assert.That(AlertRule.MetricBelow("accuracy", 0.8).Evaluate(snapshot), Is.Null);
        Assert.That(AlertRule.MetricBelow("accuracy", 0.95).Evaluate(snapshot)!.Message, Does.Contain("version 1").And.Not.Contain("version 2"));
    }

    [Test]
    public void Rules_HaveNames_AndBadThresholdsAreTypedErrors()
    {
        Assert.That(new[] { AlertRule.DriftedShare().Name, AlertRule.FeatureDrift("Distance").Name, AlertRule.PredictionDrift().Name, AlertRule.MetricBelow("auc", 0.7).Name, AlertRule.MetricAbove("rmse", 10).Name },
            Is.EqualTo(new[] { "drifted-share", "drift:Distance", "prediction-drift", "auc-below", "rmse-above" }));
        var renamed = AlertRule.DriftedShare() with { Name = "inputs", Severity = AlertSeverity.Critical, RequestRetraining = true };
        Assert.That((renamed.Name, renamed.Severity, renamed.RequestRetraining), Is.EqualTo(("inputs", AlertSeverity.Critical, true)));
        Assert.Throws<ArgumentOutOfRangeException>(() => AlertRule.DriftedShare(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => AlertRule.DriftedShare(1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => AlertRule.MetricBelow("auc", double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => AlertRule.MetricBelow("auc", 0.7, minFeedback: 0));
        Assert.Throws<ArgumentException>(() => AlertRule.FeatureDrift(" "));
        Assert.Throws<ArgumentNullException>(() => AlertRule.Custom("x", null!));
    }

    [Test]
    public void ACustomRule_SeesTheSnapshot()
    {
        var rule = AlertRule.Custom("few-predictions", s => s.Drift is null ? "no drift measured: " + string.Join("; ", s.Problems) : null);
        var finding = rule.Evaluate(new MonitoringSnapshot("m", Now.AddDays(-1), Now, null, null, ["drift: no reference"]));
        Assert.That(finding!.Message, Is.EqualTo("no drift measured: drift: no reference"));
    }

    private static PerformanceWindow Window(int version, string arm, long feedback, double accuracy)
        => new(version, arm, Now.AddDays(-1), Now, feedback * 2, feedback, new Dictionary<string, double> { ["accuracy"] = accuracy }, null);

    /// <summary>Five standard-normal features; the first <paramref name="shiftedFeatures"/> shifted live by <paramref name="shift"/> standard deviations.</summary>
    private static MonitoringSnapshot Snapshot(Random random, int shiftedFeatures, double shift)
    {
        var features = new List<FeatureDrift>();
        for (var f = 0; f < 5; f++)
        {
            var reference = Normal(random, 2_000, 0);
            var live = Normal(random, 500, f < shiftedFeatures ? shift : 0);
            features.Add(DriftDetector.Numeric($"f{f}", reference, live));
        }

        var report = DriftDetector.Report(features);
        var window = new DriftWindow(Now.AddDays(-1), Now, 500, report, null);
        return new MonitoringSnapshot("m", Now.AddDays(-1), Now, null, new LiveDriftReport("m", "datasets:/train/1", window, [], new Dictionary<string, string>()), []);
    }

    private static double[] Normal(Random random, int count, double mean)
    {
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            // Box–Muller.
            values[i] = mean + (Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }

        return values;
    }
}
