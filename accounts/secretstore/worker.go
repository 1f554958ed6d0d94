package secretstore

import (
	"context"
	"sync"
)

// serialQueue runs jobs one at a time, in submission order, on a worker
// goroutine that exists only while there is work. A job whose context has
// ended by the time its turn comes is dropped without running.
type serialQueue struct {
	mu      sync.Mutex
	jobs    []queuedJob
	running bool
}

type queuedJob struct {
	ctx context.Context
	run func()
}

func (q *serialQueue) submit(ctx context.Context, run func()) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.jobs = append(q.jobs, queuedJob{ctx, run})
	if !q.running {
		// Only one worker at a time: a new one starts only after the last
		// one saw an empty queue under the lock and exited.
		q.running = true
		go q.work()
	}
}

func (q *serialQueue) work() {
	for {
		q.mu.Lock()
		if len(q.jobs) == 0 {
			q.running = false
			q.mu.Unlock()
			return
		}
		j := q.jobs[0]
		q.jobs[0] = queuedJob{} // drop references (and secrets) early
		q.jobs = q.jobs[1:]
		q.mu.Unlock()
		if j.ctx.Err() != nil {
			continue
		}
		j.run()
	}
}
