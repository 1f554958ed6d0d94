//go:build linux

package session

import (
	"context"
	"fmt"
	"time"

	"github.com/godbus/dbus/v5"
)

// busCallTimeout bounds a D-Bus call made while stopping, which must not
// hold up quitting.
const busCallTimeout = time.Second

const (
	login1Path  = "/org/freedesktop/login1"
	login1Iface = "org.freedesktop.login1.Manager"
)

// OnResume runs onResume, on its own goroutine, each time the computer
// wakes from sleep, as systemd-logind announces it on the system bus
// (PrepareForSleep(false)). Timers stand still while the computer sleeps
// (Go's timers follow the monotonic clock, which does not count suspend),
// so a program that schedules work by the wall clock looks again on
// resume. Call stop to end it.
func OnResume(onResume func()) (stop func(), err error) {
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		return nil, fmt.Errorf("watch for resume: %w", err)
	}
	stop, err = watchResume(conn, onResume)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return func() { stop(); conn.Close() }, nil
}

// watchResume listens on conn; stop ends it without closing conn.
func watchResume(conn *dbus.Conn, onResume func()) (stop func(), err error) {
	match := []dbus.MatchOption{dbus.WithMatchObjectPath(login1Path), dbus.WithMatchInterface(login1Iface), dbus.WithMatchMember("PrepareForSleep")}
	if err := conn.AddMatchSignal(match...); err != nil {
		return nil, fmt.Errorf("watch for resume: %w", err)
	}
	signals := make(chan *dbus.Signal, 4)
	conn.Signal(signals)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for sig := range signals {
			var sleeping bool
			if sig.Name == login1Iface+".PrepareForSleep" && dbus.Store(sig.Body, &sleeping) == nil && !sleeping {
				go onResume()
			}
		}
	}()
	return func() {
		// A bus call: bounded, so that quitting the app never waits on a
		// slow or stuck system bus (closing the connection drops the
		// match anyway).
		ctx, cancel := context.WithTimeout(context.Background(), busCallTimeout)
		defer cancel()
		conn.RemoveMatchSignalContext(ctx, match...)
		conn.RemoveSignal(signals)
		close(signals)
		<-done
	}, nil
}
