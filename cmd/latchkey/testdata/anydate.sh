#!/usr/bin/env bash
# The golden tests of ui and cmd/latchkey on another day, in another zone.
#
# Go reads the wall clock without libc (faketime has no effect on it), so
# this moves the clock inside Go itself: `go test -overlay` replaces the
# standard library's time.go with a copy whose Now adds SHIFT_DAYS to the
# wall clock (the monotonic clock, and so every timeout, is untouched).
# Everything built under the overlay sees the moved clock: the tests, the
# Go emulators of Microsoft and Google, and the latchkey binary the
# end-to-end tests build (GOFLAGS reaches their `go build`). TZ is a zone
# far from UTC, on the other side of the date line from most CI machines.
#
# Usage: anydate.sh [go test flags...]   (SHIFT_DAYS=366, TZ=Pacific/Kiritimati)
set -euo pipefail
cd "$(dirname "$0")/../../.."
GO=${GO:-go}
SHIFT_DAYS=${SHIFT_DAYS:-366}
export TZ=${ANYDATE_TZ:-Pacific/Kiritimati}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
goroot=$($GO env GOROOT)
src=$goroot/src/time/time.go
# Now's first line reads the runtime's clock; shift its seconds.
sed 's/^\tsec, nsec, mono := runtimeNow()$/&\n\tsec += clockShiftSeconds/' "$src" >"$work/time.go"
if ! grep -q 'sec += clockShiftSeconds' "$work/time.go"; then
	echo "anydate: time.Now in $src is not written as expected; update this script for this Go version" >&2
	exit 1
fi
printf 'package time\n\n// clockShiftSeconds moves the wall clock for anydate.sh.\nconst clockShiftSeconds = %d * 86400\n' "$SHIFT_DAYS" >"$work/shift.go"
printf '{"Replace":{"%s":"%s","%s":"%s"}}\n' \
	"$src" "$work/time.go" "$goroot/src/time/zz_clockshift.go" "$work/shift.go" >"$work/overlay.json"
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-overlay=$work/overlay.json"

# Prove the clock moved before trusting a green run.
mkdir -p "$work/probe"
printf 'package main\n\nimport (\n\t"fmt"\n\t"time"\n)\n\nfunc main() { fmt.Print(time.Now().Unix()) }\n' >"$work/probe/main.go"
moved=$(cd "$work/probe" && GO111MODULE=off CGO_ENABLED=0 $GO run main.go)
real=$(date +%s)
if (( moved - real < SHIFT_DAYS * 86400 - 60 )); then
	echo "anydate: the overlay did not move the clock (Go says $moved, the system $real)" >&2
	exit 1
fi
echo "anydate: clock moved to $(date -u -d "@$moved" '+%Y-%m-%d %H:%M UTC'), TZ=$TZ"

# ui: every test (markup goldens, the real core over the Go emulators).
# cmd/latchkey: the tests that compare output with testdata, and the log's
# "N minutes ago". CGO is off: Fyne's test driver needs no GL.
CGO_ENABLED=0 $GO test -count=1 "$@" ./ui
CGO_ENABLED=0 $GO test -count=1 -run 'Golden|^TestAgo$|^TestLogColumns$|NoAccessTokenYet' "$@" ./cmd/latchkey
