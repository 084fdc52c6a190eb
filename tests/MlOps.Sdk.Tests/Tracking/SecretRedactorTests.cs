using System.Buffers.Text;
using System.Diagnostics;
using System.Text;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Tests.Tracking;

/// <summary>Which names and values count as secrets, and how they are hidden.</summary>
public sealed class SecretRedactorTests
{
    // Fakes in the real formats, built at run time so that secret scanners do not flag this file.
    private static readonly string AccountKey = Convert.ToBase64String(Enumerable.Range(0, 64).Select(i => (byte)((i * 37) + 11)).ToArray());
    private static readonly string ConnectionString = $"DefaultEndpointsProtocol=https;AccountName=mlopsfake;AccountKey={AccountKey};EndpointSuffix=core.windows.net";
    private static readonly string SasUrl = "https://mlopsfake.blob.core.windows.net/models/churn.zip?sv=2022-11-02&ss=b&srt=o&sp=r&se=2030-01-01T00:00:00Z&spr=https&sig=" + "Zm9vYmFyYmF6cXV4%3D";
    private static readonly string Jwt = Base64Url.EncodeToString("""{"alg":"HS256","typ":"JWT"}"""u8) + "." + Base64Url.EncodeToString("""{"sub":"1234567890","name":"fake"}"""u8) + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(new string('s', 32)));
    private static readonly string PemKey = "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAfake\n-----END " + "RSA PRIVATE KEY-----";
    private static readonly string GitHubPat = "ghp" + "_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";
    private static readonly string FineGrainedPat = "github" + "_pat_" + "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP";

    private readonly SecretRedactor _redactor = new();

    [TestCase("password")]
    [TestCase("DB_PASSWORD")]
    [TestCase("db-passwd")]
    [TestCase("gpg.passphrase")]
    [TestCase("mysql_pwd")]
    [TestCase("client_secret")]
    [TestCase("ClientSecret")]
    [TestCase("GITHUB_TOKEN")]
    [TestCase("access_token")]
    [TestCase("refreshToken")]
    [TestCase("token")]
    [TestCase("api_key")]
    [TestCase("ApiKey")]
    [TestCase("X-API-KEY")]
    [TestCase("apikey")]
    [TestCase("storage-key")]
    [TestCase("StorageKey")]
    [TestCase("accountkey")]
    [TestCase("Storage:AccountKey")]
    [TestCase("AZURE_STORAGE_KEY")]
    [TestCase("key")]
    [TestCase("KEY")]
    [TestCase("AccountKey2")]
    [TestCase("encryption_key_1")]
    [TestCase("SSHKey")]
    [TestCase("ConnectionStrings:Default")]
    [TestCase("connection_string")]
    [TestCase("conn_str")]
    [TestCase("credentials")]
    [TestCase("AzureCredential")]
    [TestCase("sas")]
    [TestCase("SAS_URL")]
    [TestCase("sasToken")]
    [TestCase("signature")]
    [TestCase("Authorization")]
    [TestCase("auth")]
    [TestCase("basic_auth")]
    [TestCase("AuthHeader")]
    public void IsSecretName_SecretNames_True(string name)
        => Assert.That(_redactor.IsSecretName(name), Is.True);

    [TestCase("")]
    [TestCase("learning_rate")]
    [TestCase("num_leaves")]
    [TestCase("NumberOfTrees")]
    [TestCase("batch_size")]
    [TestCase("seed")]
    [TestCase("model_path")]
    [TestCase("label_column")]
    [TestCase("keyword")]
    [TestCase("keywords")]
    [TestCase("keys_count")]
    [TestCase("key_vault_name")]
    [TestCase("monkey")]
    [TestCase("MONKEY")]
    [TestCase("hotkey")]
    [TestCase("max_tokens")]
    [TestCase("num_tokens")]
    [TestCase("tokenizer")]
    [TestCase("tokenizer_name")]
    [TestCase("tokenisation")]
    [TestCase("author")]
    [TestCase("AuthorName")]
    [TestCase("oauth_client_id")]
    [TestCase("disaster_recovery")]
    [TestCase("compass")]
    public void IsSecretName_OrdinaryNames_False(string name)
        => Assert.That(_redactor.IsSecretName(name), Is.False);

    [Test]
    public void LooksLikeSecretValue_SecretValues_True()
    {
        string[] secrets =
        [
            ConnectionString,
            "Endpoint=sb://mlopsfake.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=ZmFrZWtleQ==",
            "BlobEndpoint=https://mlopsfake.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&sig=abc",
            "Server=db.local;Database=ml;User Id=sa;Password=hunter2;",
            "Host=db;pwd=hunter2",
            SasUrl,
            "?sv=2022-11-02&ss=b&srt=o&sp=r&se=2030-01-01&sig=abc%3D",
            "sp=r&se=2030-01-01T00:00:00Z&sig=abc",
            AccountKey,
            Jwt,
            "https://example.com/callback?id_token=" + Jwt,
            PemKey,
            GitHubPat,
            FineGrainedPat,
            "https://" + GitHubPat + "@github.com/org/repo.git",
            "https://user:hunter2@github.com/org/repo.git",
            "Bearer " + new string('x', 40),
        ];

        Assert.Multiple(() =>
        {
            Assert.That(AccountKey, Has.Length.EqualTo(88).And.EndsWith("=="));
            foreach (var secret in secrets)
            {
                Assert.That(_redactor.LooksLikeSecretValue(secret), Is.True, secret);
            }
        });
    }

    [TestCase("")]
    [TestCase("0.1")]
    [TestCase("31")]
    [TestCase("1e-5")]
    [TestCase("true")]
    [TestCase("3f2504e0-4f89-11d3-9a0c-0305e82c3301")]
    [TestCase("keyword")]
    [TestCase("The quick brown fox")]
    [TestCase("FastTreeBinary")]
    [TestCase("/home/user/models/churn/model.zip")]
    [TestCase(@"C:\models\churn\model.zip")]
    [TestCase("data/train.csv")]
    [TestCase("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [TestCase("ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=")]
    [TestCase("a9993e364706816aba3e25717850c26c9cd0d89d")]
    [TestCase("https://github.com/org/repo.git")]
    [TestCase("https://user@github.com/org/repo.git")]
    [TestCase("https://user:***@github.com/org/repo.git")]
    [TestCase("git@github.com:org/repo.git")]
    [TestCase("models:/churn@production")]
    [TestCase("https://example.com/search?q=sig=1")]
    [TestCase("OLDPWD=/home/user")]
    [TestCase("Password")]
    [TestCase("eyJ")]
    [TestCase("ghp_short")]
    [TestCase("Bearer token")]
    public void LooksLikeSecretValue_OrdinaryValues_False(string value)
        => Assert.That(_redactor.LooksLikeSecretValue(value), Is.False);

    [Test]
    public void LooksLikeSecretValue_EightyEightCharactersNotBase64Key_False()
    {
        Assert.That(_redactor.LooksLikeSecretValue(new string('a', 86) + "=="), Is.False, "64 bytes cannot end in 'a=='");
        Assert.That(_redactor.LooksLikeSecretValue(AccountKey[..^2] + "xx"), Is.False);
        Assert.That(_redactor.LooksLikeSecretValue(new string('-', 86) + "=="), Is.False);
    }

    [TestCase("learning_rate", "0.1")]
    [TestCase("num_leaves", "31")]
    [TestCase("keyword", "churn")]
    [TestCase("model_path", "/home/user/models/churn/model.zip")]
    [TestCase("content_hash", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [TestCase("run_id", "3f2504e0-4f89-11d3-9a0c-0305e82c3301")]
    [TestCase("max_tokens", "512")]
    public void Redact_OrdinaryParameter_IsUntouched(string name, string value)
        => Assert.That(_redactor.Redact(name, value), Is.SameAs(value));

    [Test]
    public void Redact_SecretNameOrValue_IsReplacedWhole()
    {
        Assert.Multiple(() =>
        {
            Assert.That(_redactor.Redact("password", "hunter2"), Is.EqualTo(SecretRedactor.Redacted));
            Assert.That(_redactor.Redact("api_key", ""), Is.EqualTo(SecretRedactor.Redacted));
            Assert.That(_redactor.Redact("storage", ConnectionString), Is.EqualTo(SecretRedactor.Redacted));
            Assert.That(_redactor.Redact("model_uri", SasUrl), Is.EqualTo(SecretRedactor.Redacted));
            Assert.That(_redactor.Redact("remote", "https://" + GitHubPat + "@github.com/org/repo.git"), Is.EqualTo(SecretRedactor.Redacted));
            Assert.That(_redactor.Redact("header", Jwt), Is.EqualTo(SecretRedactor.Redacted));
            Assert.That(_redactor.Redact("remote", "https://user:pw@" + "host/x?sv=1&sig=2"), Is.EqualTo(SecretRedactor.Redacted), "a SAS hides all of it");
        });
    }

    [Test]
    public void Redact_UrlWithPassword_HidesOnlyThePassword()
        => Assert.That(_redactor.Redact("remote", "https://user:hunter2@github.com/x.git"), Is.EqualTo("https://user:***@github.com/x.git"));

    [TestCase("https://user:hunter2@github.com/x.git", "https://user:***@github.com/x.git")]
    [TestCase("http://user:p@ss@host:8080/x", "http://user:***@host:8080/x")]
    [TestCase("git+ssh://git:secret@host/repo.git", "git+ssh://git:***@host/repo.git")]
    [TestCase("https://x-access-token:abc123@github.com/o/r.git", "https://x-access-token:***@github.com/o/r.git")]
    [TestCase("clone https://a:b@h1/x and ftp://c:d@h2/y", "clone https://a:***@h1/x and ftp://c:***@h2/y")]
    [TestCase("https://user:***@github.com/x.git", "https://user:***@github.com/x.git")]
    [TestCase("https://user:@github.com/x.git", "https://user:@github.com/x.git")]
    [TestCase("https://user@github.com/x.git", "https://user@github.com/x.git")]
    [TestCase("https://github.com/x.git?next=user:pw@host", "https://github.com/x.git?next=user:pw@host")]
    [TestCase("git@github.com:org/repo.git", "git@github.com:org/repo.git")]
    [TestCase("://user:pw@host", "://user:pw@host")]
    [TestCase("", "")]
    public void RedactUrlCredentials_Url_HidesThePassword(string url, string expected)
        => Assert.That(SecretRedactor.RedactUrlCredentials(url), Is.EqualTo(expected));

    [Test]
    public void RedactUrlCredentials_TokenAsUserName_HidesTheUserName()
        => Assert.That(
            SecretRedactor.RedactUrlCredentials("https://" + GitHubPat + "@github.com/org/repo.git"),
            Is.EqualTo("https://***@github.com/org/repo.git"));

    [Test]
    public void IsSecretName_AdditionalPatterns_MatchSubstringsAndGlobs()
    {
        var redactor = new SecretRedactor(["*_pat", "ssn", "tenant*"]);

        Assert.Multiple(() =>
        {
            Assert.That(redactor.IsSecretName("AZDO_PAT"), Is.True, "glob, any case");
            Assert.That(redactor.IsSecretName("github_pat"), Is.True);
            Assert.That(redactor.IsSecretName("compat"), Is.False, "the glob needs the underscore");
            Assert.That(redactor.IsSecretName("customer_SSN"), Is.True, "substring");
            Assert.That(redactor.IsSecretName("customer-s.s.n"), Is.True, "substring after normalization");
            Assert.That(redactor.IsSecretName("TenantId"), Is.True);
            Assert.That(redactor.IsSecretName("my_tenant"), Is.False, "a glob matches the whole name");
            Assert.That(redactor.IsSecretName("learning_rate"), Is.False);
            Assert.That(redactor.IsSecretName("password"), Is.True, "the built-in rules still apply");
            Assert.That(redactor.Redact("customer_ssn", "123-45-6789"), Is.EqualTo(SecretRedactor.Redacted));
            Assert.That(new SecretRedactor().IsSecretName("AZDO_PAT"), Is.False);
        });
    }

    [TestCase("")]
    [TestCase("  ")]
    [TestCase("_-.")]
    public void Constructor_BlankPattern_Throws(string pattern)
        => Assert.Throws<ArgumentException>(() => _ = new SecretRedactor([pattern]));

    [Test]
    public void LooksLikeSecretValue_LongAdversarialValues_StayFast()
    {
        string[] values =
        [
            string.Concat(Enumerable.Repeat("eyJ", 200_000)),
            string.Concat(Enumerable.Repeat("eyJabcdefghijk.", 100_000)),
            string.Concat(Enumerable.Repeat("a://b:c", 100_000)),
            "x://" + new string(':', 500_000),
            string.Concat(Enumerable.Repeat("ghp_ab ", 100_000)),
            string.Concat(Enumerable.Repeat("Bearer ", 100_000)),
            string.Concat(Enumerable.Repeat("sig=1&", 100_000)),
            string.Concat(Enumerable.Repeat("pwd=", 100_000)),
            new string('a', 1_000_000),
        ];
        var stopwatch = Stopwatch.StartNew();

        foreach (var value in values)
        {
            _redactor.LooksLikeSecretValue(value);
            _redactor.Redact("name", value);
        }

        _redactor.IsSecretName(new string('k', 100_000) + "ey");
        new SecretRedactor(["*a*a*a*a*a*b"]).IsSecretName(new string('a', 10_000));
        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
    }
}
