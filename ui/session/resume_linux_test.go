//go:build linux

package session

import (
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/latchkey/latchkey/accounts/secretstore/keyringtest"
)

func TestResumeRunsOnWakeOnly(t *testing.T) {
	bus, err := keyringtest.StartBusOnly()
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	listen, err := dbus.Connect(bus.Address)
	if err != nil {
		t.Fatal(err)
	}
	defer listen.Close()
	logind, err := dbus.Connect(bus.Address)
	if err != nil {
		t.Fatal(err)
	}
	defer logind.Close()

	woke := make(chan struct{}, 4)
	stop, err := watchResume(listen, func() { woke <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	// Going to sleep runs nothing; waking up does.
	logind.Emit(login1Path, login1Iface+".PrepareForSleep", true)
	logind.Emit(login1Path, login1Iface+".PrepareForSleep", false)
	select {
	case <-woke:
	case <-time.After(10 * time.Second):
		t.Fatal("nothing ran on resume")
	}
	select {
	case <-woke:
		t.Fatal("something ran when the computer went to sleep")
	case <-time.After(200 * time.Millisecond):
	}
}
