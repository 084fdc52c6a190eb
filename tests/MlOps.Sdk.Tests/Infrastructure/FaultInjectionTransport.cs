using System.Diagnostics.CodeAnalysis;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace MlOps.Sdk.Tests.Infrastructure;

/// <summary>
/// An Azure.Core transport that answers chosen requests itself with a given status and error code, as the service
/// would in states Azurite cannot be brought into (a container being deleted, a lease lost, ...), and sends the rest.
/// Being the transport, its answers go through the same error classification as real ones.
/// </summary>
public sealed class FaultInjectionTransport(Func<HttpMessage, bool> when, int status, string errorCode) : HttpPipelineTransport
{
    private readonly HttpClientTransport _inner = HttpClientTransport.Shared;

    public int Injected { get; private set; }

    public override Request CreateRequest() => _inner.CreateRequest();

    public override void Process(HttpMessage message)
    {
        if (!Inject(message))
        {
            _inner.Process(message);
        }
    }

    public override async ValueTask ProcessAsync(HttpMessage message)
    {
        if (!Inject(message))
        {
            await _inner.ProcessAsync(message);
        }
    }

    private bool Inject(HttpMessage message)
    {
        if (!when(message))
        {
            return false;
        }

        Injected++;
        message.Response = new SyntheticResponse(status, errorCode, message.Request.ClientRequestId);
        return true;
    }

    private sealed class SyntheticResponse(int status, string errorCode, string clientRequestId) : Response
    {
        private readonly Dictionary<string, string> _headers = new(StringComparer.OrdinalIgnoreCase)
        {
            ["x-ms-error-code"] = errorCode,
            ["Content-Type"] = "application/xml",
        };

        public override int Status => status;

        public override string ReasonPhrase => errorCode;

        public override Stream? ContentStream { get; set; } = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(
            $"<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{errorCode}</Code><Message>Injected by the test.</Message></Error>"));

        public override string ClientRequestId { get; set; } = clientRequestId;

        public override void Dispose()
        {
        }

        protected override bool ContainsHeader(string name) => _headers.ContainsKey(name);

        protected override IEnumerable<HttpHeader> EnumerateHeaders() => _headers.Select(h => new HttpHeader(h.Key, h.Value));

        protected override bool TryGetHeader(string name, [NotNullWhen(true)] out string? value) => _headers.TryGetValue(name, out value);

        protected override bool TryGetHeaderValues(string name, [NotNullWhen(true)] out IEnumerable<string>? values)
        {
            var found = _headers.TryGetValue(name, out var value);
            values = found ? [value!] : null;
            return found;
        }
    }
}
