//go:build unix

package session

import (
	"bytes"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// testQuit is a Quit whose exit reports the status on the returned
// channel instead of ending the test binary. Quit writes to stderr before
// it exits, so stderr may be read once a status has come.
func testQuit(deadline time.Duration) (*Quit, <-chan int, *bytes.Buffer) {
	codes := make(chan int, 10)
	stderr := &bytes.Buffer{}
	return &Quit{deadline: deadline, exit: func(code int) { codes <- code }, stderr: stderr}, codes, stderr
}

// exitStatus waits for the next exit, what being what should cause it.
func exitStatus(t *testing.T, codes <-chan int, what string) int {
	t.Helper()
	select {
	case code := <-codes:
		return code
	case <-time.After(5 * time.Second):
		t.Fatalf("no exit within 5s after %s", what)
		return -1
	}
}

func TestQuitRunsStopsLastFirstOnceAndExitsZero(t *testing.T) {
	// Many askers at once (the Quit item, a signal, Fyne stopping by
	// itself), many times over: one exit, each stop once, in order.
	for round := 0; round < 50; round++ {
		q, codes, _ := testQuit(5 * time.Second)
		var mu sync.Mutex
		var ran []string
		for _, name := range []string{"notifier", "renewer", "instance"} {
			q.OnQuit(func() {
				mu.Lock()
				ran = append(ran, name)
				mu.Unlock()
			})
		}
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				q.Now()
			}()
		}
		wg.Wait()
		if got := <-codes; got != 0 {
			t.Fatalf("round %d: exit status %d, want 0", round, got)
		}
		select {
		case got := <-codes:
			t.Fatalf("round %d: exited a second time (status %d)", round, got)
		default:
		}
		if got := strings.Join(ran, ","); got != "instance,renewer,notifier" {
			t.Fatalf("round %d: stops ran as %s; want instance,renewer,notifier (last added first, once each)", round, got)
		}
	}
}

func TestQuitExitsWhenAStopHangs(t *testing.T) {
	q, codes, stderr := testQuit(200 * time.Millisecond)
	release := make(chan struct{})
	defer close(release)
	q.OnQuit(func() { <-release })

	start := time.Now()
	go q.Now()
	if got := exitStatus(t, codes, "Now, with a stop that hangs"); got != 1 {
		t.Errorf("exit status %d, want 1", got)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("exited after %v, before the deadline", d)
	}
	// Why it hung: every goroutine's stack, the stuck stop among them.
	out := stderr.String()
	for _, want := range []string{"quitting took more than 200ms", "goroutine ", "TestQuitExitsWhenAStopHangs"} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr lacks %q:\n%s", want, out)
		}
	}
}

func TestQuitOnSignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			q, codes, stderr := testQuit(5 * time.Second)
			stopped := make(chan struct{})
			release := make(chan struct{})
			q.OnQuit(func() {
				close(stopped)
				<-release // still stopping when the second signal comes
			})
			stop := q.OnSignals()
			defer stop()

			if err := syscall.Kill(syscall.Getpid(), sig); err != nil {
				t.Fatal(err)
			}
			select {
			case <-stopped:
			case <-time.After(5 * time.Second):
				t.Fatalf("%v did not start quitting", sig)
			}
			// A second signal while stopping: out at once, status 1.
			if err := syscall.Kill(syscall.Getpid(), sig); err != nil {
				t.Fatal(err)
			}
			if got := exitStatus(t, codes, "a second "+sig.String()); got != 1 {
				t.Errorf("second %v: exit status %d, want 1", sig, got)
			}
			if !strings.Contains(stderr.String(), "second signal") {
				t.Errorf("stderr = %q; want it to say why", stderr.String())
			}
			close(release)
			if got := exitStatus(t, codes, "the stops returned"); got != 0 {
				t.Errorf("after the stops: exit status %d, want 0", got)
			}
		})
	}
}
