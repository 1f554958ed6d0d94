package session

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/latchkey/latchkey/accounts"
)

// The approval protocol, on the running instance's socket: the latchkey
// command (AskApp) sends one line, approveMsg followed by an approveWire
// as JSON, and waits for one line back, an answerWire. It closes the
// connection when it stops waiting, which tells the app to close its
// prompt. Neither line ever holds a token: the command reads the token
// from the keychain itself once allowed.
const (
	approveMsg = "approve "
	// maxRequestLine bounds one request line (an approval request is a
	// few hundred bytes; paths are at most 4096).
	maxRequestLine = 16 << 10
	// maxWaitingApprovals bounds the requests waiting for the person.
	maxWaitingApprovals = 16
	// MaxApprovalWait bounds how long the app keeps a prompt open,
	// whatever the command asks.
	MaxApprovalWait = 10 * time.Minute
	// approvalGrace is how much longer than the command the app waits.
	approvalGrace = 2 * time.Second
)

type approveWire struct {
	Request accounts.ApprovalRequest `json:"request"`
	// WaitMS is how long the command waits, in milliseconds.
	WaitMS int64 `json:"wait_ms"`
}

type answerWire struct {
	Decision accounts.Decision `json:"decision,omitempty"`
	// Error says, in plain words, why the app could not ask.
	Error string `json:"error,omitempty"`
}

// approve answers one approval request, read as rest (the line after
// approveMsg), with ask's answer. The prompt is given up when the command
// hangs up, when its wait runs out, or when the instance closes.
func (in *Instance) approve(c net.Conn, rest string, ask func(context.Context, accounts.ApprovalRequest) (accounts.Decision, error)) {
	var w approveWire
	if err := json.Unmarshal([]byte(rest), &w); err != nil {
		answerApproval(c, "", errors.New("the request could not be read"))
		return
	}
	if ask == nil {
		answerApproval(c, "", errors.New("this app cannot ask about programs"))
		return
	}
	// The command hangs up when its wait is over, which closes the
	// prompt; the app's own limit is a little later, so that the command
	// says "nobody answered", not "the app could not ask".
	wait := MaxApprovalWait
	if w.WaitMS > 0 {
		wait = min(time.Duration(w.WaitMS)*time.Millisecond+approvalGrace, MaxApprovalWait)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c.SetDeadline(time.Now().Add(wait + claimWait))
	// The command sends nothing more: a read returns when it hangs up.
	go func() {
		io.Copy(io.Discard, c)
		cancel()
	}()
	go func() {
		select {
		case <-in.closed:
			cancel()
		case <-ctx.Done():
		}
	}()
	d, err := ask(ctx, w.Request)
	if err == nil && !d.Valid() {
		err = fmt.Errorf("the app answered %q", d)
	}
	answerApproval(c, d, err)
}

func answerApproval(c net.Conn, d accounts.Decision, err error) {
	a := answerWire{Decision: d}
	if err != nil {
		a = answerWire{Error: err.Error()}
	}
	line, _ := json.Marshal(a)
	c.Write(append(line, '\n'))
}

// AskApp asks the desktop app running as the instance called name (the
// tray: "tray") whether the program in req may have a token, and waits
// for the answer until ctx ends. It returns an error matching
// accounts.ErrApprovalUnavailable when no app runs, when the app cannot
// ask, or when nobody answered before ctx's deadline; context.Canceled
// when ctx was cancelled. waiting, if not nil, runs once the app has the
// request, before the wait for the person.
func AskApp(ctx context.Context, name string, req accounts.ApprovalRequest, waiting func()) (accounts.Decision, error) {
	dir, err := accounts.RuntimeDir()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name+".sock")
	// The runtime dir is checked to be the user's alone; the socket must
	// be theirs too.
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w: the Latchkey desktop app is not running", accounts.ErrApprovalUnavailable)
	}
	if err != nil {
		return "", fmt.Errorf("%w: %v", accounts.ErrApprovalUnavailable, err)
	}
	if fi.Mode()&fs.ModeSocket == 0 || !ownedByMe(fi) {
		return "", fmt.Errorf("%w: %s is not a socket of yours; Latchkey will not use it", accounts.ErrApprovalUnavailable, path)
	}
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, claimWait)
	c, err := d.DialContext(dctx, "unix", path)
	cancel()
	if err != nil {
		if ctx.Err() == context.Canceled {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("%w: the Latchkey desktop app is not running (nothing answers at %s)", accounts.ErrApprovalUnavailable, path)
	}
	defer c.Close()
	if !peerTrusted(c) {
		return "", fmt.Errorf("%w: the process at %s is not yours; Latchkey will not ask it", accounts.ErrApprovalUnavailable, path)
	}
	// Hang up when ctx ends: that closes the prompt in the app.
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Now()) })
	defer stop()
	wait := time.Duration(0)
	if dl, ok := ctx.Deadline(); ok {
		wait = time.Until(dl)
		c.SetDeadline(dl)
	}
	line, err := json.Marshal(approveWire{Request: req, WaitMS: wait.Milliseconds()})
	if err != nil {
		return "", err
	}
	if _, err := c.Write(append(append([]byte(approveMsg), line...), '\n')); err != nil {
		return "", askFailed(ctx, wait, err)
	}
	if waiting != nil {
		waiting()
	}
	reply, err := bufio.NewReader(io.LimitReader(c, 4096)).ReadString('\n')
	if err != nil {
		return "", askFailed(ctx, wait, err)
	}
	var a answerWire
	if err := json.Unmarshal([]byte(reply), &a); err != nil {
		return "", fmt.Errorf("%w: the app's answer could not be read", accounts.ErrApprovalUnavailable)
	}
	if a.Error != "" {
		return "", fmt.Errorf("%w: the app could not ask: %s", accounts.ErrApprovalUnavailable, a.Error)
	}
	if !a.Decision.Valid() {
		return "", fmt.Errorf("%w: the app answered %q", accounts.ErrApprovalUnavailable, a.Decision)
	}
	return a.Decision, nil
}

// askFailed says why the wait for an answer ended without one.
func askFailed(ctx context.Context, wait time.Duration, err error) error {
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return ctx.Err()
	case ctx.Err() != nil || isTimeout(err):
		return fmt.Errorf("%w: nobody answered in the Latchkey app within %s", accounts.ErrApprovalUnavailable, wait.Round(time.Second))
	case errors.Is(err, io.EOF):
		return fmt.Errorf("%w: the running Latchkey app does not ask about programs (update it, or restart it)", accounts.ErrApprovalUnavailable)
	}
	return fmt.Errorf("%w: %v", accounts.ErrApprovalUnavailable, strings.TrimSpace(err.Error()))
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
