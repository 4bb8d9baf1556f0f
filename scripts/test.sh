#!/usr/bin/env bash
# The test command: type-check, lint/format check, build, then every test (unit and
# integration against a real Prosody). Prints a closing "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-deps.sh

echo "== type-check (tsc --strict)"
npx tsc -p tsconfig.json --noEmit
echo "== lint and format (biome)"
npx biome ci .
echo "== build"
npx tsc -p tsconfig.build.json

echo "== tests (vitest)"
mkdir -p .tmp
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest-results.json || status=$?

node -e '
  const r = require("./.tmp/vitest-results.json");
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  const integration = r.testResults.filter((f) => f.name.includes("/test/integration/"));
  const ran = integration.flatMap((f) => f.assertionResults).filter((a) => a.status === "passed").length;
  if (ran === 0) { console.error("no integration test ran against Prosody"); process.exit(1); }
'
exit $status
