package accounts

import "golang.org/x/sys/unix"

// HardenProcess keeps tokens in this process's memory out of core dumps
// and away from same-user debuggers: RLIMIT_CORE=0 and PR_SET_DUMPABLE=0.
// Call it first thing in main of every program that holds tokens.
func HardenProcess() {
	_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0})
	_ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
}
