//go:build linux

package session

import (
	"fmt"
	"sync"

	"github.com/godbus/dbus/v5"
)

const (
	notifyName  = "org.freedesktop.Notifications"
	notifyPath  = "/org/freedesktop/Notifications"
	notifyIface = "org.freedesktop.Notifications"
)

// Notifier sends notifications through the freedesktop Desktop
// Notifications service on the session bus, and runs an action when the
// person presses its button. It is safe for concurrent use.
type Notifier struct {
	conn    *dbus.Conn
	mu      sync.Mutex
	pending map[uint32][]Action // by notification ID, until closed
	done    chan struct{}
}

// NewNotifier connects to the session bus. It returns an error wrapping
// ErrNoNotifications when there is no bus.
func NewNotifier() (*Notifier, error) {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoNotifications, err)
	}
	err = conn.AddMatchSignal(dbus.WithMatchObjectPath(notifyPath), dbus.WithMatchInterface(notifyIface))
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("%w: %v", ErrNoNotifications, err)
	}
	n := &Notifier{conn: conn, pending: map[uint32][]Action{}, done: make(chan struct{})}
	signals := make(chan *dbus.Signal, 16)
	conn.Signal(signals)
	go n.listen(signals)
	return n, nil
}

// listen runs actions as the service reports presses, until Close.
func (n *Notifier) listen(signals chan *dbus.Signal) {
	defer close(n.done)
	for sig := range signals {
		switch sig.Name {
		case notifyIface + ".ActionInvoked":
			var id uint32
			var key string
			if dbus.Store(sig.Body, &id, &key) != nil {
				continue
			}
			n.mu.Lock()
			actions := n.pending[id]
			n.mu.Unlock()
			for _, a := range actions {
				if a.Key == key && a.Run != nil {
					go a.Run()
				}
			}
		case notifyIface + ".NotificationClosed":
			var id, reason uint32
			if dbus.Store(sig.Body, &id, &reason) == nil {
				n.mu.Lock()
				delete(n.pending, id)
				n.mu.Unlock()
			}
		}
	}
}

// Notify shows nt. replaces is the ID of an earlier notification to
// replace (0 for a new one); Notify returns the new notification's ID.
func (n *Notifier) Notify(nt Notification, replaces uint32) (uint32, error) {
	actions := []string{}
	for _, a := range nt.Actions {
		actions = append(actions, a.Key, a.Label)
	}
	hints := map[string]dbus.Variant{"urgency": dbus.MakeVariant(byte(1))}
	var id uint32
	call := n.conn.Object(notifyName, notifyPath).Call(notifyIface+".Notify", 0,
		nt.AppName, replaces, nt.Icon, nt.Title, nt.Body, actions, hints, int32(-1))
	if call.Err != nil {
		return 0, fmt.Errorf("%w: %v", ErrNoNotifications, call.Err)
	}
	if err := call.Store(&id); err != nil {
		return 0, fmt.Errorf("%w: %v", ErrNoNotifications, err)
	}
	if len(nt.Actions) > 0 {
		n.mu.Lock()
		n.pending[id] = nt.Actions
		n.mu.Unlock()
	}
	return id, nil
}

// Close disconnects from the bus.
func (n *Notifier) Close() error {
	err := n.conn.Close()
	<-n.done
	return err
}
