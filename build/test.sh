#!/usr/bin/env bash
# Installs what the tests need (Azurite and the data, from npm; Debian's chromium for the HTML report), builds everything in Release with warnings as errors,
# and runs every test. Azure Blob tests run against a real Azurite the tests start on a free loopback port; here a
# missing Azurite fails the run, it is never skipped.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$repo_root"

install_npm_dependencies
install_chromium

echo "build: dotnet build -c Release"
dotnet build MlOps.Sdk.sln -c Release --nologo -v quiet -clp:ErrorsOnly

results="$repo_root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"
export MLOPS_REQUIRE_AZURITE=1
export MLOPS_REQUIRE_CHROMIUM=1
export MLOPS_AZURITE_REPORT="$results/azurite-tests.txt"

echo "test: dotnet test -c Release"
status=0
dotnet test MlOps.Sdk.sln -c Release --no-build --nologo \
  --results-directory "$results" \
  --logger "trx;LogFileName=tests.trx" \
  --logger "console;verbosity=minimal" \
  --blame-hang-timeout 10m || status=$?

node "$repo_root/build/summarize-tests.mjs" "$results/tests.trx" "$MLOPS_AZURITE_REPORT" || status=1
exit $status
