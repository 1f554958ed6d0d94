package ui

import (
	"sync"

	"fyne.io/fyne/v2"
)

// background runs slow work (the core, the keychain, the network, a file)
// off the UI goroutine and applies its result on it, where widgets and
// state may change. It is the one way this package does so: a screen never
// starts a goroutine of its own to call the core. Tests wait for every
// piece of work started through it with settle (background_test.go), so no
// screen keeps a channel for tests.
type background struct {
	// post runs a function on the UI goroutine: fyne.Do in a Fyne
	// process, TrayApp's event loop in the tray process.
	post func(func())

	mu      sync.Mutex
	pending int       // work started and not yet applied
	idle    sync.Cond // signalled when pending drops to 0
}

// newBackground returns a background that applies results with post.
func newBackground(post func(func())) *background {
	b := &background{post: post}
	b.idle.L = &b.mu
	return b
}

// onFyne returns a background that applies results with fyne.Do.
func onFyne() *background { return newBackground(fyne.Do) }

// run runs work on a new goroutine, then apply on the UI goroutine. Work
// that apply starts is counted before this one ends, so settle never sees
// a gap between them.
func (b *background) run(work func(), apply func()) {
	b.mu.Lock()
	b.pending++
	b.mu.Unlock()
	go func() {
		work()
		b.post(func() {
			defer b.finished()
			apply()
		})
	}()
}

func (b *background) finished() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pending--
	if b.pending == 0 {
		b.idle.Broadcast()
	}
}

// wait blocks until no work is pending. Never call it on the UI goroutine:
// the work waited for needs that goroutine to finish.
func (b *background) wait() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.pending > 0 {
		b.idle.Wait()
	}
}
