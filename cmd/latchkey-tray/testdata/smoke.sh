#!/usr/bin/env bash
# Smoke test of the real latchkey-tray binary on a throwaway desktop: the
# window appears and is not blank, the tray menu is on D-Bus with its items,
# "Start at login" writes the XDG autostart entry, Escape hides the window,
# a second launch hands over to the running app (whose window comes back)
# and exits, and clicking Quit in the menu ends the app with status 0.
# Without accounts, the connect wizard opens by itself.
#
# The process model: the app (the tray process) shows no window itself; a
# window process it starts runs the windows. So the test checks too that
# hiding the last window ends the window process and gives its memory back
# (the app's RSS is measured with the window and without, and must be at
# most SMOKE_MAX_IDLE_RSS_KIB, default 40960, without), that "Manage
# accounts…" in the menu opens the window, that killing the window process
# (SIGKILL) leaves the tray running and the next click opens a new window,
# that opening the menu readies a window process the click then uses,
# that Quit and SIGTERM, each with the window open, end both processes
# with status 0 and leave no orphan, and that a tray killed with SIGKILL
# takes its window process with it.
#
# Run it inside its own session bus and X server:
#
#   dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" \
#       bash cmd/latchkey-tray/testdata/smoke.sh PATH/TO/latchkey-tray
#
# Needs: xdotool, imagemagick (import, convert), gdbus (libglib2.0-bin),
# gnome-keyring, status-notifier-watcher (haskell-status-notifier-item-utils).
# It never touches $HOME: XDG dirs and LATCHKEY_CONFIG_DIR point into a fresh
# temporary dir. The screenshot is kept at $SMOKE_SCREENSHOT
# (default /tmp/latchkey-tray-smoke.png).
#
# With SMOKE_ACCOUNTS=FILE, FILE is copied in as the account index first
# (accounts.json beside this script has two accounts, one needing
# reconnection; it follows the accounts package's index format), and the
# tray menu must list each of its e-mail addresses; without it the connect
# wizard must open by itself (first start).
#
# Last, the app is started again (--hidden) and SIGTERM must end it with
# status 0.
#
# It cannot hang: an app still running 15 s after Quit, or 10 s after a
# SIGTERM, fails the run, and gets SIGQUIT (the Go
# runtime then writes every goroutine's stack into the app's log, which is
# printed) and then SIGKILL.
set -uo pipefail

bin=${1:?usage: smoke.sh PATH/TO/latchkey-tray}
bin=$(realpath "$bin")
shot_out=${SMOKE_SCREENSHOT:-/tmp/latchkey-tray-smoke.png}
wait_secs=${SMOKE_TIMEOUT:-30}

failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
die() {
	echo "FAIL: $*"
	exit 1
}

[[ -x $bin ]] || die "$bin is not an executable"
[[ -n ${DISPLAY:-} ]] || die "no DISPLAY: run under xvfb-run (see the top of this script)"
[[ -n ${DBUS_SESSION_BUS_ADDRESS:-} ]] || die "no session bus: run under dbus-run-session (see the top of this script)"
for tool in xdotool import convert gdbus gnome-keyring-daemon status-notifier-watcher; do
	command -v "$tool" >/dev/null || die "$tool is not installed"
done

tmp=$(mktemp -d)
chmod 700 "$tmp"
started=() # PIDs of what this script started, killed on exit

gone() { ! kill -0 "$1" 2>/dev/null; }

# forget PID: takes PID, which has been waited for, out of started, so that
# cleanup signals no other process that may have its number by then.
forget() {
	local keep=() pid
	for pid in "${started[@]}"; do
		[[ $pid == "$1" ]] || keep+=("$pid")
	done
	started=("${keep[@]}")
}

# kill_hung PID: ends a hung latchkey-tray so that nothing waits on it
# forever: SIGQUIT makes the Go runtime write every goroutine's stack into
# the app's log (and exit), SIGKILL follows if even that does not end it.
kill_hung() {
	echo "INFO: sending SIGQUIT to $1 for a goroutine dump"
	kill -QUIT "$1" 2>/dev/null
	if ! wait_for 5 "$1 to end after SIGQUIT" gone "$1"; then
		echo "INFO: $1 still running after SIGQUIT: sending SIGKILL"
		kill -KILL "$1" 2>/dev/null
	fi
	wait "$1" 2>/dev/null
}

# cleanup ends what this script started: SIGTERM, then (after 10 s) the
# app's goroutine dump and SIGKILL, so that it cannot hang. An app that
# ignored SIGTERM fails the run.
cleanup() {
	local status=$? pid
	for pid in "${started[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${started[@]}"; do
		if ! wait_for 10 "$pid to end after SIGTERM" gone "$pid"; then
			if [[ $pid == "${app:-}" ]]; then
				echo "FAIL: latchkey-tray still running 10s after SIGTERM"
				kill_hung "$pid"
				echo "--- latchkey-tray output ---"
				cat "$tmp/app.log"
				status=1
			else
				kill -KILL "$pid" 2>/dev/null
			fi
		fi
		wait "$pid" 2>/dev/null
	done
	rm -rf "$tmp"
	exit "$status"
}
trap cleanup EXIT

export XDG_RUNTIME_DIR=$tmp/runtime XDG_DATA_HOME=$tmp/data XDG_CONFIG_HOME=$tmp/config XDG_CACHE_HOME=$tmp/cache
export LATCHKEY_CONFIG_DIR=$tmp/latchkey
mkdir -m 700 -p "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$LATCHKEY_CONFIG_DIR"
expect_labels=("Connect account…" "Manage accounts…" "Start at login" "Quit")
emails=()
if [[ -n ${SMOKE_ACCOUNTS:-} ]]; then
	cp "$SMOKE_ACCOUNTS" "$LATCHKEY_CONFIG_DIR/accounts.json" || die "cannot copy $SMOKE_ACCOUNTS"
	while read -r email; do
		emails+=("$email")
	done < <(grep -oE '"email": *"[^"]+"' "$SMOKE_ACCOUNTS" | sed -E 's/.*"([^"]+)"$/\1/')
fi

# session_names lists the names on the session bus, one a line.
session_names() {
	gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
		--method org.freedesktop.DBus.ListNames | grep -o "'[^']*'" | tr -d "'"
}

# wait_for SECONDS DESCRIPTION COMMAND...: runs COMMAND every 0.2 s until it
# succeeds or SECONDS pass.
wait_for() {
	local secs=$1 what=$2
	shift 2
	local deadline=$((SECONDS + secs))
	until "$@"; do
		if ((SECONDS >= deadline)); then
			echo "timed out after ${secs}s waiting for $what" >&2
			return 1
		fi
		sleep 0.2
	done
}

has_name() { session_names | grep -qx "$1"; }

# The keychain: a login keyring unlocked with a throwaway password. Run in
# the foreground (in the background of this script) so its PID is known.
printf pw | gnome-keyring-daemon --foreground --unlock --components=secrets >"$tmp/keyring.env" 2>"$tmp/keyring.log" &
started+=($!)
wait_for 10 "the keyring on D-Bus" has_name org.freedesktop.secrets || die "gnome-keyring-daemon did not start: $(cat "$tmp/keyring.log")"
eval "$(cat "$tmp/keyring.env")"
pass "keyring unlocked"

# The tray host.
status-notifier-watcher >"$tmp/watcher.log" 2>&1 &
started+=($!)
wait_for 10 "the tray host" has_name org.kde.StatusNotifierWatcher || die "status-notifier-watcher did not start: $(cat "$tmp/watcher.log")"
pass "tray host (org.kde.StatusNotifierWatcher) running"

"$bin" >"$tmp/app.log" 2>&1 &
app=$!
started+=("$app")
echo "INFO: latchkey-tray started, pid $app"

# The window.
if win=$(timeout "$wait_secs" xdotool search --sync --onlyvisible --name Latchkey 2>/dev/null | head -n 1) && [[ -n $win ]]; then
	pass "window '$(xdotool getwindowname "$win")' is visible (X id $win)"
else
	fail "no visible window named Latchkey within ${wait_secs}s"
fi

# First start without accounts: the connect wizard opens by itself.
if ((${#emails[@]} == 0)); then
	if timeout "$wait_secs" xdotool search --sync --onlyvisible --name "Connect an account" >/dev/null 2>&1; then
		pass "the connect wizard opened on first start"
	else
		fail "no connect wizard on first start"
	fi
fi

# The screenshot: retried until it shows something, as the first frame may
# not be drawn yet when the window is mapped.
shot=$tmp/shot.png
not_blank() {
	import -window root "$shot" 2>/dev/null || return 1
	local sd
	sd=$(convert "$shot" -format '%[fx:standard_deviation]' info:) || return 1
	echo "$sd" >"$tmp/sd"
	awk -v sd="$sd" 'BEGIN { exit !(sd > 0.01) }'
}
if wait_for 10 "a drawn window" not_blank; then
	pass "screenshot is not blank (standard deviation $(cat "$tmp/sd"))"
else
	fail "screenshot is blank (standard deviation $(cat "$tmp/sd" 2>/dev/null || echo unknown))"
fi
[[ -f $shot ]] && cp "$shot" "$shot_out" && echo "INFO: screenshot saved to $shot_out"

# The tray item: fyne.io/systray names it after the PID.
item=org.kde.StatusNotifierItem-$app-1
if wait_for "$wait_secs" "$item on D-Bus" has_name "$item"; then
	pass "tray item $item is on the session bus"
else
	fail "tray item $item not on the session bus; names: $(session_names | tr '\n' ' ')"
fi

layout() {
	gdbus call --session --dest "$item" --object-path /StatusNotifierItem/menu \
		--method com.canonical.dbusmenu.GetLayout -- 0 -1 '["label"]' >"$tmp/layout" 2>&1
}
# The menu is rebuilt once the accounts are loaded; wait for the final one.
menu_ready() { layout && grep -q "'Quit'" "$tmp/layout" && ! grep -q "Loading accounts" "$tmp/layout"; }
if wait_for "$wait_secs" "the tray menu" menu_ready; then
	echo "INFO: tray menu: $(cat "$tmp/layout")"
	for label in "${expect_labels[@]}"; do
		if grep -qF "'$label'" "$tmp/layout"; then
			pass "tray menu has '$label'"
		else
			fail "tray menu lacks '$label'"
		fi
	done
	# An account's line is its address and its state, or "Reconnect ADDRESS…".
	for email in "${emails[@]}"; do
		if grep -qE "'label': <'[^']*$email[^']*'>" "$tmp/layout"; then
			pass "tray menu has a line for $email"
		else
			fail "tray menu lacks a line for $email"
		fi
	done
else
	fail "could not read the tray menu: $(cat "$tmp/layout" 2>/dev/null)"
fi

# item_id LABEL: the menu item's id precedes its properties,
# "<(ID, {... 'label': <'LABEL'> ...}"; systray returns every property
# whatever the filter, in any order.
item_id() {
	grep -oE "<\([0-9]+, \{[^}]*'label': <'$1'>" "$tmp/layout" 2>/dev/null | grep -oE '^<\([0-9]+' | tr -d '<(' | head -n 1
}
click() {
	gdbus call --session --dest "$item" --object-path /StatusNotifierItem/menu \
		--method com.canonical.dbusmenu.Event -- "$1" clicked '<int32 0>' "$(date +%s)" >/dev/null
}

# Start at login: clicking the check item writes the XDG autostart entry.
entry=$XDG_CONFIG_HOME/autostart/io.github.latchkey.Latchkey.desktop
autostart_id=$(item_id "Start at login")
if [[ -n $autostart_id ]] && click "$autostart_id" && wait_for 10 "the autostart entry" test -f "$entry"; then
	if grep -qx "Exec=$bin --hidden" "$entry"; then
		pass "Start at login wrote $entry starting $bin --hidden"
	else
		fail "autostart entry does not start this binary: $(grep Exec "$entry")"
	fi
	# The menu is rebuilt whole, so the item has a new id: find it by label.
	autostart_props() { grep -oE "\{[^{}]*'label': <'Start at login'>[^{}]*\}" "$tmp/layout"; }
	checked() { layout && autostart_props | grep -qE "'toggle-state': <(int64 |int32 )?1>"; }
	if wait_for 10 "the check mark" checked; then
		pass "Start at login is checked in the menu"
	else
		fail "Start at login is not checked after clicking it: $(autostart_props)"
	fi
else
	fail "clicking Start at login wrote no autostart entry"
fi

# The process model: the tray process (the app, $app) creates no window;
# the windows run in a window process it starts and that ends when its last
# window is hidden. window_procs PID lists PID's child processes.
window_procs() { pgrep -P "$1" 2>/dev/null; }
no_window_proc() { [[ -z $(window_procs "$app") ]]; }
# rss_kib PID...: the resident memory of the processes together, in KiB.
rss_kib() {
	local pid total=0 kib
	for pid in "$@"; do
		kib=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) && total=$((total + ${kib:-0}))
	done
	echo "$total"
}
app_rss() { rss_kib "$app" $(window_procs "$app"); }
max_idle_kib=${SMOKE_MAX_IDLE_RSS_KIB:-40960}

visible() { xdotool search --onlyvisible --name '^Latchkey$' >/dev/null 2>&1; }
hidden() { ! visible; }
wizard_visible() { xdotool search --onlyvisible --name '^Connect an account$' >/dev/null 2>&1; }
all_hidden() { hidden && ! wizard_visible; }
# press_escape WINDOW-NAME: Escape in the visible window of that name.
press_escape() {
	local w
	w=$(xdotool search --onlyvisible --name "$1" 2>/dev/null | head -n 1)
	[[ -n $w ]] || return 1
	xdotool windowfocus --sync "$w" 2>/dev/null
	xdotool key --window "$w" Escape
}
# close_windows DESCRIPTION: Escape in every window; the window process must
# end, giving its memory back (measured), and the tray stay.
close_windows() {
	local open_kib closed_kib
	open_kib=$(app_rss)
	# Xvfb has no window manager: a key sent right after another window
	# hid may find no focus and be lost, so a lost Escape is pressed again.
	local attempt
	for attempt in 1 2 3; do
		wizard_visible && press_escape '^Connect an account$'
		visible && press_escape '^Latchkey$'
		wait_for 3 "the windows to hide" all_hidden && break
	done
	if all_hidden; then
		pass "$1: Escape hid the window"
	else
		fail "$1: the window is still visible after Escape (visible: $(for w in $(xdotool search --onlyvisible --name . 2>/dev/null); do xdotool getwindowname "$w"; done | tr '\n' ','))"
	fi
	if wait_for 10 "the window process to end" no_window_proc && kill -0 "$app" 2>/dev/null; then
		closed_kib=$(app_rss)
		pass "$1: the window process ended, the tray runs on (RSS ${open_kib} KiB with the window, ${closed_kib} KiB without)"
		if ((closed_kib <= max_idle_kib && closed_kib < open_kib)); then
			pass "$1: closing the window gave its memory back (${closed_kib} KiB <= ${max_idle_kib} KiB)"
		else
			fail "$1: the app holds ${closed_kib} KiB with its window closed (${open_kib} KiB open; limit ${max_idle_kib} KiB)"
		fi
	else
		fail "$1: the window process $(window_procs "$app") still runs after the window was closed"
	fi
}
# open_from_menu LABEL: clicks LABEL in the tray menu; the window must show.
open_from_menu() {
	local id
	layout
	id=$(item_id "$1")
	if [[ -n $id ]] && click "$id" && wait_for "$wait_secs" "the window" visible; then
		pass "'$1' in the tray menu opened the window (window process $(window_procs "$app"))"
	else
		fail "'$1' in the tray menu opened no window"
	fi
}

if [[ -n ${win:-} ]]; then
	close_windows "first window"
fi
# A second launch hands over to the running app, which shows its window
# again, and exits at once.
if timeout -k 5 20 "$bin" >"$tmp/second.log" 2>&1; then
	if grep -q "already running" "$tmp/second.log" && kill -0 "$app" 2>/dev/null; then
		pass "a second launch handed over to the running app and exited"
	else
		fail "second launch: $(cat "$tmp/second.log")"
	fi
	if wait_for 10 "the window to come back" visible; then
		pass "the second launch brought the running app's window forward"
	else
		fail "the running app's window did not come back after a second launch"
	fi
else
	fail "a second launch did not exit by itself: $(cat "$tmp/second.log")"
fi
close_windows "after the second launch"

# Manage accounts opens the window; a crash of the window process leaves
# the tray running, and the next click opens a new window.
open_from_menu "Manage accounts…"
crashed=$(window_procs "$app")
if [[ -n $crashed ]]; then
	kill -KILL $crashed
	if wait_for 10 "the crashed window process to go" no_window_proc && kill -0 "$app" 2>/dev/null && layout &&
		grep -q "'Quit'" "$tmp/layout"; then
		pass "the tray survived its window process being killed (SIGKILL)"
	else
		fail "killing the window process took the tray down or left it behind"
	fi
fi
# Opening the menu (a tray host's dbusmenu "opened" event) readies a window
# process while the person moves to an item; the click opens the window in it.
gdbus call --session --dest "$item" --object-path /StatusNotifierItem/menu \
	--method com.canonical.dbusmenu.Event -- 0 opened '<int32 0>' "$(date +%s)" >/dev/null
has_window_proc() { [[ -n $(window_procs "$app") ]]; }
if wait_for 10 "a window process readied as the menu opened" has_window_proc; then
	readied=$(window_procs "$app")
	pass "opening the tray menu readied window process $readied"
else
	readied=
	fail "opening the tray menu readied no window process"
fi
open_from_menu "Manage accounts…"
if [[ -n $readied && $(window_procs "$app") == "$readied" ]]; then
	pass "the click opened the window in the readied process"
else
	fail "the click did not use the readied window process $readied: $(window_procs "$app")"
fi

# no_orphans WHAT PID...: the window processes PID... ended with the app
# (within 5 s), and no window is left on screen.
no_orphans() {
	local what=$1 pid left=()
	shift
	(($# > 0)) || fail "$what: no window process was running to end with the app"
	for pid in "$@"; do
		wait_for 5 "window process $pid to end" gone "$pid" || left+=("$pid")
	done
	if ((${#left[@]} == 0)) && hidden; then
		pass "$what ended the window process too ($*): no orphan"
	else
		fail "$what left window process(es) ${left[*]} running"
		kill -KILL "${left[@]}" 2>/dev/null
	fi
}

# Click Quit, with the window open: it must close too.
windows_at_quit=$(window_procs "$app")
layout
quit_id=$(item_id Quit)
if [[ -n $quit_id ]]; then
	echo "INFO: Quit is menu item $quit_id"
	if click "$quit_id"; then
		pass "clicked Quit over D-Bus"
	else
		fail "could not click Quit over D-Bus"
	fi
else
	fail "no Quit item id in the tray menu"
fi

if wait_for 15 "the app to exit" gone "$app"; then
	wait "$app"
	status=$?
	forget "$app"
	if ((status == 0)); then
		pass "latchkey-tray exited with status 0"
	else
		fail "latchkey-tray exited with status $status"
	fi
	no_orphans "Quit" $windows_at_quit
else
	fail "latchkey-tray still running 15s after Quit"
	# Its goroutine dump goes into the log printed below.
	kill_hung "$app"
	forget "$app"
fi

# start_hidden LOG: starts the app again as at login (--hidden), output
# into $tmp/LOG.log; it becomes $app once its tray menu is up (returns 1 if
# no tray item shows).
start_hidden() {
	"$bin" --hidden >"$tmp/$1.log" 2>&1 &
	app=$!
	started+=("$app")
	item=org.kde.StatusNotifierItem-$app-1
	wait_for "$wait_secs" "the restarted app's tray item" has_name "$item" && wait_for 10 "the menu" menu_ready
}

# SIGTERM (a logout, a service manager, kill) ends the app with status 0
# too, its open window included. Started at login (--hidden), the app opens
# no window and so starts no window process.
if start_hidden term; then
	term=$app
	sleep 1
	if no_window_proc; then
		pass "started with --hidden, the app runs no window process ($(app_rss) KiB)"
	else
		fail "started with --hidden, the app started a window process: $(window_procs "$app")"
	fi
	open_from_menu "Manage accounts…"
	windows_at_term=$(window_procs "$term")
	kill -TERM "$term"
	if wait_for 10 "the app to exit after SIGTERM" gone "$term"; then
		wait "$term"
		status=$?
		forget "$term"
		if ((status == 0)); then
			pass "SIGTERM ended latchkey-tray with status 0"
		else
			fail "latchkey-tray exited with status $status after SIGTERM: $(cat "$tmp/term.log")"
		fi
		no_orphans SIGTERM $windows_at_term
	else
		fail "latchkey-tray still running 10s after SIGTERM"
		kill_hung "$term"
		forget "$term"
		cat "$tmp/term.log"
	fi
else
	fail "latchkey-tray started again with --hidden showed no tray menu: $(cat "$tmp/term.log")"
fi

# A crash of the tray (SIGKILL: no stop runs) ends its window process too:
# the window process's stdin, the tray's pipe, closes.
if start_hidden kill; then
	killed=$app
	open_from_menu "Manage accounts…"
	orphan=$(window_procs "$killed")
	kill -KILL "$killed"
	wait "$killed" 2>/dev/null
	forget "$killed"
	if [[ -n $orphan ]] && wait_for 10 "the window process to end with the tray" gone "$orphan"; then
		pass "killing the tray (SIGKILL) ended its window process $orphan too"
	else
		fail "the window process ${orphan:-(none)} outlived the tray killed with SIGKILL"
		[[ -n $orphan ]] && kill -KILL "$orphan" 2>/dev/null
	fi
else
	fail "latchkey-tray started again with --hidden showed no tray menu: $(cat "$tmp/kill.log")"
fi

if ((failures > 0)); then
	echo "--- latchkey-tray output ---"
	cat "$tmp/app.log"
	echo "FAIL: $failures check(s) failed"
	exit 1
fi
echo "PASS: all smoke checks passed"
