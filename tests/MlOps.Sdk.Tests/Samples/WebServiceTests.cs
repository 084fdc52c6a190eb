using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;

namespace MlOps.Sdk.Tests.Samples;

/// <summary>The samples as a user runs them: the QuickStart registers a model, the web service serves it over real HTTP on 127.0.0.1.</summary>
public sealed class WebServiceTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("mlops-web-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task WebService_ServesTheQuickStartsModel_AndFollowsTheAliasWithoutRestarting()
    {
        var quickStart = await SampleProcess.RunAsync("QuickStart", _folder, TimeSpan.FromMinutes(3));
        Assert.That(quickStart, Does.Contain("says ORD->LAX"), "the QuickStart trained, registered and promoted a model");

        using var service = StartService();
        var port = await service.PortAsync(TimeSpan.FromMinutes(1));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        await WaitUntilAsync(async () => (await http.GetAsync("/health")).StatusCode == HttpStatusCode.OK, "healthy");
        var flight = new { date = "2001/01/14 17:55", distance = 1500, origin = "ORD", destination = "LAX" };
        var first = await PredictAsync(http, flight, "user-42");
        Assert.That((first.GetProperty("model").GetString(), first.GetProperty("version").GetInt32(), first.GetProperty("arm").GetString()), Is.EqualTo(("flight-delays", 2, "production")));
        Assert.That(first.GetProperty("probability").GetSingle(), Is.InRange(0f, 1f));

        // Another process moves production back to version 1: the service follows without a restart.
        var client = new MlOpsClient(new FileSystemObjectStore(Path.Combine(_folder, ".mlops")));
        await client.Models.PromoteAsync("flight-delays", "production", 1, "roll back from the test");
        await WaitUntilAsync(async () => (await PredictAsync(http, flight, null)).GetProperty("version").GetInt32() == 1, "serving version 1");

        var model = await http.GetFromJsonAsync<JsonElement>("/model");
        Assert.That(model[0].GetProperty("arm").GetString(), Is.EqualTo("production"));
        Assert.That(model[0].GetProperty("version").GetInt32(), Is.EqualTo(1));
        var bad = await http.PostAsync("/predict", new StringContent("{ not json", System.Text.Encoding.UTF8, "application/json"));
        Assert.That((int)bad.StatusCode, Is.InRange(400, 499), "bad input is the caller's error, not the service's");
    }

    private static async Task<JsonElement> PredictAsync(HttpClient http, object flight, string? user)
    {
        var response = await http.PostAsJsonAsync(user is null ? "/predict" : $"/predict?user={user}", flight);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"not {what} within a minute");
            }

            await Task.Delay(100);
        }
    }

    private ServiceProcess StartService()
    {
        var start = new ProcessStartInfo("dotnet", [SampleProcess.Dll("WebService"), "--urls", "http://127.0.0.1:0", "--PollSeconds", "0.2"])
        {
            WorkingDirectory = _folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        return new ServiceProcess(Process.Start(start)!);
    }

    private sealed class ServiceProcess : IDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _lines = new();

        public ServiceProcess(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    _lines.Enqueue(e.Data);
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    _lines.Enqueue(e.Data);
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public async Task<int> PortAsync(TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < deadline)
            {
                var line = _lines.FirstOrDefault(l => l.Contains("Now listening on: http://127.0.0.1:", StringComparison.Ordinal));
                if (line is not null)
                {
                    return int.Parse(line[(line.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                }

                if (_process.HasExited)
                {
                    Assert.Fail($"The web service exited with {_process.ExitCode}:\n{string.Join('\n', _lines)}");
                }

                await Task.Delay(50);
            }

            Assert.Fail($"The web service did not listen within {timeout}:\n{string.Join('\n', _lines)}");
            return 0;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }

            _process.Dispose();
        }
    }
}
