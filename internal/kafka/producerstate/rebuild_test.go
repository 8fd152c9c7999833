package producerstate

import (
	"reflect"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/vfs"
)

type fixedClock struct{ ms int64 }

func (c fixedClock) NowMs() int64 { return c.ms }

type dropScheduler struct{}

func (dropScheduler) ScheduleOnce(string, int64, func()) {}

// logFixture is a real log with small segments and the producer state its
// appends should produce, kept by ApplyAppend as the broker does.
type logFixture struct {
	t    *testing.T
	fs   vfs.FS
	log  *log.Log
	ref  *Manager
	seqs map[int64]int32
	// sent holds every producer batch appended, with its final offsets.
	sent []BatchInfo
}

func newLogFixture(t *testing.T) *logFixture {
	cfg := log.DefaultConfig()
	cfg.SegmentBytes = 600
	cfg.SegmentIndexBytes = 1024
	return newLogFixtureConfig(t, cfg)
}

func newLogFixtureConfig(t *testing.T, cfg log.Config) *logFixture {
	fsys := vfs.NewMem()
	l, err := log.Open(fsys, testDir, cfg, log.Options{Clock: fixedClock{1_700_000_000_000}, Scheduler: dropScheduler{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return &logFixture{t: t, fs: fsys, log: l, ref: newTestManager(t, fsys), seqs: map[int64]int32{}}
}

// produce appends one batch of n records from pid (pid -1: no producer).
func (f *logFixture) produce(pid int64, n int) {
	f.t.Helper()
	bl := record.NewBuilder(0, record.CompressionNone)
	if pid >= 0 {
		bl.SetProducer(pid, 0, f.seqs[pid])
		f.seqs[pid] += int32(n)
	}
	for i := 0; i < n; i++ {
		if err := bl.Append(1_700_000_000_000+int64(i), nil, []byte("value-of-some-length")); err != nil {
			f.t.Fatal(err)
		}
	}
	b, err := bl.Build()
	if err != nil {
		f.t.Fatal(err)
	}
	info, err := f.log.AppendAsLeader(b, 0, log.OriginClient)
	if err != nil {
		f.t.Fatal(err)
	}
	bi := BatchInfoOf(b)
	if pid >= 0 {
		f.sent = append(f.sent, bi)
	}
	f.ref.ApplyAppend([]BatchInfo{bi}, info.LastOffset+1)
}

func (f *logFixture) load(clean bool) *Manager {
	f.t.Helper()
	m, err := Load(Options{FS: f.fs, Dir: func() string { return testDir }, Partition: "t-0", ProducerIDExpirationMs: expiryMs},
		FromLog(f.log), f.log.LogStartOffset(), f.log.LogEndOffset(), clean, 1_700_000_000_000)
	if err != nil {
		f.t.Fatal(err)
	}
	return m
}

func TestLoadRebuildsFromTheLog(t *testing.T) {
	f := newLogFixture(t)
	for i := 0; i < 30; i++ {
		f.produce(int64(1+i%3), 1+i%4)
		if i%5 == 0 {
			f.produce(-1, 2)
		}
	}
	if f.log.NumSegments() < 4 {
		t.Fatalf("only %d segments", f.log.NumSegments())
	}
	// no snapshot, unclean: the whole log is replayed, giving exactly the
	// state the appends built
	m := f.load(false)
	if got, want := m.Producers(), f.ref.Producers(); !reflect.DeepEqual(got, want) {
		t.Fatalf("rebuilt %v\nwant %v", got, want)
	}
	if m.MapEndOffset() != f.log.LogEndOffset() {
		t.Fatalf("map end %d, log end %d", m.MapEndOffset(), f.log.LogEndOffset())
	}
	// it took snapshots at the last two segment bases and the log end
	bases := FromLog(f.log).SegmentBases()
	var pending []int64
	for {
		o, ok := m.NextPendingSnapshot()
		if !ok {
			break
		}
		pending = append(pending, o)
		must(t, m.WriteSnapshots(o))
	}
	want := []int64{bases[len(bases)-2], bases[len(bases)-1], f.log.LogEndOffset()}
	if !reflect.DeepEqual(pending, want) {
		t.Fatalf("snapshots %v, want %v", pending, want)
	}

	// more appends, then a load from the newest snapshot plus the tail
	for i := 0; i < 12; i++ {
		f.produce(int64(1+i%3), 2)
	}
	m = f.load(false)
	for _, want := range f.ref.Producers() {
		got := mustEntry(t, m, want.ProducerID)
		// the tail held at least four batches of each producer, the
		// snapshot one more: the whole window is back
		if !reflect.DeepEqual(got, want) {
			t.Errorf("producer %d: %v, want %v", want.ProducerID, got, want)
		}
	}
}

func TestLoadAfterCleanShutdownWithoutSnapshotScansNothing(t *testing.T) {
	f := newLogFixture(t)
	for i := 0; i < 20; i++ {
		f.produce(1, 3)
	}
	m := f.load(true)
	if !m.IsEmpty() || m.MapEndOffset() != f.log.LogEndOffset() {
		t.Fatalf("producers %d map end %d", m.ProducerCount(), m.MapEndOffset())
	}
	must(t, m.WriteSnapshots(f.log.LogEndOffset()))
	if n := len(m.Snapshots()); n != 3 {
		t.Fatalf("%d empty snapshots, want 3", n)
	}
}

func TestRebuildAfterTruncation(t *testing.T) {
	f := newLogFixture(t)
	var ends []int64
	for i := 0; i < 24; i++ {
		f.produce(int64(1+i%2), 1+i%3)
		ends = append(ends, f.log.LogEndOffset())
	}
	m := f.load(false)
	must(t, m.WriteSnapshots(f.log.LogEndOffset()))

	// the reference state at a batch boundary in the middle
	target := ends[13]
	g := newLogFixture(t)
	for i := 0; i <= 13; i++ {
		g.produce(int64(1+i%2), 1+i%3)
	}
	if _, err := f.log.TruncateTo(target); err != nil {
		t.Fatal(err)
	}
	must(t, m.Rebuild(FromLog(f.log), 0, target, 0))
	if got, want := m.Producers(), g.ref.Producers(); !reflect.DeepEqual(got, want) {
		t.Fatalf("after truncation %v\nwant %v", got, want)
	}
	for _, o := range m.Snapshots() {
		if o > target {
			t.Fatalf("snapshot %d above the truncation point %d kept", o, target)
		}
	}
}
