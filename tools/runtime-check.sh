#!/usr/bin/env bash
# Runs the unit and e2e suites on another Node.js major (default 24), installed from the npm registry's
# `node` package into a temporary prefix: `tools/runtime-check.sh 24`. better-sqlite3 is rebuilt for that
# Node (node-gyp, against the headers the package ships; no download), and rebuilt back for the Node on the
# PATH when done, so the checkout keeps working with it. Browser tests run on one instance only (the
# cluster project repeats the same pages behind nginx; the server's runtime is what this run is about).
set -euo pipefail
cd "$(dirname "$0")/.."
major="${1:-24}"
export CI=true NX_NO_CLOUD=true NX_DAEMON=false NX_TUI=false

prefix=$(mktemp -d)
original_path="$PATH"
restore() {
  export PATH="$original_path"
  echo "runtime-check: rebuilding better-sqlite3 for $(node --version) again"
  npm rebuild better-sqlite3 >/dev/null 2>&1 || echo "runtime-check: rebuild failed; run npm ci" >&2
  rm -rf "$prefix"
}
trap restore EXIT

npm install --prefix "$prefix" --no-audit --no-fund --no-save "node@${major}" >/dev/null
headers=$(find "$prefix" -path '*/include/node/node_api.h' -print -quit)
[ -n "$headers" ] || { echo "runtime-check: node@${major} came without its headers" >&2; exit 1; }
export PATH="$prefix/node_modules/node/bin:$PATH"
echo "runtime-check: $(node --version) from the npm registry"
npm rebuild better-sqlite3 --nodedir="$(dirname "$(dirname "$(dirname "$headers")")")"

npx nx run-many -t test --parallel=2 --output-style=stream
npx nx run-many -t e2e --projects=api-e2e --output-style=stream
npx nx run console-e2e:e2e --output-style=stream -- --project=single
