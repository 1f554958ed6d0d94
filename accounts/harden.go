package accounts

import "github.com/latchkey/latchkey/accounts/internal/osproc"

// HardenProcess keeps tokens in this process's memory out of core dumps
// and away from same-user debuggers (Linux: RLIMIT_CORE=0 and
// PR_SET_DUMPABLE=0). Call it first thing in main of every program that
// holds tokens.
func HardenProcess() {
	osproc.Harden()
}
