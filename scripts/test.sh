#!/usr/bin/env bash
# The test command: type-check, lint/format check, the dependency rules, build, then every test: unit tests once,
# the integration suite once against a real Prosody and once against a real ejabberd
# (vitest projects, see vitest.config.ts). Prints a closing "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-deps.sh

echo "== type-check (tsc --strict)"
npx tsc -p tsconfig.json --noEmit
echo "== lint and format (biome)"
npx biome ci .
echo "== dependency rules (dependency-cruiser: no cycles, layers as in DESIGN.md)"
npx depcruise src --config .dependency-cruiser.cjs
echo "== build"
npx tsc -p tsconfig.build.json

echo "== tests (vitest)"
mkdir -p .tmp
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest-results.json || status=$?

node -e '
  const r = require("./.tmp/vitest-results.json");
  // A file whose set-up failed (say its XMPP server did not start) reports its tests as
  // skipped, and one that failed to load reports none: both count as failed here, so a red
  // run never closes with "0 failed".
  const broken = r.testResults.filter((f) => f.status === "failed");
  const unrun = broken
    .flatMap((f) => f.assertionResults)
    .filter((a) => a.status !== "passed" && a.status !== "failed").length;
  const unloaded = broken.filter((f) => f.assertionResults.length === 0).length;
  for (const f of broken) {
    if (f.message) console.log(`failed file ${f.name.replace(process.cwd() + "/", "")}: ${f.message.split("\n")[0]}`);
  }
  const failed = r.numFailedTests + unrun + unloaded;
  const skipped = r.numPendingTests + r.numTodoTests - unrun;
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
  console.log(`${r.numPassedTests} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
  if (missing.length) { console.error(`no integration test ran against ${missing.join(" and ")}`); process.exit(1); }
'
exit $status
