//go:build !linux

package session

import (
	"io/fs"
	"net"
)

// peerTrusted is true here: the socket lives in the user's private
// runtime dir (mode 0700, checked by accounts.RuntimeDir), which no other
// user can reach. Linux also checks the peer's uid (peer_linux.go).
func peerTrusted(c net.Conn) bool { return true }

// ownedByMe is true here, for the same reason.
func ownedByMe(fi fs.FileInfo) bool { return true }
