package logmanager

import (
	"container/heap"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/wharf-project/wharf/internal/kafka/log"
)

// scheduler runs the manager's periodic tasks and the logs' deferred work
// (log.Scheduler: segment deletions after file.delete.delay.ms, the flush
// of a rolled segment) from one timer heap: no goroutine exists per
// partition or per task while it waits.
//
// In the background mode one goroutine sleeps until the earliest task is
// due and hands due tasks to at most `workers` goroutines at a time
// (background.threads). In the manual mode nothing runs by itself: RunDue
// runs what is due at the time it is given, on the caller's goroutine, so
// a test or a simulator drives time.
//
// A periodic task never overlaps itself: its next run is scheduled when
// the current one ends, a period after the previous due time (Kafka's
// fixed rate), or a period after now when it fell behind (missed runs are
// skipped, not run in a burst). Tasks scheduled after stop are dropped:
// the logs tolerate it (a .deleted file is removed at the next load).
type scheduler struct {
	clock  log.Clock
	logger *slog.Logger
	manual bool

	mu      sync.Mutex
	tasks   taskHeap
	seq     uint64
	stopped bool

	wake    chan struct{} // a new earliest task
	done    chan struct{} // closed by stop
	workers chan struct{} // one token per running task (background mode)
	wg      sync.WaitGroup
}

type task struct {
	name   string
	due    int64
	seq    uint64 // FIFO among tasks due at the same time
	period int64  // 0: once
	fn     func()
}

type taskHeap []*task

func (h taskHeap) Len() int { return len(h) }
func (h taskHeap) Less(i, j int) bool {
	if h[i].due != h[j].due {
		return h[i].due < h[j].due
	}
	return h[i].seq < h[j].seq
}
func (h taskHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *taskHeap) Push(x any)   { *h = append(*h, x.(*task)) }
func (h *taskHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return t
}

func newScheduler(clock log.Clock, logger *slog.Logger, manual bool, workers int) *scheduler {
	return &scheduler{
		clock: clock, logger: logger, manual: manual,
		wake: make(chan struct{}, 1), done: make(chan struct{}), workers: make(chan struct{}, workers),
	}
}

// addMs is a+b saturated at math.MaxInt64 (a period of Long.MAX_VALUE
// means never).
func addMs(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// ScheduleOnce runs fn once, delayMs from now (log.Scheduler). It never
// runs fn before returning.
func (s *scheduler) ScheduleOnce(name string, delayMs int64, fn func()) {
	s.push(&task{name: name, due: addMs(s.clock.NowMs(), max(delayMs, 0)), fn: fn})
}

// schedulePeriodic runs fn every periodMs, the first time after delayMs.
func (s *scheduler) schedulePeriodic(name string, delayMs, periodMs int64, fn func()) {
	s.push(&task{name: name, due: addMs(s.clock.NowMs(), max(delayMs, 0)), period: max(periodMs, 1), fn: fn})
}

func (s *scheduler) push(t *task) {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		s.logger.Debug("task scheduled after shutdown dropped", "task", t.name)
		return
	}
	s.seq++
	t.seq = s.seq
	heap.Push(&s.tasks, t)
	first := s.tasks[0] == t
	s.mu.Unlock()
	if first {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// popDue removes the earliest task if it is due at now, counting it in wg
// so that stop waits for it.
func (s *scheduler) popDue(now int64) *task {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped || len(s.tasks) == 0 || s.tasks[0].due > now {
		return nil
	}
	s.wg.Add(1)
	return heap.Pop(&s.tasks).(*task)
}

// run runs t and reschedules it if periodic.
func (s *scheduler) run(t *task) {
	defer s.wg.Done()
	t.fn()
	if t.period == 0 {
		return
	}
	now := s.clock.NowMs()
	next := addMs(t.due, t.period)
	if next <= now {
		next = addMs(now, t.period)
	}
	s.push(&task{name: t.name, due: next, period: t.period, fn: t.fn})
}

// RunDue runs, on the caller's goroutine, every task due at now, in due
// order, including tasks they schedule that are due by now. It returns how
// many ran. Only for the manual mode.
func (s *scheduler) RunDue(now int64) int {
	n := 0
	for t := s.popDue(now); t != nil; t = s.popDue(now) {
		s.run(t)
		n++
	}
	return n
}

// start starts the background goroutine (not in the manual mode).
func (s *scheduler) start() {
	if s.manual {
		return
	}
	s.wg.Add(1)
	go s.loop()
}

// maxWait bounds one sleep, so a far-away due time never overflows a
// time.Duration and a clock jump is noticed within it.
const maxWait = time.Minute

func (s *scheduler) loop() {
	defer s.wg.Done()
	timer := time.NewTimer(maxWait)
	defer timer.Stop()
	for {
		now := s.clock.NowMs()
		ran := false
		for t := s.popDue(now); t != nil; t = s.popDue(now) {
			ran = true
			select {
			case s.workers <- struct{}{}:
			case <-s.done:
				s.wg.Done() // popped but never run
				return
			}
			go func() {
				defer func() { <-s.workers }()
				s.run(t)
			}()
		}
		if ran {
			continue // tasks may have been added while dispatching
		}
		s.mu.Lock()
		wait := maxWait
		if len(s.tasks) > 0 {
			wait = min(time.Duration(max(s.tasks[0].due-now, 0))*time.Millisecond, maxWait)
		}
		stopped := s.stopped
		s.mu.Unlock()
		if stopped {
			return
		}
		timer.Reset(wait)
		select {
		case <-timer.C:
		case <-s.wake: // Reset above discards the timer's pending value (Go 1.23+ timers)
		case <-s.done:
			return
		}
	}
}

// stop drops every pending task and waits for the running ones (and the
// background goroutine) to finish.
func (s *scheduler) stop() {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		s.wg.Wait()
		return
	}
	s.stopped = true
	s.tasks = nil
	s.mu.Unlock()
	close(s.done)
	s.wg.Wait()
}
