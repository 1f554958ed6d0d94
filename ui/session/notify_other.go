//go:build !linux

package session

// Notifier sends notifications with actions; this desktop has none that
// this package supports, so NewNotifier always fails.
type Notifier struct{}

// NewNotifier returns ErrNoNotifications: use the toolkit's notifications.
func NewNotifier() (*Notifier, error) { return nil, ErrNoNotifications }

// Notify is never reached: NewNotifier returns no Notifier.
func (n *Notifier) Notify(Notification, uint32) (uint32, error) { return 0, ErrNoNotifications }

// Close does nothing.
func (n *Notifier) Close() error { return nil }
