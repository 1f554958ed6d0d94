//go:build !windows

package session

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
)

// endpoint is the socket of the instance called name in the private
// runtime directory dir.
func endpoint(dir, name string) (string, error) { return filepath.Join(dir, name+".sock"), nil }

// listen listens on the socket path. Claim calls it under its lock, once
// nobody answered there: whatever is at path is stale.
func listen(path string) (net.Listener, error) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("remove stale %s: %w", path, err)
	}
	return net.Listen("unix", path)
}

func dial(path string) (net.Conn, error) { return net.DialTimeout("unix", path, claimWait) }
