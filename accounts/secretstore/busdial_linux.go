package secretstore

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
)

// dialBus opens a private connection to the bus at address (a
// DBUS_SESSION_BUS_ADDRESS value without autolaunch entries) in one round
// trip where godbus v5.2.2's Connect takes five: it asks the bus which
// mechanisms it offers, then sends "AUTH EXTERNAL" without the user id
// (the bus answers DATA, godbus an empty DATA), negotiates Unix fd passing
// (which the Secret Service never uses) and waits for the Hello reply. Each
// round trip wakes the bus and this process once more, 0.1 to 0.3 ms apiece
// on a loaded machine: a refresh spends about a millisecond on them.
//
// Here, as sd-bus does, the first message names the mechanism and the user
// at once ("AUTH EXTERNAL <uid in hex>"); the only wait is for the bus's
// OK. Hello is then sent without waiting for its reply: the bus handles a
// connection's messages in order, so the calls that follow are answered
// after it, and a refused Hello closes the connection, which fails them.
//
// godbus runs the auth conversation itself and starts its reader only at
// its end, so it is given a transport that plays the bus's side of that
// conversation (authReplay) before passing bytes through to the real
// socket.
//
// Only a first address of the unix:path= or unix:abstract= kind takes
// this path (the session bus's, everywhere); anything else, and a bus that
// refuses EXTERNAL with the uid, go through godbus's Connect.
func dialBus(address string) (*dbus.Conn, error) {
	first, _, _ := strings.Cut(address, ";")
	sock, ok := unixSocket(first)
	if !ok {
		return dbus.Connect(address)
	}
	c, err := net.DialTimeout("unix", sock, 5*time.Second)
	if err != nil {
		return dbus.Connect(address)
	}
	guid, err := authExternal(c)
	if err != nil {
		c.Close()
		return dbus.Connect(address)
	}
	conn, err := dbus.NewConn(&authReplay{conn: c, in: bufio.NewReader(c), guid: guid})
	if err == nil {
		// Replayed by authReplay: no round trip.
		err = conn.Auth([]dbus.Auth{dbus.AuthExternal(strconv.Itoa(os.Getuid()))})
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	conn.BusObject().Go("org.freedesktop.DBus.Hello", 0, nil)
	return conn, nil
}

// unixSocket returns the socket named by one D-Bus address of the unix
// transport with a path or an abstract name, and nothing else (no guid
// check needs a round trip: the bus's OK carries it).
func unixSocket(addr string) (string, bool) {
	rest, ok := strings.CutPrefix(addr, "unix:")
	if !ok {
		return "", false
	}
	var sock string
	for kv := range strings.SplitSeq(rest, ",") {
		k, v, _ := strings.Cut(kv, "=")
		v, err := dbus.UnescapeBusAddressValue(v)
		switch {
		case err != nil:
			return "", false
		case k == "guid":
		case k == "path" && sock == "":
			sock = v
		case k == "abstract" && sock == "":
			sock = "@" + v
		default: // another key, or a second socket
			return "", false
		}
	}
	return sock, sock != ""
}

// authExternal runs the client side of EXTERNAL authentication in one
// round trip and returns the bus's guid.
func authExternal(c net.Conn) (string, error) {
	uid := hex.EncodeToString([]byte(strconv.Itoa(os.Getuid())))
	c.SetDeadline(time.Now().Add(5 * time.Second))
	defer c.SetDeadline(time.Time{})
	if _, err := io.WriteString(c, "\x00AUTH EXTERNAL "+uid+"\r\n"); err != nil {
		return "", err
	}
	// The bus sends nothing after its answer until we send again, so a
	// plain read cannot take bytes that belong to later messages.
	var line []byte
	buf := make([]byte, 128)
	for !bytes.HasSuffix(line, []byte("\r\n")) {
		n, err := c.Read(buf)
		if err != nil {
			return "", err
		}
		line = append(line, buf[:n]...)
		if len(line) > 512 {
			return "", errors.New("dbus: authentication reply too long")
		}
	}
	guid, ok := strings.CutPrefix(strings.TrimSuffix(string(line), "\r\n"), "OK ")
	if !ok || guid == "" {
		return "", errors.New("dbus: the bus refused EXTERNAL authentication")
	}
	if _, err := io.WriteString(c, "BEGIN\r\n"); err != nil {
		return "", err
	}
	return guid, nil
}

// authReplay is the transport given to godbus after authExternal: until
// godbus has sent BEGIN it answers godbus's auth conversation itself (the
// bus has already said OK); from then on reads and writes go to the bus,
// reads through a buffer (godbus reads each message in several small
// reads, each a system call otherwise).
type authReplay struct {
	conn net.Conn
	in   *bufio.Reader
	guid string

	mu      sync.Mutex
	authed  bool // godbus has sent BEGIN: pass through
	pending []byte
}

func (a *authReplay) Write(p []byte) (int, error) {
	a.mu.Lock()
	if a.authed {
		a.mu.Unlock()
		return a.conn.Write(p)
	}
	defer a.mu.Unlock()
	switch line := strings.TrimRight(string(p), "\r\n"); {
	case line == "\x00":
	case line == "AUTH":
		a.pending = append(a.pending, "REJECTED EXTERNAL\r\n"...)
	case strings.HasPrefix(line, "AUTH EXTERNAL"):
		a.pending = append(a.pending, "OK "+a.guid+"\r\n"...)
	case line == "BEGIN":
		a.authed = true // the real BEGIN was sent by authExternal
	default:
		return 0, errors.New("dbus: unexpected authentication step " + strconv.Quote(line))
	}
	return len(p), nil
}

func (a *authReplay) Read(p []byte) (int, error) {
	a.mu.Lock()
	if !a.authed {
		defer a.mu.Unlock()
		if len(a.pending) == 0 {
			return 0, errors.New("dbus: authentication read with nothing to answer")
		}
		n := copy(p, a.pending)
		a.pending = a.pending[n:]
		return n, nil
	}
	a.mu.Unlock()
	return a.in.Read(p)
}

func (a *authReplay) Close() error { return a.conn.Close() }
