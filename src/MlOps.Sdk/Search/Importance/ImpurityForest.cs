namespace MlOps.Sdk.Search;

/// <summary>
/// A random forest regression (mean squared error, bootstrap samples, every column considered at every split) grown only
/// for its mean-decrease-in-impurity importances, as scikit-learn's <c>RandomForestRegressor.feature_importances_</c>:
/// each tree's decreases normalized to sum to 1, averaged over the trees. A bootstrap sample is kept as counts per sample
/// (weights), so each column is sorted once for the whole forest.
/// </summary>
internal static class ImpurityForest
{
    private const double PureImpurity = 1e-12;

    /// <summary>The columns' importances, summing to 1, or all 0 when no tree found a split (the values do not vary).</summary>
    public static double[] Importances(IReadOnlyList<double[]> columns, double[] values, int treeCount, int maxDepth, int seed)
    {
        var n = values.Length;
        var y = Standardize(values);
        var sorted = columns.Select(column => Enumerable.Range(0, n).OrderBy(i => column[i]).ThenBy(i => i).ToArray()).ToArray();
        var total = new double[columns.Count];
        var trees = 0;
        for (var tree = 0; tree < treeCount; tree++)
        {
            var random = new SplitMix64(((ulong)(uint)seed << 32) ^ (ulong)tree);
            var tally = new Tree(columns, y, sorted, random, maxDepth).Grow();
            var sum = tally.Sum();
            if (sum > 0)
            {
                for (var c = 0; c < tally.Length; c++)
                {
                    total[c] += tally[c] / sum;
                }

                trees++;
            }
        }

        if (trees > 0)
        {
            var grand = total.Sum();
            for (var c = 0; c < total.Length; c++)
            {
                total[c] /= grand;
            }
        }

        return total;
    }

    private static double[] Standardize(double[] values)
    {
        var mean = values.Average();
        var spread = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
        return [.. values.Select(v => spread > 0 ? (v - mean) / spread : 0)];
    }

    /// <summary>One tree: a bootstrap sample as weights, nodes as ranges of per-column buffers kept sorted by the column.</summary>
    private sealed class Tree
    {
        private readonly IReadOnlyList<double[]> _columns;
        private readonly double[] _y;
        private readonly double[] _weights;
        private readonly int[][] _buffers;
        private readonly int[] _scratch;
        private readonly bool[] _goesLeft;
        private readonly int[] _order;
        private readonly SplitMix64 _random;
        private readonly int _maxDepth;

        public Tree(IReadOnlyList<double[]> columns, double[] y, int[][] sorted, SplitMix64 random, int maxDepth)
        {
            _columns = columns;
            _y = y;
            _random = random;
            _maxDepth = maxDepth;
            var n = y.Length;
            _weights = new double[n];
            for (var i = 0; i < n; i++)
            {
                _weights[_random.NextInt(n)]++;
            }

            _buffers = [.. sorted.Select(order => order.Where(i => _weights[i] > 0).ToArray())];
            _scratch = new int[n];
            _goesLeft = new bool[n];
            _order = [.. Enumerable.Range(0, columns.Count)];
        }

        public double[] Grow()
        {
            var importances = new double[_columns.Count];
            var root = _buffers[0];
            double w = 0, s = 0, ss = 0;
            foreach (var i in root)
            {
                w += _weights[i];
                s += _weights[i] * _y[i];
                ss += _weights[i] * _y[i] * _y[i];
            }

            var stack = new Stack<Node>();
            stack.Push(new Node(0, root.Length, 0, w, s, ss));
            while (stack.Count > 0)
            {
                var node = stack.Pop();
                if (node.Depth >= _maxDepth || node.End - node.Start < 2 || node.Impurity <= PureImpurity)
                {
                    continue;
                }

                if (FindSplit(node) is not { } split)
                {
                    continue;
                }

                importances[split.Column] += split.Decrease;
                Partition(node, split);
                var left = new Node(node.Start, split.Position + 1, node.Depth + 1, split.LeftWeight, split.LeftSum, split.LeftSquares);
                var right = new Node(split.Position + 1, node.End, node.Depth + 1, node.Weight - split.LeftWeight, node.Sum - split.LeftSum, node.Squares - split.LeftSquares);
                stack.Push(left);
                stack.Push(right);
            }

            return importances;
        }

        /// <summary>The split with the largest decrease of the sum of squared errors, columns visited in a random order (first wins ties).</summary>
        private Split? FindSplit(Node node)
        {
            for (var i = _order.Length - 1; i > 0; i--)
            {
                var j = _random.NextInt(i + 1);
                (_order[i], _order[j]) = (_order[j], _order[i]);
            }

            Split? best = null;
            var parentTerm = node.Sum * node.Sum / node.Weight;
            foreach (var c in _order)
            {
                var column = _columns[c];
                var buffer = _buffers[c];
                if (column[buffer[node.Start]] == column[buffer[node.End - 1]])
                {
                    continue;
                }

                double w = 0, s = 0, ss = 0;
                for (var p = node.Start; p < node.End - 1; p++)
                {
                    var i = buffer[p];
                    w += _weights[i];
                    s += _weights[i] * _y[i];
                    ss += _weights[i] * _y[i] * _y[i];
                    if (column[buffer[p + 1]] <= column[i])
                    {
                        continue;
                    }

                    var rightWeight = node.Weight - w;
                    var rightSum = node.Sum - s;
                    var decrease = (s * s / w) + (rightSum * rightSum / rightWeight) - parentTerm;
                    if (best is null || decrease > best.Value.Decrease)
                    {
                        best = new Split(c, p, Math.Max(decrease, 0), w, s, ss);
                    }
                }
            }

            return best;
        }

        /// <summary>Reorders every column's buffer so the node's left samples come first, each side still sorted.</summary>
        private void Partition(Node node, Split split)
        {
            var splitBuffer = _buffers[split.Column];
            for (var p = node.Start; p < node.End; p++)
            {
                _goesLeft[splitBuffer[p]] = p <= split.Position;
            }

            for (var c = 0; c < _buffers.Length; c++)
            {
                if (c == split.Column)
                {
                    continue;
                }

                var buffer = _buffers[c];
                var left = node.Start;
                var right = 0;
                for (var p = node.Start; p < node.End; p++)
                {
                    var i = buffer[p];
                    if (_goesLeft[i])
                    {
                        buffer[left++] = i;
                    }
                    else
                    {
                        _scratch[right++] = i;
                    }
                }

                Array.Copy(_scratch, 0, buffer, left, right);
            }
        }
    }

    private readonly record struct Node(int Start, int End, int Depth, double Weight, double Sum, double Squares)
    {
        public double Impurity => (Squares / Weight) - (Sum / Weight * (Sum / Weight));
    }

    private readonly record struct Split(int Column, int Position, double Decrease, double LeftWeight, double LeftSum, double LeftSquares);

    /// <summary>SplitMix64: a tiny generator whose sequence for a seed never changes between runtimes.</summary>
    private sealed class SplitMix64(ulong seed)
    {
        private ulong _state = seed;

        public int NextInt(int bound)
        {
            _state += 0x9E3779B97F4A7C15UL;
            var z = _state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (int)(((z >> 32) * (ulong)bound) >> 32);
        }
    }
}
