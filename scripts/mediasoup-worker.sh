#!/usr/bin/env bash
# scripts/mediasoup-worker.sh — provide a working mediasoup-worker binary without internet.
#
# Run by the root package.json "postinstall" (cwd = repo root), and safe to run by hand:
#   bash scripts/mediasoup-worker.sh
#
# Why: mediasoup's own postinstall is disabled (package.json "allowScripts": {"mediasoup": false})
# because it downloads a prebuilt worker from GitHub, then pip-installs meson and lets meson
# download eight subprojects — all of which fail offline. See docs in
# /work/shared/design/OFFLINE.md, section "mediasoup (the SFU)".
#
# What it does, in order:
#   1. node_modules/mediasoup absent            -> nothing to do, exit 0.
#   2. MEDIASOUP_WORKER_BIN set                  -> verify that binary (exit code 41 check), exit.
#      (mediasoup itself uses MEDIASOUP_WORKER_BIN at run time, so nothing is installed.)
#   3. cached binary for <version>-<patch hash>  -> verify, copy it to mediasoup's default path
#      node_modules/mediasoup/worker/out/Release/mediasoup-worker, exit (seconds).
#   4. otherwise build it (~5 min on 2 cores): check toolchain + system libraries (prints the
#      apt-get line; runs it when root unless LECTERN_AUTO_APT=0), copy
#      node_modules/mediasoup/worker to a temp dir (node_modules is never modified except
#      for the installed binary), apply patches/mediasoup+<version>.patch, Debian meson +
#      ninja, verify, move atomically into the cache, install as in 3.
#
# The patch (patches/mediasoup+<version>.patch) uses the patch-package layout, i.e. paths
# like a/node_modules/mediasoup/worker/meson.build. It is applied inside the copied worker
# directory with `patch -p4` (or `git apply -p4`). It swaps meson subprojects for Debian's
# system libraries (dynamic linking), adds a libsrtp 3 API shim over libsrtp 2, disables
# liburing (when the version has it) and fixes mediasoup's DTLS BIO callback bug (crash on kTLS-enabled OpenSSL).
#
# Cache: ${LECTERN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lectern}/mediasoup-worker/
#          <mediasoup version>-<first 12 hex of sha256(patch)>/mediasoup-worker
#        (plus build-info.txt next to it). Delete that directory to force a rebuild.
#
# Environment:
#   MEDIASOUP_WORKER_BIN           use this prebuilt worker instead (only verified here)
#   LECTERN_CACHE_DIR              cache root (default above)
#   LECTERN_AUTO_APT=0             never run apt-get automatically (only print the command)
#   LECTERN_BUILD_JOBS=N           parallel compile jobs (default: nproc)
#   LECTERN_MESON_ARGS="..."       extra `meson setup` arguments
#   LECTERN_KEEP_BUILD=1           keep the temporary build directory
#   LECTERN_SKIP_MEDIASOUP_WORKER=1  skip everything (exit 0) — the SFU will not start
#
# Exit status: 0 when a verified worker is in place (or nothing to do); non-zero otherwise.

set -euo pipefail

readonly TAG='[mediasoup-worker]'
readonly START_SECONDS=$SECONDS

log() { printf '%s %s\n' "$TAG" "$*"; }
warn() { printf '%s WARNING: %s\n' "$TAG" "$*" >&2; }
die() {
	printf '%s ERROR: %s\n' "$TAG" "$*" >&2
	exit 1
}
elapsed() { printf '%ss' "$((SECONDS - START_SECONDS))"; }

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

if [[ "${LECTERN_SKIP_MEDIASOUP_WORKER:-0}" == 1 ]]; then
	log "LECTERN_SKIP_MEDIASOUP_WORKER=1: skipping (the SFU cannot start without a worker)."
	exit 0
fi

readonly MS_DIR="$REPO_ROOT/node_modules/mediasoup"
if [[ ! -f "$MS_DIR/package.json" ]]; then
	log "node_modules/mediasoup is not installed; nothing to do."
	exit 0
fi

# mediasoup's own "is this a worker binary" check: run it without the env var
# MEDIASOUP_VERSION and it exits with code 41 (see worker/src/main.cpp).
verify_worker() {
	local bin="$1" rc=0 missing
	[[ -f "$bin" && -x "$bin" ]] || {
		warn "$bin is missing or not executable"
		return 1
	}
	if command -v ldd >/dev/null 2>&1; then
		missing="$(ldd "$bin" 2>/dev/null | grep 'not found' || true)"
		if [[ -n "$missing" ]]; then
			warn "$bin cannot load shared libraries:"
			printf '%s\n' "$missing" >&2
			return 1
		fi
	fi
	env -i "$bin" </dev/null >/dev/null 2>&1 || rc=$?
	if [[ "$rc" -ne 41 ]]; then
		warn "$bin exited with code $rc instead of 41 (mediasoup's valid-binary check)"
		return 1
	fi
	return 0
}

# --- 2. explicit binary ------------------------------------------------------------------
if [[ -n "${MEDIASOUP_WORKER_BIN:-}" ]]; then
	log "MEDIASOUP_WORKER_BIN is set: $MEDIASOUP_WORKER_BIN"
	verify_worker "$MEDIASOUP_WORKER_BIN" ||
		die "MEDIASOUP_WORKER_BIN does not point to a working mediasoup-worker. Unset it to build one, or fix the path."
	log "OK: MEDIASOUP_WORKER_BIN is a valid worker; mediasoup will use it at run time ($(elapsed))."
	exit 0
fi

# --- cache key ---------------------------------------------------------------------------
MS_VERSION="$(sed -n 's/^[[:space:]]*"version"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$MS_DIR/package.json" | head -n1)"
[[ -n "$MS_VERSION" ]] || die "cannot read the version from $MS_DIR/package.json"
readonly MS_VERSION

readonly PATCH_FILE="$REPO_ROOT/patches/mediasoup+$MS_VERSION.patch"
if [[ ! -f "$PATCH_FILE" ]]; then
	die "mediasoup $MS_VERSION is installed but there is no patches/mediasoup+$MS_VERSION.patch.
  The offline worker build is version specific. Either port the patch to $MS_VERSION
  (see OFFLINE.md), pin mediasoup back to the patched version, or set
  MEDIASOUP_WORKER_BIN=/path/to/mediasoup-worker (LECTERN_SKIP_MEDIASOUP_WORKER=1 to skip)."
fi
PATCH_SHA="$(sha256sum "$PATCH_FILE" | cut -c1-64)"
readonly PATCH_SHA
readonly CACHE_KEY="$MS_VERSION-${PATCH_SHA:0:12}"

if [[ -z "${HOME:-}" ]]; then
	HOME="$(getent passwd "$(id -u)" | cut -d: -f6 || true)"
	[[ -n "$HOME" ]] || HOME=/tmp
fi
readonly CACHE_ROOT="${LECTERN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lectern}"
readonly CACHE_DIR="$CACHE_ROOT/mediasoup-worker/$CACHE_KEY"
readonly CACHED_BIN="$CACHE_DIR/mediasoup-worker"
readonly INSTALL_BIN="$MS_DIR/worker/out/Release/mediasoup-worker"

log "mediasoup $MS_VERSION, patch sha256 ${PATCH_SHA:0:12}, cache $CACHE_DIR"

install_worker() {
	local tmp
	if [[ -f "$INSTALL_BIN" ]] && cmp -s "$CACHED_BIN" "$INSTALL_BIN"; then
		log "worker already installed at node_modules/mediasoup/worker/out/Release/mediasoup-worker"
	else
		mkdir -p "$(dirname "$INSTALL_BIN")"
		tmp="$INSTALL_BIN.tmp.$$"
		cp "$CACHED_BIN" "$tmp"
		chmod 0755 "$tmp"
		mv -f "$tmp" "$INSTALL_BIN"
		log "installed worker at node_modules/mediasoup/worker/out/Release/mediasoup-worker"
	fi
	verify_worker "$INSTALL_BIN" || die "installed worker $INSTALL_BIN failed verification"
	log "OK: mediasoup-worker ready ($(elapsed))."
}

# --- 3. cache hit ------------------------------------------------------------------------
# (Only checks; install_worker runs at top level so that `set -e` stays in effect.)
cache_usable() {
	[[ -f "$CACHED_BIN" ]] || return 1
	if verify_worker "$CACHED_BIN"; then
		log "using cached worker $CACHED_BIN"
		return 0
	fi
	warn "cached worker $CACHED_BIN is unusable (system libraries changed?); rebuilding"
	rm -f "$CACHED_BIN"
	return 1
}

if cache_usable; then
	install_worker
	exit 0
fi

mkdir -p "$CACHE_DIR"
# Serialize concurrent builds for the same key (e.g. two clones installing at once).
if command -v flock >/dev/null 2>&1; then
	exec 9>"$CACHE_DIR/.lock"
	if ! flock -n 9; then
		log "another build of this worker is running; waiting for it..."
		flock 9
	fi
	if cache_usable; then
		install_worker
		exit 0
	fi
fi

# --- 4. build ----------------------------------------------------------------------------
log "no cached worker for $CACHE_KEY: building from node_modules/mediasoup/worker (about 7 min on 2 cores)"

# Tools: command -> Debian package.
declare -A TOOL_PKG=(
	[c++]=g++
	[pkg-config]=pkg-config
	[meson]=meson
	[ninja]=ninja-build
	[flatc]=flatbuffers-compiler
)
# pkg-config modules (with minimum versions) -> Debian package.
declare -A MOD_PKG=(
	['openssl >= 3.0']=libssl-dev
	['libuv >= 1.44']=libuv1-dev
	[libsrtp2]=libsrtp2-dev
	[absl_memory]=libabsl-dev
	[absl_strings]=libabsl-dev
	[absl_optional]=libabsl-dev
	[flatbuffers]=libflatbuffers-dev
)
readonly ALL_PKGS="g++ pkg-config meson ninja-build libssl-dev libuv1-dev libsrtp2-dev libabsl-dev libflatbuffers-dev flatbuffers-compiler"

missing_packages() {
	local -A need=()
	local t m
	for t in "${!TOOL_PKG[@]}"; do
		command -v "$t" >/dev/null 2>&1 || need[${TOOL_PKG[$t]}]=1
	done
	if ! command -v patch >/dev/null 2>&1 && ! command -v git >/dev/null 2>&1; then
		need[patch]=1
	fi
	if command -v pkg-config >/dev/null 2>&1; then
		for m in "${!MOD_PKG[@]}"; do
			# shellcheck disable=SC2086 # "name >= ver" must split into pkg-config arguments
			pkg-config --exists $m 2>/dev/null || need[${MOD_PKG[$m]}]=1
		done
	else
		for m in "${MOD_PKG[@]}"; do need[$m]=1; done
	fi
	# Stable order for a copy-pasteable command line.
	if ((${#need[@]})); then printf '%s\n' "${!need[@]}" | sort | tr '\n' ' ' | sed 's/ $//'; fi
}

MISSING="$(missing_packages)"
if [[ -n "$MISSING" ]]; then
	APT_CMD="apt-get install -y --no-install-recommends $MISSING"
	warn "missing build dependencies (Debian packages): $MISSING"
	if [[ "$(id -u)" -eq 0 && "${LECTERN_AUTO_APT:-1}" != 0 ]] && command -v apt-get >/dev/null 2>&1; then
		log "running as root: $APT_CMD   (set LECTERN_AUTO_APT=0 to disable)"
		# shellcheck disable=SC2086
		if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $MISSING; then
			log "apt-get install failed; retrying after apt-get update"
			DEBIAN_FRONTEND=noninteractive apt-get update
			# shellcheck disable=SC2086
			DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $MISSING ||
				die "apt-get install failed. Install manually: sudo $APT_CMD"
		fi
		MISSING="$(missing_packages)"
		[[ -z "$MISSING" ]] || die "still missing after apt-get: $MISSING"
	else
		die "install the build dependencies, then re-run 'bash scripts/mediasoup-worker.sh':
    sudo $APT_CMD
  (full list: sudo apt-get install $ALL_PKGS)
  Or point MEDIASOUP_WORKER_BIN at a prebuilt mediasoup-worker $MS_VERSION."
	fi
fi

MESON_VERSION="$(meson --version)"
if ! printf '%s\n%s\n' 1.0.1 "$MESON_VERSION" | sort -V -C; then
	die "meson $MESON_VERSION is too old; need >= 1.0.1 (Debian 12's meson package)."
fi

JOBS="${LECTERN_BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/lectern-mediasoup-worker.XXXXXX")"
readonly WORK JOBS
readonly LOG="$WORK/build.log"
BUILD_OK=0
cleanup() {
	if [[ "$BUILD_OK" == 1 && "${LECTERN_KEEP_BUILD:-0}" != 1 ]]; then
		rm -rf "$WORK"
	else
		log "build directory kept: $WORK"
	fi
}
trap cleanup EXIT

fail_build() {
	local what="$1"
	printf '%s ERROR: %s failed after %s. Last lines of %s:\n' "$TAG" "$what" "$(elapsed)" "$LOG" >&2
	printf -- '----------------------------------------------------------------------\n' >&2
	tail -n 40 "$LOG" >&2 || true
	printf -- '----------------------------------------------------------------------\n' >&2
	cat >&2 <<EOF
$TAG How to fix:
  - Missing/old system libraries: sudo apt-get install $ALL_PKGS
  - mediasoup version changed ($MS_VERSION)? patches/mediasoup+$MS_VERSION.patch may need porting.
  - Full log: $LOG   (build dir is kept; re-run with 'bash scripts/mediasoup-worker.sh')
  - Workaround: MEDIASOUP_WORKER_BIN=/path/to/mediasoup-worker (a prebuilt $MS_VERSION worker).
EOF
	exit 1
}

# Run a command with its output in the log, printing ninja's [n/total] progress every 20s.
run_logged() {
	local what="$1" pid rc=0 last=''
	shift
	printf '\n$ %s\n' "$*" >>"$LOG"
	"$@" >>"$LOG" 2>&1 </dev/null &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		for _ in $(seq 1 20); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 1
		done
		if kill -0 "$pid" 2>/dev/null; then
			last="$(grep -o '^\[[0-9]*/[0-9]*\]' "$LOG" | tail -n1 || true)"
			log "  $what: ${last:-working} ($(elapsed))"
		fi
	done
	wait "$pid" || rc=$?
	((rc == 0)) || fail_build "$what"
}

SRC="$WORK/worker"
BUILD="$WORK/build"

log "copying worker sources to $SRC"
mkdir -p "$SRC"
# Everything except build outputs and meson subproject caches.
(cd "$MS_DIR/worker" && tar --exclude=./out --exclude='./subprojects/packagecache' -cf - .) | (cd "$SRC" && tar -xf -)

log "applying patches/mediasoup+$MS_VERSION.patch"
: >"$LOG"
if command -v patch >/dev/null 2>&1; then
	if (cd "$SRC" && patch -p4 -R --dry-run --force --silent <"$PATCH_FILE" >/dev/null 2>&1); then
		log "  (the sources in node_modules are already patched — e.g. by patch-package; not re-applying)"
	else
		(cd "$SRC" && patch -p4 --forward --batch <"$PATCH_FILE") >>"$LOG" 2>&1 || fail_build "patch -p4"
	fi
else
	if (cd "$SRC" && git apply -p4 -R --check "$PATCH_FILE" >/dev/null 2>&1); then
		log "  (the sources in node_modules are already patched; not re-applying)"
	else
		(cd "$SRC" && git apply -p4 "$PATCH_FILE") >>"$LOG" 2>&1 || fail_build "git apply -p4"
	fi
fi

# mediasoup < 3.27 has an io_uring option (liburing off: Debian 12's liburing is too old);
# 3.27 removed io_uring and the option, and meson rejects unknown -D options.
MS_OPTS=()
if grep -q "'ms_disable_liburing'" "$SRC/meson_options.txt" 2>/dev/null; then
	MS_OPTS+=(-Dms_disable_liburing=true)
fi
log "meson setup (meson $MESON_VERSION, release, system libraries${MS_OPTS[*]:+, liburing off})"
# shellcheck disable=SC2086 # LECTERN_MESON_ARGS is a user-supplied argument list
run_logged "meson setup" meson setup "$BUILD" "$SRC" \
	--buildtype release -Db_ndebug=true \
	"${MS_OPTS[@]}" \
	--wrap-mode=nofallback \
	${LECTERN_MESON_ARGS:-}

# The worker sources include FBS/*.h generated by flatc; generating them first avoids a
# header race in the parallel build.
log "generating flatbuffers headers"
run_logged "flatbuffers-generator" meson compile -C "$BUILD" flatbuffers-generator

log "compiling mediasoup-worker with $JOBS jobs (log: $LOG)"
run_logged "compile" meson compile -C "$BUILD" -j "$JOBS" mediasoup-worker

BUILT_BIN="$BUILD/mediasoup-worker"
[[ -x "$BUILT_BIN" ]] || fail_build "build (no $BUILT_BIN produced)"
verify_worker "$BUILT_BIN" >>"$LOG" 2>&1 || fail_build "verification of the built worker (exit code 41 check)"
log "build finished and verified ($(elapsed))"

# Atomic publish into the cache: copy next to the target, then rename.
TMP_BIN="$CACHE_DIR/.mediasoup-worker.tmp.$$"
cp "$BUILT_BIN" "$TMP_BIN"
chmod 0755 "$TMP_BIN"
{
	echo "mediasoup_version=$MS_VERSION"
	echo "patch=patches/mediasoup+$MS_VERSION.patch"
	echo "patch_sha256=$PATCH_SHA"
	echo "built_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "built_on=$(uname -srm)"
	echo "os=$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-unknown}" || echo unknown)"
	echo "compiler=$(c++ --version | head -n1)"
	echo "meson=$MESON_VERSION"
	for m in openssl libuv libsrtp2 absl_base flatbuffers; do
		echo "pkg_$m=$(pkg-config --modversion "$m" 2>/dev/null || echo '?')"
	done
} >"$CACHE_DIR/build-info.txt.tmp.$$"
mv -f "$CACHE_DIR/build-info.txt.tmp.$$" "$CACHE_DIR/build-info.txt"
mv -f "$TMP_BIN" "$CACHED_BIN"
log "cached $CACHED_BIN"
BUILD_OK=1

install_worker
