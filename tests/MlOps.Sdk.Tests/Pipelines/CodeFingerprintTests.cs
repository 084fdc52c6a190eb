using System.Diagnostics;
using System.Reflection.Emit;
using MlOps.Sdk.Pipelines;
using static MlOps.Sdk.Tests.Pipelines.StepCompiler;

namespace MlOps.Sdk.Tests.Pipelines;

public sealed class CodeFingerprintTests
{
    private const string Step = "Steps.Pipeline.Step";

    // The step reaches: a helper directly (CleanRows, SafeParse), one through a closure (Decorate), one through a local
    // function (Twice), one through a LINQ lambda (Keep), a property (Config.Scale), a const, a static readonly field
    // (so Config's static constructor) and an array's data. Unrelated is reachable from nothing.
    private const string Source = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Threading.Tasks;

        namespace Steps;

        public static class Config
        {
            public const int Limit = 10;
            public static readonly string Prefix = "row-";
            public static int Scale => 2;
        }

        public static class Pipeline
        {
            public static int Unrelated(int x) => x * 3;

            public static string Step(string[] rows)
            {
                var cleaned = CleanRows(rows);
                var suffix = rows.Length;
                Func<string, string> decorate = s => Decorate(s) + suffix;
                int Local(int n) => n + Twice(n);
                var weights = new[] { 3, 1, 4, 1, 5, 9, 2, 6 };
                var kept = cleaned.Where(r => Keep(r)).Select(decorate).Count();
                // The result.
                return string.Join(",", cleaned) + Config.Prefix + Config.Limit + "x" + (kept + Local(rows.Length) + weights.Sum() * Config.Scale + SafeParse(rows[0]));
            }

            public static async Task<int> StepAsync(int x)
            {
                await Task.Yield();
                return AfterAwait(x);
            }

            public static IEnumerable<int> StepIterator(int n)
            {
                for (var i = 0; i < n; i++)
                {
                    yield return Square(i);
                }
            }

            private static string[] CleanRows(string[] rows) => rows.Select(r => r.Trim()).ToArray();

            private static string Decorate(string s) => "[" + s + "]";

            private static int Twice(int n) => n * 2;

            private static bool Keep(string r) => r.Length > 0;

            private static int AfterAwait(int x) => x + 1;

            private static int Square(int x) => x * x;

            private static int SafeParse(string s)
            {
                try
                {
                    return int.Parse(s);
                }
                catch (FormatException)
                {
                    return -1;
                }
            }
        }
        """;

    [Test]
    public void SameSource_CompiledAndLoadedTwice_SameFingerprint()
    {
        var first = Fingerprint(Source, Step);
        var second = Fingerprint(Source, Step);

        Assert.That(first.Hash, Does.Match("^[0-9a-f]{64}$"));
        Assert.That(second.Hash, Is.EqualTo(first.Hash));
        Assert.That(second.Methods, Is.EqualTo(first.Methods));
        Assert.That(first.IsFallback, Is.False);
        Assert.That(first.Roots, Is.EqualTo(new[] { "Steps.Pipeline::Step(System.String[]):System.String" }));
        Assert.That(first.Methods.Select(m => m.DisplayName), Is.SupersetOf(new[]
        {
            "Pipeline.Step", "Pipeline.CleanRows", "Pipeline.Decorate", "Pipeline.Twice", "Pipeline.Keep", "Pipeline.SafeParse",
            "Pipeline.<Step>g__Local|#_1", "Pipeline+<>c__DisplayClass#_0.<Step>b__0", "Pipeline+<>c.<Step>b__#_2",
            "Config.get_Scale", "Config..cctor",
        }));
        Assert.That(first.Methods.Select(m => m.DisplayName), Has.None.EqualTo("Pipeline.Unrelated"));
        Assert.That(first.NotCovered, Is.Empty);
    }

    private static IEnumerable<TestCaseData> CodeEdits()
    {
        TestCaseData Case(string name, string method, string changed, params string[] edit) =>
            new TestCaseData(method, edit, changed).SetArgDisplayNames(name);

        yield return Case("step body", Step, "Pipeline.Step", "Local(rows.Length) + weights", "Local(rows.Length) - weights");
        yield return Case("direct helper", Step, "Pipeline.CleanRows", ".ToArray();", ".Distinct().ToArray();");
        yield return Case("helper through a closure", Step, "Pipeline.Decorate", "\"[\" + s + \"]\"", "\"(\" + s + \")\"");
        yield return Case("helper through a local function", Step, "Pipeline.Twice", "n * 2", "n * 3");
        yield return Case("helper through a LINQ lambda", Step, "Pipeline.Keep", "r.Length > 0", "r.Length > 1");
        yield return Case("lambda inside a helper", Step, "Pipeline+<>c.<CleanRows>b__#_0", "r => r.Trim()", "r => r.TrimEnd()");
        yield return Case("helper after an await", "Steps.Pipeline.StepAsync", "Pipeline.AfterAwait", "x + 1", "x + 2");
        yield return Case("helper of an iterator", "Steps.Pipeline.StepIterator", "Pipeline.Square", "x * x", "x * x * x");
        yield return Case("string literal", Step, "Pipeline.Step", "\"x\"", "\"y\"");
        yield return Case("const", Step, "Pipeline.Step", "Limit = 10", "Limit = 11");
        yield return Case("static readonly initializer", Step, "Config..cctor", "\"row-\"", "\"col-\"");
        yield return Case("property getter", Step, "Config.get_Scale", "Scale => 2", "Scale => 3");
        yield return Case("array data", Step, "Pipeline.Step", "5, 9, 2, 6", "5, 9, 2, 7");
        yield return Case("caught exception type", Step, "Pipeline.SafeParse", "catch (FormatException)", "catch (ArgumentException)");
        yield return Case("framework method called", Step, "Pipeline.Step", "string.Join(\",\", cleaned)", "string.Concat(cleaned)");
    }

    [TestCaseSource(nameof(CodeEdits))]
    public void EditOfCodeTheStepRuns_ChangesFingerprint_AndNamesTheMethod(string method, string[] edit, string changed)
    {
        var before = Fingerprint(Source, method);
        var after = Fingerprint(Source.Edit(edit), method);

        Assert.That(after.Hash, Is.Not.EqualTo(before.Hash));
        Assert.That(after.ChangedSince(before.Methods), Is.EqualTo(new[] { changed }));
    }

    private static IEnumerable<TestCaseData> UnrelatedEdits()
    {
        TestCaseData Case(string name, bool stepIlChanges, params string[] edit) =>
            new TestCaseData(edit, stepIlChanges).SetArgDisplayNames(name);

        yield return Case("unreachable method's body", false, "x * 3", "x * 4");
        yield return Case(
            "new class first", true,
            "public static class Config", "public sealed class Extra\n{\n    public int Value => 42;\n    public void Run() { }\n}\n\npublic static class Config");
        yield return Case(
            "members reordered", true,
            "    public static int Unrelated(int x) => x * 3;\n", string.Empty,
            "    private static int Square(int x) => x * x;\n", "    private static int Square(int x) => x * x;\n\n    public static int Unrelated(int x) => x * 3;\n");
        yield return Case("unused fields", true, "    public const int Limit", "    public static int Counter;\n    private static long _ticks;\n    public const int Limit");
        yield return Case(
            "lambda in an earlier unrelated method", true,
            "Unrelated(int x) => x * 3;", "Unrelated(int x) => new[] { x }.Select(v => v * 3).Sum();");
        yield return Case("comment", false, "// The result.", "// The result, as a string.");
    }

    [TestCaseSource(nameof(UnrelatedEdits))]
    public void UnrelatedEdit_LeavesFingerprint(string[] edit, bool stepIlChanges)
    {
        var edited = Source.Edit(edit);

        foreach (var method in new[] { Step, "Steps.Pipeline.StepAsync", "Steps.Pipeline.StepIterator" })
        {
            Assert.That(Fingerprint(edited, method).Hash, Is.EqualTo(Fingerprint(Source, method).Hash), method);
        }

        // Where token numbers moved, a hash of the raw IL would have changed: the identities are what keeps it.
        Assert.That(RawIl(edited, Step), stepIlChanges ? Is.Not.EqualTo(RawIl(Source, Step)) : Is.EqualTo(RawIl(Source, Step)));
    }

    [Test]
    public void SwappingTheLambdasOfOneClosure_ChangesFingerprint()
    {
        // A closure's lambdas are numbered within the method (<Step>b__0, <Step>b__1): that number must stay in their identity.
        const string source = """
            namespace Steps;

            public static class Pipeline
            {
                public static int Step(int k)
                {
                    System.Func<int, int> f = x => x + k;
                    System.Func<int, int> g = x => x * k;
                    return f(1) - g(2);
                }
            }
            """;
        var swapped = source.Edit("f = x => x + k;", "f = x => x * k;", "g = x => x * k;", "g = x => x + k;");

        Assert.That(Fingerprint(swapped, Step).Hash, Is.Not.EqualTo(Fingerprint(source, Step).Hash));
    }

    [Test]
    public void UnusedStaticFieldWithInitializer_InTypeWhoseFieldTheStepReads_ChangesFingerprint()
    {
        // Documented over-approximation: the whole static constructor of Config counts, not only Prefix's part of it.
        var edited = Source.Edit("public const int Limit", "public static readonly int Other = 5;\n    public const int Limit");

        Assert.That(Fingerprint(edited, Step).ChangedSince(Fingerprint(Source, Step).Methods), Is.EqualTo(new[] { "Config..cctor" }));
    }

    [Test]
    public void FrameworkCall_IsNamedButNotDescendedInto()
    {
        var result = Fingerprint(Source, Step);

        Assert.That(result.Methods.Select(m => m.Identity), Has.All.StartsWith("Steps."));
        Assert.That(result.ExternalAssemblies, Has.Some.StartsWith("System.Private.CoreLib, ").And.Some.StartsWith("System.Linq, "));
    }

    [Test]
    public void SdkAndMlNetCalls_AreNamedByAssemblyButNotDescendedInto()
    {
        const string source = """
            namespace Steps;

            public static class Pipeline
            {
                public static string Step() =>
                    MlOps.Sdk.Data.DatasetRef.Parse("datasets:/flights/1").Name + new Microsoft.ML.MLContext(seed: 1).Data.GetType().Name;
            }
            """;

        var result = Fingerprint(source, Step);

        Assert.That(result.Methods.Select(m => m.DisplayName), Is.EqualTo(new[] { "Pipeline.Step" }));
        Assert.That(result.ExternalAssemblies, Has.Some.StartsWith("MlOps.Sdk, ").And.Some.StartsWith("Microsoft.ML.Data, "));
    }

    private const string PackageUser = """
        namespace Steps;

        public static class Pipeline
        {
            public static int Step(int x) => Microsoft.Fake.Package.Compute(x) + Helpers.Help.Add(x);
        }
        """;

    private static string Package(string version, string body) => $$"""
        [assembly: System.Reflection.AssemblyVersion("{{version}}")]
        namespace Microsoft.Fake;

        public static class Package
        {
            public static int Compute(int x) => {{body}};
        }
        """;

    private static string Helpers(string body) => $$"""
        namespace Helpers;

        public static class Help
        {
            public static int Add(int x) => {{body}};
        }
        """;

    [Test]
    public void PackageOutsideUserCode_CountsByNameAndVersionOnly()
    {
        CodeFingerprintResult Of(string version, string body) =>
            Fingerprint([("Microsoft.Fake", Package(version, body)), ("Helpers", Helpers("x + 1")), ("Steps", PackageUser)], Step);

        var original = Of("1.0.0.0", "x * 2");

        Assert.That(original.ExternalAssemblies, Does.Contain("Microsoft.Fake, 1.0.0.0"));
        Assert.That(Of("1.0.0.0", "x * 5").Hash, Is.EqualTo(original.Hash), "the package's code is not read");
        Assert.That(Of("2.0.0.0", "x * 2").Hash, Is.Not.EqualTo(original.Hash), "an upgrade of the package invalidates");
    }

    [Test]
    public void UserCodeInAnotherAssembly_IsDescendedInto()
    {
        CodeFingerprintResult Of(string body) =>
            Fingerprint([("Microsoft.Fake", Package("1.0.0.0", "x * 2")), ("Helpers", Helpers(body)), ("Steps", PackageUser)], Step);

        var original = Of("x + 1");

        Assert.That(original.Methods.Select(m => m.DisplayName), Does.Contain("Help.Add"));
        Assert.That(original.ExternalAssemblies, Has.None.StartsWith("Helpers"));
        Assert.That(Of("x + 2").ChangedSince(original.Methods), Is.EqualTo(new[] { "Help.Add" }));
    }

    private const string Recursive = """
        namespace Steps;

        public static class Pipeline
        {
            public static int Factorial(int n) => n <= 1 ? 1 : n * Factorial(n - 1);

            public static bool IsEven(int n) => n == 0 || IsOdd(n - 1);

            public static bool IsOdd(int n) => n != 0 && IsEven(n - 1);
        }
        """;

    [Test]
    public void Recursion_TerminatesAndIsDeterministic()
    {
        var factorial = Fingerprint(Recursive, "Steps.Pipeline.Factorial");
        var even = Fingerprint(Recursive, "Steps.Pipeline.IsEven");
        var odd = Fingerprint(Recursive, "Steps.Pipeline.IsOdd");

        Assert.That(factorial.Methods, Has.Count.EqualTo(1));
        Assert.That(Fingerprint(Recursive, "Steps.Pipeline.Factorial").Hash, Is.EqualTo(factorial.Hash));
        Assert.That(Fingerprint(Recursive, "Steps.Pipeline.IsEven").Hash, Is.EqualTo(even.Hash));
        // Entered from either end, the cycle is the same set of methods; only the root differs.
        Assert.That(odd.Methods, Is.EqualTo(even.Methods));
        Assert.That(odd.Hash, Is.Not.EqualTo(even.Hash));
        Assert.That(
            Fingerprint(Recursive.Edit("n != 0 &&", "n > 0 &&"), "Steps.Pipeline.IsEven").ChangedSince(even.Methods),
            Is.EqualTo(new[] { "Pipeline.IsOdd" }));
    }

    private const string Generic = """
        namespace Steps;

        public sealed class Box<T>(T value)
        {
            public T Get() => Wrap(value);

            private static T Wrap(T item) => item;
        }

        public static class Pipeline
        {
            public static string Step(int x) => "" + new Box<int>(x).Get() + Id<string>("a");

            private static T Id<T>(T item) => item;
        }
        """;

    [Test]
    public void GenericTypesAndMethods_AreFollowedAsDefinitions()
    {
        var result = Fingerprint(Generic, Step);

        Assert.That(result.Methods.Select(m => m.Identity), Is.SupersetOf(new[]
        {
            "Steps.Box`1::Get():!0", "Steps.Box`1::Wrap(!0):!0", "Steps.Box`1::.ctor(!0)", "Steps.Pipeline::Id<!!0>(!!0):!!0",
        }));
        Assert.That(Fingerprint(Generic.Edit("T Wrap(T item) => item;", "T Wrap(T item) => default!;"), Step).ChangedSince(result.Methods), Is.EqualTo(new[] { "Box`1.Wrap" }));
        Assert.That(Fingerprint(Generic.Edit("Id<string>(\"a\")", "Id<object>(\"a\")"), Step).ChangedSince(result.Methods), Is.EqualTo(new[] { "Pipeline.Step" }));
    }

    private const string Virtual = """
        namespace Steps;

        public class Model
        {
            public virtual int Score(int x) => x + 1;
        }

        public sealed class Tuned : Model
        {
            public override int Score(int x) => x + 2;
        }

        public static class Pipeline
        {
            public static int Step(Model model) => model.Score(3);
        }
        """;

    [Test]
    public void VirtualCall_FollowsTheMethodNamedStatically_NotOverridesElsewhere()
    {
        var result = Fingerprint(Virtual, Step);

        Assert.That(result.Methods.Select(m => m.DisplayName), Is.EqualTo(new[] { "Model.Score", "Pipeline.Step" }));
        Assert.That(Fingerprint(Virtual.Edit("x + 1", "x + 10"), Step).Hash, Is.Not.EqualTo(result.Hash));
        // Documented limit: an override the step does not name is not followed.
        Assert.That(Fingerprint(Virtual.Edit("x + 2", "x + 20"), Step).Hash, Is.EqualTo(result.Hash));
    }

    [Test]
    public void DelegateOverload_FollowsTheLambdaAndWhatItCalls()
    {
        const string source = """
            namespace Steps;

            public static class Pipeline
            {
                public static System.Func<int, int> Create(int offset) => x => Twice(x) + offset;

                private static int Twice(int n) => n * 2;
            }
            """;
        CodeFingerprintResult Of(string text)
        {
            using var loaded = Load(("Steps", text));
            var step = (Func<int, int>)loaded.Method("Steps.Pipeline.Create").Invoke(null, [1])!;
            return CodeFingerprint.Of(step);
        }

        var result = Of(source);

        Assert.That(result.Methods.Select(m => m.DisplayName), Is.EquivalentTo(new[] { "Pipeline+<>c__DisplayClass#_0.<Create>b__0", "Pipeline+<>c__DisplayClass#_0..ctor", "Pipeline.Twice" }));
        Assert.That(Of(source).Hash, Is.EqualTo(result.Hash));
        Assert.That(Of(source.Edit("n * 2", "n * 4")).Hash, Is.Not.EqualTo(result.Hash));
    }

    [Test]
    public void InstanceStep_IncludesTheConstructorsThatInitializeTheFieldsItReads()
    {
        const string source = """
            namespace Steps;

            public sealed class Scaler
            {
                private readonly int _factor = 3;

                public int Run(int x) => x * _factor;
            }
            """;
        CodeFingerprintResult Of(string text)
        {
            using var loaded = Load(("Steps", text));
            var scaler = Activator.CreateInstance(loaded.Assembly.GetType("Steps.Scaler", throwOnError: true)!)!;
            return CodeFingerprint.Of(loaded.Method("Steps.Scaler.Run").CreateDelegate<Func<int, int>>(scaler));
        }

        var result = Of(source);

        Assert.That(Of(source.Edit("_factor = 3", "_factor = 4")).ChangedSince(result.Methods), Is.EqualTo(new[] { "Scaler..ctor" }));
    }

    [Test]
    public void Version_IsFoldedIntoTheHash()
    {
        using var loaded = Load(("Steps", Source));
        var method = loaded.Method(Step);

        var none = CodeFingerprint.Of(method);
        var one = CodeFingerprint.Of(method, "1");

        Assert.That(one.Hash, Is.Not.EqualTo(none.Hash));
        Assert.That(CodeFingerprint.Of(method, "2").Hash, Is.Not.EqualTo(one.Hash));
        Assert.That(CodeFingerprint.Of(method, "1").Hash, Is.EqualTo(one.Hash));
        Assert.That(CodeFingerprint.Of(method, string.Empty).Hash, Is.EqualTo(none.Hash));
        Assert.That(one.Version, Is.EqualTo("1"));
    }

    [Test]
    public void DynamicMethod_FallsBackToItsIdentity_AndSaysSo()
    {
        static Func<int> Make(int value)
        {
            var method = new DynamicMethod("Answer", typeof(int), Type.EmptyTypes);
            var il = method.GetILGenerator();
            il.Emit(OpCodes.Ldc_I4, value);
            il.Emit(OpCodes.Ret);
            return method.CreateDelegate<Func<int>>();
        }

        var result = CodeFingerprint.Of(Make(42));

        Assert.That(result.IsFallback, Is.True);
        Assert.That(result.NotCovered, Has.Some.Contains("dynamic method"));
        Assert.That(result.Roots, Is.EqualTo(new[] { "dynamic:Answer():System.Int32" }));
        // The body cannot be read: only the version tells an edit apart.
        Assert.That(CodeFingerprint.Of(Make(43)).Hash, Is.EqualTo(result.Hash));
        Assert.That(CodeFingerprint.Of(Make(43), "2").Hash, Is.Not.EqualTo(result.Hash));
    }

    [Test]
    public void ChainOfTwentyMethods_FingerprintsColdWellUnderTheBudget()
    {
        var chain = string.Join('\n', Enumerable.Range(0, 20).Select(i => i < 19
            ? $"    public static int M{i}(int[] xs) {{ var s = 0; foreach (var x in xs) {{ s += x * {i + 1}; }} return s + M{i + 1}(xs); }}"
            : $"    public static int M{i}(int[] xs) => xs.Length;"));
        using var loaded = Load(("Steps", "namespace Steps;\n\npublic static class Pipeline\n{\n" + chain + "\n}\n"));
        var method = loaded.Method("Steps.Pipeline.M0");

        var clock = Stopwatch.StartNew();
        var cold = CodeFingerprint.Of(method);
        var coldTime = clock.Elapsed;
        clock.Restart();
        var warm = CodeFingerprint.Of(method);
        var warmTime = clock.Elapsed;
        TestContext.Out.WriteLine($"20 methods: cold {coldTime.TotalMilliseconds:F2} ms, cached {warmTime.TotalMilliseconds:F3} ms");

        Assert.That(cold.Methods, Has.Count.EqualTo(20));
        Assert.That(warm.Hash, Is.EqualTo(cold.Hash));
        Assert.That(coldTime, Is.LessThan(TimeSpan.FromMilliseconds(200)));
    }

    [Test]
    public void ConcurrentCallsOnColdMethods_AgreeWithEachOther()
    {
        using var loaded = Load(("Steps", Source));
        var method = loaded.Method(Step);

        var hashes = new string[8];
        Parallel.For(0, hashes.Length, i => hashes[i] = CodeFingerprint.Of(method).Hash);

        Assert.That(hashes.Distinct(), Is.EqualTo(new[] { Fingerprint(Source, Step).Hash }));
    }
}
