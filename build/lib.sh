# Shared by build/test.sh and build/bench.sh: sourced, not run.

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Installs Azurite and the data packages from build/package-lock.json, unless this exact lockfile is installed already.
install_npm_dependencies() {
  command -v node >/dev/null || { echo "error: node is not on PATH; install Node.js (with npm) first" >&2; return 1; }
  command -v npm >/dev/null || { echo "error: npm is not on PATH; install Node.js (with npm) first" >&2; return 1; }
  local stamp="$repo_root/build/node_modules/.mlops-lock.sha256"
  local wanted
  wanted=$(sha256sum "$repo_root/build/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] && [ -x "$repo_root/build/node_modules/.bin/azurite-blob" ]; then
    echo "npm packages: up to date (azurite, vega-datasets)"
    return 0
  fi
  echo "npm packages: installing azurite and vega-datasets into build/node_modules ..."
  (cd "$repo_root/build" && npm ci --no-audit --no-fund --loglevel=error)
  [ -x "$repo_root/build/node_modules/.bin/azurite-blob" ] || { echo "error: npm ci did not install azurite-blob" >&2; return 1; }
  echo "$wanted" > "$stamp"
}

# Installs Debian's chromium (the HTML report tests open the report in it, headless), unless it is on PATH already.
# As root apt-get runs directly; otherwise through sudo (non-interactive). CI machines are fresh: this is what puts it there.
install_chromium() {
  if command -v chromium >/dev/null; then
    echo "chromium: $(chromium --version 2>/dev/null || echo present)"
    return 0
  fi
  local run=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "error: chromium is missing, and installing it needs root or sudo (apt-get install chromium)" >&2; return 1; }
    run=(sudo -n)
  fi
  echo "chromium: installing Debian's chromium package (apt-get) ..."
  "${run[@]}" apt-get update -qq
  "${run[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  command -v chromium >/dev/null || { echo "error: apt-get did not install chromium" >&2; return 1; }
  echo "chromium: $(chromium --version 2>/dev/null || echo installed)"
}
