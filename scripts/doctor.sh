#!/usr/bin/env bash
# `npm run doctor`: checks the install (Node, npm dependencies, mediasoup worker, ffmpeg, speech
# engine, database, ports, web build, disk) and prints what to fix. Read-only. The checks that need
# Node 24 and node_modules run in gateway/src/cli/doctor.ts; this wrapper first says what to do
# when those are missing themselves.
set -uo pipefail
cd "$(dirname "$0")/.."
if ! LECTERN_QUIET_NODE=1 source scripts/node.sh 2>/dev/null; then
  echo "FAIL  Node.js: no Node >= 24 and it could not be installed from the npm registry"
  echo "      fix: install Node.js 24 (or check that the npm registry is reachable), then: npm run setup"
  exit 1
fi
if [ ! -x node_modules/.bin/tsx ]; then
  echo "ok    Node.js: $(node --version)"
  echo "FAIL  npm dependencies: node_modules is missing"
  echo "      fix: npm run setup   (or just npm start, which runs it)"
  exit 1
fi
exec node_modules/.bin/tsx gateway/src/cli/doctor.ts "$@"
