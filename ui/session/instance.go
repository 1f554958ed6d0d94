package session

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"
	"golang.org/x/sync/semaphore"

	"github.com/latchkey/latchkey/accounts"
)

// TrayInstance is the name the desktop app's tray process claims its
// instance under: where the latchkey command asks it (AskApp).
const TrayInstance = "tray"

// ErrAlreadyRunning means another instance of the app runs in this session
// and was asked to come forward: this one should exit.
var ErrAlreadyRunning = errors.New("another instance is running and was brought forward")

// activateMsg is the one request a second launch sends the running
// instance; it answers okMsg once it has handled it.
const (
	activateMsg = "activate\n"
	okMsg       = "ok\n"
)

// claimWait bounds how long a launch waits for another launch's claim and
// for the running instance to answer.
const claimWait = 5 * time.Second

// Instance is the one running instance of an app in the person's session:
// it listens on a unix socket in Latchkey's private runtime directory
// (accounts.RuntimeDir), or on Windows on a named pipe that only the user
// may open (instance_windows.go), and runs onActivate for each later
// launch.
type Instance struct {
	ln     net.Listener
	path   string
	wg     sync.WaitGroup
	closed chan struct{}
	// approvals bounds the requests waiting for the person at once.
	approvals *semaphore.Weighted
}

// Claim makes this process the running instance called name, or, if one
// already runs, asks it to come forward and returns ErrAlreadyRunning.
// onActivate runs on its own goroutine each time a later launch asks.
// A socket left by a crashed instance is taken over.
func Claim(name string, onActivate func()) (*Instance, error) {
	return ClaimApp(name, Handlers{Activate: onActivate})
}

// Handlers are what the running instance does for later processes.
type Handlers struct {
	// Activate runs on its own goroutine each time a later launch asks.
	Activate func()
	// Approve asks the person whether a program may have a token (see
	// AskApp); nil answers every request with "cannot ask". It runs on its
	// own goroutine; ctx ends when the asking command gives up.
	Approve func(ctx context.Context, req accounts.ApprovalRequest) (accounts.Decision, error)
}

// ClaimApp is Claim with everything the running instance answers.
func ClaimApp(name string, h Handlers) (*Instance, error) {
	dir, err := accounts.RuntimeDir()
	if err != nil {
		return nil, err
	}
	path, err := endpoint(dir, name)
	if err != nil {
		return nil, fmt.Errorf("single instance: %w", err)
	}
	// Two launches at the same moment: the lock makes one of them claim
	// and the other find it.
	lock := flock.New(filepath.Join(dir, name+".lock"))
	ctx, cancel := context.WithTimeout(context.Background(), claimWait)
	defer cancel()
	if ok, err := lock.TryLockContext(ctx, 20*time.Millisecond); !ok {
		return nil, fmt.Errorf("single instance: lock %s: %v", dir, err)
	}
	defer lock.Unlock()

	if err := activate(path); err == nil {
		return nil, ErrAlreadyRunning
	}
	ln, err := listen(path)
	if err != nil {
		return nil, fmt.Errorf("single instance: listen on %s: %w", path, err)
	}
	in := &Instance{ln: ln, path: path, closed: make(chan struct{}), approvals: semaphore.NewWeighted(maxWaitingApprovals)}
	in.wg.Add(1)
	go in.serve(h)
	return in, nil
}

// activate asks the instance listening at path to come forward.
func activate(path string) error {
	c, err := dial(path)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(claimWait))
	if _, err := c.Write([]byte(activateMsg)); err != nil {
		return err
	}
	reply, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if reply != okMsg {
		return fmt.Errorf("unexpected answer %q", strings.TrimSpace(reply))
	}
	return nil
}

func (in *Instance) serve(h Handlers) {
	defer in.wg.Done()
	for {
		c, err := in.ln.Accept()
		if err != nil {
			select {
			case <-in.closed:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		in.handle(c, h)
	}
}

// handle answers one connection. It reads one short line within a
// deadline, so a stuck client cannot hold up later launches for long. Only
// a process of the user's own is answered (peerTrusted).
func (in *Instance) handle(c net.Conn, h Handlers) {
	c.SetDeadline(time.Now().Add(claimWait))
	if !peerTrusted(c) {
		c.Close()
		return
	}
	line, err := bufio.NewReader(&limitedReader{c, maxRequestLine}).ReadString('\n')
	if err == nil && strings.HasPrefix(line, approveMsg) {
		if !in.approvals.TryAcquire(1) {
			answerApproval(c, "", errors.New("too many programs are waiting to be allowed"))
			c.Close()
			return
		}
		in.wg.Add(1)
		go func() {
			defer in.wg.Done()
			defer in.approvals.Release(1)
			defer c.Close()
			in.approve(c, line[len(approveMsg):], h.Approve)
		}()
		return
	}
	defer c.Close()
	if err != nil || line != activateMsg {
		return
	}
	if h.Activate != nil {
		go h.Activate()
	}
	c.Write([]byte(okMsg))
}

// Close stops listening and removes the socket.
func (in *Instance) Close() error {
	close(in.closed)
	err := in.ln.Close()
	in.wg.Wait()
	return err
}

type limitedReader struct {
	c net.Conn
	n int
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errors.New("request too long")
	}
	if len(p) > l.n {
		p = p[:l.n]
	}
	n, err := l.c.Read(p)
	l.n -= n
	return n, err
}
