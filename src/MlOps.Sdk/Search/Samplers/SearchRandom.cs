namespace MlOps.Sdk.Search;

/// <summary>
/// A small, fast generator (xoshiro256**) seeded from a sampler's seed, a trial's number and a stream name through a
/// stable hash, so that every trial's and parameter's draws are reproducible whatever thread or process makes them.
/// A value type used by one caller at a time: never shared.
/// </summary>
internal struct SearchRandom
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    private SearchRandom(ulong seed)
    {
        _s0 = SplitMix(ref seed);
        _s1 = SplitMix(ref seed);
        _s2 = SplitMix(ref seed);
        _s3 = SplitMix(ref seed);
    }

    /// <summary>Creates the generator for one stream of one trial: the same arguments give the same draws in any process.</summary>
    public static SearchRandom For(long seed, int trialNumber, string stream)
    {
        var state = Mix(unchecked((ulong)seed) ^ 0x5851F42D4C957F2DUL);
        state = Mix(state ^ unchecked((ulong)(uint)trialNumber) ^ 0x14057B7EF767814FUL);
        state = Mix(state ^ StableHash(stream));
        return new SearchRandom(state);
    }

    /// <summary>Creates a generator from a seed alone.</summary>
    public static SearchRandom FromSeed(long seed) => new(Mix(unchecked((ulong)seed) ^ 0x2545F4914F6CDD1DUL));

    /// <summary>FNV-1a over the UTF-16 code units: stable across processes and runtimes, unlike <see cref="string.GetHashCode()"/>.</summary>
    public static ulong StableHash(string text)
    {
        var hash = 0xCBF29CE484222325UL;
        foreach (var c in text)
        {
            hash = unchecked((hash ^ (byte)c) * 0x100000001B3UL);
            hash = unchecked((hash ^ (byte)(c >> 8)) * 0x100000001B3UL);
        }

        return Mix(hash);
    }

    /// <summary>A uniform draw in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform integer in [0, <paramref name="count"/>).</summary>
    public int NextInt(int count)
    {
        // Lemire's multiply-shift: unbiased enough for counts far below 2^32 and branch-free.
        return (int)(((NextUInt64() >> 32) * (ulong)(uint)count) >> 32);
    }

    /// <summary>A standard normal draw (Box-Muller, one of the pair).</summary>
    public double NextNormal()
    {
        double u1;
        do
        {
            u1 = NextDouble();
        }
        while (u1 <= double.Epsilon);

        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    public ulong NextUInt64()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    private static ulong SplitMix(ref ulong state)
    {
        state = unchecked(state + 0x9E3779B97F4A7C15UL);
        return Mix(state);
    }

    private static ulong Mix(ulong z)
    {
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
