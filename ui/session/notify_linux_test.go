//go:build linux

package session

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/latchkey/latchkey/accounts/secretstore/keyringtest"
)

// notificationServer plays the desktop's notification service on a
// private bus: it records what it is asked to show.
type notificationServer struct {
	conn *dbus.Conn
	mu   sync.Mutex
	got  []receivedNotification
}

type receivedNotification struct {
	app, summary, body string
	actions            []string
}

func (s *notificationServer) Notify(app string, replaces uint32, icon, summary, body string, actions []string,
	hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, receivedNotification{app, summary, body, actions})
	return uint32(len(s.got)), nil
}

func (s *notificationServer) emit(member string, body ...any) error {
	return s.conn.Emit(notifyPath, notifyIface+"."+member, body...)
}

// startNotifications starts a private bus with a notification service on
// it, and points this test's session bus there.
func startNotifications(t *testing.T) *notificationServer {
	t.Helper()
	bus, err := keyringtest.StartBusOnly()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bus.Close)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", bus.Address)
	conn, err := dbus.Connect(bus.Address)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	srv := &notificationServer{conn: conn}
	if err := conn.Export(srv, notifyPath, notifyIface); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName(notifyName, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s: %v, %v", notifyName, reply, err)
	}
	return srv
}

func TestNotifierReconnectAction(t *testing.T) {
	srv := startNotifications(t)
	n, err := NewNotifier()
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()

	pressed := make(chan string, 2)
	id, err := n.Notify(Notification{
		AppName: "Latchkey", Title: "alice@contoso.com needs you to sign in again", Body: "Microsoft no longer accepts the saved sign-in.",
		Actions: []Action{{Key: "reconnect", Label: "Reconnect", Run: func() { pressed <- "reconnect" }}},
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	srv.mu.Lock()
	got := srv.got
	srv.mu.Unlock()
	if len(got) != 1 || got[0].app != "Latchkey" || !strings.Contains(got[0].summary, "alice@contoso.com") ||
		strings.Join(got[0].actions, ",") != "reconnect,Reconnect" {
		t.Fatalf("the service received %+v", got)
	}

	// Another notification's button, or an unknown action, runs nothing.
	srv.emit("ActionInvoked", id+1, "reconnect")
	srv.emit("ActionInvoked", id, "default")
	srv.emit("ActionInvoked", id, "reconnect")
	select {
	case <-pressed:
	case <-time.After(10 * time.Second):
		t.Fatal("pressing Reconnect ran nothing")
	}
	select {
	case <-pressed:
		t.Fatal("an action ran for another notification's button")
	case <-time.After(200 * time.Millisecond):
	}

	// Once closed, its actions are forgotten.
	srv.emit("NotificationClosed", id, uint32(2))
	deadline := time.Now().Add(10 * time.Second)
	for {
		n.mu.Lock()
		_, open := n.pending[id]
		n.mu.Unlock()
		if !open {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a closed notification's actions were kept")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestNotifierWithoutService(t *testing.T) {
	bus, err := keyringtest.StartBusOnly()
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", bus.Address)
	n, err := NewNotifier()
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if _, err := n.Notify(Notification{Title: "x"}, 0); err == nil {
		t.Error("Notify succeeded with no notification service")
	}
}
