#!/usr/bin/env bash
# The demo command: installs what is missing, builds, and runs scripts/demo.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
npx tsc -p tsconfig.build.json
exec node --import tsx scripts/demo.ts
