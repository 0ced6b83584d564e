#!/usr/bin/env bash
# Runs the unit and e2e suites on another Node.js major (default 24), installed from the npm registry's
# `node` package into a temporary prefix: `tools/runtime-check.sh 24`. On Node 22+ the store loads
# better-sqlite3 13 (the optional dependency better-sqlite3-napi, which npm skips on Node 20: see
# libs/shared/sqlite-driver); it is installed here for that Node, compiled by node-gyp against the headers
# the `node` package ships (no download). Browser tests run on one instance only (the cluster project
# repeats the same pages behind nginx; the server's runtime is what this run is about).
set -euo pipefail
cd "$(dirname "$0")/.."
major="${1:-24}"
export CI=true NX_NO_CLOUD=true NX_DAEMON=false NX_TUI=false

prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
napi=$(node -p "require('./package.json').optionalDependencies['better-sqlite3-napi']")

npm install --prefix "$prefix" --no-audit --no-fund --no-save "node@${major}" >/dev/null
headers=$(find "$prefix" -path '*/include/node/node_api.h' -print -quit)
[ -n "$headers" ] || { echo "runtime-check: node@${major} came without its headers" >&2; exit 1; }
export PATH="$prefix/node_modules/node/bin:$PATH"
case "$(node --version)" in "v${major}."*) ;; *) echo "runtime-check: node@${major} did not install" >&2; exit 1 ;; esac
echo "runtime-check: $(node --version) from the npm registry"
npm install --no-save --no-audit --no-fund --nodedir="$(dirname "$(dirname "$(dirname "$headers")")")" \
  "better-sqlite3-napi@${napi}" >/dev/null
node -e "require('better-sqlite3-napi')(':memory:').close()"

npx nx run-many -t test --parallel=2 --output-style=stream
npx nx run-many -t e2e --projects=api-e2e --output-style=stream
npx nx run console-e2e:e2e --output-style=stream -- --project=single
