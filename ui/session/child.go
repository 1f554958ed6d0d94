package session

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"
)

// maxLine bounds one line a child writes; longer lines end the reading.
const maxLine = 64 << 10

// Child is a helper process of the app, such as the window process the
// tray starts on demand. The app writes it one line a message on its
// stdin and reads its answers, one a line, from its stdout; its stderr is
// the app's. The child is expected to end by itself when its stdin closes,
// which happens however the app ends (a crash or SIGKILL included), so it
// never outlives the app.
type Child struct {
	cmd *exec.Cmd

	mu    sync.Mutex
	stdin io.WriteCloser
	done  chan struct{} // closed once the process was waited for
	err   error         // how it ended, once done
}

// StartChild starts path with args. onLine runs on a goroutine of its own
// for each line the child writes (without the newline), one after another;
// onExit runs once, after the last onLine, when the child has ended, with
// how it ended (nil for status 0). Either may be nil.
func StartChild(path string, args []string, onLine func([]byte), onExit func(error)) (*Child, error) {
	cmd := exec.Command(path, args...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	// A pipe of our own rather than StdoutPipe: Wait must not depend on
	// the pipe's end, which a program the child started (a browser) may
	// have inherited and keep open.
	stdout, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	cmd.Stdout = w
	err = cmd.Start()
	w.Close()
	if err != nil {
		stdout.Close()
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	c := &Child{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 4096), maxLine)
		for sc.Scan() {
			if onLine != nil {
				onLine(sc.Bytes())
			}
		}
	}()
	go func() {
		err := cmd.Wait()
		select {
		case <-read:
		case <-time.After(time.Second):
		}
		stdout.Close()
		<-read
		c.mu.Lock()
		c.err = err
		c.mu.Unlock()
		close(c.done)
		if onExit != nil {
			onExit(err)
		}
	}()
	return c, nil
}

// Pid is the child's process id.
func (c *Child) Pid() int { return c.cmd.Process.Pid }

// Send writes line and a newline to the child's stdin. line must not hold a
// newline.
func (c *Child) Send(line []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stdin == nil {
		return fmt.Errorf("send to process %d: closed", c.Pid())
	}
	msg := append(append(make([]byte, 0, len(line)+1), line...), '\n')
	if _, err := c.stdin.Write(msg); err != nil {
		return fmt.Errorf("send to process %d: %w", c.Pid(), err)
	}
	return nil
}

// Close asks the child to end by closing its stdin, and returns without
// waiting for it.
func (c *Child) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stdin != nil {
		c.stdin.Close()
		c.stdin = nil
	}
}

// Stop closes the child's stdin and waits up to wait for it to end, then
// kills it. It returns once the child has ended.
func (c *Child) Stop(wait time.Duration) {
	c.Close()
	select {
	case <-c.done:
		return
	case <-time.After(wait):
	}
	c.cmd.Process.Kill()
	<-c.done
}

// Done is closed once the child has ended.
func (c *Child) Done() <-chan struct{} { return c.done }
