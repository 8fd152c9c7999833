package partition

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/wharf-project/wharf/internal/vfs"
)

// modelBatch is a batch the model saw acknowledged.
type modelBatch struct {
	epoch int16
	seq   int32
	n     int
	base  int64
}

type modelProducer struct {
	pid   int64
	epoch int16
	next  int32
	sent  []modelBatch // acknowledged, oldest first (current epoch only)
	// sure is how many of the newest sent batches the broker must still
	// recognise: all five normally, one after a restart (a snapshot keeps
	// one batch per producer; the log after it may give back more).
	sure int
}

// TestRandomizedAppendsWithRetries drives idempotent producers through
// appends, retries of acknowledged batches (inside and outside the
// five-batch window), epoch bumps, plain appends, and clean and unclean
// restarts, and checks every answer and, at the end, that the log holds
// each acknowledged batch exactly once, in order.
func TestRandomizedAppendsWithRetries(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { runModel(t, seed) })
	}
}

func runModel(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 99))
	e := newEnv(t, vfs.NewCrashableMem(), Config{}, Options{})
	epoch := int32(0)
	e.lead("m", 1, epoch)
	p := tp("m", 0)
	prods := []*modelProducer{{pid: 10, sure: 5}, {pid: 11, sure: 5}, {pid: 12, sure: 5}}
	var want []string // the log's values, in order
	leo := int64(0)
	payload := func(pid int64, ep int16, seq int32, i int) string {
		return fmt.Sprintf("p%d.e%d.s%d.%d", pid, ep, seq, i)
	}
	build := func(pr *modelProducer, b modelBatch) []byte {
		return batchWith(t, pr.pid, b.epoch, b.seq, b.n, func(i int) string { return payload(pr.pid, b.epoch, b.seq, i) })
	}
	for step := 0; step < 300; step++ {
		pr := prods[rng.IntN(len(prods))]
		switch op := rng.IntN(100); {
		case op < 50: // a new batch
			b := modelBatch{epoch: pr.epoch, seq: pr.next, n: 1 + rng.IntN(3)}
			r := e.produce(p, -1, build(pr, b))
			if r.ErrorCode != 0 || r.BaseOffset != leo {
				t.Fatalf("step %d: append %+v: %v, want base %d", step, b, r, leo)
			}
			b.base = r.BaseOffset
			for i := 0; i < b.n; i++ {
				want = append(want, payload(pr.pid, b.epoch, b.seq, i))
			}
			leo += int64(b.n)
			pr.next += int32(b.n)
			pr.sent = append(pr.sent, b)
			pr.sure = min(pr.sure+1, 5)
		case op < 80 && len(pr.sent) > 0: // a retry
			k := rng.IntN(min(len(pr.sent), 7))
			b := pr.sent[len(pr.sent)-1-k]
			r := e.produce(p, -1, build(pr, b))
			switch {
			case r.ErrorCode == 0 && r.BaseOffset == b.base:
			case k < pr.sure:
				t.Fatalf("step %d: retry %+v (%d back, %d sure): %v", step, b, k, pr.sure, r)
			case r.ErrorCode != kerr.OutOfOrderSequenceNumber.Code:
				t.Fatalf("step %d: retry %+v outside the window: %v", step, b, r)
			}
			if got := e.rm.mustLog(t, p).LogEndOffset(); got != leo {
				t.Fatalf("step %d: a retry appended (log end %d, want %d)", step, got, leo)
			}
		case op < 85: // the client bumps its epoch (KIP-360)
			pr.epoch, pr.next, pr.sent, pr.sure = pr.epoch+1, 0, nil, 5
		case op < 92: // a plain append
			r := e.produce(p, -1, batch(t, -1, 0, 0, 1, fmt.Sprintf("plain%d", step)))
			if r.ErrorCode != 0 || r.BaseOffset != leo {
				t.Fatalf("step %d: plain append: %v", step, r)
			}
			want = append(want, fmt.Sprintf("plain%d-0", step))
			leo++
		case op < 96:
			e.restart()
			epoch++
			e.lead("m", 1, epoch)
			for _, q := range prods {
				q.sure = min(q.sure, 1)
			}
		default:
			e.crashRestart()
			epoch++
			e.lead("m", 1, epoch)
			for _, q := range prods {
				q.sure = min(q.sure, 1)
			}
			if got := e.rm.mustLog(t, p).LogEndOffset(); got != leo {
				t.Fatalf("step %d: acknowledged data lost in the crash: log end %d, want %d", step, got, leo)
			}
		}
	}
	got, res := e.consume(p, 0)
	if res.ErrorCode != 0 || !slices.Equal(got, want) {
		t.Fatalf("log holds %d values, want %d\n got %v\nwant %v", len(got), len(want), got, want)
	}
}
