//go:build linux || freebsd || netbsd || openbsd || dragonfly

package secretstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/godbus/dbus/v5"
)

// platformBackend is the Secret Service, through Latchkey's own client.
func platformBackend() backend { return &secretService{} }

const noSessionBus = "there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set and " +
	"$XDG_RUNTIME_DIR/bus is not a socket); run Latchkey inside a desktop session, " +
	"or start one for it with dbus-run-session"

// checkSessionBus makes sure go-keyring will find an existing session bus
// and never autolaunch one. godbus v5.2.2's SessionBus takes
// DBUS_SESSION_BUS_ADDRESS unless it is empty or "autolaunch:"; otherwise it
// looks for /run/user/<uid>/bus or /run/user/<uid>/dbus-session, and failing
// those runs dbus-launch, which starts a bus (and, through it, keyring
// daemons) that outlive Latchkey. Its only other transports are unix, tcp and
// nonce-tcp, none of which spawns anything. So: with a usable address we let
// it be; otherwise we take $XDG_RUNTIME_DIR/bus, like libdbus and sd-bus, and
// set DBUS_SESSION_BUS_ADDRESS to it so that godbus cannot look anywhere
// else; with neither we fail without calling go-keyring.
func checkSessionBus() error {
	if addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); addr != "" && !onlyAutolaunch(addr) {
		return nil
	}
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		return unavailable(noSessionBus)
	}
	sock := filepath.Join(dir, "bus")
	fi, err := os.Stat(sock)
	if err != nil || fi.Mode().Type() != fs.ModeSocket {
		return unavailable(noSessionBus)
	}
	if err := os.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+dbus.EscapeBusAddressValue(sock)); err != nil {
		return unavailable(noSessionBus)
	}
	return nil
}

func onlyAutolaunch(addr string) bool {
	for _, a := range strings.Split(addr, ";") {
		if a != "" && !strings.HasPrefix(a, "autolaunch:") {
			return false
		}
	}
	return true
}

const (
	secretsName     = "org.freedesktop.secrets"
	collectionIface = "org.freedesktop.Secret.Collection"
)

// defaultCollectionLocked asks the Secret Service, on a private connection
// bounded by ctx, whether the collection go-keyring uses ("login" if it
// exists, else the default alias) is locked. It never activates a service
// and never prompts.
func defaultCollectionLocked(ctx context.Context) (bool, error) {
	addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS")
	if addr == "" || onlyAutolaunch(addr) {
		return false, errors.New("no session bus")
	}
	conn, err := dbus.Connect(addr, dbus.WithContext(ctx))
	if err != nil {
		return false, err
	}
	defer conn.Close()
	// Greet the Secret Service before asking a property: a
	// Properties.Get that is a connection's first call can abort
	// gnome-keyring-daemon (see greet).
	err = conn.Object(secretsName, "/org/freedesktop/secrets").CallWithContext(ctx,
		"org.freedesktop.Secret.Service.SearchItems", dbus.FlagNoAutoStart, greetAttrs).Err
	if err != nil && (ctx.Err() != nil || classifyPlatform(err) != nil) {
		return false, err
	}
	var lastErr error
	for _, path := range []dbus.ObjectPath{
		"/org/freedesktop/secrets/collection/login",
		"/org/freedesktop/secrets/aliases/default",
	} {
		var v dbus.Variant
		err := conn.Object(secretsName, path).CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get",
			dbus.FlagNoAutoStart, collectionIface, "Locked").Store(&v)
		if err != nil {
			lastErr = err
			continue
		}
		locked, ok := v.Value().(bool)
		if !ok {
			return false, fmt.Errorf("Locked property has type %s", v.Signature())
		}
		return locked, nil
	}
	return false, lastErr
}

// classifyPlatform explains D-Bus errors that have a known cause.
func classifyPlatform(err error) error {
	name := ""
	var de dbus.Error
	var dep *dbus.Error
	switch {
	case errors.As(err, &de):
		name = de.Name
	case errors.As(err, &dep):
		name = dep.Name
	}
	switch name {
	case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner":
		return unavailable("no Secret Service is running on the session bus " +
			"(org.freedesktop.secrets is not provided by any program); install and start gnome-keyring, " +
			"or enable the Secret Service integration of KeePassXC")
	case "org.freedesktop.DBus.Error.NoReply", "org.freedesktop.DBus.Error.Timeout":
		return unavailable("the Secret Service did not answer")
	}
	return nil
}

// platformError is the last resort: on the Secret Service every failure
// other than a missing item means the keychain cannot be used now.
func platformError(err error) error {
	var ne *net.OpError
	if errors.As(err, &ne) || errors.Is(err, dbus.ErrClosed) {
		return fmt.Errorf("%w: cannot connect to the D-Bus session bus: %v", ErrUnavailable, err)
	}
	return fmt.Errorf("%w: the Secret Service failed: %v", ErrUnavailable, err)
}
