package main

import "runtime"

// oneShotRuntime sets the Go runtime up for the command about to run.
//
// `latchkey token` is run by mail clients and scripts for every connection
// and lives for 10 to 20 ms, most of it waiting on the keychain daemon, the
// bus and the token endpoint, which run on the same few CPUs. With one P
// per CPU, the runtime keeps a second thread spinning for work each time a
// goroutine wakes (a D-Bus reply, an HTTP response, a timer), and that
// spinning takes CPU from the very daemons the command is waiting on. One
// P removes it; the command's own work is a few goroutines that mostly
// wait, and a goroutine blocked in a system call still hands the P on, so
// every deadline keeps working. On 2 CPUs this takes 0.7 ms off a cached
// token and 1 to 1.5 ms off a refresh (`make bench` with BENCH_BASELINE).
// Long-running commands (connect, with its loopback server and browser)
// keep the default.
func oneShotRuntime(args []string) {
	if len(args) > 0 && args[0] == "token" {
		runtime.GOMAXPROCS(1)
	}
}
