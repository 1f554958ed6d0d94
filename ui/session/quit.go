package session

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// QuitDeadline bounds how long quitting may take. The app's stops run one
// after another and together are bounded by less: closing the
// single-instance socket while a second launch is half-way through its
// activation by claimWait (5s), the resume watch's one bus call by 1s, and
// the others only close or cancel. Stops that take longer are stuck, and
// the app exits anyway.
const QuitDeadline = claimWait + 3*time.Second

// Quit ends the app exactly once, whoever asks first (the Quit menu item, a
// shortcut, SIGTERM or SIGINT, or the GUI toolkit stopping by itself): it
// runs the stop functions, the last added first, and exits the process with
// status 0. It does not wait for the GUI toolkit to shut down, and nothing
// can make it hang: past QuitDeadline it writes every goroutine's stack to
// stderr and exits with status 1.
//
// The toolkit's own shutdown is not safe to wait for: Fyne 2.8's can leave
// its main goroutine blocked for good (see Now), and its SIGTERM handler
// then does nothing. Nothing of the app needs it either: the OS closes the
// windows and the bus connections (the tray icon goes with its bus name),
// and the app keeps no toolkit preferences.
type Quit struct {
	deadline time.Duration
	exit     func(code int) // os.Exit; tests replace it
	stderr   io.Writer

	mu    sync.Mutex
	stops []func()
	once  sync.Once
}

// NewQuit returns a Quit with QuitDeadline.
func NewQuit() *Quit {
	return &Quit{deadline: QuitDeadline, exit: os.Exit, stderr: os.Stderr}
}

// OnQuit adds stop to what Now runs before exiting. Like a deferred call,
// the last added runs first. A stop must not wait on the GUI's main
// goroutine: Now may run on it.
func (q *Quit) OnQuit(stop func()) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.stops = append(q.stops, stop)
}

// Now quits: it runs the stop functions and exits with status 0. It may be
// called from any goroutine, any number of times; the first call quits and
// the others wait for the exit. It does not return (unless exit does, in
// tests). The stops run on a goroutine of their own, so that the deadline
// holds even when Now runs on the GUI's main goroutine.
//
// Call it instead of fyne.App.Quit. With Fyne 2.8 on Linux, App.Quit ends
// in a shutdown that races its own lifecycle queue: the main loop drains
// its function queue, marks it drained and closes it, while the lifecycle
// goroutine may be handing it the "stopped" event. An event handed over in
// between is never run, so the lifecycle goroutine waits for ever
// (runOnMainWithWait), and so does App.Run, which waits for that queue
// (Lifecycle.WaitForEvents); one handed over after the close panics (send
// on closed channel). Fyne's SIGTERM handler only calls the same Quit,
// which does nothing once quitting started, so SIGTERM was ignored too.
func (q *Quit) Now() {
	q.once.Do(q.quit)
}

func (q *Quit) quit() {
	q.mu.Lock()
	stops := q.stops
	q.mu.Unlock()

	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}()
	select {
	case <-finished:
		q.exit(0)
	case <-time.After(q.deadline):
		fmt.Fprintf(q.stderr, "%s: quitting took more than %v; exiting anyway. Goroutines:\n%s\n",
			filepath.Base(os.Args[0]), q.deadline, allStacks())
		q.exit(1)
	}
}

// OnSignals makes SIGTERM and SIGINT quit through Now, each on its own
// goroutine so that a GUI main goroutine that is stuck cannot hold it up.
// A second signal while quitting exits at once with status 1. Call stop to
// give the signals back.
func (q *Quit) OnSignals() (stop func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	done := make(chan struct{})
	go func() {
		first := true
		for {
			select {
			case <-sigs:
				if first {
					first = false
					go q.Now()
					continue
				}
				fmt.Fprintf(q.stderr, "%s: second signal while quitting; exiting now\n", filepath.Base(os.Args[0]))
				q.exit(1)
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}

// allStacks is every goroutine's stack, as a panic would print it: function
// names, files and argument words, never the values strings or slices
// point to.
func allStacks() []byte {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) || len(buf) >= 64<<20 {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}
