package ui

import (
	"sync/atomic"
	"testing"
	"time"
)

// settle waits until all work b started, and all work that work started in
// turn, has been applied on the UI goroutine. It is the ui tests' one way
// to wait for the core.
func settle(t testing.TB, b *background) {
	t.Helper()
	idle := make(chan struct{})
	go func() {
		b.wait()
		close(idle)
	}()
	select {
	case <-idle:
	case <-time.After(30 * time.Second):
		t.Fatal("background work still running after 30 s")
	}
}

// TestBackgroundSettlesChains: work applied starts more work, and settle
// waits for the whole chain, applied in order on the posting goroutine.
func TestBackgroundSettlesChains(t *testing.T) {
	loop := make(chan func(), 8)
	go func() {
		for f := range loop {
			f()
		}
	}()
	defer close(loop)
	b := newBackground(func(f func()) { loop <- f })
	var applied atomic.Int32
	var step func(n int32)
	step = func(n int32) {
		b.run(func() { time.Sleep(time.Millisecond) }, func() {
			if applied.Add(1) != n {
				t.Errorf("applied out of order at %d", n)
			}
			if n < 5 {
				step(n + 1)
			}
		})
	}
	step(1)
	settle(t, b)
	if got := applied.Load(); got != 5 {
		t.Fatalf("settle returned after %d of 5 steps", got)
	}
}
