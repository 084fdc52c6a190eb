using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace MlOps.Sdk.Tracking;

/// <summary>
/// Decides which recorded names and values are secrets, and hides them before a run writes them: parameters, tags,
/// command lines and git remotes.
/// </summary>
/// <remarks>
/// <para><b>Secret names.</b> A name is first normalized: lower-cased (invariant culture), with the separators
/// <c>_</c>, <c>-</c>, <c>.</c>, <c>:</c> and space removed (<c>Storage:Account_Key</c> becomes <c>storageaccountkey</c>).
/// It is a secret when any one of these holds:</para>
/// <list type="number">
/// <item>the normalized name contains <c>password</c>, <c>passwd</c>, <c>passphrase</c>, <c>pwd</c>, <c>secret</c>,
/// <c>credential</c>, <c>connectionstring</c>, <c>connstr</c>, <c>signature</c>, <c>authorization</c>, <c>apikey</c>,
/// <c>accesskey</c>, <c>accountkey</c>, <c>privatekey</c>, <c>masterkey</c>, <c>signingkey</c>, <c>encryptionkey</c>
/// or <c>subscriptionkey</c>;</item>
/// <item>the normalized name contains <c>token</c> not directly followed by <c>s</c>, <c>iz</c> or <c>is</c>
/// (<c>access_token</c>, <c>HF_TOKEN</c> are secrets; <c>max_tokens</c>, <c>tokenizer</c>, <c>tokenisation</c> are not);</item>
/// <item>the name, ignoring trailing digits and separators, ends with the word <c>key</c>: <c>key</c> that starts the
/// name, follows a separator or a digit, or starts a camel-case word (<c>api_key</c>, <c>storage-key</c>,
/// <c>AccountKey2</c>, <c>SSHKey</c>, <c>KEY</c> are secrets; <c>monkey</c>, <c>hotkey</c>, <c>keyword</c>,
/// <c>keys_count</c>, <c>key_vault_name</c> are not);</item>
/// <item>the name holds the word <c>auth</c> or <c>sas</c>: delimited by the start or end of the name, a separator, a
/// digit or a camel-case change (<c>auth</c>, <c>basic_auth</c>, <c>AuthHeader</c>, <c>SAS_URL</c>, <c>sasToken</c>
/// are secrets; <c>author</c>, <c>oauth_client_id</c>, <c>disaster</c> are not);</item>
/// <item>the name matches one of the additional patterns given to the constructor.</item>
/// </list>
/// <para><b>Secret values.</b> A value is a secret when it</para>
/// <list type="bullet">
/// <item>contains <c>AccountKey=</c>, <c>SharedAccessKey=</c> or <c>SharedAccessSignature=</c> (any case): an Azure
/// Storage, Service Bus or Event Hubs connection string;</item>
/// <item>contains <c>Password=</c> or <c>Pwd=</c> (any case) at its start or after <c>;</c>, <c>&amp;</c>, <c>?</c>,
/// a quote or white space: a database connection string or a query parameter;</item>
/// <item>has query parameters (after the first <c>?</c>, or the whole value when it has none) named <c>sig</c> and
/// <c>sv</c> or <c>se</c>: a shared access signature token or a URL that carries one;</item>
/// <item>is, after trimming, exactly 88 base64 characters ending in <c>==</c>: the form of an Azure Storage account
/// key (64 bytes);</item>
/// <item>contains a JSON Web Token: a segment of at least 10 base64url characters starting with <c>eyJ</c> (not
/// preceded by a base64url character or a dot), a dot, a non-empty segment, and another dot;</item>
/// <item>contains <c>-----BEGIN </c> followed later by <c>PRIVATE KEY-----</c>: a PEM private key;</item>
/// <item>contains a GitHub token: <c>ghp_</c>, <c>gho_</c>, <c>ghu_</c>, <c>ghs_</c>, <c>ghr_</c> or
/// <c>github_pat_</c> not preceded by a letter or digit and followed by at least 20 letters, digits or underscores;</item>
/// <item>contains <c>Bearer </c> (any case, at the start or after white space, a quote or a colon) followed by at
/// least 16 characters that are not white space;</item>
/// <item>contains a URL with a password in its user information (<c>scheme://user:password@host</c>, a password other
/// than <c>***</c>).</item>
/// </list>
/// <para>Plain numbers, GUIDs, words, file paths and hexadecimal hashes match none of these. The checks are plain
/// scans, linear in the length of the value.</para>
/// <para>Instances are immutable and thread-safe.</para>
/// </remarks>
internal sealed class SecretRedactor
{
    /// <summary>What a secret is replaced with.</summary>
    public const string Redacted = "***";

    private const string Separators = "_-.: ";

    private static readonly string[] SecretFragments =
    [
        "password", "passwd", "passphrase", "pwd", "secret", "credential", "connectionstring", "connstr", "signature",
        "authorization", "apikey", "accesskey", "accountkey", "privatekey", "masterkey", "signingkey", "encryptionkey",
        "subscriptionkey",
    ];

    private static readonly string[] SecretWords = ["auth", "sas"];

    private static readonly string[] GitHubTokenPrefixes = ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"];

    private static readonly string[] ConnectionStringSecrets = ["AccountKey=", "SharedAccessKey=", "SharedAccessSignature="];

    private static readonly string[] PasswordAssignments = ["Password=", "Pwd="];

    private readonly string[] _substrings;
    private readonly string[] _globs;

    /// <summary>Creates a redactor with the built-in rules and, optionally, more secret name patterns.</summary>
    /// <param name="additionalNamePatterns">
    /// More names to treat as secrets, matched ignoring case. A pattern without <c>*</c> is a substring: it matches a
    /// name that contains it once both are normalized (<c>apikey</c> matches <c>X_API_KEY</c>). A pattern with
    /// <c>*</c> is a glob over the whole name, where <c>*</c> stands for any characters: it matches when it matches
    /// the name as written or the normalized name (<c>*_pat</c> matches <c>AZDO_PAT</c>, not <c>compat</c>).
    /// </param>
    /// <exception cref="ArgumentException">A pattern is null, blank, or only separators.</exception>
    public SecretRedactor(IEnumerable<string>? additionalNamePatterns = null)
    {
        var substrings = new List<string>();
        var globs = new List<string>();
        foreach (var pattern in additionalNamePatterns ?? [])
        {
            if (string.IsNullOrWhiteSpace(pattern))
            {
                throw new ArgumentException("A secret name pattern must not be null or blank.", nameof(additionalNamePatterns));
            }

            if (pattern.Contains('*', StringComparison.Ordinal))
            {
                globs.Add(pattern.Trim());
                continue;
            }

            var normalized = Normalize(pattern);
            if (normalized.Length == 0)
            {
                throw new ArgumentException($"The secret name pattern '{pattern}' has nothing but separators.", nameof(additionalNamePatterns));
            }

            substrings.Add(normalized);
        }

        _substrings = [.. substrings];
        _globs = [.. globs];
    }

    /// <summary>Tells whether a name (of a parameter, tag, option or variable) names a secret.</summary>
    /// <param name="name">The name.</param>
    /// <returns><see langword="true"/> when the name follows one of the rules in the remarks of <see cref="SecretRedactor"/>.</returns>
    public bool IsSecretName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var normalized = Normalize(name);
        if (normalized.Length == 0)
        {
            return false;
        }

        foreach (var fragment in SecretFragments)
        {
            if (normalized.Contains(fragment, StringComparison.Ordinal))
            {
                return true;
            }
        }

        if (ContainsSecretToken(normalized) || EndsWithKeyWord(name))
        {
            return true;
        }

        foreach (var word in SecretWords)
        {
            if (ContainsWord(name, word))
            {
                return true;
            }
        }

        foreach (var substring in _substrings)
        {
            if (normalized.Contains(substring, StringComparison.Ordinal))
            {
                return true;
            }
        }

        foreach (var glob in _globs)
        {
            if (GlobMatches(name, glob) || GlobMatches(normalized, glob))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Tells whether a value looks like a secret whatever its name.</summary>
    /// <param name="value">The value.</param>
    /// <returns><see langword="true"/> when the value follows one of the rules in the remarks of <see cref="SecretRedactor"/>.</returns>
    [SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "Asked of a configured redactor, like IsSecretName.")]
    public bool LooksLikeSecretValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return IsSecretValue(value) || HasUrlPassword(value);
    }

    /// <summary>Hides a named value when it is a secret.</summary>
    /// <param name="name">The name of the value; empty for a value without a name.</param>
    /// <param name="value">The value.</param>
    /// <returns>
    /// <see cref="Redacted"/> when <paramref name="name"/> is a secret name or <paramref name="value"/> a secret value;
    /// otherwise <paramref name="value"/> with the passwords in URLs replaced (see <see cref="RedactUrlCredentials"/>),
    /// so that <c>https://user:pw@github.com/x.git</c> is kept as <c>https://user:***@github.com/x.git</c>.
    /// </returns>
    public string Redact(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        return IsSecretName(name) || IsSecretValue(value) ? Redacted : RedactUrlCredentials(value);
    }

    /// <summary>Replaces the credentials in the user information of every URL in a text, keeping the rest.</summary>
    /// <param name="url">A URL, a git remote, or any text with URLs in it.</param>
    /// <returns>
    /// The text with the password of <c>scheme://user:password@host</c> replaced by <see cref="Redacted"/>
    /// (<c>https://user:***@github.com/x.git</c>); a user name alone is kept unless it looks like a token
    /// (<c>https://ghp_...@github.com</c> becomes <c>https://***@github.com</c>). Text without credentials, including
    /// <c>git@host:path</c> remotes, is returned as it is.
    /// </returns>
    public static string RedactUrlCredentials(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        StringBuilder? builder = null;
        var copied = 0;
        var from = 0;
        while (TryFindUserInfo(url, ref from, out var userStart, out var at))
        {
            var userInfo = url.AsSpan(userStart, at - userStart);
            var colon = userInfo.IndexOf(':');
            int secretStart;
            if (colon >= 0)
            {
                secretStart = userStart + colon + 1;
            }
            else if (ContainsGitHubToken(userInfo) || ContainsJwt(userInfo))
            {
                secretStart = userStart;
            }
            else
            {
                continue;
            }

            var secret = url.AsSpan(secretStart, at - secretStart);
            if (secret.IsEmpty || secret.SequenceEqual(Redacted))
            {
                continue;
            }

            builder ??= new StringBuilder(url.Length);
            builder.Append(url, copied, secretStart - copied).Append(Redacted);
            copied = at;
        }

        return builder is null ? url : builder.Append(url, copied, url.Length - copied).ToString();
    }

    private static bool IsSecretValue(string value)
        => ContainsAny(value, ConnectionStringSecrets)
            || ContainsPasswordAssignment(value)
            || HasSasSignature(value)
            || IsAccountKey(value)
            || ContainsJwt(value)
            || ContainsPemPrivateKey(value)
            || ContainsGitHubToken(value)
            || ContainsBearerToken(value);

    private static bool HasUrlPassword(string value)
    {
        var from = 0;
        while (TryFindUserInfo(value, ref from, out var userStart, out var at))
        {
            var userInfo = value.AsSpan(userStart, at - userStart);
            var colon = userInfo.IndexOf(':');
            if (colon >= 0 && colon < userInfo.Length - 1 && !userInfo[(colon + 1)..].SequenceEqual(Redacted))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Finds the next <c>scheme://userinfo@</c> from <paramref name="from"/> and moves it past that authority.</summary>
    private static bool TryFindUserInfo(string text, ref int from, out int userStart, out int at)
    {
        while (from < text.Length)
        {
            var separator = text.IndexOf("://", from, StringComparison.Ordinal);
            if (separator < 0)
            {
                break;
            }

            var start = separator + 3;
            var end = start;
            while (end < text.Length && !IsAuthorityEnd(text[end]))
            {
                end++;
            }

            from = end > start ? end : start;
            if (end > start && HasScheme(text, separator))
            {
                var index = text.LastIndexOf('@', end - 1, end - start);
                if (index >= 0)
                {
                    userStart = start;
                    at = index;
                    return true;
                }
            }
        }

        from = text.Length;
        userStart = 0;
        at = 0;
        return false;
    }

    private static bool IsAuthorityEnd(char c) => c is '/' or '\\' or '?' or '#' or '"' or '\'' or '<' or '>' || char.IsWhiteSpace(c);

    private static bool HasScheme(string text, int separator)
    {
        var start = separator;
        while (start > 0 && (char.IsAsciiLetterOrDigit(text[start - 1]) || text[start - 1] is '+' or '-' or '.'))
        {
            start--;
        }

        return start < separator && char.IsAsciiLetter(text[start]);
    }

    private static bool ContainsAny(string value, string[] fragments)
    {
        foreach (var fragment in fragments)
        {
            if (value.Contains(fragment, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ContainsPasswordAssignment(string value)
    {
        foreach (var assignment in PasswordAssignments)
        {
            for (var i = value.IndexOf(assignment, StringComparison.OrdinalIgnoreCase); i >= 0; i = value.IndexOf(assignment, i + 1, StringComparison.OrdinalIgnoreCase))
            {
                if (i == 0 || value[i - 1] is ';' or '&' or '?' or '"' or '\'' || char.IsWhiteSpace(value[i - 1]))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool HasSasSignature(string value)
    {
        if (!value.Contains("sig=", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var question = value.IndexOf('?', StringComparison.Ordinal);
        var query = question >= 0 ? value.AsSpan(question + 1) : value.AsSpan();
        bool signature = false, versionOrExpiry = false;
        foreach (var range in query.Split('&'))
        {
            var parameter = query[range];
            var equals = parameter.IndexOf('=');
            if (equals <= 0)
            {
                continue;
            }

            var name = parameter[..equals].Trim();
            signature |= name.Equals("sig", StringComparison.OrdinalIgnoreCase);
            versionOrExpiry |= name.Equals("sv", StringComparison.OrdinalIgnoreCase) || name.Equals("se", StringComparison.OrdinalIgnoreCase);
        }

        return signature && versionOrExpiry;
    }

    private static bool IsAccountKey(string value)
    {
        var key = value.AsSpan().Trim();
        if (key.Length != 88 || !key.EndsWith("==", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in key[..86])
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '+' and not '/')
            {
                return false;
            }
        }

        // 64 bytes end in a character that carries 2 bits and 4 zero bits.
        return key[85] is 'A' or 'Q' or 'g' or 'w';
    }

    private static bool ContainsJwt(ReadOnlySpan<char> value)
    {
        var offset = 0;
        while (offset < value.Length)
        {
            var found = value[offset..].IndexOf("eyJ", StringComparison.Ordinal);
            if (found < 0)
            {
                return false;
            }

            var start = offset + found;
            offset = start + 3;
            if (start > 0 && (IsBase64UrlChar(value[start - 1]) || value[start - 1] == '.'))
            {
                continue;
            }

            var header = SegmentLength(value[start..]);
            var afterHeader = start + header;
            if (header < 10 || afterHeader >= value.Length || value[afterHeader] != '.')
            {
                offset = afterHeader;
                continue;
            }

            var payload = SegmentLength(value[(afterHeader + 1)..]);
            var afterPayload = afterHeader + 1 + payload;
            if (payload > 0 && afterPayload < value.Length && value[afterPayload] == '.')
            {
                return true;
            }

            offset = afterPayload;
        }

        return false;
    }

    private static int SegmentLength(ReadOnlySpan<char> text)
    {
        var length = 0;
        while (length < text.Length && IsBase64UrlChar(text[length]))
        {
            length++;
        }

        return length;
    }

    private static bool IsBase64UrlChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';

    private static bool ContainsPemPrivateKey(string value)
    {
        var begin = value.IndexOf("-----BEGIN ", StringComparison.Ordinal);
        return begin >= 0 && value.IndexOf("PRIVATE KEY-----", begin, StringComparison.Ordinal) >= 0;
    }

    private static bool ContainsGitHubToken(ReadOnlySpan<char> value)
    {
        foreach (var prefix in GitHubTokenPrefixes)
        {
            var offset = 0;
            while (offset < value.Length)
            {
                var found = value[offset..].IndexOf(prefix, StringComparison.Ordinal);
                if (found < 0)
                {
                    break;
                }

                var start = offset + found;
                offset = start + prefix.Length;
                if (start > 0 && char.IsAsciiLetterOrDigit(value[start - 1]))
                {
                    continue;
                }

                var length = 0;
                while (offset + length < value.Length && (char.IsAsciiLetterOrDigit(value[offset + length]) || value[offset + length] == '_'))
                {
                    length++;
                }

                if (length >= 20)
                {
                    return true;
                }

                offset += length;
            }
        }

        return false;
    }

    private static bool ContainsBearerToken(string value)
    {
        const string Bearer = "Bearer ";
        for (var i = value.IndexOf(Bearer, StringComparison.OrdinalIgnoreCase); i >= 0; i = value.IndexOf(Bearer, i + 1, StringComparison.OrdinalIgnoreCase))
        {
            if (i > 0 && !char.IsWhiteSpace(value[i - 1]) && value[i - 1] is not '"' and not '\'' and not ':')
            {
                continue;
            }

            var token = value.AsSpan(i + Bearer.Length).TrimStart();
            var length = 0;
            while (length < token.Length && !char.IsWhiteSpace(token[length]))
            {
                length++;
            }

            if (length >= 16)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Lower-cases a name and removes its separators.</summary>
    private static string Normalize(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (!Separators.Contains(c, StringComparison.Ordinal))
            {
                builder.Append(char.ToLowerInvariant(c));
            }
        }

        return builder.ToString();
    }

    private static bool ContainsSecretToken(string normalized)
    {
        for (var i = normalized.IndexOf("token", StringComparison.Ordinal); i >= 0; i = normalized.IndexOf("token", i + 1, StringComparison.Ordinal))
        {
            var rest = normalized.AsSpan(i + 5);
            if (!rest.StartsWith("s", StringComparison.Ordinal) && !rest.StartsWith("iz", StringComparison.Ordinal) && !rest.StartsWith("is", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static bool EndsWithKeyWord(string name)
    {
        var end = name.Length;
        while (end > 0 && (char.IsAsciiDigit(name[end - 1]) || Separators.Contains(name[end - 1], StringComparison.Ordinal)))
        {
            end--;
        }

        var start = end - 3;
        return start >= 0 && name.AsSpan(start, 3).Equals("key", StringComparison.OrdinalIgnoreCase) && IsWordStart(name, start);
    }

    private static bool ContainsWord(string name, string word)
    {
        for (var i = name.IndexOf(word, StringComparison.OrdinalIgnoreCase); i >= 0; i = name.IndexOf(word, i + 1, StringComparison.OrdinalIgnoreCase))
        {
            if (IsWordStart(name, i) && IsWordEnd(name, i + word.Length))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsWordStart(string name, int index)
    {
        if (index == 0)
        {
            return true;
        }

        var previous = name[index - 1];
        var current = name[index];
        return Separators.Contains(previous, StringComparison.Ordinal)
            || char.IsAsciiDigit(previous)
            || (char.IsUpper(current) && char.IsLower(previous))
            || (char.IsUpper(current) && char.IsUpper(previous) && index + 1 < name.Length && char.IsLower(name[index + 1]));
    }

    private static bool IsWordEnd(string name, int index)
    {
        if (index == name.Length)
        {
            return true;
        }

        var next = name[index];
        return Separators.Contains(next, StringComparison.Ordinal)
            || char.IsAsciiDigit(next)
            || (char.IsUpper(next) && char.IsLower(name[index - 1]));
    }

    /// <summary>Matches a whole text against a glob where <c>*</c> is any run of characters, ignoring case, without backtracking blow-up.</summary>
    private static bool GlobMatches(string text, string glob)
    {
        int t = 0, g = 0, star = -1, resume = 0;
        while (t < text.Length)
        {
            if (g < glob.Length && glob[g] == '*')
            {
                star = g++;
                resume = t;
            }
            else if (g < glob.Length && char.ToUpperInvariant(glob[g]) == char.ToUpperInvariant(text[t]))
            {
                g++;
                t++;
            }
            else if (star >= 0)
            {
                g = star + 1;
                t = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (g < glob.Length && glob[g] == '*')
        {
            g++;
        }

        return g == glob.Length;
    }
}
