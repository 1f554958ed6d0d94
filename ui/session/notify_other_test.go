//go:build !linux

package session

import (
	"errors"
	"testing"
)

// TestNotifierFallsBack: outside Linux there is no notification service
// with actions that this package drives, and the app falls back to
// Fyne's notifications on ErrNoNotifications.
func TestNotifierFallsBack(t *testing.T) {
	n, err := NewNotifier()
	if n != nil || !errors.Is(err, ErrNoNotifications) {
		t.Fatalf("NewNotifier = %v, %v; want ErrNoNotifications", n, err)
	}
}
