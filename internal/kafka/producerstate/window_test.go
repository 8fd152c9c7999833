package producerstate

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/dumplog"
	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/vfs"
)

// The tests here are about a producer's whole window of retained batches
// surviving snapshots: retries of the batches in flight at a crash must
// stay duplicates however many times the log is reopened.

// produceWindow appends eight batches of three records from testPID (epoch
// 0, sequences 0, 3, …, 21); afterRoll, if set, runs after the sixth.
func produceWindow(f *logFixture, afterRoll func()) {
	for i := 0; i < 8; i++ {
		f.produce(testPID, 3)
		if i == 5 && afterRoll != nil {
			afterRoll()
		}
	}
}

// checkWindow asserts that m knows testPID's last five batches of f.sent:
// each retry of them is a duplicate with its original offsets, the batch
// before them is out of order and the next one is accepted.
func checkWindow(t *testing.T, m *Manager, f *logFixture) {
	t.Helper()
	n := len(f.sent)
	for i := n - NumBatchesToRetain; i < n; i++ {
		b := f.sent[i]
		d, dup, err := m.CheckAppend([]BatchInfo{b}, OriginClient)
		if err != nil || !dup || d.FirstOffset() != b.FirstOffset || d.LastOffset != b.LastOffset {
			t.Fatalf("retry of batch %d (seq %d-%d): dup %v %v, err %v; want a duplicate at %d-%d",
				i, b.BaseSeq, b.LastSeq, dup, d, err, b.FirstOffset, b.LastOffset)
		}
	}
	old := f.sent[n-NumBatchesToRetain-1]
	if _, dup, err := m.CheckAppend([]BatchInfo{old}, OriginClient); dup || !errors.Is(err, ErrOutOfOrderSequence) {
		t.Fatalf("batch older than the window: dup %v err %v", dup, err)
	}
	next := f.sent[n-1]
	next.BaseSeq, next.LastSeq = next.LastSeq+1, next.LastSeq+3
	if _, dup, err := m.CheckAppend([]BatchInfo{next}, OriginClient); dup || err != nil {
		t.Fatalf("next batch: dup %v err %v", dup, err)
	}
}

// TestWindowSurvivesTwoUncleanLoads: the first unclean load replays the
// whole log and snapshots at its end; the second starts from that
// snapshot and must still know all five batches.
func TestWindowSurvivesTwoUncleanLoads(t *testing.T) {
	f := newLogFixtureConfig(t, log.DefaultConfig())
	produceWindow(f, nil)
	must(t, f.log.Flush(f.log.LogEndOffset()))

	m1 := f.load(false)
	checkWindow(t, m1, f)
	must(t, m1.WriteSnapshots(f.log.RecoveryPoint()))
	if got := m1.Snapshots(); !reflect.DeepEqual(got, []int64{24}) {
		t.Fatalf("snapshots %v", got)
	}
	m2 := f.load(false)
	checkWindow(t, m2, f)
	if got, want := m2.Producers(), f.ref.Producers(); !reflect.DeepEqual(got, want) {
		t.Fatalf("reloaded %v\nwant %v", got, want)
	}
}

// TestWindowSurvivesRollSnapshot: a snapshot taken at a segment roll, with
// only two batches after it, must give back the three before it.
func TestWindowSurvivesRollSnapshot(t *testing.T) {
	f := newLogFixtureConfig(t, log.DefaultConfig())
	produceWindow(f, func() {
		must(t, f.log.Roll())
		f.ref.UpdateMapEndOffset(f.log.LogEndOffset())
		f.ref.TakeSnapshot()
	})
	must(t, f.log.Flush(f.log.LogEndOffset()))
	must(t, f.ref.WriteSnapshots(f.log.RecoveryPoint()))
	if got := f.ref.Snapshots(); !reflect.DeepEqual(got, []int64{18}) {
		t.Fatalf("snapshots %v", got)
	}

	m1 := f.load(false)
	checkWindow(t, m1, f)
	must(t, m1.WriteSnapshots(f.log.RecoveryPoint()))
	checkWindow(t, f.load(false), f)
}

// TestWindowSurvivesCleanShutdownSnapshot: the snapshot a clean shutdown
// writes at the log end is all a clean load reads.
func TestWindowSurvivesCleanShutdownSnapshot(t *testing.T) {
	f := newLogFixtureConfig(t, log.DefaultConfig())
	produceWindow(f, nil)
	must(t, f.log.Flush(f.log.LogEndOffset()))
	f.ref.UpdateMapEndOffset(f.log.LogEndOffset())
	f.ref.TakeSnapshot()
	must(t, f.ref.WriteSnapshots(f.log.RecoveryPoint()))

	m1 := f.load(true)
	if m1.MapEndOffset() != 24 {
		t.Fatalf("map end %d", m1.MapEndOffset())
	}
	checkWindow(t, m1, f)
	must(t, m1.WriteSnapshots(f.log.RecoveryPoint()))
	checkWindow(t, f.load(false), f)
}

// windowEntries: producer 1 with a full window in an open transaction,
// producer 2 with one batch, producer 3 with none.
func windowEntries() []*Entry {
	w := &Entry{ProducerID: 1, Epoch: 4, CoordinatorEpoch: 2, LastTimestamp: 1500, CurrentTxnFirstOffset: 100}
	for i := int32(0); i < NumBatchesToRetain; i++ {
		w.Batches = append(w.Batches, BatchMetadata{LastSeq: 10*i + 9, LastOffset: 100 + 10*int64(i) + 9, OffsetDelta: 9, Timestamp: 1100 + 100*int64(i)})
	}
	return []*Entry{
		w,
		{ProducerID: 2, Epoch: 0, CoordinatorEpoch: -1, LastTimestamp: 1200, CurrentTxnFirstOffset: NoTxn,
			Batches: []BatchMetadata{{LastSeq: 2, LastOffset: 160, OffsetDelta: 2, Timestamp: 1200}}},
		{ProducerID: 3, Epoch: 1, CoordinatorEpoch: 7, LastTimestamp: 1300, CurrentTxnFirstOffset: NoTxn},
	}
}

// kafkaLoad reads a snapshot as Kafka's loadFromSnapshot does: every
// stored entry not expired at now is put in the producer map in file
// order, the last put of a producer id winning.
func kafkaLoad(t *testing.T, data []byte, now, expirationMs int64) map[int64]*Entry {
	t.Helper()
	raw, err := readSnapshotEntries(data)
	if err != nil {
		t.Fatal(err)
	}
	producers := map[int64]*Entry{}
	for _, e := range raw {
		if e.CurrentTxnFirstOffset != NoTxn || now-e.LastTimestamp < expirationMs {
			producers[e.ProducerID] = e
		}
	}
	return producers
}

// newestOnly is what Kafka keeps of an entry: its newest batch.
func newestOnly(e *Entry) *Entry {
	c := e.clone()
	if !c.IsEmpty() {
		c.Batches = c.Batches[len(c.Batches)-1:]
	}
	return c
}

func TestSnapshotWindowUnderKafkaAndWharfRules(t *testing.T) {
	entries := windowEntries()
	data := EncodeSnapshot(entries)
	if want := headerSize + entrySize*(NumBatchesToRetain+2); len(data) != want {
		t.Fatalf("%d bytes, want %d", len(data), want)
	}

	// Kafka: the newest batch of each producer, exactly what a snapshot
	// of one entry per producer (Kafka's own) decodes to
	kafka := kafkaLoad(t, data, 0, expiryMs)
	var kafkaOwn []*Entry
	for _, e := range entries {
		kafkaOwn = append(kafkaOwn, newestOnly(e))
	}
	own, err := DecodeSnapshot(EncodeSnapshot(kafkaOwn))
	if err != nil {
		t.Fatal(err)
	}
	if len(kafka) != len(own) {
		t.Fatalf("Kafka loads %d producers, want %d", len(kafka), len(own))
	}
	for _, want := range own {
		if got := kafka[want.ProducerID]; !reflect.DeepEqual(got, want) {
			t.Errorf("Kafka loads producer %d as %v, want %v", want.ProducerID, got, want)
		}
	}
	// the last entry of a producer is byte for byte the one Kafka writes
	if !bytes.HasSuffix(data, EncodeSnapshot(kafkaOwn)[headerSize:]) ||
		!bytes.Equal(EncodeSnapshot(kafkaOwn)[headerSize:headerSize+entrySize],
			data[headerSize+entrySize*(NumBatchesToRetain-1):headerSize+entrySize*NumBatchesToRetain]) {
		t.Fatal("a producer's last entry differs from Kafka's")
	}

	// Wharf: the whole window back
	got, err := DecodeSnapshot(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, entries) {
		t.Fatalf("decoded %v\nwant %v", got, entries)
	}

	// kafka-dump-log prints every stored entry
	dir := t.TempDir()
	path := filepath.Join(dir, SnapshotName(200))
	must(t, vfs.WriteFileAtomic(vfs.Default, path, data))
	var out, errOut bytes.Buffer
	if code := dumplog.Run([]string{"--files", path}, dumplog.Env{Stdout: &out, Stderr: &errOut, Cwd: dir}); code != 0 || errOut.Len() > 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	if n := strings.Count(out.String(), "producerId: 1 "); n != NumBatchesToRetain {
		t.Fatalf("dump-log printed producer 1 %d times:\n%s", n, out.String())
	}
}

// rawSnapshot encodes entries of at most one batch each in the given
// order, as a crafted or foreign file could hold them.
func rawSnapshot(entries ...*Entry) []byte {
	out := EncodeSnapshot(nil)
	for _, e := range entries {
		out = append(out, EncodeSnapshot([]*Entry{e})[headerSize:]...)
	}
	binary.BigEndian.PutUint32(out[6:], uint32(len(entries)))
	binary.BigEndian.PutUint32(out[2:], crc32.Checksum(out[6:], castagnoli))
	return out
}

func rawEntry(pid int64, epoch int16, lastSeq int32, lastOffset, ts int64) *Entry {
	return &Entry{ProducerID: pid, Epoch: epoch, CoordinatorEpoch: -1, LastTimestamp: ts, CurrentTxnFirstOffset: NoTxn,
		Batches: []BatchMetadata{{LastSeq: lastSeq, LastOffset: lastOffset, Timestamp: ts}}}
}

func bm(seq int32, off, ts int64) BatchMetadata {
	return BatchMetadata{LastSeq: seq, LastOffset: off, Timestamp: ts}
}

func TestSnapshotWindowMerging(t *testing.T) {
	window := func(pid int64, epoch int16, ts int64, bs ...BatchMetadata) *Entry {
		return &Entry{ProducerID: pid, Epoch: epoch, CoordinatorEpoch: -1, LastTimestamp: ts, CurrentTxnFirstOffset: NoTxn, Batches: bs}
	}
	for _, tc := range []struct {
		name string
		data []byte
		want []*Entry
	}{
		{"a new epoch restarts the window",
			rawSnapshot(rawEntry(1, 0, 0, 0, 10), rawEntry(1, 0, 1, 1, 11), rawEntry(1, 1, 0, 2, 12)),
			[]*Entry{window(1, 1, 12, bm(0, 2, 12))}},
		{"more than five entries keep the newest five",
			rawSnapshot(rawEntry(1, 0, 0, 0, 10), rawEntry(1, 0, 1, 1, 11), rawEntry(1, 0, 2, 2, 12),
				rawEntry(1, 0, 3, 3, 13), rawEntry(1, 0, 4, 4, 14), rawEntry(1, 0, 5, 5, 15), rawEntry(1, 0, 6, 6, 16)),
			[]*Entry{window(1, 0, 16, bm(2, 2, 12), bm(3, 3, 13), bm(4, 4, 14), bm(5, 5, 15), bm(6, 6, 16))}},
		{"offsets that do not ascend restart the window",
			rawSnapshot(rawEntry(1, 0, 0, 5, 10), rawEntry(1, 0, 1, 5, 11)),
			[]*Entry{window(1, 0, 11, bm(1, 5, 11))}},
		{"a repeat after another producer replaces",
			rawSnapshot(rawEntry(1, 0, 0, 0, 10), rawEntry(2, 0, 0, 1, 11), rawEntry(1, 0, 1, 2, 12), rawEntry(1, 0, 2, 3, 13)),
			[]*Entry{window(1, 0, 13, bm(1, 2, 12), bm(2, 3, 13)), window(2, 0, 11, bm(0, 1, 11))}},
		{"an entry without data ends the window",
			rawSnapshot(rawEntry(1, 0, 0, 0, 10), window(1, 0, 11)),
			[]*Entry{window(1, 0, 11)}},
		{"older timestamps are capped at the last",
			rawSnapshot(rawEntry(1, 0, 0, 0, 50), rawEntry(1, 0, 1, 1, 20)),
			[]*Entry{window(1, 0, 20, bm(0, 0, 20), bm(1, 1, 20))}},
	} {
		got, err := DecodeSnapshot(tc.data)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for _, e := range got {
			for i := range e.Batches {
				e.Batches[i].OffsetDelta = 0
			}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: decoded %v\nwant %v", tc.name, got, tc.want)
		}
		// whatever Wharf decodes, Kafka's reader sees its newest batch
		kafka := kafkaLoad(t, tc.data, 0, expiryMs)
		for _, e := range tc.want {
			if k := kafka[e.ProducerID]; !reflect.DeepEqual(k.Batches, newestOnly(e).Batches) || k.Epoch != e.Epoch {
				t.Errorf("%s: Kafka loads %v, Wharf %v", tc.name, k, e)
			}
		}
	}
}

// TestSnapshotWindowExpiry: producer.id.expiration.ms goes by a
// producer's last timestamp, for Kafka's per-entry check as for Wharf's.
func TestSnapshotWindowExpiry(t *testing.T) {
	const base = int64(1_000_000)
	// producer 1: its older batches are past the expiration, its newest is
	// not; producer 2: its newest is past it, an older one (a timestamp
	// going backwards) is not
	entries := []*Entry{
		{ProducerID: 1, Epoch: 0, CoordinatorEpoch: -1, CurrentTxnFirstOffset: NoTxn, LastTimestamp: base + expiryMs,
			Batches: []BatchMetadata{bm(0, 0, base), bm(1, 1, base+1), bm(2, 2, base+expiryMs)}},
		{ProducerID: 2, Epoch: 0, CoordinatorEpoch: -1, CurrentTxnFirstOffset: NoTxn, LastTimestamp: base,
			Batches: []BatchMetadata{bm(0, 3, base+expiryMs), bm(1, 4, base)}},
	}
	now := base + expiryMs + 10
	data := EncodeSnapshot(entries)

	kafka := kafkaLoad(t, data, now, expiryMs)
	if len(kafka) != 1 || kafka[1] == nil || kafka[1].LastSeq() != 2 || len(kafka[1].Batches) != 1 {
		t.Fatalf("Kafka loads %v", kafka)
	}

	fsys := vfs.NewMem()
	must(t, fsys.MkdirAll(testDir, 0o755))
	must(t, vfs.WriteFileAtomic(fsys, filepath.Join(testDir, SnapshotName(5)), data))
	m := newTestManager(t, fsys)
	must(t, m.TruncateAndReload(0, 5, now))
	if _, ok := m.LastEntry(2); ok {
		t.Fatal("expired producer 2 reloaded")
	}
	e := mustEntry(t, m, 1)
	if len(e.Batches) != 3 || e.LastTimestamp != base+expiryMs {
		t.Fatalf("producer 1 reloaded as %v", e)
	}
	// the in-memory expiry agrees
	if n := m.RemoveExpiredProducers(now); n != 0 {
		t.Fatalf("%d producers expired", n)
	}
	if n := m.RemoveExpiredProducers(base + 2*expiryMs); n != 1 {
		t.Fatalf("%d producers expired later", n)
	}
}
