package accounts

import (
	"net"

	"github.com/latchkey/latchkey/accounts/internal/osproc"
)

// Requester is the program a token is handed to, as the access log
// records it. Names are those the OS reports (an executable's base name);
// empty where the OS does not tell us. It is converted from osproc.Process,
// whose fields it shares.
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
	return Requester(osproc.Current())
}

// ParentProcess is the program that ran this process: what the latchkey
// command records, since its parent is the mail client or script that
// asked. A non-interactive shell in between (`sh -c "latchkey token ..."`,
// the way msmtp's passwordeval and mbsync's PassCmd run commands) is
// skipped, so the log names msmtp rather than sh.
func ParentProcess() Requester {
	return Requester(osproc.Parent())
}

// LoopbackPeer tells which program of this user holds the other end of a
// TCP connection over 127.0.0.1 that this process accepted on local from
// peer: the proxy's way of naming the program a token is for. A socket of
// another user, or one no longer there, gives false; only Linux tells.
func LoopbackPeer(local, peer net.Addr) (Requester, bool) {
	p, ok := osproc.LoopbackPeer(local, peer)
	return Requester(p), ok
}
