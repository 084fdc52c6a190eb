#!/usr/bin/env bash
# Adds every public symbol the PublicApiAnalyzers report as undeclared (RS0016) to PublicAPI.Unshipped.txt,
# and removes the declared ones that no longer exist (RS0017). Review the diff: it is the change to the public API.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
project="$root/src/MlOps.Sdk"
unshipped="$project/PublicAPI.Unshipped.txt"

log=$(dotnet build "$project" --no-incremental -c Debug -p:TreatWarningsAsErrors=false 2>&1 || true)
added=$(grep -oP "warning RS0016: Symbol '\K.*(?=' is not part of the declared public API)" <<<"$log" | sort -u || true)
removed=$(grep -oP "warning RS0017: Symbol '\K.*(?=' is part of the declared API, but is either not public or could not be found)" <<<"$log" | sort -u || true)

{
  echo '#nullable enable'
  { grep -v '^#nullable enable$' "$unshipped" || true; printf '%s\n' "$added"; } \
    | grep -v '^$' \
    | grep -vxF -f <(printf '%s\n' "${removed:-__none__}") \
    | LC_ALL=C sort -u
} > "$unshipped.new"
mv "$unshipped.new" "$unshipped"
echo "public API: $(grep -c . <<<"$added" || true) added, $(grep -c . <<<"$removed" || true) removed ($unshipped)"
