#!/usr/bin/env bash
# `npm run check:fresh-box`: proves the README's two commands on a bare machine.
#
# Builds a minimal Debian 12 (bookworm) root with debootstrap from the Debian archive this host's
# apt uses, installs only the README's prerequisites there (npm, git, ca-certificates), copies the
# committed tree of this clone into root's home inside it (/root is 0700, as on a real box), then as
# root:
#   1. `npm start` (which installs everything itself) until http://127.0.0.1:$PORT/rehearse answers,
#      then SIGTERM and a check that no process of it is left;
#   2. `npm test`, in a network namespace of its own (only loopback: none of this host's servers,
#      such as a PostgreSQL on 5432 or a Redis on 6379, is reachable, and nothing is downloaded).
# Prints one JSON object: seconds per step, whether /rehearse answered, the test summary, and where
# the logs are. Slow (about 30 min on 2 cores: the root, apt, npm ci, the mediasoup worker build,
# the suite), so it is not part of .ci/run.
#
# Needs: root, debootstrap, iproute2, util-linux (unshare). Options via environment:
#   LECTERN_FRESH_DIR   work folder (default: a new one under /var/tmp; deleted unless KEEP=1)
#   LECTERN_FRESH_KEEP=1  keep the root and logs afterwards
#   LECTERN_DEBIAN_MIRROR  Debian archive URL (default: the first one in this host's apt sources)
#   PORT                the port `npm start` listens on inside (default 8080; must be free here)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
[ "$(id -u)" = 0 ] || { echo "check:fresh-box: run as root (debootstrap and chroot need it)" >&2; exit 2; }
for t in debootstrap unshare ip curl git; do
  command -v "$t" >/dev/null || { echo "check:fresh-box: $t is missing — apt-get install debootstrap iproute2 util-linux curl git" >&2; exit 2; }
done
mirror="${LECTERN_DEBIAN_MIRROR:-}"
if [ -z "$mirror" ]; then
  mirror="$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/{print $2}' | grep -v security | head -1)"
  [ -n "$mirror" ] || mirror="$(awk '/^deb /{print $2}' /etc/apt/sources.list 2>/dev/null | grep -v security | head -1)"
fi
[ -n "$mirror" ] || { echo "check:fresh-box: no Debian mirror in this host's apt sources; set LECTERN_DEBIAN_MIRROR" >&2; exit 2; }
port="${PORT:-8080}"
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "check:fresh-box: port $port is in use here; set PORT to a free one" >&2; exit 2
fi

work="${LECTERN_FRESH_DIR:-$(mktemp -d /var/tmp/lectern-fresh-box.XXXXXX)}"
root="$work/root"; logs="$work/logs"; mkdir -p "$root" "$logs"
mounted=()
cleanup() {
  for ((i=${#mounted[@]}-1; i>=0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
  if [ "${LECTERN_FRESH_KEEP:-0}" != 1 ] && [ -z "${LECTERN_FRESH_DIR:-}" ]; then rm -rf "$root"; fi
}
trap cleanup EXIT
say() { echo "[fresh-box] $*" >&2; }
now() { date +%s.%N; }
secs() { python3 -c "print(round($2-$1,1))"; }
extra_ca=(); [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && extra_ca=(NODE_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS")
in_root() { chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 "${extra_ca[@]}" PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"; }

say "debootstrap bookworm (minbase) from $mirror into $root"
t0=$(now)
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$logs/debootstrap.log" 2>&1 || { tail -20 "$logs/debootstrap.log" >&2; exit 1; }
t1=$(now)
for m in proc sys dev dev/pts; do mount --bind "/$m" "$root/$m"; mounted+=("$root/$m"); done
mount -t tmpfs tmpfs "$root/dev/shm" 2>/dev/null && mounted+=("$root/dev/shm") || true
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# debootstrap writes no /etc/hosts; the Debian installer writes this one (localhost must resolve
# without DNS: the tests run with loopback only).
[ -s "$root/etc/hosts" ] || printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
# The host's apt sources (same archive, security updates included); no services start in a chroot.
rm -f "$root/etc/apt/sources.list"; cp -a /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/" 2>/dev/null || cp /etc/apt/sources.list "$root/etc/apt/sources.list"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"; chmod 0755 "$root/usr/sbin/policy-rc.d"

say "prerequisites from the README: apt-get install npm git ca-certificates"
in_root apt-get update -qq >"$logs/prereq.log" 2>&1
DEBIAN_FRONTEND=noninteractive in_root apt-get install -y -qq --no-install-recommends npm git ca-certificates >>"$logs/prereq.log" 2>&1 || { tail -20 "$logs/prereq.log" >&2; exit 1; }
# Trust what this host trusts: its local CA certificates (a TLS-inspecting proxy's, say) and
# NODE_EXTRA_CA_CERTS, so the box reaches the npm registry the way this host does.
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  in_root update-ca-certificates >>"$logs/prereq.log" 2>&1
fi
t2=$(now)
node_before="$(in_root node --version 2>/dev/null || echo none)"; npm_before="$(in_root npm --version 2>/dev/null || echo none)"

say "copying the committed tree of $repo into /root/lectern (root's home is 0700)"
chmod 0700 "$root/root"
git clone -q --no-hardlinks "$repo" "$root/root/lectern"
head="$(git -C "$repo" rev-parse --short HEAD)"

say "npm start (installs everything, then serves; log $logs/start.log)"
t3=$(now)
chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 "${extra_ca[@]}" PORT="$port" PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  sh -c 'cd /root/lectern && exec npm start' >"$logs/start.log" 2>&1 &
start_pid=$!
status=000; deadline=$(( $(date +%s) + 2400 ))
while [ "$(date +%s)" -lt "$deadline" ] && kill -0 "$start_pid" 2>/dev/null; do
  status="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/rehearse" || true)"
  [ "$status" = 200 ] && break
  sleep 2
done
t4=$(now)
answered=false; [ "$status" = 200 ] && answered=true
say "/rehearse answered $status; stopping npm start"
pkill -TERM -f "tsx gateway/src/main.ts" 2>/dev/null || kill -TERM "$start_pid" 2>/dev/null || true
stopped_ok=false
for _ in $(seq 1 60); do kill -0 "$start_pid" 2>/dev/null || { stopped_ok=true; break; }; sleep 0.5; done
if kill -0 "$start_pid" 2>/dev/null; then kill -KILL "$start_pid" 2>/dev/null || true; fi
wait "$start_pid" 2>/dev/null || true
sleep 1
left=0
for p in /proc/[0-9]*; do
  if [ "$(readlink "$p/root" 2>/dev/null || true)" = "$root" ]; then left=$((left + 1)); fi
done
t5=$(now)

say "npm test in a network namespace with only loopback (log $logs/test.log)"
test_rc=0
unshare -n sh -c "ip link set lo up && chroot '$root' /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 ${extra_ca[*]:-} PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin sh -c 'cd /root/lectern && npm test'" >"$logs/test.log" 2>&1 || test_rc=$?
t6=$(now)
summary="$(grep -E '^ *(Test Files|Tests) ' "$logs/test.log" | sed 's/\x1b\[[0-9;]*m//g' | tr -s ' ' | paste -sd ';' - || true)"
node_after="$(grep -o 'using Node [0-9.]*' "$logs/start.log" | head -1 | sed 's/using Node //' || true)"

python3 - <<PY
import json
print(json.dumps({
  "commit": "$head",
  "debianMirror": "$mirror",
  "systemNode": "$node_before", "systemNpm": "$npm_before", "lecternNode": "${node_after:-system}",
  "seconds": {
    "debootstrap": $(secs "$t0" "$t1"),
    "prerequisites": $(secs "$t1" "$t2"),
    "npmStartUntilRehearse": $(secs "$t3" "$t4"),
    "npmStartShutdown": $(secs "$t4" "$t5"),
    "npmTest": $(secs "$t5" "$t6"),
  },
  "rehearse": {"url": "http://127.0.0.1:$port/rehearse", "status": "$status", "answered": $( $answered && echo True || echo False )},
  "startStoppedOnSigterm": $( $stopped_ok && echo True || echo False ),
  "processesLeftAfterStop": $left,
  "npmTestExitCode": $test_rc,
  "npmTestSummary": "$summary",
  "logs": "$logs",
}, indent=2))
PY
[ "$answered" = true ] && [ "$test_rc" = 0 ]
