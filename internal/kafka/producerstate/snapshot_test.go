package producerstate

import (
	"bytes"
	"encoding/hex"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/dumplog"
	"github.com/wharf-project/wharf/internal/vfs"
)

// goldenEntries and goldenSnapshot: the bytes worked out field by field
// from PID_SNAPSHOT_MAP_SCHEMA (the CRC-32C computed separately).
var goldenEntries = []*Entry{
	{ProducerID: 7, Epoch: 0, CoordinatorEpoch: 3, LastTimestamp: 1700000000500, CurrentTxnFirstOffset: 120},
	{ProducerID: 1, Epoch: 2, CoordinatorEpoch: -1, LastTimestamp: 1700000000000, CurrentTxnFirstOffset: NoTxn,
		Batches: []BatchMetadata{{LastSeq: 9, LastOffset: 41, OffsetDelta: 4, Timestamp: 1700000000000}}},
}

const goldenSnapshot = "0001" + "c41bff45" + "00000002" +
	// producer 1: epoch 2, last seq 9, last offset 41, delta 4, ts, coordinator epoch -1, no txn
	"0000000000000001" + "0002" + "00000009" + "0000000000000029" + "00000004" + "0000018bcfe56800" + "ffffffff" + "ffffffffffffffff" +
	// producer 7: no batch (seq -1, offset -1, delta 0), coordinator epoch 3, txn at 120
	"0000000000000007" + "0000" + "ffffffff" + "ffffffffffffffff" + "00000000" + "0000018bcfe569f4" + "00000003" + "0000000000000078"

func TestSnapshotGoldenBytes(t *testing.T) {
	got := hex.EncodeToString(EncodeSnapshot(goldenEntries))
	if got != goldenSnapshot {
		t.Fatalf("encoded\n%s\nwant\n%s", got, goldenSnapshot)
	}
	data, _ := hex.DecodeString(goldenSnapshot)
	entries, err := DecodeSnapshot(data)
	if err != nil {
		t.Fatal(err)
	}
	want := []*Entry{goldenEntries[1], goldenEntries[0]}
	if !reflect.DeepEqual(entries, want) {
		t.Fatalf("decoded %v, want %v", entries, want)
	}
}

// TestSnapshotReadByDumpLog feeds a snapshot to kafka-dump-log's port,
// which parses it as ProducerStateManager.readSnapshot does.
func TestSnapshotReadByDumpLog(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, SnapshotName(42))
	if err := vfs.WriteFileAtomic(vfs.Default, path, EncodeSnapshot(goldenEntries)); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := dumplog.Run([]string{"--files", path}, dumplog.Env{Stdout: &out, Stderr: &errOut, Cwd: dir}); code != 0 || errOut.Len() > 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	want := "Dumping " + path + "\n" +
		"producerId: 1 producerEpoch: 2 coordinatorEpoch: -1 currentTxnFirstOffset: OptionalLong.empty lastTimestamp: 1700000000000 " +
		"firstSequence: 5 lastSequence: 9 lastOffset: 41 offsetDelta: 4 timestamp: 1700000000000\n" +
		"producerId: 7 producerEpoch: 0 coordinatorEpoch: 3 currentTxnFirstOffset: OptionalLong[120] lastTimestamp: 1700000000500 \n"
	if out.String() != want {
		t.Fatalf("dump-log printed\n%s\nwant\n%s", out.String(), want)
	}
}

func TestSnapshotDecodeErrors(t *testing.T) {
	good, _ := hex.DecodeString(goldenSnapshot)
	flip := slices.Clone(good)
	flip[len(flip)-1] ^= 1
	v2 := slices.Clone(good)
	v2[1] = 2
	for name, data := range map[string][]byte{
		"empty":          nil,
		"short header":   good[:8],
		"truncated":      good[:len(good)-1],
		"trailing bytes": append(slices.Clone(good), 0),
		"bad crc":        flip,
		"version 2":      v2,
		"negative count": {0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff},
	} {
		if _, err := DecodeSnapshot(data); !errors.Is(err, ErrCorruptSnapshot) {
			t.Errorf("%s: err %v", name, err)
		}
	}
	if e, err := DecodeSnapshot(EncodeSnapshot(nil)); err != nil || len(e) != 0 {
		t.Fatalf("empty snapshot: %v %v", e, err)
	}
}

func FuzzDecodeSnapshot(f *testing.F) {
	good, _ := hex.DecodeString(goldenSnapshot)
	f.Add(good)
	f.Add(EncodeSnapshot(nil))
	f.Add(EncodeSnapshot(windowEntries()))
	f.Add(rawSnapshot(rawEntry(1, 0, 0, 5, 10), rawEntry(2, 0, 0, 6, 11), rawEntry(1, 0, 1, 7, 9), rawEntry(1, 1, 0, 8, 12)))
	f.Add([]byte{0, 1, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := DecodeSnapshot(data)
		if err != nil {
			return
		}
		for _, e := range entries {
			if len(e.Batches) > NumBatchesToRetain {
				t.Fatalf("producer %d decoded with %d batches", e.ProducerID, len(e.Batches))
			}
		}
		// whatever decodes re-encodes to what decodes the same, up to the
		// order of the producers
		again, err := DecodeSnapshot(EncodeSnapshot(entries))
		if err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		byID := func(a, b *Entry) int { return cmpInt64(a.ProducerID, b.ProducerID) }
		slices.SortFunc(entries, byID)
		if !reflect.DeepEqual(again, entries) {
			t.Fatalf("re-decoded %v\nwant %v", again, entries)
		}
	})
}

func snapshotFiles(t *testing.T, fsys vfs.FS) []string {
	t.Helper()
	names, err := fsys.List(testDir)
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestSnapshotsWrittenOnlyWhenDurable(t *testing.T) {
	fsys := vfs.NewMem()
	m := newTestManager(t, fsys)
	must(t, appendEntry(m, testPID, 0, 0, 0, 0, OriginClient, false))
	must(t, appendEntry(m, testPID, 0, 1, 1, 0, OriginClient, false))
	m.TakeSnapshot()
	m.TakeSnapshot() // nothing new: no second snapshot
	must(t, appendEntry(m, testPID, 0, 2, 2, 0, OriginClient, false))
	m.TakeSnapshot()
	if o, ok := m.NextPendingSnapshot(); !ok || o != 2 {
		t.Fatalf("pending %d %v", o, ok)
	}
	must(t, m.WriteSnapshots(1))
	if len(snapshotFiles(t, fsys)) != 0 {
		t.Fatal("a snapshot above the durable offset was written")
	}
	must(t, m.WriteSnapshots(2))
	if got := snapshotFiles(t, fsys); !reflect.DeepEqual(got, []string{SnapshotName(2)}) {
		t.Fatalf("files %v", got)
	}
	must(t, m.WriteSnapshots(10))
	if got := m.Snapshots(); !reflect.DeepEqual(got, []int64{2, 3}) {
		t.Fatalf("snapshots %v", got)
	}
	// a fresh manager finds them
	m2 := newTestManager(t, fsys)
	if got := m2.Snapshots(); !reflect.DeepEqual(got, []int64{2, 3}) {
		t.Fatalf("reloaded snapshots %v", got)
	}
	must(t, m.DeleteSnapshotsBefore(3))
	if got := snapshotFiles(t, fsys); !reflect.DeepEqual(got, []string{SnapshotName(3)}) {
		t.Fatalf("files %v", got)
	}
	must(t, m.DeleteSnapshotsBefore(4))
	if got := snapshotFiles(t, fsys); len(got) != 0 {
		t.Fatalf("files %v", got)
	}
}

func TestTruncateFullyAndStartAt(t *testing.T) {
	fsys := vfs.NewMem()
	m := newTestManager(t, fsys)
	must(t, appendEntry(m, testPID, 0, 0, 0, 0, OriginClient, false))
	m.TakeSnapshot()
	must(t, m.WriteSnapshots(1))
	must(t, m.TruncateFullyAndStartAt(0))
	if len(snapshotFiles(t, fsys)) != 0 || !m.IsEmpty() || m.MapEndOffset() != 0 {
		t.Fatal("state survived TruncateFullyAndStartAt")
	}
	must(t, appendEntry(m, testPID, 0, 0, 0, 0, OriginClient, false))
	m.TakeSnapshot()
	must(t, m.WriteSnapshots(1))
	if got := m.Snapshots(); !reflect.DeepEqual(got, []int64{1}) {
		t.Fatalf("snapshots %v", got)
	}
}

func TestTruncateAndReload(t *testing.T) {
	fsys := vfs.NewMem()
	m := newTestManager(t, fsys)
	must(t, appendEntry(m, testPID, 0, 1, 1, 0, OriginReplication, false))
	must(t, appendEntry(m, testPID, 0, 2, 2, 0, OriginClient, false))
	m.TakeSnapshot() // at 3
	must(t, appendEntry(m, testPID, 0, 3, 3, 0, OriginClient, false))
	must(t, appendEntry(m, testPID, 0, 4, 4, 0, OriginClient, false))
	m.TakeSnapshot() // at 5
	must(t, m.WriteSnapshots(5))

	// (3, 5]: the snapshot at 3 is at the log start, so it goes
	must(t, m.TruncateAndReload(3, 5, 0))
	if got := m.Snapshots(); !reflect.DeepEqual(got, []int64{5}) {
		t.Fatalf("snapshots %v", got)
	}
	// truncating below the newest snapshot reloads from what remains
	must(t, m.TruncateAndReload(0, 4, 0))
	if len(m.Snapshots()) != 0 || !m.IsEmpty() || m.MapEndOffset() != 0 {
		t.Fatalf("snapshots %v, map end %d", m.Snapshots(), m.MapEndOffset())
	}
}

func TestReloadKeepsOnlyUnexpiredProducers(t *testing.T) {
	fsys := vfs.NewMem()
	m := newTestManager(t, fsys)
	must(t, appendEntry(m, 1, 0, 0, 0, 1000, OriginClient, false))
	must(t, appendEntry(m, 2, 0, 0, 1, 5000, OriginClient, false))
	m.TakeSnapshot()
	must(t, m.WriteSnapshots(2))

	m2 := newTestManager(t, fsys)
	must(t, m2.TruncateAndReload(0, 2, 1000+expiryMs))
	if _, ok := m2.LastEntry(1); ok {
		t.Fatal("expired producer reloaded")
	}
	e := mustEntry(t, m2, 2)
	if e.LastSeq() != 0 || e.LastDataOffset() != 1 || m2.MapEndOffset() != 2 {
		t.Fatalf("entry %v map end %d", e, m2.MapEndOffset())
	}
	// after a reload the snapshot's batch is known: a retry of it is a
	// duplicate with its original offsets
	if d, dup, err := m2.CheckAppend([]BatchInfo{batch(2, 0, 0, 1, 9)}, OriginClient); !dup || err != nil || d.LastOffset != 1 {
		t.Fatalf("dup %v %v %v", d, dup, err)
	}

	// a log that ends below the snapshot drops it
	m3 := newTestManager(t, fsys)
	must(t, m3.TruncateAndReload(0, 1, 0))
	if !m3.IsEmpty() || m3.MapEndOffset() != 0 || len(snapshotFiles(t, fsys)) != 0 {
		t.Fatalf("map end %d, files %v", m3.MapEndOffset(), snapshotFiles(t, fsys))
	}
}

func TestCorruptSnapshotFallsBackToOlder(t *testing.T) {
	fsys := vfs.NewMem()
	m := newTestManager(t, fsys)
	must(t, appendEntry(m, testPID, 0, 0, 0, 0, OriginClient, false))
	m.TakeSnapshot() // 1
	must(t, appendEntry(m, testPID, 0, 1, 1, 0, OriginClient, false))
	m.TakeSnapshot() // 2
	must(t, m.WriteSnapshots(2))
	for _, bad := range [][]byte{nil, {0, 1, 0}} {
		must(t, vfs.WriteFileAtomic(fsys, filepath.Join(testDir, SnapshotName(2)), bad))
		m2 := newTestManager(t, fsys)
		must(t, m2.TruncateAndReload(0, 2, 0))
		if m2.MapEndOffset() != 1 || mustEntry(t, m2, testPID).LastSeq() != 0 {
			t.Fatalf("map end %d", m2.MapEndOffset())
		}
		if got := m2.Snapshots(); !reflect.DeepEqual(got, []int64{1}) {
			t.Fatalf("corrupt snapshot kept: %v", got)
		}
		m.lastSnapOffset = 1
		m.TakeSnapshot()
		must(t, m.WriteSnapshots(2))
	}
}

func TestRemoveStraySnapshots(t *testing.T) {
	for _, tc := range []struct {
		name      string
		snapshots []int64
		bases     []int64
		want      []int64
	}{
		{"keep the clean shutdown snapshot", []int64{0, 5, 10, 12}, []int64{0, 10}, []int64{0, 10, 12}},
		{"a stray below the last segment goes", []int64{0, 5, 10}, []int64{0, 10, 20}, []int64{0, 10}},
		{"only strays", []int64{3, 7}, []int64{0}, []int64{7}},
		{"no segments", []int64{3, 7}, nil, []int64{7}},
	} {
		fsys := vfs.NewMem()
		must(t, fsys.MkdirAll(testDir, 0o755))
		for _, o := range tc.snapshots {
			must(t, vfs.WriteFileAtomic(fsys, filepath.Join(testDir, SnapshotName(o)), EncodeSnapshot(nil)))
		}
		must(t, vfs.WriteFileAtomic(fsys, filepath.Join(testDir, SnapshotName(99)+".tmp"), nil))
		m := newTestManager(t, fsys)
		must(t, m.RemoveStraySnapshots(tc.bases))
		if got := m.Snapshots(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
		for _, n := range snapshotFiles(t, fsys) {
			if strings.HasSuffix(n, ".tmp") {
				t.Errorf("%s: temporary file %s left", tc.name, n)
			}
		}
	}
}
