//go:build !windows

package oauthflow

import "syscall"

// exclusiveAddrUse is a no-op outside Windows: there a second socket cannot
// bind an address:port that a listening socket holds unless both ask for
// SO_REUSEPORT, which Go never sets.
var exclusiveAddrUse func(network, address string, c syscall.RawConn) error
