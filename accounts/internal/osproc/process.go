// Package osproc asks the OS about processes: which program a token is
// handed to (this process, the one that ran it, the one at the other end
// of a loopback connection), who holds a lock file, and keeping this
// process's memory out of core dumps. It returns plain data and knows
// nothing of accounts or tokens; the per-OS code is behind build tags and
// needs no cgo.
package osproc

import (
	"os"
	"path/filepath"
	"strings"
)

// Process is a process and its parent as the OS reports them; empty where
// it does not tell. accounts.Requester has the same fields (with JSON
// names) and is converted from it, so the two must stay alike.
type Process struct {
	// Program is its executable's base name, e.g. "msmtp".
	Program string
	// Exe is the full path of its executable where the OS tells it
	// (Linux: /proc/PID/exe), "" elsewhere. A replaced executable ends in
	// " (deleted)".
	Exe string
	// PID is its process ID, 0 where unknown.
	PID int
	// Parent is the name of the program that started it.
	Parent string
	// ParentPID is the parent's process ID, 0 where unknown.
	ParentPID int
}

// Current is this process.
func Current() Process {
	return processAt(os.Getpid())
}

// Parent is the program that ran this process. A non-interactive shell in
// between (`sh -c "latchkey token ..."`, the way msmtp's passwordeval and
// mbsync's PassCmd run commands) is skipped, so it names msmtp rather
// than sh.
func Parent() Process {
	pid := os.Getppid()
	for range 4 {
		if !IsCommandShell(pid) {
			break
		}
		next, ok := parentPID(pid)
		if !ok || next <= 1 {
			break
		}
		pid = next
	}
	return processAt(pid)
}

// processAt describes process pid and its parent.
func processAt(pid int) Process {
	p := Process{Program: processName(pid), Exe: processExe(pid), PID: pid}
	if pp, ok := parentPID(pid); ok && pp > 0 {
		p.ParentPID = pp
		p.Parent = processName(pp)
	}
	return p
}

// commandShells are the shells mail clients run password commands with.
var commandShells = map[string]bool{"sh": true, "bash": true, "dash": true, "zsh": true, "ksh": true, "mksh": true, "fish": true, "busybox": true}

// IsCommandShell reports whether pid is a shell running one command
// (`sh -c ...`) rather than a person's interactive shell.
func IsCommandShell(pid int) bool {
	if !commandShells[processName(pid)] {
		return false
	}
	for _, a := range processArgs(pid) {
		if !strings.HasPrefix(a, "-") {
			return false // the options end: a script, not -c
		}
		if a != "--" && !strings.HasPrefix(a, "--") && strings.Contains(a[1:], "c") {
			return true
		}
	}
	return false
}

// baseName is the program name of an executable path, without the
// " (deleted)" the kernel appends to a replaced executable.
func baseName(p string) string {
	return filepath.Base(strings.TrimSuffix(p, " (deleted)"))
}
