//go:build linux

package secretstore

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestRealShortLivedConnectionsSpareDaemon plays many short-lived latchkey
// processes against the private gnome-keyring: each reads an item on a new
// connection (dial, greeting, lookup, GetSecret) and drops it, one in four
// with a deadline so short that it closes with calls still pending, as a
// process that gives up at its deadline does. The daemon must survive them
// all.
//
// Before connections greeted the daemon (see greet), their first call was
// OpenSession pipelined with two Properties.Get, and gnome-keyring-daemon
// 42.1 aborted about once per 1,000 to 1,500 new connections (3 to 4
// deaths per 3,000 connections, 16 in parallel on 2 cores); this test's
// 1,500 connections would kill it about once per run, not on every run.
func TestRealShortLivedConnectionsSpareDaemon(t *testing.T) {
	if testing.Short() {
		t.Skip("1,500 connections")
	}
	const conns, parallel = 1500, 16
	k := New(testService, 10*time.Second)
	ctx := context.Background()
	cleanKey(t, k, "short-lived")
	if err := k.Set(ctx, "short-lived", []byte("token")); err != nil {
		t.Fatal(err)
	}
	before := session.Problems()
	var issued, read, gaveUp, gaveUpGreeted atomic.Int64
	var firstErr atomic.Value
	deadline := time.Now().Add(20 * time.Second) // bounded even on a slow machine
	next := make(chan int)
	go func() {
		defer close(next)
		for i := range conns {
			if time.Now().After(deadline) {
				return
			}
			issued.Add(1)
			next <- i
		}
	}()
	var wg sync.WaitGroup
	for range parallel {
		wg.Go(func() {
			for i := range next {
				s := &secretService{}
				limit := 5 * time.Second
				if i%4 == 3 {
					limit = time.Duration(i%7) * 3 * time.Millisecond
				}
				cctx, cancel := context.WithTimeout(ctx, limit)
				v, err := s.Get(cctx, testService, "short-lived")
				cancel()
				s.mu.Lock()
				greeted := s.greeted
				s.reset() // the process exits: its connection closes
				s.mu.Unlock()
				switch {
				case err == nil && v == "token":
					read.Add(1)
				case errors.Is(err, context.DeadlineExceeded):
					// Mostly the short deadlines; on a starved machine
					// a 5 s one too. A dead daemon shows in Problems.
					gaveUp.Add(1)
					if greeted {
						gaveUpGreeted.Add(1)
					}
				default:
					firstErr.CompareAndSwap(nil, errors.New(v+": "+errString(err)))
				}
			}
		})
	}
	wg.Wait()
	// A daemon that died is noticed when its process is reaped: look for a
	// second before calling it alive.
	for range 10 {
		if session.Problems() != before {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if p := session.Problems(); p != before {
		t.Fatalf("gnome-keyring-daemon died under %d short-lived connections (%d read, %d gave up):%s", conns, read.Load(), gaveUp.Load(),
			strings.TrimPrefix(p, before))
	}
	if err, _ := firstErr.Load().(error); err != nil {
		t.Errorf("a read failed: %v", err)
	}
	if read.Load() < issued.Load()/2 {
		t.Errorf("only %d of %d connections read the item (%d gave up)", read.Load(), issued.Load(), gaveUp.Load())
	}
	t.Logf("%d reads; %d gave up with calls pending, %d of them after the greeting", read.Load(), gaveUp.Load(), gaveUpGreeted.Load())
	if err := session.Ready(); err != nil {
		t.Fatal(err)
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
