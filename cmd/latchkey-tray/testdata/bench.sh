#!/usr/bin/env bash
# Benchmark of the desktop app against the toolkit's floor, in one run:
# latchkey-tray and a minimal Fyne tray app (testdata/minimal, built the same
# way) each run RUNS times (default 3, interleaved) on the same throwaway
# desktop. Each run measures, for each app:
#
#   - launch to window mapped: started without --hidden, the time until its
#     window is on screen;
#   - started with --hidden (as at login), the window never opened: the
#     resident memory and the CPU used over IDLE seconds (default 10);
#   - menu click to window mapped, cold: the time from clicking the tray
#     menu's item that opens the window (over D-Bus, as a tray host does)
#     until the window is on screen, the click coming alone;
#   - menu click to window mapped, menu opened first: the same, but as a
#     person does it: the tray host tells the app the menu opened (the
#     dbusmenu "opened" event), the person takes DWELL ms (default 500) to
#     reach the item, then clicks. latchkey-tray readies its window process
#     when the menu opens; the minimal app does nothing with the event,
#     and its window, already shown once by the cold click, is only mapped
#     again;
#   - menu click to window mapped, first show, menu opened first: the same
#     in a fresh process started with --hidden, the menu's first opening
#     and click: for the minimal app the first show of its window (it
#     makes its GL window then), like for like with latchkey-tray, whose
#     every opening is a first show in a new window process;
#   - after the window was opened and closed again (Escape), twice: the
#     resident memory and CPU over IDLE seconds once more.
#
# Memory and CPU count every process of the app: latchkey-tray's window
# process too, while it runs (it ends when its window is closed). The
# medians are printed side by side with the ratio, then the goals of issue
# 11 (idle RSS <= 40 MiB, idle CPU <= 0.1 %, menu click to window <= 1.1x
# the minimal app's), each PASS or FAIL. Under LATCHKEY_TRACE_STARTUP=1,
# latchkey-tray's window process logs where its time goes (kept in
# $LOGS/latchkey.log when LOGS names a directory).
#
#   dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" \
#       bash cmd/latchkey-tray/testdata/bench.sh bin/latchkey-tray bin/minimal-tray [BASELINE]
#
# With BASELINE, another build of latchkey-tray (say, of the commit before
# a change) runs too, interleaved, and its medians are printed in a last
# column, with latchkey-tray's ratio to them: before and after compared
# within one run, as the machine's load moves.
#
# (make bench-desktop builds both and runs this.) Needs what smoke.sh needs.
# latchkey-tray runs with the two-account index from testdata, a real
# keyring and a tray host, as a person's session would have them.
set -uo pipefail

app=$(realpath "${1:?usage: bench.sh LATCHKEY_TRAY MINIMAL_TRAY}")
minimal=$(realpath "${2:?usage: bench.sh LATCHKEY_TRAY MINIMAL_TRAY}")
baseline=${3:+$(realpath "$3")}
runs=${RUNS:-3}
idle=${IDLE:-10}
dwell=${DWELL:-500}
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
	if [[ -d ${LOGS:-} ]]; then cp "$tmp"/*.log "$LOGS"/; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

export XDG_RUNTIME_DIR=$tmp/runtime XDG_DATA_HOME=$tmp/data XDG_CONFIG_HOME=$tmp/config XDG_CACHE_HOME=$tmp/cache
export LATCHKEY_CONFIG_DIR=$tmp/latchkey
mkdir -m 700 -p "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$LATCHKEY_CONFIG_DIR"

# Each app runs from a copy made here, alike: the kernel may map a binary
# the linker has just written with huge pages (FilePmdMapped in smaps),
# which adds 3-5 MiB of resident memory that depend on how the file came
# into the page cache, not on the program.
mkdir "$tmp/bin"
cp "$app" "$tmp/bin/latchkey-tray" && app=$tmp/bin/latchkey-tray
cp "$minimal" "$tmp/bin/minimal-tray" && minimal=$tmp/bin/minimal-tray
if [[ -n $baseline ]]; then cp "$baseline" "$tmp/bin/baseline-tray" && baseline=$tmp/bin/baseline-tray; fi

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
# procs PID: PID and its child processes (latchkey-tray's window process).
procs() { echo "$1" $(pgrep -P "$1"); }
# total PID FIELD: FIELD summed over PID and its children: ticks (user +
# system CPU time in clock ticks, with that of children waited for) or rss
# (resident memory in KiB).
total() {
	local p n t=0
	for p in $(procs "$1"); do
		case $2 in
		ticks) n=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$p/stat" 2>/dev/null) ;;
		rss) n=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null) ;;
		esac
		t=$((t + ${n:-0}))
	done
	echo "$t"
}
# idle PID: "RSS_KiB CPU_percent" over $idle seconds.
idle_sample() {
	local c0 c1
	c0=$(total "$1" ticks)
	sleep "$idle"
	c1=$(total "$1" ticks)
	echo "$(total "$1" rss) $(awk -v d=$((c1 - c0)) -v clk="$clk" -v s="$idle" 'BEGIN { printf "%.2f", 100 * d / clk / s }')"
}
# wait_window TITLE [SECONDS]: waits up to SECONDS (default 15) for a
# visible window called TITLE.
wait_window() {
	local w
	for _ in $(seq $((${2:-15} * 100))); do
		w=$(xdotool search --onlyvisible --name "^$1\$" 2>/dev/null | head -n 1)
		[[ -n $w ]] && echo "$w" && return 0
		sleep 0.01
	done
	return 1
}
layout() {
	gdbus call --session --dest "org.kde.StatusNotifierItem-$1-1" --object-path /StatusNotifierItem/menu \
		--method com.canonical.dbusmenu.GetLayout -- 0 -1 '["label"]' 2>/dev/null
}
# menu_id PID LABEL: the id of the tray menu item LABEL, once the menu is final.
menu_id() {
	local l
	for _ in $(seq 150); do
		l=$(layout "$1")
		if [[ $l == *"'$2'"* && $l != *"Loading accounts"* ]]; then
			grep -oE "<\([0-9]+, \{[^}]*'label': <'$2'>" <<<"$l" | grep -oE '^<\([0-9]+' | tr -d '<(' | head -n 1
			return 0
		fi
		sleep 0.1
	done
	return 1
}
click() {
	gdbus call --session --dest "org.kde.StatusNotifierItem-$1-1" --object-path /StatusNotifierItem/menu \
		--method com.canonical.dbusmenu.Event -- "$2" clicked '<int32 0>' "$(date +%s)" >/dev/null
}
# menu_opened PID: what a tray host sends as the person opens the menu.
menu_opened() {
	gdbus call --session --dest "org.kde.StatusNotifierItem-$1-1" --object-path /StatusNotifierItem/menu \
		--method com.canonical.dbusmenu.Event -- 0 opened '<int32 0>' "$(date +%s)" >/dev/null
}
# dwell: what the person takes from the menu opening to the click.
dwell() { sleep "$(awk -v ms="$dwell" 'BEGIN { print ms / 1000 }')"; }
# open_close WHO PID TITLE LABEL: clicks the menu item LABEL, prints the ms
# until the window TITLE is mapped, then closes it with Escape and waits for
# latchkey-tray's window process to end. The item's id is read just before
# the click: a menu rebuilt meanwhile has new ids.
open_close() {
	local who=$1 pid=$2 title=$3 id t0 t1 win
	id=$(menu_id "$pid" "$4") || die "$who: no tray menu item '$4': $(cat "$tmp/$who.log")"
	t0=$(now_ms)
	click "$pid" "$id"
	if ! win=$(wait_window "$title" 5); then
		# Seen now and then with the minimal app: the click is lost. A
		# person clicks again; the time counts from that second click.
		echo "bench: $who: no window 5 s after the click; clicking again" >&2
		id=$(menu_id "$pid" "$4")
		t0=$(now_ms)
		click "$pid" "$id"
		win=$(wait_window "$title") || die "$who: the menu item opened no window within 15s: $(cat "$tmp/$who.log")"
	fi
	t1=$(now_ms)
	echo $((t1 - t0))
	# Let the first frames and the account load finish, then close the
	# window the way a person would: Escape.
	sleep 1
	xdotool windowfocus --sync "$win" 2>/dev/null
	xdotool key --window "$win" Escape
	for _ in $(seq 100); do
		xdotool search --onlyvisible --name "^$title\$" >/dev/null 2>&1 || break
		sleep 0.05
	done
	xdotool search --onlyvisible --name "^$title\$" >/dev/null 2>&1 && die "$who: the window did not close on Escape"
	for _ in $(seq 100); do
		[[ -z $(pgrep -P "$pid") ]] && break
		sleep 0.05
	done
}
# stop PID: SIGTERM, and SIGKILL after 5 s: Fyne's own shutdown, which the
# minimal app uses, can hang (see ui.DropStoppedEvent).
stop() {
	kill "$1" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# start_hidden WHO BINARY LABEL: starts BINARY as at login, sets pid (the
# caller's) to its pid, and returns once its tray menu has the item LABEL.
start_hidden() {
	"$2" --hidden >>"$tmp/$1.log" 2>&1 &
	pid=$!
	started+=("$pid")
	menu_id "$pid" "$3" >/dev/null || die "$1: no tray menu item '$3': $(cat "$tmp/$1.log")"
}

# measure NAME BINARY WINDOW-TITLE MENU-LABEL: prints "launch_ms rss0 cpu0
# cold_ms opened_ms rss1 cpu1 first_ms" for one run (see the top).
measure() {
	local who=$1 bin=$2 title=$3 label=$4 t0 t1 pid launch cold opened never after first
	cp "$here/accounts.json" "$LATCHKEY_CONFIG_DIR/accounts.json"

	# Launch to window mapped.
	t0=$(now_ms)
	"$bin" >>"$tmp/$who.log" 2>&1 &
	pid=$!
	started+=("$pid")
	wait_window "$title" >/dev/null || die "$who: no window within 15s: $(cat "$tmp/$who.log")"
	t1=$(now_ms)
	launch=$((t1 - t0))
	stop "$pid"

	# Started at login, the menu opened and its item clicked: the window's
	# first show, as a person's first of the session.
	start_hidden "$who" "$bin" "$label"
	sleep 2
	menu_opened "$pid"
	dwell
	first=$(open_close "$who" "$pid" "$title" "$label") || { stop "$pid"; return 1; }
	stop "$pid"

	# Started at login: never opened, then opened from the menu and closed,
	# twice.
	start_hidden "$who" "$bin" "$label"
	sleep 2
	never=$(idle_sample "$pid")
	cold=$(open_close "$who" "$pid" "$title" "$label") || { stop "$pid"; return 1; }
	sleep 1
	menu_opened "$pid"
	dwell
	opened=$(open_close "$who" "$pid" "$title" "$label") || { stop "$pid"; return 1; }
	sleep 2
	after=$(idle_sample "$pid")
	stop "$pid"
	echo "$launch $never $cold $opened $after $first"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

declare -A result
apps=(latchkey minimal)
[[ -n $baseline ]] && apps+=(baseline)
for who in "${apps[@]}"; do : >"$tmp/$who.runs"; done
# Interleaved, so that a change in the machine's load hits all alike.
for i in $(seq "$runs"); do
	for who in "${apps[@]}"; do
		case $who in
		latchkey) args=("$app" Latchkey "Manage accounts…") ;;
		minimal) args=("$minimal" Minimal Show) ;;
		baseline) args=("$baseline" Latchkey "Manage accounts…") ;;
		esac
		# A run whose click opened no window (seen now and then with the
		# minimal app, its click lost for good) is run again, up to twice,
		# said so.
		for try in 1 2 3; do
			measure "$who" "${args[@]}" >>"$tmp/$who.runs" && break
			[[ $try == 3 ]] && exit 1
			echo "bench: run $i of $who failed; running it once more" >&2
		done
		echo "run $i of $who: $(tail -n 1 "$tmp/$who.runs") (launch ms, never-opened RSS KiB and CPU %, menu-click ms cold and menu opened first, after-close RSS KiB and CPU %, menu-click ms first show)" >&2
	done
done
fields=(launch rss0 cpu0 cold open rss1 cpu1 first)
for who in "${apps[@]}"; do
	for f in "${!fields[@]}"; do
		result[$who.${fields[f]}]=$(cut -d' ' -f$((f + 1)) "$tmp/$who.runs" | median)
	done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2fx", a / b }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
# then_baseline VALUE FIELD UNIT: the baseline's column, when there is one.
then_baseline() {
	[[ -n $baseline ]] && printf ' %11s %-3s %8s' "$1" "$3" "$(ratio "${result[latchkey.$2]}" "${result[baseline.$2]}")"
	echo
}
row_ms() {
	printf '%-44s %11s ms %11s ms %8s' "$1" "${result[latchkey.$2]}" "${result[minimal.$2]}" "$(ratio "${result[latchkey.$2]}" "${result[minimal.$2]}")"
	then_baseline "${result[baseline.$2]:-}" "$2" ms
}
row_rss() {
	printf '%-44s %10s MiB %10s MiB %8s' "$1" "$(mib "${result[latchkey.$2]}")" "$(mib "${result[minimal.$2]}")" "$(ratio "${result[latchkey.$2]}" "${result[minimal.$2]}")"
	then_baseline "$(mib "${result[baseline.$2]:-0}")" "$2" MiB
}
row_cpu() {
	printf '%-44s %12s %% %12s %% %8s' "$1" "${result[latchkey.$2]}" "${result[minimal.$2]}" "$(ratio "${result[latchkey.$2]}" "${result[minimal.$2]}")"
	then_baseline "${result[baseline.$2]:-}" "$2" %
}
printf '\n%-44s %14s %14s %8s' "median of $runs runs" latchkey-tray minimal-fyne ratio
if [[ -n $baseline ]]; then printf ' %15s %8s\n' baseline ratio; else echo; fi
row_ms "launch to window mapped" launch
row_ms "menu click to window mapped, cold" cold
row_ms "menu click to window mapped, menu opened" open
row_ms "menu click to window mapped, first show" first
row_rss "idle RSS, window never opened" rss0
row_cpu "idle CPU over ${idle}s, window never opened" cpu0
row_rss "idle RSS, window opened and closed" rss1
row_cpu "idle CPU over ${idle}s, window opened and closed" cpu1

# The goals of issue 11.
goal() { if awk "BEGIN { exit !($2) }"; then echo "PASS: $1"; else echo "FAIL: $1"; fi; }
echo
goal "idle RSS <= 40 MiB, never opened ($(mib "${result[latchkey.rss0]}") MiB)" "${result[latchkey.rss0]} <= 40960"
goal "idle RSS <= 40 MiB, opened and closed ($(mib "${result[latchkey.rss1]}") MiB)" "${result[latchkey.rss1]} <= 40960"
goal "idle CPU <= 0.1 %, never opened (${result[latchkey.cpu0]} %)" "${result[latchkey.cpu0]} <= 0.1"
goal "idle CPU <= 0.1 %, opened and closed (${result[latchkey.cpu1]} %)" "${result[latchkey.cpu1]} <= 0.1"
goal "menu click to window <= 1.1x the minimal app's, menu opened first ($(ratio "${result[latchkey.open]}" "${result[minimal.open]}"))" "${result[latchkey.open]} <= 1.1 * ${result[minimal.open]}"
goal "menu click to window <= 1.1x the minimal app's, cold ($(ratio "${result[latchkey.cold]}" "${result[minimal.cold]}"))" "${result[latchkey.cold]} <= 1.1 * ${result[minimal.cold]}"
# Like for like: both windows shown for the first time in their process.
goal "menu click to window <= 1.1x the minimal app's, first show, menu opened first ($(ratio "${result[latchkey.first]}" "${result[minimal.first]}"))" "${result[latchkey.first]} <= 1.1 * ${result[minimal.first]}"
# For scale: a window process starts cold, as the minimal app does at launch.
goal "menu click to window <= 1.1x the minimal app's launch to window, menu opened first ($(ratio "${result[latchkey.open]}" "${result[minimal.launch]}"))" "${result[latchkey.open]} <= 1.1 * ${result[minimal.launch]}"
