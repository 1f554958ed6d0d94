#!/usr/bin/env bash
# Every test of accounts, cmd/latchkey and ui on another day, in another zone.
#
# Go reads the wall clock without libc (faketime has no effect on it), so
# this moves the clock inside Go itself: `go test -overlay` replaces the
# standard library's time.go with a copy whose Now adds SHIFT_DAYS to the
# wall clock (the monotonic clock, and so every timeout, is untouched).
# Everything built under the overlay sees the moved clock: the tests, the
# Go emulators of Microsoft and Google, and the latchkey binary the
# end-to-end tests build (GOFLAGS reaches their `go build`); the npm OpenID
# provider moves its own clock (LATCHKEY_TEST_CLOCK_SHIFT_DAYS). TZ is a
# zone far from UTC, on the other side of the date line from most CI
# machines.
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

# The npm OpenID provider runs on Node's clock: move it by as much, so the
# tokens it issues are checked on the day they were issued.
export LATCHKEY_TEST_CLOCK_SHIFT_DAYS=$SHIFT_DAYS

# Every test of the core, the command and the app: goldens, the real
# binary against the emulators and the OpenID provider, the keychain. CGO
# is off (Fyne's test driver needs no GL), and so is -race: make test runs
# the same tests with it on today's date.
CGO_ENABLED=0 $GO test -count=1 "$@" ./accounts/... ./cmd/latchkey ./ui/...
