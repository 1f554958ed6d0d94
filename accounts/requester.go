package accounts

import (
	"os"
	"path/filepath"
	"strings"
)

// Requester is the program a token is handed to, as the access log
// records it. Names are those the OS reports (an executable's base name);
// empty where the OS does not tell us.
type Requester struct {
	// Program is the requesting program's name, e.g. "msmtp".
	Program string `json:"program,omitempty"`
	// Exe is the full path of its executable where the OS tells it
	// (Linux: /proc/PID/exe), "" elsewhere. Approvals are kept by it. A
	// replaced executable ends in " (deleted)" and so matches none.
	Exe string `json:"exe,omitempty"`
	// PID is its process ID, 0 where unknown.
	PID int `json:"pid,omitempty"`
	// Parent is the name of the program that started it, e.g. "neomutt".
	Parent string `json:"parent,omitempty"`
	// ParentPID is the parent's process ID, 0 where unknown.
	ParentPID int `json:"parent_pid,omitempty"`
}

// CurrentProcess is this process as a requester: what a Go program that
// calls Token itself is recorded as.
func CurrentProcess() Requester {
	return requesterAt(os.Getpid())
}

// ParentProcess is the program that ran this process: what the latchkey
// command records, since its parent is the mail client or script that
// asked. A non-interactive shell in between (`sh -c "latchkey token ..."`,
// the way msmtp's passwordeval and mbsync's PassCmd run commands) is
// skipped, so the log names msmtp rather than sh.
func ParentProcess() Requester {
	pid := os.Getppid()
	for range 4 {
		if !isCommandShell(pid) {
			break
		}
		next, ok := parentPID(pid)
		if !ok || next <= 1 {
			break
		}
		pid = next
	}
	return requesterAt(pid)
}

// requesterAt describes process pid and its parent.
func requesterAt(pid int) Requester {
	r := Requester{Program: processName(pid), Exe: processExe(pid), PID: pid}
	if pp, ok := parentPID(pid); ok && pp > 0 {
		r.ParentPID = pp
		r.Parent = processName(pp)
	}
	return r
}

// commandShells are the shells mail clients run password commands with.
var commandShells = map[string]bool{"sh": true, "bash": true, "dash": true, "zsh": true, "ksh": true, "mksh": true, "fish": true, "busybox": true}

// isCommandShell reports whether pid is a shell running one command
// (`sh -c ...`) rather than a person's interactive shell.
func isCommandShell(pid int) bool {
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
