using System.Runtime.CompilerServices;
namespace MlOps.Sdk.Search;

/// <summary>Normal distribution functions for the Parzen estimators.</summary>
internal static class Gaussian
{
    public const double LogSqrtTwoPi = 0.91893853320467274178;
    private const double InvSqrt2 = 0.70710678118654752440;

    /// <summary>Cells narrower than this (in standard deviations) are integrated by Simpson's rule.</summary>
    private const double NarrowCell = 0.05;

    /// <summary>The complementary error function, with a fractional error below 1.2e-7 everywhere (Numerical Recipes' erfcc).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Erfc(double x)
    {
        var z = Math.Abs(x);
        var t = 1.0 / (1.0 + (0.5 * z));
        var poly = -0.82215223 + (t * 0.17087277);
        poly = 1.48851587 + (t * poly);
        poly = -1.13520398 + (t * poly);
        poly = 0.27886807 + (t * poly);
        poly = -0.18628806 + (t * poly);
        poly = 0.09678418 + (t * poly);
        poly = 0.37409196 + (t * poly);
        poly = 1.00002368 + (t * poly);
        poly = -1.26551223 + (t * poly);
        var r = t * Math.Exp(-(z * z) + poly);
        return x >= 0 ? r : 2.0 - r;
    }

    /// <summary>The standard normal's mass in [<paramref name="a"/>, <paramref name="b"/>], accurate in both tails.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Mass(double a, double b)
    {
        if (b - a < NarrowCell)
        {
            // A narrow cell (a step of a wide integer range): Simpson's rule on the density, exact to (b - a)^5, where a
            // difference of two erfc values (each off by up to 1.2e-7) would lose the mass, or even turn it negative.
            return (b - a) / 6.0 * (Density(a) + (4.0 * Density(0.5 * (a + b))) + Density(b));
        }

        double mass;
        if (a >= 0)
        {
            mass = 0.5 * (Erfc(a * InvSqrt2) - Erfc(b * InvSqrt2));
        }
        else if (b <= 0)
        {
            mass = 0.5 * (Erfc(-b * InvSqrt2) - Erfc(-a * InvSqrt2));
        }
        else
        {
            mass = 1.0 - (0.5 * (Erfc(-a * InvSqrt2) + Erfc(b * InvSqrt2)));
        }

        return Math.Max(mass, 0.0);
    }

    /// <summary>The standard normal density.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Density(double x) => Math.Exp((-0.5 * x * x) - LogSqrtTwoPi);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double LogSumExp(ReadOnlySpan<double> values)
    {
        var max = double.NegativeInfinity;
        foreach (var v in values)
        {
            if (v > max)
            {
                max = v;
            }
        }

        if (double.IsNegativeInfinity(max))
        {
            return max;
        }

        var sum = 0.0;
        foreach (var v in values)
        {
            sum += Math.Exp(v - max);
        }

        return max + Math.Log(sum);
    }
}
