#!/usr/bin/env bash
# The test command (npm test): installs dependencies when needed, provisions the Temporal
# servers (a Temporal cluster too) and PostgreSQL into a cache outside the clone, type-checks, lints,
# runs jest (then the production-processes test on the cluster), and ends with the plain line
# "tests: N passed, M failed" read from jest's JSON results.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[test] installing dependencies (npm install, pinned by package-lock.json)"
  npm install --no-audit --no-fund || { echo "tests: 0 passed, 1 failed"; exit 1; }
fi
[ -d generated/sqlite ] && [ -d generated/postgres ] || npm run --silent db:generate || { echo "tests: 0 passed, 1 failed"; exit 1; }

bash tools/provision.sh tests || { echo "tests: 0 passed, 1 failed"; exit 1; }

echo "[test] type-checking and building dist/ (npm run build): the process tests run the production entries from it"
npm run --silent build || { echo "tests: 0 passed, 1 failed"; exit 1; }

echo "[test] linting (npm run lint: ESLint with type-aware rules, then Prettier's check)"
npm run --silent lint || { echo "tests: 0 passed, 1 failed"; exit 1; }

mkdir -p .test-results
rm -f .test-results/jest*.json
npx jest --json --outputFile=.test-results/jest.json "$@"
status=$?
# Each pass writes one JSON result; a pass that wrote none counts as one failure.
passes=(.test-results/jest.json)

# The whole suite (no arguments) also runs the production-processes test on a real Temporal
# cluster on PostgreSQL (tools/provision.sh tests built it), as ops teams run Temporal.
# It mostly waits on real time, so it runs beside the Node 24 pass below; its output is printed
# once both are done.
cluster_pid=""
if [ $# -eq 0 ]; then
  echo "[test] the production-processes test again, on a Temporal cluster (RAPPORT_TEMPORAL=cluster), beside the Node 24 pass"
  RAPPORT_TEMPORAL=cluster npx jest --json --outputFile=.test-results/jest-cluster.json test/production-processes.test.ts \
    > .test-results/cluster.log 2>&1 &
  cluster_pid=$!
  passes+=(.test-results/jest-cluster.json)
fi

# The fast tests (every file that starts no Rapport process, dev server or fault/benchmark stack)
# again on Node 24 LTS, from tools/provision.sh node24, with better-sqlite3 mapped to the copy built
# for it (node_modules stays built for the Node running npm).
if [ $# -eq 0 ]; then
  cache="${RAPPORT_CACHE_DIR:-$HOME/.cache/rapport}"
  if [ -f "$cache/node24.env" ]; then
    # shellcheck disable=SC1091
    . "$cache/node24.env"
    mapfile -t fast < <(grep -L -E "startEntry|startWorkerEntry|startMainJob|startDevServer|createDevServerEnv|execFile|spawn\(|\.\./faults/|\.\./bench/" test/*.test.ts)
    config="$(node -e '
      const config = require("./jest.config.js");
      config.rootDir = process.cwd();
      config.moduleNameMapper = { ...(config.moduleNameMapper ?? {}), "^better-sqlite3$": process.argv[1] };
      console.log(JSON.stringify(config));
    ' "$NODE24_BETTER_SQLITE3")"
    echo "[test] the fast tests again on Node $("$NODE24_BIN" --version) (${#fast[@]} files)"
    "$NODE24_BIN" node_modules/jest/bin/jest.js --config "$config" --json --outputFile=.test-results/jest-node24.json "${fast[@]}" || status=1
  else
    echo "[test] no Node 24 in $cache (tools/provision.sh node24): the Node 24 pass counts as one failure"
    status=1
  fi
  passes+=(.test-results/jest-node24.json)
fi

if [ -n "$cluster_pid" ]; then
  wait "$cluster_pid" || status=1
  echo "[test] the production-processes test on the Temporal cluster:"
  cat .test-results/cluster.log
fi

node -e '
  const fs = require("fs");
  let passed = 0, failed = 0;
  for (const file of process.argv.slice(1)) {
    if (!fs.existsSync(file)) { failed += 1; continue; }
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    passed += r.numPassedTests;
    failed += r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
  }
  console.log(`tests: ${passed} passed, ${failed} failed`);
' "${passes[@]}" || echo "tests: 0 passed, 1 failed"
exit $status
