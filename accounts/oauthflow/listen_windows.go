//go:build windows

package oauthflow

import (
	"syscall"

	"golang.org/x/sys/windows"
)

// soExclusiveAddrUse is SO_EXCLUSIVEADDRUSE (~SO_REUSEADDR), missing from
// x/sys/windows.
const soExclusiveAddrUse = ^4

// exclusiveAddrUse sets SO_EXCLUSIVEADDRUSE so that no other socket can bind
// the loopback port with SO_REUSEADDR and steal the redirect.
func exclusiveAddrUse(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = windows.SetsockoptInt(windows.Handle(fd), windows.SOL_SOCKET, soExclusiveAddrUse, 1)
	})
	if err != nil {
		return err
	}
	return serr
}
