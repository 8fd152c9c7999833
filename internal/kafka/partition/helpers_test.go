package partition

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/logmanager"
	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/vfs"
)

const t0 = int64(1_700_000_000_000)

type fakeClock struct{ ms atomic.Int64 }

func (c *fakeClock) NowMs() int64             { return c.ms.Load() }
func (c *fakeClock) advance(ms int64)         { c.ms.Add(ms) }
func newClock() *fakeClock                    { c := &fakeClock{}; c.ms.Store(t0); return c }
func tp(topic string, p int32) TopicPartition { return TopicPartition{Topic: topic, Partition: p} }

// env is a broker's log manager and replica manager on a filesystem,
// with a manual clock: delayed operations expire only at Tick.
type env struct {
	t      testing.TB
	fs     vfs.FS
	base   vfs.FS       // the filesystem (for crash clones)
	inj    vfs.Injector // wraps base when set
	dir    string
	clock  *fakeClock
	lmCfg  logmanager.Config
	cfg    Config
	opts   Options // overrides: MinInsyncReplicas, Metadata, IsrUpdater, Fetcher
	lm     *logmanager.Manager
	rm     *ReplicaManager
	closed bool
}

func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// newEnv opens a broker (id 1) on fsys with small segments; its data
// lives in a temporary directory on the OS filesystem, in /data on an
// in-memory one.
func newEnv(t testing.TB, fsys vfs.FS, cfg Config, opts Options) *env {
	return newEnvWith(t, fsys, nil, cfg, opts)
}

// newEnvWith is newEnv with inj failing or observing the operations.
func newEnvWith(t testing.TB, fsys vfs.FS, inj vfs.Injector, cfg Config, opts Options) *env {
	t.Helper()
	dir := "/data"
	if fsys == vfs.Default {
		dir = t.TempDir()
	}
	lmCfg := logmanager.DefaultConfig()
	lmCfg.LogDirs = []string{dir}
	lmCfg.InitialTaskDelayMs = 0
	lmCfg.Defaults.SegmentBytes = 4096
	lmCfg.Defaults.SegmentIndexBytes = 1024
	lmCfg.Defaults.IndexIntervalBytes = 256
	lmCfg.Cleaner.Enable = false
	cfg.BrokerID = 1
	e := &env{t: t, fs: fsys, base: fsys, inj: inj, dir: dir, clock: newClock(), lmCfg: lmCfg, cfg: cfg, opts: opts}
	e.open()
	t.Cleanup(e.close)
	return e
}

func (e *env) open() {
	e.t.Helper()
	ref := &ReplicationRef{}
	e.fs = e.base
	if e.inj != nil {
		e.fs = vfs.WithErrors(e.base, e.inj)
	}
	lm, err := logmanager.Open(e.lmCfg, logmanager.Options{FS: e.fs, Clock: e.clock, Logger: testLogger(),
		ClusterID: "wharf-test", BrokerID: 1, ManualSchedule: true, Replication: ref})
	if err != nil {
		e.t.Fatalf("logmanager.Open: %v", err)
	}
	o := e.opts
	o.Logs, o.FS, o.Clock, o.Logger, o.ManualTime = lm, e.fs, e.clock, testLogger(), true
	if o.LogConfig == nil {
		o.LogConfig = func(string) (log.Config, error) { return lm.TopicConfig(nil) }
	}
	rm, err := New(e.cfg, o)
	if err != nil {
		e.t.Fatal(err)
	}
	ref.Set(rm)
	rm.Start()
	e.lm, e.rm, e.closed = lm, rm, false
}

// close shuts down cleanly.
func (e *env) close() {
	if e.closed {
		return
	}
	e.closed = true
	if err := e.rm.Close(); err != nil {
		e.t.Errorf("ReplicaManager.Close: %v", err)
	}
	if err := e.lm.Close(); err != nil {
		e.t.Errorf("logmanager.Close: %v", err)
	}
}

// restart closes cleanly and opens again.
func (e *env) restart() {
	e.close()
	e.open()
}

// crashRestart is a power loss: the broker restarts on what the
// filesystem had made durable (the old broker is shut down on the old
// filesystem, which the new one no longer sees).
func (e *env) crashRestart() {
	e.t.Helper()
	cm, ok := e.base.(*vfs.CrashableMem)
	if !ok {
		e.t.Fatal("crashRestart needs a vfs.CrashableMem")
	}
	clone := cm.CrashClone()
	e.close()
	e.base = clone
	e.open()
}

// leaderAndIsr makes broker leader of the partitions of topic at epoch,
// with the given ISR and replicas (default: broker 1 alone).
func leaderAndIsr(controllerEpoch int32, topic string, partitions int32, leader, epoch int32, isr, replicas []int32) *kmsg.LeaderAndISRRequest {
	req := kmsg.NewPtrLeaderAndISRRequest()
	req.Version = 4
	req.ControllerID, req.ControllerEpoch = 1, controllerEpoch
	ts := kmsg.NewLeaderAndISRRequestTopicState()
	ts.Topic = topic
	for p := int32(0); p < partitions; p++ {
		ps := kmsg.NewLeaderAndISRRequestTopicPartition()
		ps.Partition, ps.ControllerEpoch, ps.Leader, ps.LeaderEpoch = p, controllerEpoch, leader, epoch
		ps.ISR, ps.Replicas, ps.ZKVersion, ps.IsNew = isr, replicas, epoch, true
		ts.PartitionStates = append(ts.PartitionStates, ps)
	}
	req.TopicStates = append(req.TopicStates, ts)
	return req
}

// lead makes broker 1 the sole replica and leader of topic's partitions.
func (e *env) lead(topic string, partitions int32, epoch int32) {
	e.t.Helper()
	resp := e.rm.BecomeLeaderOrFollower(leaderAndIsr(1, topic, partitions, 1, epoch, []int32{1}, []int32{1}))
	for _, p := range resp.Partitions {
		if p.ErrorCode != 0 {
			e.t.Fatalf("LeaderAndIsr %s-%d: error %d", p.Topic, p.Partition, p.ErrorCode)
		}
	}
}

// batch builds one v2 batch of n records; pid < 0 builds a batch without
// a producer id.
func batch(t testing.TB, pid int64, epoch int16, seq int32, n int, payload string) []byte {
	t.Helper()
	return batchWith(t, pid, epoch, seq, n, func(i int) string { return fmt.Sprintf("%s-%d", payload, i) })
}

// batchWith builds a batch whose i-th record has the value value(i).
func batchWith(t testing.TB, pid int64, epoch int16, seq int32, n int, value func(i int) string) []byte {
	t.Helper()
	bl := record.NewBuilder(0, record.CompressionNone)
	if pid >= 0 {
		bl.SetProducer(pid, epoch, seq)
	}
	for i := 0; i < n; i++ {
		if err := bl.Append(t0, nil, []byte(value(i))); err != nil {
			t.Fatal(err)
		}
	}
	b, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// produce sends one batch and waits for its answer.
func (e *env) produce(p TopicPartition, acks int16, records []byte) AppendResult {
	e.t.Helper()
	return e.rm.Append(AppendRequest{Acks: acks, TimeoutMs: 30000, Partitions: []AppendPartition{{TopicPartition: p, Records: records}}})[0]
}

// produceAsync sends one batch; the answer arrives on the channel.
func (e *env) produceAsync(p TopicPartition, acks int16, timeoutMs int32, records []byte) <-chan AppendResult {
	ch := make(chan AppendResult, 1)
	e.rm.AppendRecords(AppendRequest{Acks: acks, TimeoutMs: timeoutMs, Partitions: []AppendPartition{{TopicPartition: p, Records: records}}},
		func(r []AppendResult) { ch <- r[0] })
	return ch
}

// waitFor waits for a condition another goroutine (the flusher) brings.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func recv[T any](t testing.TB, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("no answer")
		panic("unreachable")
	}
}

func noAnswer[T any](t testing.TB, ch <-chan T) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("unexpected answer %+v", v)
	default:
	}
}

// consume reads everything a consumer may read from offset, as values
// (one fetch per segment), and the last fetch's result.
func (e *env) consume(p TopicPartition, from int64) ([]string, FetchResult) {
	e.t.Helper()
	var out []string
	for {
		res := e.rm.Fetch(FetchRequest{ReplicaID: -1, MaxBytes: 1 << 30, Partitions: []FetchPartition{{TopicPartition: p,
			FetchOffset: from, MaxBytes: 1 << 30, CurrentLeaderEpoch: -1, LastFetchedEpoch: -1, LogStartOffset: -1}}})[0]
		if res.ErrorCode != 0 || res.Records.Region.Len == 0 {
			res.Release()
			return out, res
		}
		data, err := res.Records.AppendTo(nil)
		res.Release()
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, values(e.t, data)...)
		it := record.Iterate(data)
		for {
			b, _, ok := it.Next()
			if !ok {
				break
			}
			from = b.NextOffset()
		}
	}
}

func values(t testing.TB, data []byte) []string {
	t.Helper()
	var out []string
	it := record.Iterate(data)
	for {
		b, _, ok := it.Next()
		if !ok {
			break
		}
		ri := b.Iter(b.Records())
		var r record.Record
		for ri.Next(&r) {
			out = append(out, string(r.Value))
		}
		if err := ri.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// gate blocks fsyncs of .log files while closed: appends land, their
// fsync waits.
type gate struct {
	mu      sync.Mutex
	closed  bool
	open    chan struct{}
	waiting atomic.Int32
}

func newGate() *gate { return &gate{open: make(chan struct{})} }

func (g *gate) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.closed {
		g.closed, g.open = true, make(chan struct{})
	}
}

func (g *gate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		g.closed = false
		close(g.open)
	}
}

func (g *gate) MaybeError(op vfs.Op) error {
	if op.Kind != vfs.OpFileSync || filepath.Ext(op.Path) != ".log" {
		return nil
	}
	g.mu.Lock()
	ch, closed := g.open, g.closed
	g.mu.Unlock()
	if closed {
		g.waiting.Add(1)
		<-ch
		g.waiting.Add(-1)
	}
	return nil
}
