//go:build linux

package keyringtest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/godbus/dbus/v5"
)

// The name, path and interface under which gnome-keyring-daemon asks gcr's
// system prompter (gcr-prompter) to show an unlock dialog, as dbus-monitor
// shows it: a Secret Service client calls Prompt on the prompt object the
// Unlock call returned; the daemon then calls BeginPrompting(callback) on
// the prompter and waits for it to call back PromptReady before
// PerformPrompt, and StopPrompting at the end. Without an owner of the name
// the prompt is dismissed at once; with one that never answers, the
// client's Prompt waits for good.
const (
	prompterName  = "org.gnome.keyring.SystemPrompter"
	prompterPath  = dbus.ObjectPath("/org/gnome/keyring/Prompter")
	prompterIface = "org.gnome.keyring.internal.Prompter"
)

// SilentPrompter stands in for a person who never answers an unlock
// prompt: it owns org.gnome.keyring.SystemPrompter on the session's bus,
// takes every call and never replies. A locked keychain then makes
// go-keyring block for good, which is what Latchkey's keychain deadline
// exists for.
type SilentPrompter struct {
	conn  *dbus.Conn
	calls atomic.Int32
	stop  chan struct{}
	once  sync.Once
}

// StartSilentPrompter claims the system prompter's name on the session's
// bus. Close releases it and lets every held call fail.
func (s *Session) StartSilentPrompter() (*SilentPrompter, error) {
	// No WithContext: godbus closes a connection when its context ends.
	conn, err := dbus.Connect(s.Address)
	if err != nil {
		return nil, fmt.Errorf("keyringtest: prompter: connect: %w", err)
	}
	p := &SilentPrompter{conn: conn, stop: make(chan struct{})}
	if err := conn.Export(silentPrompterMethods{p}, prompterPath, prompterIface); err != nil {
		conn.Close()
		return nil, fmt.Errorf("keyringtest: prompter: export: %w", err)
	}
	reply, err := conn.RequestName(prompterName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		conn.Close()
		return nil, fmt.Errorf("keyringtest: prompter: could not own %s (%v, reply %d)", prompterName, err, reply)
	}
	return p, nil
}

// Calls is how many prompter calls arrived (and were left unanswered).
func (p *SilentPrompter) Calls() int { return int(p.calls.Load()) }

// Close drops the name and the connection.
func (p *SilentPrompter) Close() {
	p.once.Do(func() {
		close(p.stop)
		p.conn.Close()
	})
}

// silentPrompterMethods are gcr's prompter methods; each blocks until the
// prompter is closed, so the caller never gets an answer.
type silentPrompterMethods struct{ p *SilentPrompter }

func (m silentPrompterMethods) hold() *dbus.Error {
	m.p.calls.Add(1)
	<-m.p.stop
	return dbus.MakeFailedError(errors.New("prompter closed"))
}

func (m silentPrompterMethods) BeginPrompting(callback dbus.ObjectPath) *dbus.Error {
	return m.hold()
}

func (m silentPrompterMethods) PerformPrompt(callback dbus.ObjectPath, kind string, properties map[string]dbus.Variant, exchange string) *dbus.Error {
	return m.hold()
}

func (m silentPrompterMethods) StopPrompting(callback dbus.ObjectPath) *dbus.Error {
	return m.hold()
}

// Stall stops the Secret Service (SIGSTOP to gnome-keyring-daemon): every
// call then waits, as with a keychain too slow or too busy to answer.
// resume lets it go on (SIGCONT).
func (s *Session) Stall() (resume func(), err error) {
	pid := s.KeyringPID()
	if pid == 0 {
		return nil, errors.New("keyringtest: no gnome-keyring-daemon in this session")
	}
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		return nil, fmt.Errorf("keyringtest: stall: %w", err)
	}
	return func() { _ = syscall.Kill(pid, syscall.SIGCONT) }, nil
}
