package logmanager

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/log/checkpoint"
	"github.com/wharf-project/wharf/internal/vfs"
)

// cloner takes crash clones of mem before each mutating operation while
// armed: one under the strict model, and one keeping random parts of what
// was not synced.
type cloner struct {
	mem    *vfs.CrashableMem
	mu     sync.Mutex
	armed  bool
	clones []*vfs.CrashableMem
	names  []string
	seed   uint64
}

func (c *cloner) MaybeError(op vfs.Op) error {
	if !mutating(op) {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.armed {
		return nil
	}
	c.seed++
	name := fmt.Sprintf("before %s %s (#%d)", op.Kind, op.Path, c.seed)
	c.clones = append(c.clones, c.mem.CrashClone(), c.mem.CrashCloneWith(vfs.CrashCloneCfg{
		UnsyncedDataPercent: 50, UnsyncedDirPercent: 50, RNG: rand.New(rand.NewPCG(c.seed, 7)),
	}))
	c.names = append(c.names, name+" strict", name+" random")
	return nil
}

func (c *cloner) arm(on bool) {
	c.mu.Lock()
	c.armed = on
	c.mu.Unlock()
}

// crashWorkload is six partitions in two directories, each with 20
// flushed records (checkpointed) and 20 more that are not.
func crashWorkload(t *testing.T) (*cloner, *Manager, Config, []TopicPartition) {
	mem := vfs.NewCrashableMem()
	cl := &cloner{mem: mem}
	cfg := testConfig("/d1", "/d2")
	m := mustOpen(t, cfg, testOptions(t, vfs.WithErrors(mem, cl), newClock()))
	var tps []TopicPartition
	for i := range int32(3) {
		for _, topic := range []string{"a", "b"} {
			p := tp(topic, i)
			tps = append(tps, p)
			l, err := m.GetOrCreateLog(p, cfg.Defaults, checkpoint.RandomUuid())
			if err != nil {
				t.Fatal(err)
			}
			appendRecords(t, l, 20, t0)
			if err := l.Flush(l.LogEndOffset()); err != nil {
				t.Fatal(err)
			}
			appendRecords(t, l, 20, t0)
		}
	}
	if err := m.CheckpointRecoveryPoints(); err != nil {
		t.Fatal(err)
	}
	return cl, m, cfg, tps
}

// checkRecovered opens a crash clone and checks every partition: at least
// the flushed records, all there, every record the one written at its
// offset (unflushed ones may be missing), and a log that takes appends.
func checkRecovered(t *testing.T, name string, fsys *vfs.CrashableMem, cfg Config, tps []TopicPartition, flushed map[TopicPartition]int64) *Manager {
	t.Helper()
	m, err := Open(cfg, testOptions(t, fsys, newClock()))
	if err != nil {
		t.Fatalf("%s: Open: %v", name, err)
	}
	for _, p := range tps {
		l, ok := m.GetLog(p)
		if !ok {
			t.Fatalf("%s: %s lost", name, p)
		}
		if l.LogEndOffset() < flushed[p] {
			t.Fatalf("%s: %s ends at %d, below the flushed %d", name, p, l.LogEndOffset(), flushed[p])
		}
		checkRecords(t, l, l.LogStartOffset(), flushed[p])
		appendRecords(t, l, 3, t0)
		checkRecords(t, l, l.LogStartOffset(), flushed[p])
	}
	return m
}

// TestCrashAtEveryStepOfShutdown crashes Close before each of its mutating
// operations (log flushes and closes, checkpoint writes, markers): every
// crash reopens to a consistent state with every flushed record, and the
// completed Close leaves clean directories with everything.
func TestCrashAtEveryStepOfShutdown(t *testing.T) {
	cl, m, cfg, tps := crashWorkload(t)
	flushed := map[TopicPartition]int64{}
	for _, p := range tps {
		flushed[p] = 20
	}
	cl.arm(true)
	mustClose(t, m)
	cl.arm(false)
	if len(cl.clones) < 60 {
		t.Fatalf("only %d crash points in Close", len(cl.clones))
	}
	for i, clone := range cl.clones {
		checkRecovered(t, cl.names[i], clone, cfg, tps, flushed).Close()
	}
	final := cl.mem.CrashClone()
	m = checkRecovered(t, "after Close", final, cfg, tps, flushed)
	defer m.Close()
	for _, d := range cfg.LogDirs {
		if !m.HadCleanShutdown(d) {
			t.Fatalf("%s not clean after a completed Close", d)
		}
	}
	for _, p := range tps {
		if l := mustGet(t, m, p); l.LogEndOffset() != 43 {
			t.Fatalf("%s: %d records after a clean Close", p, l.LogEndOffset())
		}
	}
}

// TestCrashDuringCheckpointWrites crashes before each operation of the
// periodic checkpoint tasks and of a truncation followed by new appends
// rolling new segments: the recovery points on disk never claim data that
// a crash could lose, so recovery rescans whatever could be torn.
func TestCrashDuringCheckpointWrites(t *testing.T) {
	cl, m, cfg, tps := crashWorkload(t)
	flushed := map[TopicPartition]int64{}
	for _, p := range tps {
		flushed[p] = 20
	}
	// The periodic tasks, crashed at every step.
	cl.arm(true)
	m.RunDue(t0)
	cl.arm(false)
	n := len(cl.clones)
	if n < 12 {
		t.Fatalf("only %d crash points in the checkpoint tasks", n)
	}

	// Flush everything, checkpoint, truncate a partition well below, then
	// append past the old end without flushing.
	victim := tps[0]
	l := mustGet(t, m, victim)
	if err := l.Flush(l.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	if err := m.CheckpointRecoveryPoints(); err != nil {
		t.Fatal(err)
	}
	cl.arm(true)
	if err := m.TruncateTo(map[TopicPartition]int64{victim: 10}); err != nil {
		t.Fatal(err)
	}
	// Before the first append after the truncation, the checkpoint no
	// longer claims the truncated offsets: recovery will rescan what the
	// appends write from 10 on.
	rps, err := checkpoint.DecodeOffsets([]byte(mustRead(t, cl.mem, "/d1/recovery-point-offset-checkpoint")), "rp")
	if err != nil || rps[checkpoint.TopicPartition(victim)] != 10 {
		t.Fatalf("recovery points after TruncateTo: %v %v", rps, err)
	}
	appendRecords(t, l, 60, t0)
	cl.arm(false)
	for i, clone := range cl.clones {
		want := flushed
		if i >= n {
			want = map[TopicPartition]int64{}
			for _, p := range tps {
				want[p] = 20
			}
			want[victim] = 10
		}
		checkRecovered(t, cl.names[i], clone, cfg, tps, want).Close()
	}
	mustClose(t, m)
}
