package producerstate

import (
	"errors"
	"math"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/vfs"
)

const (
	testPID   = int64(1)
	testEpoch = int16(0)
	testDir   = "/data/t-0"
	expiryMs  = 60 * 60 * 1000
)

func newTestManager(t *testing.T, fsys vfs.FS) *Manager {
	t.Helper()
	if err := fsys.MkdirAll(testDir, 0o755); err != nil {
		t.Fatal(err)
	}
	m, err := New(Options{FS: fsys, Dir: func() string { return testDir }, Partition: "t-0", ProducerIDExpirationMs: expiryMs})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// appendEntry mirrors ProducerStateManagerTest.appendEntry: one batch of
// one record through an AppendInfo, then update and the map end offset.
func appendEntry(m *Manager, pid int64, epoch int16, seq int32, offset, ts int64, origin Origin, txn bool) error {
	a := m.PrepareUpdate(pid, origin)
	if err := a.Append(BatchInfo{ProducerID: pid, Epoch: epoch, BaseSeq: seq, LastSeq: seq,
		FirstOffset: offset, LastOffset: offset, MaxTimestamp: ts, Transactional: txn}); err != nil {
		return err
	}
	m.Update(a)
	m.UpdateMapEndOffset(offset + 1)
	return nil
}

func appendMarker(m *Manager, pid int64, epoch int16, commit bool, offset int64, coordEpoch int32, ts int64) error {
	t := record.ControlAbort
	if commit {
		t = record.ControlCommit
	}
	a := m.PrepareUpdate(pid, OriginCoordinator)
	if err := a.Append(BatchInfo{ProducerID: pid, Epoch: epoch, BaseSeq: -1, LastSeq: -1, FirstOffset: offset, LastOffset: offset,
		Control: true, HasMarker: true, Marker: record.EndTxnMarker{Type: t, CoordinatorEpoch: coordEpoch}, MarkerTs: ts}); err != nil {
		return err
	}
	m.Update(a)
	m.UpdateMapEndOffset(offset + 1)
	return nil
}

func mustEntry(t *testing.T, m *Manager, pid int64) *Entry {
	t.Helper()
	e, ok := m.LastEntry(pid)
	if !ok {
		t.Fatalf("no entry for producer %d", pid)
	}
	return e
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got %v, want %v", err, want)
	}
}

func TestBasicIDMapping(t *testing.T) {
	m := newTestManager(t, vfs.NewMem())
	must(t, appendEntry(m, testPID, testEpoch, 0, 0, 0, OriginClient, false))
	must(t, appendEntry(m, testPID, testEpoch, 1, 1, 0, OriginClient, false))
	// A repeat through the append path itself is out of order: duplicates
	// are found by CheckAppend before it.
	wantErr(t, appendEntry(m, testPID, testEpoch, 1, 1, 0, OriginClient, false), ErrOutOfOrderSequence)
	wantErr(t, appendEntry(m, testPID, testEpoch, 5, 2, 0, OriginClient, false), ErrOutOfOrderSequence)
	must(t, appendEntry(m, testPID, testEpoch+1, 0, 3, 0, OriginClient, false))
	wantErr(t, appendEntry(m, testPID, testEpoch, 0, 4, 0, OriginClient, false), ErrInvalidProducerEpoch)
}

func TestTxnMarkerWithNoProducerState(t *testing.T) {
	m := newTestManager(t, vfs.NewMem())
	const epoch = int16(2)
	must(t, appendMarker(m, testPID, epoch, true, 27, 0, 0))
	e := mustEntry(t, m, testPID)
	if e.Epoch != epoch || e.LastSeq() != NoSequence {
		t.Fatalf("entry %v", e)
	}
	wantErr(t, appendEntry(m, testPID, 0, 0, 4, 0, OriginClient, false), ErrInvalidProducerEpoch)
	wantErr(t, appendEntry(m, testPID, epoch, 17, 4, 0, OriginClient, false), ErrOutOfOrderSequence)
	must(t, appendEntry(m, testPID, epoch, 0, 4, 39, OriginClient, false))
	if e := mustEntry(t, m, testPID); e.Epoch != epoch || e.LastSeq() != 0 {
		t.Fatalf("entry %v", e)
	}
}

func TestSequenceWrapAround(t *testing.T) {
	m := newTestManager(t, vfs.NewMem())
	must(t, appendEntry(m, testPID, 15, math.MaxInt32, 735, 0, OriginReplication, false))
	must(t, appendEntry(m, testPID, 15, 0, 1235, 0, OriginClient, false))
	e := mustEntry(t, m, testPID)
	if e.FirstSeq() != math.MaxInt32 || e.LastSeq() != 0 {
		t.Fatalf("first %d last %d", e.FirstSeq(), e.LastSeq())
	}

	// A batch spanning the wrap: its first sequence is recovered from the last.
	m = newTestManager(t, vfs.NewMem())
	a := m.PrepareUpdate(testPID, OriginReplication)
	must(t, a.Append(BatchInfo{ProducerID: testPID, Epoch: 15, BaseSeq: math.MaxInt32 - 10, LastSeq: 9, FirstOffset: 2000, LastOffset: 2020}))
	if _, ok := m.LastEntry(testPID); ok {
		t.Fatal("PrepareUpdate changed the state")
	}
	m.Update(a)
	e = mustEntry(t, m, testPID)
	if e.FirstSeq() != math.MaxInt32-10 || e.LastSeq() != 9 || e.Batches[0].FirstOffset() != 2000 || e.LastDataOffset() != 2020 {
		t.Fatalf("entry %v", e)
	}

	// After MaxInt32 only 0 follows.
	m = newTestManager(t, vfs.NewMem())
	must(t, appendEntry(m, testPID, 15, math.MaxInt32, 735, 0, OriginReplication, false))
	wantErr(t, appendEntry(m, testPID, 15, 1, 1235, 0, OriginClient, false), ErrOutOfOrderSequence)
}

func TestReplicationIsNotValidated(t *testing.T) {
	m := newTestManager(t, vfs.NewMem())
	must(t, appendEntry(m, testPID, 5, 16, 735, 0, OriginReplication, false))
	e := mustEntry(t, m, testPID)
	if e.Epoch != 5 || e.FirstSeq() != 16 || e.LastDataOffset() != 735 {
		t.Fatalf("entry %v", e)
	}
	must(t, appendEntry(m, testPID, 5, 17, 736, 0, OriginClient, false))
	// gaps and older epochs pass on a replica
	must(t, appendEntry(m, testPID, 5, 40, 737, 0, OriginReplication, false))
	must(t, appendEntry(m, testPID, 4, 41, 738, 0, OriginReplication, false))
	if e := mustEntry(t, m, testPID); e.LastSeq() != 41 || e.Epoch != 4 {
		t.Fatalf("entry %v", e)
	}
}

func TestControlRecordBumpsEpoch(t *testing.T) {
	m := newTestManager(t, vfs.NewMem())
	must(t, appendEntry(m, testPID, 0, 0, 0, 0, OriginClient, false))
	must(t, appendMarker(m, testPID, 1, false, 1, 0, 0))
	e := mustEntry(t, m, testPID)
	if e.Epoch != 1 || e.CurrentTxnFirstOffset != NoTxn || e.FirstSeq() != NoSequence {
		t.Fatalf("entry %v", e)
	}
	must(t, appendEntry(m, testPID, 1, 0, 2, 0, OriginClient, false))
	// an older epoch's marker is refused, a zombie coordinator too
	wantErr(t, appendMarker(m, testPID, 0, true, 3, 0, 0), ErrInvalidProducerEpoch)
	must(t, appendMarker(m, testPID, 1, true, 3, 5, 0))
	wantErr(t, appendMarker(m, testPID, 1, true, 4, 4, 0), ErrCoordinatorFenced)
}

func TestNonTransactionalAppendWithOngoingTransaction(t *testing.T) {
	m := newTestManager(t, vfs.NewMem())
	must(t, appendEntry(m, testPID, 0, 0, 99, 0, OriginClient, true))
	if o, ok := m.FirstUndecidedOffset(); !ok || o != 99 {
		t.Fatalf("first undecided %d %v", o, ok)
	}
	wantErr(t, appendEntry(m, testPID, 0, 1, 100, 0, OriginClient, false), ErrInvalidTxnState)
	must(t, appendMarker(m, testPID, 0, true, 100, 0, 0))
	if _, ok := m.FirstUndecidedOffset(); ok {
		t.Fatal("transaction still open after its marker")
	}
}

// batch is a client batch of n records for CheckAppend.
func batch(pid int64, epoch int16, seq int32, n int32, offset int64) BatchInfo {
	return BatchInfo{ProducerID: pid, Epoch: epoch, BaseSeq: seq, LastSeq: seq + n - 1,
		FirstOffset: offset, LastOffset: offset + int64(n) - 1, MaxTimestamp: 1000 + offset}
}

func TestCheckAppendDuplicates(t *testing.T) {
	m := newTestManager(t, vfs.NewMem())
	// seven batches of 3 records: the last five are retained
	for i := int32(0); i < 7; i++ {
		b := batch(testPID, 0, 3*i, 3, int64(10*i))
		if _, dup, err := m.CheckAppend([]BatchInfo{b}, OriginClient); dup || err != nil {
			t.Fatalf("batch %d: dup %v err %v", i, dup, err)
		}
		m.ApplyAppend([]BatchInfo{b}, b.LastOffset+1)
	}
	for i := int32(0); i < 7; i++ {
		b := batch(testPID, 0, 3*i, 3, 999)
		d, dup, err := m.CheckAppend([]BatchInfo{b}, OriginClient)
		switch {
		case i < 2: // fell out of the window: a retry is out of order
			wantErr(t, err, ErrOutOfOrderSequence)
		case !dup || err != nil:
			t.Fatalf("batch %d: dup %v err %v", i, dup, err)
		case d.FirstOffset() != int64(10*i) || d.LastOffset != int64(10*i+2) || d.Timestamp != int64(1000+10*i):
			t.Fatalf("batch %d: duplicate of %v", i, d)
		}
	}
	for _, tc := range []struct {
		name string
		b    BatchInfo
		want error
	}{
		{"overlapping range", batch(testPID, 0, 19, 3, 0), ErrOutOfOrderSequence},
		{"same range, other epoch", batch(testPID, 1, 18, 3, 0), ErrOutOfOrderSequence},
		{"gap", batch(testPID, 0, 22, 1, 0), ErrOutOfOrderSequence},
		{"older epoch", batch(testPID, -1+0, 21, 1, 0), ErrInvalidProducerEpoch},
		{"next", batch(testPID, 0, 21, 1, 0), nil},
		{"new epoch at 0", batch(testPID, 1, 0, 1, 0), nil},
		{"unknown producer at any sequence", batch(42, 3, 1234, 1, 0), nil},
	} {
		_, dup, err := m.CheckAppend([]BatchInfo{tc.b}, OriginClient)
		if dup || !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("%s: dup %v err %v, want %v", tc.name, dup, err, tc.want)
		}
	}
	// Two batches of one producer in one append are checked in order.
	if _, _, err := m.CheckAppend([]BatchInfo{batch(testPID, 0, 21, 2, 70), batch(testPID, 0, 23, 1, 72)}, OriginClient); err != nil {
		t.Fatal(err)
	}
	wantErr(t, second(m.CheckAppend([]BatchInfo{batch(testPID, 0, 21, 2, 70), batch(testPID, 0, 24, 1, 72)}, OriginClient)), ErrOutOfOrderSequence)
	// CheckAppend changed nothing.
	if e := mustEntry(t, m, testPID); e.LastSeq() != 20 || len(e.Batches) != NumBatchesToRetain {
		t.Fatalf("entry %v", e)
	}
}

func second(_ BatchMetadata, _ bool, err error) error { return err }

func TestExpiry(t *testing.T) {
	m := newTestManager(t, vfs.NewMem())
	must(t, appendEntry(m, testPID, 5, 0, 1, 1000, OriginClient, false))
	must(t, appendEntry(m, 2, 0, 0, 2, 1000, OriginClient, true)) // open transaction: never expires
	if n := m.RemoveExpiredProducers(1000 + expiryMs - 1); n != 0 {
		t.Fatalf("expired %d too early", n)
	}
	if n := m.RemoveExpiredProducers(1000 + expiryMs); n != 1 {
		t.Fatalf("expired %d", n)
	}
	if _, ok := m.LastEntry(testPID); ok {
		t.Fatal("producer still known")
	}
	// forgotten: any sequence is accepted again
	must(t, appendEntry(m, testPID, 5, 7, 3, 2000, OriginClient, false))
	if m.ProducerCount() != 2 || m.MapEndOffset() != 4 {
		t.Fatalf("count %d map end %d", m.ProducerCount(), m.MapEndOffset())
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
