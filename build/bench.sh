#!/usr/bin/env bash
# Runs the benchmarks: build/bench.sh [--quick] [--only content|azure|records|tracking|tracking-metrics|tracking-overhead|tracking-search|dataset|dataset-large|dataset-many|dataset-gigabyte-folder|models|serving|search-study|search-tpe|pipeline]
# Prints one line per figure, `BENCH <name> <value> <unit>` or `RATIO <name> <value>` (ours against a baseline measured
# in the same run). Record results, with machine and date, in docs/benchmarks.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$repo_root"
install_npm_dependencies >&2
dotnet build tests/MlOps.Sdk.Benchmarks -c Release --nologo -v quiet -clp:ErrorsOnly >&2
dotnet "tests/MlOps.Sdk.Benchmarks/bin/Release/net10.0/MlOps.Sdk.Benchmarks.dll" "$@"
