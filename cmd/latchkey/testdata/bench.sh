#!/usr/bin/env bash
# bench.sh BINARY [BASELINE]: benchmark `latchkey token` against the tools it
# stands in for, side by side, in a private world it builds and tears down
# itself. With BASELINE (another build of the command, e.g. of an older
# commit), it is timed too, interleaved with the others, so that a change's
# effect is measured under the same machine load.
#
#   A  cached token:  BINARY token alice@example.test
#                     vs secret-tool lookup of an item of the same size
#   B  refresh:       BINARY token alice@example.test with the cached token
#                     expired, vs a bare curl POST of the same refresh request.
#                     The goal is measured with the token expired in the
#                     keychain only (the index note still says it is valid,
#                     so latchkey reads the keychain before taking the lock,
#                     the slower case); the "expired by time" row also
#                     expires the index note, as an hour passing does.
#
# The two sides of each benchmark run interleaved (A, B, A, B, ...) so machine
# noise hits both alike. Times are wall clock of the whole process, taken
# with bash's EPOCHREALTIME (microseconds) around each command; the tiny cost
# of bash's fork+exec is in both sides.
#
# World: a 0700 temp dir holding a private dbus-daemon (no service
# activation), a gnome-keyring-daemon unlocked on it, the oidc-provider test
# server (node, PORT=0) and LATCHKEY_CONFIG_DIR; XDG_RUNTIME_DIR and
# XDG_DATA_HOME point inside it. HOME is never changed. Everything started is
# killed, and the dir removed, on exit, failure or Ctrl-C.
#
# Environment:
#   BENCH_RUNS          runs of each side of A (default 200)
#   BENCH_REFRESH_RUNS  runs of each side of B (default 50)
#   BENCH_WARMUP        untimed runs of each side before each benchmark (default 5)
#   BENCH_PROXY_RUNS    runs of each side of C (default 200; 0 skips C)
#   BENCH_OUT           also write the results as JSON to this file (with
#                       BASELINE, under "baseline")
#
# No token is ever printed: token output goes to /dev/null and tokens moved
# between the keychain and curl pass through files in the 0700 dir or stdin,
# never through a command line.
set -euo pipefail
export LC_ALL=C # EPOCHREALTIME must use a '.' separator
umask 077

die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

[ $# -eq 1 ] || [ $# -eq 2 ] || die "usage: bench.sh BINARY [BASELINE]"
BIN=$1
[ -x "$BIN" ] || die "$BIN is not an executable file (build it first: make cli)"
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
BASE=${2:-}
if [ -n "$BASE" ]; then
	[ -x "$BASE" ] || die "$BASE is not an executable file"
	BASE=$(cd "$(dirname "$BASE")" && pwd)/$(basename "$BASE")
fi
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
NODE_DIR=$ROOT/accounts/oidcprovidertest/node
BROWSER_DIR=$ROOT/accounts/oidcprovidertest/browser

RUNS=${BENCH_RUNS:-200}
REFRESH_RUNS=${BENCH_REFRESH_RUNS:-50}
WARMUP=${BENCH_WARMUP:-5}
for v in "$RUNS" "$REFRESH_RUNS" "$WARMUP"; do
	[[ $v =~ ^[0-9]+$ ]] || die "BENCH_RUNS, BENCH_REFRESH_RUNS and BENCH_WARMUP must be whole numbers"
done
((RUNS > 0 && REFRESH_RUNS > 0)) || die "BENCH_RUNS and BENCH_REFRESH_RUNS must be at least 1"

for p in dbus-daemon:dbus dbus-send:dbus gnome-keyring-daemon:gnome-keyring secret-tool:libsecret-tools \
	node:nodejs npm:npm curl:curl jq:jq; do
	command -v "${p%%:*}" >/dev/null || die "${p%%:*} not found: install the Debian package ${p#*:}"
done

ACCOUNT=alice@example.test
ID=testidp:$ACCOUNT
ACCESS_KEY=$ID/access/default
REFRESH_KEY=$ID/refresh
SAME_KEY=bench-same-size
CLIENT_ID=latchkey-test
START=$EPOCHREALTIME

# ---- the private world, and its cleanup ----------------------------------

DIR=$(mktemp -d "${TMPDIR:-/tmp}/latchkey-bench-XXXXXX")
chmod 700 "$DIR"
PIDS=()
cleanup() {
	local rc=$? i
	trap - EXIT INT TERM
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		kill -TERM "${PIDS[i]}" 2>/dev/null || true
	done
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		# give each a moment, then make sure
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "${PIDS[i]}" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "${PIDS[i]}" 2>/dev/null || true
		wait "${PIDS[i]}" 2>/dev/null || true
	done
	rm -rf "$DIR"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Daemons die with this script even if it is SIGKILLed (when setpriv can).
DEATHSIG=()
if setpriv --pdeathsig KILL true 2>/dev/null; then DEATHSIG=(setpriv --pdeathsig KILL); fi

mkdir -m 700 "$DIR/run" "$DIR/data" "$DIR/services" "$DIR/config"
unset DISPLAY WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS
export XDG_RUNTIME_DIR=$DIR/run XDG_DATA_HOME=$DIR/data LATCHKEY_CONFIG_DIR=$DIR/config
export LATCHKEY_KEYCHAIN_TIMEOUT=10s

# wait_for SECONDS COMMAND...: poll COMMAND every 50 ms until it succeeds.
wait_for() {
	local deadline=$((${EPOCHREALTIME/./} + $1 * 1000000))
	shift
	until "$@"; do
		((${EPOCHREALTIME/./} < deadline)) || return 1
		sleep 0.05
	done
}

# A session bus of our own, with no standard service dirs: it activates
# nothing (no prompter, no second keyring), so nothing outlives us.
cat >"$DIR/bus.conf" <<EOF
<busconfig>
  <type>session</type>
  <listen>unix:path=$DIR/run/bus</listen>
  <servicedir>$DIR/services</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
: >"$DIR/bus.addr"
"${DEATHSIG[@]}" dbus-daemon --config-file="$DIR/bus.conf" --nofork --print-address=1 \
	>"$DIR/bus.addr" 2>"$DIR/bus.err" </dev/null &
PIDS+=($!)
wait_for 15 grep -qs '^unix:' "$DIR/bus.addr" || die "dbus-daemon did not start: $(cat "$DIR/bus.err")"
DBUS_SESSION_BUS_ADDRESS=$(head -n 1 "$DIR/bus.addr")
export DBUS_SESSION_BUS_ADDRESS

# gnome-keyring in the foreground (our child, not double-forked away), its
# login keyring created and unlocked with the password on stdin.
printf '%s' bench-keyring-password |
	"${DEATHSIG[@]}" gnome-keyring-daemon --foreground --unlock --components=secrets >"$DIR/keyring.log" 2>&1 &
PIDS+=($!)
unlocked() {
	dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets/aliases/default \
		org.freedesktop.DBus.Properties.Get string:org.freedesktop.Secret.Collection string:Locked 2>/dev/null |
		grep -q 'boolean false'
}
wait_for 15 unlocked || die "gnome-keyring-daemon did not unlock on the private bus: $(cat "$DIR/keyring.log")"

# The oidc-provider test server.
if [ ! -d "$NODE_DIR/node_modules" ]; then
	(cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error) >&2 || die "npm ci in $NODE_DIR failed"
fi
: >"$DIR/node.out"
(cd "$NODE_DIR" && PORT=0 CLIENT_ID=$CLIENT_ID ACCOUNT_EMAIL=$ACCOUNT ROTATE=1 NODE_NO_WARNINGS=1 \
	exec "${DEATHSIG[@]}" node server.js) >"$DIR/node.out" 2>"$DIR/node.err" </dev/null &
PIDS+=($!)
wait_for 30 grep -qs '^READY ' "$DIR/node.out" || die "the oidc-provider server did not start: $(tail -n 20 "$DIR/node.err")"
ISSUER=$(sed -n 's/^READY //p' "$DIR/node.out" | head -n 1)
TOKEN_URL=$(curl -sS --noproxy '*' --max-time 10 "$ISSUER/.well-known/openid-configuration" | jq -r .token_endpoint)
[[ $TOKEN_URL == http://127.0.0.1:* ]] || die "no token endpoint in $ISSUER's discovery document"

printf '[providers.testidp]\ntype = "oidc"\nissuer = "%s"\nclient_id = "%s"\n' "$ISSUER" "$CLIENT_ID" \
	>"$LATCHKEY_CONFIG_DIR/config.toml"
PATH=$BROWSER_DIR:$PATH "$BIN" connect testidp --timeout 60s >"$DIR/connect.log" 2>&1 ||
	die "latchkey connect failed: $(cat "$DIR/connect.log")"
grep -q "Connected $ACCOUNT" "$DIR/connect.log" || die "latchkey connect said: $(cat "$DIR/connect.log")"
"$BIN" token "$ACCOUNT" >/dev/null || die "latchkey token failed right after connect"

lookup() { secret-tool lookup service latchkey username "$1"; }
store() { secret-tool store --label="latchkey bench $1" service latchkey username "$1"; }
stats() { curl -sS --noproxy '*' --max-time 10 "$ISSUER/__test/stats"; }

# The baseline item: a copy of the access item, so secret-tool moves the
# same number of bytes over the bus as latchkey does.
lookup "$ACCESS_KEY" | store "$SAME_KEY"
ACCESS_BYTES=$(lookup "$ACCESS_KEY" | wc -c)
SAME_BYTES=$(lookup "$SAME_KEY" | wc -c)
((ACCESS_BYTES > 0 && ACCESS_BYTES == SAME_BYTES)) ||
	die "baseline item is $SAME_BYTES bytes, access item $ACCESS_BYTES"

SETUP_S=$(awk -v a="$START" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')

# ---- timing helpers -------------------------------------------------------

# summary NAME: "median p95" in microseconds of the samples in array NAME
# (nearest-rank percentiles).
summary() {
	local -n s=$1
	printf '%s\n' "${s[@]}" | sort -n | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		r = int(0.95 * NR + 0.999999); if (r < 1) r = 1
		printf "%d %d\n", m, v[r] }'
}

# ---- A: cached token ------------------------------------------------------

a_latchkey() { "$BIN" token "$ACCOUNT" >/dev/null || die "latchkey token failed (exit $?)"; }
a_secret() { secret-tool lookup service latchkey username "$SAME_KEY" >/dev/null || die "secret-tool lookup failed"; }
a_base() { "$BASE" token "$ACCOUNT" >/dev/null || die "baseline latchkey token failed (exit $?)"; }

for ((i = 0; i < WARMUP; i++)); do
	a_latchkey; a_secret
	[ -z "$BASE" ] || a_base
done
stats >"$DIR/stats.before-a"
A_L=() A_S=() A_O=()
for ((i = 0; i < RUNS; i++)); do
	t0=$EPOCHREALTIME; a_latchkey; t1=$EPOCHREALTIME
	A_L+=($((${t1/./} - ${t0/./})))
	t0=$EPOCHREALTIME; a_secret; t1=$EPOCHREALTIME
	A_S+=($((${t1/./} - ${t0/./})))
	if [ -n "$BASE" ]; then
		t0=$EPOCHREALTIME; a_base; t1=$EPOCHREALTIME
		A_O+=($((${t1/./} - ${t0/./})))
	fi
done
stats >"$DIR/stats.after-a"
cmp -s "$DIR/stats.before-a" "$DIR/stats.after-a" || die "latchkey refreshed during the cached-token benchmark"

# ---- B: refresh -----------------------------------------------------------

# expire: rewrite the access item's expires_at a minute into the past.
expire() {
	lookup "$ACCESS_KEY" |
		jq -c --arg t "$(date -u -d '-1 minute' +%Y-%m-%dT%H:%M:%SZ)" '.expires_at = $t' |
		store "$ACCESS_KEY"
}
# expire_by_time: expire also the index note, as an hour passing does.
expire_by_time() {
	expire
	local t ix=$LATCHKEY_CONFIG_DIR/accounts.json
	t=$(date -u -d '-1 minute' +%Y-%m-%dT%H:%M:%SZ)
	jq --arg id "$ID" --arg t "$t" '(.accounts[] | select(.id == $id) | .tokens[]?.expires_at) = $t' "$ix" >"$ix.bench" &&
		mv "$ix.bench" "$ix" || die "cannot expire the index note"
}
# The current refresh token, for curl, in a 0600 file in the 0700 dir.
prep_curl() { lookup "$REFRESH_KEY" | jq -je .refresh_token >"$DIR/rt" || die "no refresh token in the keychain"; }
b_latchkey() { "$BIN" token "$ACCOUNT" >/dev/null || die "latchkey token (refresh) failed (exit $?)"; }
b_base() { "$BASE" token "$ACCOUNT" >/dev/null || die "baseline latchkey token (refresh) failed (exit $?)"; }
b_curl() {
	curl -s --noproxy '*' -X POST -o "$DIR/resp" -w '%{http_code}' \
		--data-urlencode grant_type=refresh_token --data-urlencode "refresh_token@$DIR/rt" \
		--data-urlencode client_id=$CLIENT_ID "$TOKEN_URL" >"$DIR/code" || die "curl failed (exit $?)"
}
# After curl: check it worked, and keep latchkey's account working by saving
# the rotated refresh token back into the keychain item, as latchkey would.
after_curl() {
	[ "$(cat "$DIR/code")" = 200 ] || die "curl refresh got HTTP $(cat "$DIR/code"): $(jq -c '{error, error_description}' "$DIR/resp" 2>/dev/null)"
	lookup "$REFRESH_KEY" |
		jq -c --slurpfile r "$DIR/resp" 'if $r[0].refresh_token then .refresh_token = $r[0].refresh_token else . end' |
		store "$REFRESH_KEY"
	: >"$DIR/resp"
}
refreshes() { stats | jq .refresh_token; }

for ((i = 0; i < WARMUP; i++)); do
	expire; b_latchkey
	prep_curl; b_curl; after_curl
	[ -z "$BASE" ] || { expire; b_base; }
done
R0=$(refreshes)
B_L=() B_C=() B_O=() B_T=()
for ((i = 0; i < REFRESH_RUNS; i++)); do
	expire
	t0=$EPOCHREALTIME; b_latchkey; t1=$EPOCHREALTIME
	B_L+=($((${t1/./} - ${t0/./})))
	prep_curl
	t0=$EPOCHREALTIME; b_curl; t1=$EPOCHREALTIME
	B_C+=($((${t1/./} - ${t0/./})))
	after_curl
	if [ -n "$BASE" ]; then
		expire
		t0=$EPOCHREALTIME; b_base; t1=$EPOCHREALTIME
		B_O+=($((${t1/./} - ${t0/./})))
	fi
	expire_by_time
	t0=$EPOCHREALTIME; b_latchkey; t1=$EPOCHREALTIME
	B_T+=($((${t1/./} - ${t0/./})))
done
R1=$(refreshes)
SIDES=3
[ -z "$BASE" ] || SIDES=4
((R1 - R0 == SIDES * REFRESH_RUNS)) ||
	die "the provider saw $((R1 - R0)) refreshes during the refresh benchmark, want $((SIDES * REFRESH_RUNS))"
"$BIN" token "$ACCOUNT" >/dev/null || die "the account no longer works after the benchmark"
: >"$DIR/rt"

# ---- report ---------------------------------------------------------------

read -r AL_MED AL_P95 < <(summary A_L)
read -r AS_MED AS_P95 < <(summary A_S)
read -r BL_MED BL_P95 < <(summary B_L)
read -r BC_MED BC_P95 < <(summary B_C)
read -r BT_MED BT_P95 < <(summary B_T)
if [ -n "$BASE" ]; then
	read -r AO_MED AO_P95 < <(summary A_O)
	read -r BO_MED BO_P95 < <(summary B_O)
	BASE_SIZE=$(stat -c %s "$BASE")
fi
SIZE=$(stat -c %s "$BIN")
TOTAL_S=$(awk -v a="$START" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')

ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v r="$1" -v g="$2" 'BEGIN { print (r <= g) ? "ok" : "MISSED" }'; }
A_RATIO=$(ratio "$AL_MED" "$AS_MED")
B_RATIO=$(ratio "$BL_MED" "$BC_MED")
SIZE_MIB=$(awk -v s="$SIZE" 'BEGIN { printf "%.2f", s / 1048576 }')

{
	printf '\n%-40s %6s %10s %10s\n' "latchkey bench ($(uname -m), $(nproc) CPUs)" runs "median ms" "p95 ms"
	printf '%-40s %6d %10s %10s\n' "A latchkey token (cached)" "$RUNS" "$(ms "$AL_MED")" "$(ms "$AL_P95")"
	printf '%-40s %6d %10s %10s\n' "A secret-tool lookup ($SAME_BYTES bytes)" "$RUNS" "$(ms "$AS_MED")" "$(ms "$AS_P95")"
	printf '%-40s %6s %10s  goal <= 1.5x: %s\n' "A ratio of medians" "" "${A_RATIO}x" "$(verdict "$A_RATIO" 1.5)"
	printf '%-40s %6d %10s %10s\n' "B latchkey token (expired: refresh)" "$REFRESH_RUNS" "$(ms "$BL_MED")" "$(ms "$BL_P95")"
	printf '%-40s %6d %10s %10s\n' "B curl POST refresh_token" "$REFRESH_RUNS" "$(ms "$BC_MED")" "$(ms "$BC_P95")"
	printf '%-40s %6s %10s  goal <= 1.3x: %s\n' "B ratio of medians" "" "${B_RATIO}x" "$(verdict "$B_RATIO" 1.3)"
	printf '%-40s %6d %10s %10s  %sx of curl\n' "B latchkey token (expired by time)" "$REFRESH_RUNS" "$(ms "$BT_MED")" "$(ms "$BT_P95")" "$(ratio "$BT_MED" "$BC_MED")"
	printf '%-40s %s bytes (%s MiB)\n' "binary $(basename "$BIN")" "$SIZE" "$SIZE_MIB"
	if [ -n "$BASE" ]; then
		printf '%-40s %6d %10s %10s  %sx of baseline\n' "A baseline latchkey token (cached)" "$RUNS" "$(ms "$AO_MED")" "$(ms "$AO_P95")" "$(ratio "$AL_MED" "$AO_MED")"
		printf '%-40s %6d %10s %10s  %sx of baseline\n' "B baseline latchkey token (refresh)" "$REFRESH_RUNS" "$(ms "$BO_MED")" "$(ms "$BO_P95")" "$(ratio "$BL_MED" "$BO_MED")"
		printf '%-40s %s bytes (%s MiB)\n' "baseline binary" "$BASE_SIZE" "$(awk -v s="$BASE_SIZE" 'BEGIN { printf "%.2f", s / 1048576 }')"
	fi
	printf '%-40s setup %ss, total %ss\n' "wall time" "$SETUP_S" "$TOTAL_S"
}

# ---- C: proxy overhead ------------------------------------------------------

PROXY_RUNS=${BENCH_PROXY_RUNS:-200}
[[ $PROXY_RUNS =~ ^[0-9]+$ ]] || die "BENCH_PROXY_RUNS must be a whole number"
if ((PROXY_RUNS > 0)); then
	command -v go >/dev/null || die "go not found: the proxy benchmark is a Go test"
	(cd "$ROOT" && LATCHKEY_PROXY_BENCH=1 BENCH_PROXY_RUNS=$PROXY_RUNS go test -v -count=1 -timeout 15m \
		-run '^TestProxyBench$' ./cmd/latchkey) >"$DIR/proxy.out" 2>&1 ||
		die "the proxy benchmark failed: $(tail -n 20 "$DIR/proxy.out")"
	echo
	sed -n '/^latchkey proxy bench/,/^--- /p' "$DIR/proxy.out" | grep -v '^--- \|^ '
fi

if [ -n "${BENCH_OUT:-}" ]; then
	jq -n --arg arch "$(uname -m)" --argjson cpus "$(nproc)" --arg binary "$BIN" \
		--argjson size "$SIZE" --argjson runs "$RUNS" --argjson rruns "$REFRESH_RUNS" \
		--argjson al_med "$AL_MED" --argjson al_p95 "$AL_P95" --argjson as_med "$AS_MED" --argjson as_p95 "$AS_P95" \
		--argjson bl_med "$BL_MED" --argjson bl_p95 "$BL_P95" --argjson bc_med "$BC_MED" --argjson bc_p95 "$BC_P95" \
		--argjson bt_med "$BT_MED" --argjson bt_p95 "$BT_P95" \
		--argjson item_bytes "$SAME_BYTES" --argjson setup_s "$SETUP_S" --argjson total_s "$TOTAL_S" '
		def ms: . / 1000;
		{
		  arch: $arch, cpus: $cpus, binary: $binary,
		  binary_size_bytes: $size, binary_size_mib: ($size / 1048576),
		  cached: {
		    runs: $runs, item_bytes: $item_bytes,
		    latchkey_ms: {median: ($al_med | ms), p95: ($al_p95 | ms)},
		    secret_tool_ms: {median: ($as_med | ms), p95: ($as_p95 | ms)},
		    ratio: ($al_med / $as_med), goal: 1.5, ok: ($al_med / $as_med <= 1.5)
		  },
		  refresh: {
		    runs: $rruns,
		    latchkey_ms: {median: ($bl_med | ms), p95: ($bl_p95 | ms)},
		    curl_ms: {median: ($bc_med | ms), p95: ($bc_p95 | ms)},
		    latchkey_expired_by_time_ms: {median: ($bt_med | ms), p95: ($bt_p95 | ms)},
		    ratio: ($bl_med / $bc_med), goal: 1.3, ok: ($bl_med / $bc_med <= 1.3)
		  },
		  setup_seconds: $setup_s, total_seconds: $total_s
		}' >"$BENCH_OUT"
	if [ -n "$BASE" ]; then
		jq --arg binary "$BASE" --argjson size "$BASE_SIZE" \
			--argjson ao_med "$AO_MED" --argjson ao_p95 "$AO_P95" --argjson bo_med "$BO_MED" --argjson bo_p95 "$BO_P95" '
			def ms: . / 1000;
			.baseline = {
			  binary: $binary, binary_size_bytes: $size,
			  cached_ms: {median: ($ao_med | ms), p95: ($ao_p95 | ms)},
			  refresh_ms: {median: ($bo_med | ms), p95: ($bo_p95 | ms)}
			}' "$BENCH_OUT" >"$BENCH_OUT.tmp" && mv "$BENCH_OUT.tmp" "$BENCH_OUT"
	fi
	printf 'bench: wrote %s\n' "$BENCH_OUT"
fi
