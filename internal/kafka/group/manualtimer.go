package group

import (
	"maps"
	"slices"
)

// ManualTimer is a Timer whose clock moves only when told to: tests and
// simulations advance it and get the Results of the operations that fell
// due, run in deadline order (then scheduling order) at their deadlines.
type ManualTimer struct {
	now   int64
	seq   uint64
	tasks map[string]*manualTask
}

type manualTask struct {
	deadline int64
	seq      uint64
	op       func(nowMs int64) Result
}

// NewManualTimer returns a timer whose clock reads nowMs.
func NewManualTimer(nowMs int64) *ManualTimer {
	return &ManualTimer{now: nowMs, tasks: map[string]*manualTask{}}
}

// Now is the timer's clock.
func (t *ManualTimer) Now() int64 { return t.now }

// Schedule runs op delayMs from now, replacing any operation under key.
func (t *ManualTimer) Schedule(key string, delayMs int64, op func(nowMs int64) Result) {
	t.seq++
	t.tasks[key] = &manualTask{deadline: t.now + delayMs, seq: t.seq, op: op}
}

// Cancel drops the operation under key, if any.
func (t *ManualTimer) Cancel(key string) { delete(t.tasks, key) }

// Deadline reports when the operation under key is due.
func (t *ManualTimer) Deadline(key string) (int64, bool) {
	task, ok := t.tasks[key]
	if !ok {
		return 0, false
	}
	return task.deadline, true
}

// Keys lists the scheduled keys, sorted.
func (t *ManualTimer) Keys() []string {
	return slices.Sorted(maps.Keys(t.tasks))
}

// Advance moves the clock by ms; see AdvanceTo.
func (t *ManualTimer) Advance(ms int64) []Result { return t.AdvanceTo(t.now + ms) }

// AdvanceTo moves the clock to nowMs, running every operation due by then
// (including those the operations schedule) and returning their Results.
func (t *ManualTimer) AdvanceTo(nowMs int64) []Result {
	var out []Result
	for {
		key, task := t.next()
		if task == nil || task.deadline > nowMs {
			break
		}
		delete(t.tasks, key)
		if task.deadline > t.now {
			t.now = task.deadline
		}
		out = append(out, task.op(t.now))
	}
	if nowMs > t.now {
		t.now = nowMs
	}
	return out
}

func (t *ManualTimer) next() (string, *manualTask) {
	var bestKey string
	var best *manualTask
	for k, task := range t.tasks {
		if best == nil || task.deadline < best.deadline || task.deadline == best.deadline && task.seq < best.seq {
			bestKey, best = k, task
		}
	}
	return bestKey, best
}
