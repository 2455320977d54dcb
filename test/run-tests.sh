#!/usr/bin/env bash
# The test command (npm test): installs dependencies when needed, provisions the Temporal
# servers and PostgreSQL into a cache outside the clone, type-checks, lints, runs jest, and ends with
# the plain line "tests: N passed, M failed" read from jest's JSON result.
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
rm -f .test-results/jest.json
npx jest --json --outputFile=.test-results/jest.json "$@"
status=$?
if [ -f .test-results/jest.json ]; then
  node -e '
    const r = require("./.test-results/jest.json");
    const failed = r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
    console.log(`tests: ${r.numPassedTests} passed, ${failed} failed`);
  '
else
  echo "tests: 0 passed, 1 failed"
fi
exit $status
