#!/usr/bin/env bash
# Benchmark of the desktop app against the toolkit's floor, in one run:
# latchkey-tray and a minimal Fyne tray app (testdata/minimal, built the same
# way) each start RUNS times (default 3, interleaved) on the same throwaway
# desktop; for each the
# script reports the time from launch to the window mapped (median), then,
# after hiding the window, the resident memory and the CPU used over IDLE
# seconds of idling, side by side with the ratio.
#
#   dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" \
#       bash cmd/latchkey-tray/testdata/bench.sh bin/latchkey-tray bin/minimal-tray
#
# (make bench-desktop builds both and runs this.) Needs what smoke.sh needs.
# latchkey-tray runs with the two-account index from testdata, a real
# keyring and a tray host, as a person's session would have them.
set -uo pipefail

app=$(realpath "${1:?usage: bench.sh LATCHKEY_TRAY MINIMAL_TRAY}")
minimal=$(realpath "${2:?usage: bench.sh LATCHKEY_TRAY MINIMAL_TRAY}")
runs=${RUNS:-3}
idle=${IDLE:-10}
here=$(dirname "$(realpath "$0")")

die() {
	echo "bench: $*" >&2
	exit 1
}
[[ -n ${DISPLAY:-} && -n ${DBUS_SESSION_BUS_ADDRESS:-} ]] || die "run under dbus-run-session and xvfb-run (see the top of this script)"
for tool in xdotool gdbus gnome-keyring-daemon status-notifier-watcher; do
	command -v "$tool" >/dev/null || die "$tool is not installed"
done

tmp=$(mktemp -d)
chmod 700 "$tmp"
started=()
cleanup() {
	local pid
	for pid in "${started[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${started[@]}"; do wait "$pid" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

export XDG_RUNTIME_DIR=$tmp/runtime XDG_DATA_HOME=$tmp/data XDG_CONFIG_HOME=$tmp/config XDG_CACHE_HOME=$tmp/cache
export LATCHKEY_CONFIG_DIR=$tmp/latchkey
mkdir -m 700 -p "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$LATCHKEY_CONFIG_DIR"

printf pw | gnome-keyring-daemon --foreground --unlock --components=secrets >"$tmp/keyring.env" 2>/dev/null &
started+=($!)
status-notifier-watcher >/dev/null 2>&1 &
started+=($!)
has_name() {
	gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
		--method org.freedesktop.DBus.ListNames | grep -q "'$1'"
}
for _ in $(seq 100); do has_name org.freedesktop.secrets && has_name org.kde.StatusNotifierWatcher && break; sleep 0.1; done
has_name org.kde.StatusNotifierWatcher || die "no tray host"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
clk=$(getconf CLK_TCK)
# cpu_ticks PID: user + system CPU time of PID, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# measure NAME BINARY WINDOW-NAME: prints "map_ms rss_kib cpu_percent" for one run.
measure() {
	local bin=$2 title=$3 t0 t1 pid win c0 c1
	cp "$here/accounts.json" "$LATCHKEY_CONFIG_DIR/accounts.json"
	t0=$(now_ms)
	"$bin" >"$tmp/$1.log" 2>&1 &
	pid=$!
	started+=("$pid")
	win=
	for _ in $(seq 1500); do
		win=$(xdotool search --onlyvisible --name "^$title\$" 2>/dev/null | head -n 1)
		[[ -n $win ]] && break
		sleep 0.01
	done
	t1=$(now_ms)
	[[ -n $win ]] || die "$1: no window within 15s: $(cat "$tmp/$1.log")"
	# Let the first frames and the first account load finish, then hide the
	# window the way a person would: Escape.
	sleep 1
	xdotool windowfocus --sync "$win" 2>/dev/null
	xdotool key --window "$win" Escape
	for _ in $(seq 100); do
		xdotool search --onlyvisible --name "^$title\$" >/dev/null 2>&1 || break
		sleep 0.05
	done
	xdotool search --onlyvisible --name "^$title\$" >/dev/null 2>&1 && die "$1: the window did not hide on Escape"
	sleep 1
	c0=$(cpu_ticks "$pid")
	sleep "$idle"
	c1=$(cpu_ticks "$pid")
	echo "$((t1 - t0)) $(rss_kib "$pid") $(awk -v d=$((c1 - c0)) -v clk="$clk" -v s="$idle" 'BEGIN { printf "%.2f", 100 * d / clk / s }')"
	kill "$pid"
	wait "$pid" 2>/dev/null
}

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

declare -A result
: >"$tmp/latchkey.runs"
: >"$tmp/minimal.runs"
# Interleaved, so that a change in the machine's load hits both alike.
for i in $(seq "$runs"); do
	for who in latchkey minimal; do
		bin=$app title=Latchkey
		[[ $who == minimal ]] && bin=$minimal title=Minimal
		measure "$who" "$bin" "$title" >>"$tmp/$who.runs" || exit 1
		echo "run $i of $who: $(tail -n 1 "$tmp/$who.runs") (map ms, RSS KiB, CPU %)" >&2
	done
done
for who in latchkey minimal; do
	result[$who.map]=$(cut -d' ' -f1 "$tmp/$who.runs" | median)
	result[$who.rss]=$(cut -d' ' -f2 "$tmp/$who.runs" | median)
	result[$who.cpu]=$(cut -d' ' -f3 "$tmp/$who.runs" | median)
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2fx", a / b }'; }
printf '\n%-38s %14s %14s %8s\n' "median of $runs runs" latchkey-tray minimal-fyne ratio
printf '%-38s %11s ms %11s ms %8s\n' "launch to window mapped" "${result[latchkey.map]}" "${result[minimal.map]}" "$(ratio "${result[latchkey.map]}" "${result[minimal.map]}")"
printf '%-38s %10.1f MiB %10.1f MiB %8s\n' "idle RSS, window hidden" "$(awk -v k="${result[latchkey.rss]}" 'BEGIN{print k/1024}')" "$(awk -v k="${result[minimal.rss]}" 'BEGIN{print k/1024}')" "$(ratio "${result[latchkey.rss]}" "${result[minimal.rss]}")"
printf '%-38s %12s %% %12s %% %8s\n' "idle CPU over ${idle}s, window hidden" "${result[latchkey.cpu]}" "${result[minimal.cpu]}" "$(ratio "${result[latchkey.cpu]}" "${result[minimal.cpu]}")"
