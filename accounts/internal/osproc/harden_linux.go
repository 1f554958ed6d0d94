package osproc

import "golang.org/x/sys/unix"

// Harden keeps this process's memory out of core dumps and away from
// same-user debuggers: RLIMIT_CORE=0 and PR_SET_DUMPABLE=0.
func Harden() {
	_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0})
	_ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
}
