#!/usr/bin/env bash
# The test command: type-check, lint/format check, build, then every test: unit tests once,
# the integration suite once against a real Prosody and once against a real ejabberd
# (vitest projects, see vitest.config.ts). Prints a closing "N passed, N failed" line.
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
  // Integration tests are tagged with their server (test/helpers/tag-server.ts); each server
  // must have passed some, or its project silently ran nothing.
  const tests = r.testResults.flatMap((f) => f.assertionResults);
  const missing = [];
  for (const server of ["prosody", "ejabberd"]) {
    const ran = tests.filter((a) => a.meta?.xmppServer === server);
    const passed = ran.filter((a) => a.status === "passed").length;
    console.log(`integration on ${server}: ${passed} passed, ${ran.length - passed} not passed`);
    if (passed === 0) missing.push(server);
  }
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  if (missing.length) { console.error(`no integration test ran against ${missing.join(" and ")}`); process.exit(1); }
'
exit $status
