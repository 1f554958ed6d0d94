package session

import (
	"fmt"
	"net"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// endpoint is the named pipe of the instance called name. Windows'
// convention for one instance per user session is a named object, not a
// file: named pipes are machine-wide, so the name holds the user's SID and
// the session id (the same person signed in twice, say through Remote
// Desktop, runs one instance per session), and listen lets only that user
// open it. Unix sockets are not used, as Wine and older Windows have none.
func endpoint(_, name string) (string, error) {
	sid, err := userSID()
	if err != nil {
		return "", err
	}
	var session uint32
	if err := windows.ProcessIdToSessionId(windows.GetCurrentProcessId(), &session); err != nil {
		return "", fmt.Errorf("which session: %w", err)
	}
	return fmt.Sprintf(`\\.\pipe\io.github.latchkey.Latchkey.%s.%s.%d`, name, sid, session), nil
}

// userSID is the SID of the user this process runs as, as a string.
func userSID() (string, error) {
	user, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return "", fmt.Errorf("who is the user: %w", err)
	}
	return user.User.Sid.String(), nil
}

// listen creates the pipe path as its first instance (go-winio asks for
// FILE_FLAG_FIRST_PIPE_INSTANCE, so a pipe someone else created first is
// refused, not joined), open to the user alone: a protected DACL with one
// entry, for the user's SID.
func listen(path string) (net.Listener, error) {
	sid, err := userSID()
	if err != nil {
		return nil, err
	}
	ln, err := winio.ListenPipe(path, &winio.PipeConfig{SecurityDescriptor: "D:P(A;;GA;;;" + sid + ")"})
	if err != nil {
		return nil, err
	}
	// Under Wine 8.0 the first connection a pipe listener accepts never
	// sees the server's answer (measured: the client times out, later
	// ones take milliseconds), which would make the next launch start a
	// second instance. One connection of our own, which serve drops at
	// once, takes that place; on Windows it costs a millisecond.
	if c, err := dial(path); err == nil {
		c.Close()
	}
	return ln, nil
}

func dial(path string) (net.Conn, error) {
	timeout := claimWait
	return winio.DialPipe(path, &timeout)
}
