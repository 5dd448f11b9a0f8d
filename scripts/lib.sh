# Shared helpers for Berth's scripts. Source it; do not run it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log() { printf '\033[1;34m[berth]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[berth] %s\033[0m\n' "$*" >&2; exit 1; }

# Installs node_modules when they are missing or older than package-lock.json.
ensure_node_modules() {
  command -v node >/dev/null || die "Node.js >= 20.19 is required (not found on PATH)"
  local stamp="$ROOT/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$ROOT/package-lock.json" -nt "$stamp" ]; then
    # `npm ci`: exactly the committed lock (it lists every platform's optional binaries, so npm
    # leaves it as it is and a fresh clone's tree stays clean).
    log "installing npm dependencies (npm ci, locked versions)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# Compiles src/ and migrations/ to dist/ when any source is newer than the last build.
ensure_build() {
  local stamp="$ROOT/dist/.built"
  if [ ! -f "$stamp" ] || [ -n "$(find "$ROOT/src" "$ROOT/migrations" "$ROOT/package-lock.json" -newer "$stamp" -print -quit)" ]; then
    log "building (tsc)"
    (cd "$ROOT" && rm -rf dist && npx tsc -p tsconfig.build.json && touch dist/.built)
  fi
}
