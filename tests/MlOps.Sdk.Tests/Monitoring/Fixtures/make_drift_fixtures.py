#!/usr/bin/env python3
"""Reference values for MlOps.Sdk's drift statistics, computed independently with NumPy and SciPy.

Run from this folder with Debian's packages (apt-get install python3-numpy python3-scipy; written with
NumPy 1.24.2 and SciPy 1.10.1):

    /usr/bin/python3 make_drift_fixtures.py  # writes drift_fixtures.json

Samples are drawn from seeded NumPy generators and rounded to 6 decimals *before* any statistic is computed, so
the JSON holds exactly the values the statistics were computed on; the C# tests read the JSON and need no Python.
"""
import json
import sys
from math import gcd

import numpy as np
import scipy
from scipy import stats
from scipy.spatial.distance import jensenshannon

BINS = 10
EPSILON = 1e-4
PROFILE_BINS = 20


def quantile_edges(ref, bins=BINS):
    # Inner edges: the reference's quantiles at k/bins (NumPy's default linear interpolation), duplicates removed.
    return np.unique(np.quantile(ref, [k / bins for k in range(1, bins)]))


def binned(values, edges):
    # Bin i holds edges[i-1] <= v < edges[i]; the outer bins are open.
    return np.bincount(np.searchsorted(edges, values, side="right"), minlength=len(edges) + 1)


def psi(ref_counts, live_counts, eps=EPSILON):
    e = np.maximum(ref_counts / ref_counts.sum(), eps)
    a = np.maximum(live_counts / live_counts.sum(), eps)
    return float(np.sum((a - e) * np.log(a / e)))


def ks_all_methods(ref, live):
    n, m = len(ref), len(live)
    auto = stats.ks_2samp(ref, live)  # SciPy's default: method="auto" (exact while max(n, m) <= 10000)
    exact = stats.ks_2samp(ref, live, method="exact")
    asymp = stats.ks_2samp(ref, live, method="asymp")  # SciPy >= 1.5: kstwo.sf(D, round(n*m/(n+m)))
    en = n * m / (n + m)
    return {
        "statistic": float(auto.statistic),
        "pvalue_auto": float(auto.pvalue),
        "pvalue_exact": float(exact.pvalue),
        "pvalue_asymp": float(asymp.pvalue),
        # The asymptotic Kolmogorov distribution, which MlOps.Sdk implements: P(K > sqrt(en) * D).
        "pvalue_kstwobign": float(stats.kstwobign.sf(np.sqrt(en) * auto.statistic)),
    }


def pvalue_point(d, n, m):
    # The p-value for a statistic and sizes alone. SciPy's exact two-sample computation is only reachable through
    # ks_2samp's samples or this private helper (SciPy 1.10.1); it is the method ks_2samp(method="exact") uses.
    from scipy.stats._stats_py import _attempt_exact_2kssamp
    point = {"d": d, "n": n, "m": m, "kstwobign": float(stats.kstwobign.sf(np.sqrt(n * m / (n + m)) * d))}
    if max(n, m) <= 10000:
        success, _, prob = _attempt_exact_2kssamp(n, m, gcd(n, m), d, "two-sided")
        if success:
            point["exact"] = float(prob)
    return point


def profile_comparison(ref, live):
    # What DatasetProfiler keeps: 20 equal-width bins from min to max, the last one closed (np.histogram's rule).
    counts, edges = np.histogram(ref, bins=PROFILE_BINS)
    inner = edges[1:-1]
    live_counts = binned(live, inner)
    live_sorted = np.sort(live)
    total, m = counts.sum(), len(live)
    # KS at the histogram's edges: P(X < edge) from the bins below, against the live share strictly below the edge.
    cum = np.cumsum(counts)
    d = 0.0
    for k, edge in enumerate(inner):
        d = max(d, abs(cum[k] / total - np.searchsorted(live_sorted, edge, side="left") / m))
    d = max(d, np.searchsorted(live_sorted, edges[0], side="left") / m)
    d = max(d, 1 - np.searchsorted(live_sorted, edges[-1], side="right") / m)
    # Wasserstein with the reference spread evenly within its bins: 400 evenly spaced points per bin, weighted by the
    # bin's count (error below a 800th of a bin width).
    points_per_bin = 400
    u_values, u_weights = [], []
    for k in range(PROFILE_BINS):
        w = edges[k + 1] - edges[k]
        u_values.extend(edges[k] + (np.arange(points_per_bin) + 0.5) / points_per_bin * w)
        u_weights.extend([counts[k] / points_per_bin] * points_per_bin)
    return {
        "bin_edges": edges.tolist(),
        "bin_counts": counts.tolist(),
        "psi": psi(counts, live_counts),
        "jensenshannon": float(jensenshannon(counts, live_counts, base=2)),
        "ks_statistic": float(d),
        "ks_pvalue": pvalue_point(float(d), int(total), int(m)),
        "wasserstein": float(stats.wasserstein_distance(u_values, live, u_weights=u_weights)),
        "wasserstein_tolerance": float((edges[1] - edges[0]) / points_per_bin),
    }


def numeric_case(name, ref, live):
    ref, live = np.round(ref, 6), np.round(live, 6)
    edges = quantile_edges(ref)
    rc, lc = binned(ref, edges), binned(live, edges)
    w = stats.wasserstein_distance(ref, live)
    return {
        "name": name,
        "reference": ref.tolist(),
        "live": live.tolist(),
        "bin_edges": edges.tolist(),
        "reference_bins": rc.tolist(),
        "live_bins": lc.tolist(),
        "psi": psi(rc, lc),
        "jensenshannon": float(jensenshannon(rc, lc, base=2)),
        "ks": ks_all_methods(ref, live),
        "wasserstein": float(w),
        "wasserstein_normalized": float(w / np.std(ref, ddof=1)),
        "profile": profile_comparison(ref, live),
    }


def categorical_case(name, categories, ref_counts, live_counts):
    rc, lc = np.array(ref_counts), np.array(live_counts)
    keep = (rc + lc) > 0  # categories empty on both sides are dropped (chi2_contingency would reject them)
    chi2, p, dof, _ = stats.chi2_contingency(np.vstack([rc[keep], lc[keep]]), correction=False)
    return {
        "name": name,
        "categories": categories,
        "reference": ref_counts,
        "live": live_counts,
        "chi2": float(chi2),
        "dof": int(dof),
        "pvalue": float(p),
        "cramers_v": float(np.sqrt(chi2 / (rc.sum() + lc.sum()))),
        "psi": psi(rc, lc),
        "jensenshannon": float(jensenshannon(rc, lc, base=2)),
    }


def main():
    numeric = [
        numeric_case("same-normal", np.random.default_rng(1).normal(0, 1, 500), np.random.default_rng(2).normal(0, 1, 400)),
        numeric_case("shift-half-sd", np.random.default_rng(3).normal(10, 2, 1000), np.random.default_rng(4).normal(11, 2, 800)),
        numeric_case("scale-change", np.random.default_rng(5).normal(0, 1, 300), np.random.default_rng(6).normal(0, 1.5, 300)),
        numeric_case("ties-poisson", np.random.default_rng(7).poisson(3, 600).astype(float), np.random.default_rng(8).poisson(3.4, 450).astype(float)),
        numeric_case("skewed-small", np.random.default_rng(9).lognormal(0, 1, 60), np.random.default_rng(10).lognormal(0.3, 1, 45)),
        numeric_case("live-outside-range", np.random.default_rng(11).uniform(0, 1, 400), np.random.default_rng(12).uniform(0.5, 1.8, 300)),
    ]
    categorical = [
        categorical_case("same", ["a", "b", "c", "d"], [500, 300, 150, 50], [480, 310, 160, 50]),
        categorical_case("shifted", ["a", "b", "c", "d"], [500, 300, 150, 50], [350, 350, 200, 100]),
        categorical_case("unseen-on-each-side", ["a", "b", "c", "new", "gone"], [400, 300, 200, 0, 100], [390, 280, 230, 40, 0]),
        categorical_case("two-categories", ["yes", "no"], [700, 300], [640, 360]),
        categorical_case("empty-on-both", ["a", "b", "unused"], [50, 50, 0], [30, 70, 0]),
    ]
    ks_pvalues = [
        pvalue_point(0.14, 200, 200),
        pvalue_point(0.135, 200, 200),
        pvalue_point(0.1, 300, 700),
        pvalue_point(0.2, 40, 60),
        pvalue_point(0.5, 10, 12),
        pvalue_point(1.0, 5, 7),
        pvalue_point(0.05, 2000, 1500),
        pvalue_point(0.02, 9000, 10000),
        pvalue_point(0.3, 3, 1000),
        pvalue_point(0.01, 50000, 40000),
        pvalue_point(0.004, 1000000, 1000000),
    ]
    fixture = {
        "generator": "make_drift_fixtures.py",
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "bins": BINS,
        "epsilon": EPSILON,
        "numeric": numeric,
        "categorical": categorical,
        "ks_pvalues": ks_pvalues,
    }
    with open("drift_fixtures.json", "w", encoding="utf-8") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote drift_fixtures.json with NumPy {np.__version__}, SciPy {scipy.__version__}", file=sys.stderr)


if __name__ == "__main__":
    main()
