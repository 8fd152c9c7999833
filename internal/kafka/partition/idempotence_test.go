package partition

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/wharf-project/wharf/internal/kafka/producerstate"
	"github.com/wharf-project/wharf/internal/vfs"
)

func TestIdempotentProducer(t *testing.T) {
	e := newEnv(t, vfs.NewMem(), Config{}, Options{})
	e.lead("t", 1, 0)
	p := tp("t", 0)
	const pid = 7
	var bases []int64
	for i := int32(0); i < 6; i++ {
		r := e.produce(p, -1, batch(t, pid, 0, 2*i, 2, "v"))
		if r.ErrorCode != 0 {
			t.Fatalf("batch %d: %v", i, r)
		}
		bases = append(bases, r.BaseOffset)
	}
	leo := e.rm.mustLog(t, p).LogEndOffset()
	// a retry of any of the last five batches: the original offset, no error
	for i := int32(1); i < 6; i++ {
		r := e.produce(p, -1, batch(t, pid, 0, 2*i, 2, "v"))
		if r.ErrorCode != 0 || r.BaseOffset != bases[i] {
			t.Fatalf("retry %d: %v, want base %d", i, r, bases[i])
		}
	}
	if got := e.rm.mustLog(t, p).LogEndOffset(); got != leo {
		t.Fatalf("retries appended: log end %d, was %d", got, leo)
	}
	for _, tc := range []struct {
		name    string
		records []byte
		code    int16
	}{
		{"outside the window", batch(t, pid, 0, 0, 2, "v"), kerr.OutOfOrderSequenceNumber.Code},
		{"gap", batch(t, pid, 0, 13, 1, "v"), kerr.OutOfOrderSequenceNumber.Code},
		{"overlap", batch(t, pid, 0, 11, 2, "v"), kerr.OutOfOrderSequenceNumber.Code},
		{"new epoch not at 0", batch(t, pid, 1, 5, 1, "v"), kerr.OutOfOrderSequenceNumber.Code},
	} {
		r := e.produce(p, -1, tc.records)
		if r.ErrorCode != tc.code || r.BaseOffset != -1 || r.LogStartOffset != 0 {
			t.Errorf("%s: %v, want code %d with the log start offset", tc.name, r, tc.code)
		}
	}
	// a corrupt retry is CORRUPT_MESSAGE, not a duplicate
	c := batch(t, pid, 0, 10, 2, "v")
	c[len(c)-1] ^= 1
	if r := e.produce(p, -1, c); r.ErrorCode != kerr.CorruptMessage.Code {
		t.Fatalf("corrupt retry: %v", r)
	}
	for _, next := range [][]byte{batch(t, pid, 0, 12, 1, "v"), batch(t, pid, 1, 0, 1, "v"), batch(t, 99, 0, 1234, 1, "v")} {
		if r := e.produce(p, -1, next); r.ErrorCode != 0 {
			t.Fatalf("in sequence: %v", r)
		}
	}
	// the producer is at epoch 1 now
	if r := e.produce(p, -1, batch(t, pid, 0, 13, 1, "v")); r.ErrorCode != kerr.InvalidProducerEpoch.Code || r.LogStartOffset != 0 {
		t.Fatalf("older epoch: %v", r)
	}
}

// A retry that arrives while its original waits for the fsync is answered
// after the fsync, with the original's offset.
func TestDuplicateOfUnflushedBatchWaitsForFsync(t *testing.T) {
	g := newGate()
	e := newEnvWith(t, vfs.NewMem(), g, Config{}, Options{})
	t.Cleanup(g.release)
	e.lead("t", 1, 0)
	p := tp("t", 0)
	e.produce(p, -1, batch(t, 1, 0, 0, 1, "first"))
	g.close()
	orig := e.produceAsync(p, -1, 30000, batch(t, 1, 0, 1, 3, "second"))
	waitFor(t, "the fsync", func() bool { return g.waiting.Load() > 0 })
	retry := e.produceAsync(p, -1, 30000, batch(t, 1, 0, 1, 3, "second"))
	noAnswer(t, retry)
	g.release()
	a, b := recv(t, orig), recv(t, retry)
	if a.ErrorCode != 0 || b.ErrorCode != 0 || a.BaseOffset != 1 || b.BaseOffset != 1 {
		t.Fatalf("original %v, retry %v", a, b)
	}
}

// After a restart, clean or after a power loss, a retry of an
// acknowledged batch is still recognised and answered with its offset.
func TestDedupAcrossRestart(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fs    func() vfs.FS
		crash bool
	}{
		{"clean", func() vfs.FS { return vfs.NewCrashableMem() }, false},
		{"clean on disk", func() vfs.FS { return vfs.Default }, false},
		{"power loss", func() vfs.FS { return vfs.NewCrashableMem() }, true},
	} {
		crash := tc.crash
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.fs(), Config{}, Options{})
			e.lead("t", 1, 0)
			p := tp("t", 0)
			// enough data to roll segments (snapshots at each roll) and
			// producers interleaved
			acked := map[[2]int64]int64{}
			seqs := map[int64]int32{}
			for i := 0; i < 120; i++ {
				pid := int64(1 + i%3)
				r := e.produce(p, -1, batch(t, pid, 0, seqs[pid], 2, strings.Repeat("x", 20)))
				if r.ErrorCode != 0 {
					t.Fatalf("append %d: %v", i, r)
				}
				acked[[2]int64{pid, int64(seqs[pid])}] = r.BaseOffset
				seqs[pid] += 2
			}
			if n := e.rm.mustLog(t, p).NumSegments(); n < 3 {
				t.Fatalf("%d segments", n)
			}
			leo := e.rm.mustLog(t, p).LogEndOffset()
			if crash {
				e.crashRestart()
			} else {
				e.restart()
			}
			e.lead("t", 1, 1)
			if got := e.rm.mustLog(t, p).LogEndOffset(); got != leo {
				t.Fatalf("log end %d after restart, want %d (acks=all data lost?)", got, leo)
			}
			// every producer's last batch is known again, with its offset
			for pid, next := range seqs {
				seq := next - 2
				r := e.produce(p, -1, batch(t, pid, 0, seq, 2, strings.Repeat("x", 20)))
				if want := acked[[2]int64{pid, int64(seq)}]; r.ErrorCode != 0 || r.BaseOffset != want {
					t.Fatalf("retry of producer %d seq %d: %v, want base %d", pid, seq, r, want)
				}
			}
			if got := e.rm.mustLog(t, p).LogEndOffset(); got != leo {
				t.Fatalf("retries appended after restart: %d, want %d", got, leo)
			}
			// and the sequence continues
			if r := e.produce(p, -1, batch(t, 1, 0, seqs[1], 1, "next")); r.ErrorCode != 0 || r.BaseOffset != leo {
				t.Fatalf("next batch: %v", r)
			}
			names, err := e.fs.List(filepath.Join(e.dir, "t-0"))
			if err != nil {
				t.Fatal(err)
			}
			snaps := 0
			for _, n := range names {
				if strings.HasSuffix(n, producerstate.SnapshotSuffix) {
					snaps++
				}
			}
			if snaps == 0 {
				t.Fatalf("no producer snapshot in %v", names)
			}
		})
	}
}

// A batch appended with acks=1 and lost in a power loss before its fsync
// is not remembered: its retry is appended again, not answered as a
// duplicate of a batch the log no longer has.
func TestLostBatchIsNotADuplicateAfterPowerLoss(t *testing.T) {
	g := newGate()
	e := newEnvWith(t, vfs.NewCrashableMem(), g, Config{}, Options{})
	t.Cleanup(g.release)
	e.lead("t", 1, 0)
	p := tp("t", 0)
	if r := e.produce(p, -1, batch(t, 1, 0, 0, 1, "durable")); r.ErrorCode != 0 {
		t.Fatal(r)
	}
	g.close()
	// rolls a segment (a snapshot is taken then) but is never fsynced
	for i := int32(1); i < 60; i++ {
		if r := e.produce(p, 1, batch(t, 1, 0, i, 1, strings.Repeat("y", 60))); r.ErrorCode != 0 {
			t.Fatal(r)
		}
	}
	waitFor(t, "the flusher to block", func() bool { return g.waiting.Load() > 0 })
	cm := e.base.(*vfs.CrashableMem)
	clone := cm.CrashClone()
	g.release()
	e.close()
	e.base, e.inj = clone, nil
	e.open()
	e.lead("t", 1, 1)
	if leo := e.rm.mustLog(t, p).LogEndOffset(); leo != 1 {
		t.Fatalf("log end %d after the power loss, want 1", leo)
	}
	r := e.produce(p, -1, batch(t, 1, 0, 1, 1, "again"))
	if r.ErrorCode != 0 || r.BaseOffset != 1 {
		t.Fatalf("retry of a lost batch: %v (want appended at 1)", r)
	}
}
