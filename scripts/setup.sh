#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian 12 machine, run automatically before `npm start` and
# `npm test` (and by .ci/run). Does only what is missing:
#   0. Node.js 24 LTS (scripts/node.sh: from the npm registry into the cache if the system's is older)
#   1. Debian packages (build tools for the mediasoup worker, chromium, ffmpeg, sox, test speech)
#   2. npm ci (its postinstall builds or restores the mediasoup worker: scripts/mediasoup-worker.sh)
#   3. the web app build (web/build)
# Flags: --quiet (print only when work is done), --no-apt (skip step 1), --no-web (skip step 3).
set -euo pipefail
cd "$(dirname "$0")/.."
quiet=0; apt=1; web=1
for a in "$@"; do case "$a" in --quiet) quiet=1;; --no-apt) apt=0;; --no-web) web=0;; esac; done
say() { echo "[setup] $*"; }
t0=$(date +%s)

# 0. Node.js 24 (installed from the npm registry into the cache when the machine's is older) -------
# shellcheck source=scripts/node.sh
source scripts/node.sh

# 1. Debian packages -----------------------------------------------------------------------------
APT_PACKAGES=(
  # mediasoup worker, built from the npm package's own sources against Debian libraries
  g++ make pkg-config meson ninja-build python3 libssl-dev libuv1-dev libsrtp2-dev
  libabsl-dev libflatbuffers-dev flatbuffers-compiler
  # media tools; PocketSphinx (the offline speech recogniser) and its English model; bzip2 for
  # model archives (npm run models)
  ffmpeg sox pocketsphinx pocketsphinx-en-us bzip2
  # the font libass burns the report clips' captions in with (fontconfig's default sans)
  fonts-dejavu-core
  # browser for end-to-end tests; real speech (LibriVox) and a real photo (NASA) for tests
  chromium pocketsphinx-testdata python3-skimage
  # pdftotext: the report end-to-end test checks the downloaded PDF's text
  poppler-utils
  # the multi-node tests start a throw-away Redis (the product needs none unless REDIS_URL is set)
  redis-server
  # network-impairment test (test/e2e/netem.test.ts): namespaces + veth (iproute2), and iptables
  # for the NFQUEUE stand-in of netem on kernels without sch_netem
  iproute2 iptables
)
if [ "$apt" = 1 ]; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    if [ -n "$SUDO" ] && ! command -v sudo >/dev/null; then
      say "ERROR: not root and no sudo. Install as root: apt-get install ${missing[*]}"; exit 1
    fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# 2. npm dependencies ------------------------------------------------------------------------------
# Native addons are built for one Node ABI: a new Node version reinstalls too.
stamp=node_modules/.lectern-lock.sha256
want="$(sha256sum package-lock.json | cut -c1-64) node-$(node -p process.versions.modules)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
else
  # Restores the worker from its cache if node_modules was touched by hand (seconds when cached).
  bash scripts/mediasoup-worker.sh --quiet
fi

# 3. web app -------------------------------------------------------------------------------------
if [ "$web" = 1 ]; then
  newest_src=$(find web/src web/static web/package.json web/vite.config.ts contract/src -type f -newer web/build/index.html 2>/dev/null | head -1 || true)
  if [ ! -f web/build/index.html ] || [ -n "$newest_src" ]; then
    say "building the web app"
    npm run build -w web --silent >/dev/null || { say "ERROR: the web app build failed; run 'npm run build:web' to see why"; exit 1; }
  fi
fi
dt=$(( $(date +%s) - t0 ))
[ "$quiet" = 1 ] && [ "$dt" -lt 2 ] || say "ready (${dt}s)"
