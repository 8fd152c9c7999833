package partition

import (
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/wharf-project/wharf/internal/vfs"
)

func consumerFetch(p TopicPartition, offset int64, maxBytes int32) FetchPartition {
	return FetchPartition{TopicPartition: p, FetchOffset: offset, MaxBytes: maxBytes, LogStartOffset: -1,
		CurrentLeaderEpoch: -1, LastFetchedEpoch: -1}
}

func (e *env) fetchAsync(req FetchRequest) <-chan []FetchResult {
	ch := make(chan []FetchResult, 1)
	e.rm.FetchMessages(req, func(r []FetchResult) { ch <- r })
	return ch
}

// A consumer waiting at the end is answered when min.bytes arrive (with
// durability: when the fsync makes them visible).
func TestDelayedFetchCompletesOnMinBytes(t *testing.T) {
	filesystems(t, func(t *testing.T, fsys vfs.FS) {
		e := newEnv(t, fsys, Config{}, Options{})
		e.lead("t", 2, 0)
		p0, p1 := tp("t", 0), tp("t", 1)
		e.produce(p0, -1, batch(t, -1, 0, 0, 1, "old"))
		ch := e.fetchAsync(FetchRequest{ReplicaID: -1, MaxWaitMs: 5000, MinBytes: 100, MaxBytes: 1 << 20,
			Partitions: []FetchPartition{consumerFetch(p0, 1, 1<<20), consumerFetch(p1, 0, 1<<20)}})
		noAnswer(t, ch)
		// one small batch (71 bytes) is not enough
		e.produce(p0, -1, batch(t, -1, 0, 0, 1, "a"))
		noAnswer(t, ch)
		if e.rm.fetchPurgatory.size() != 1 {
			t.Fatalf("purgatory holds %d", e.rm.fetchPurgatory.size())
		}
		// bytes from both partitions add up
		e.produce(p1, -1, batch(t, -1, 0, 0, 1, "b"))
		res := recv(t, ch)
		defer ReleaseAll(res)
		for i, want := range [][]string{{"a-0"}, {"b-0"}} {
			data, err := res[i].Records.AppendTo(nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := values(t, data); res[i].ErrorCode != 0 || !slices.Equal(got, want) {
				t.Fatalf("partition %d: %v, code %d", i, got, res[i].ErrorCode)
			}
		}
		if res[0].HighWatermark != 2 || res[1].HighWatermark != 1 {
			t.Fatalf("high watermarks %d %d", res[0].HighWatermark, res[1].HighWatermark)
		}
		if e.rm.fetchPurgatory.size() != 0 {
			t.Fatal("completed fetch still watched")
		}
	})
}

func TestDelayedFetchTimesOut(t *testing.T) {
	e := newEnv(t, vfs.NewMem(), Config{}, Options{})
	e.lead("t", 1, 0)
	p := tp("t", 0)
	e.produce(p, -1, batch(t, -1, 0, 0, 1, "a"))
	ch := e.fetchAsync(FetchRequest{ReplicaID: -1, MaxWaitMs: 500, MinBytes: 1 << 20, MaxBytes: 1 << 20,
		Partitions: []FetchPartition{consumerFetch(p, 0, 1<<20)}})
	e.clock.advance(499)
	e.rm.Tick(e.clock.NowMs())
	noAnswer(t, ch)
	e.clock.advance(1)
	e.rm.Tick(e.clock.NowMs())
	res := recv(t, ch)
	defer ReleaseAll(res)
	data, _ := res[0].Records.AppendTo(nil)
	if res[0].ErrorCode != 0 || !slices.Equal(values(t, data), []string{"a-0"}) {
		t.Fatalf("expired fetch: code %d values %v", res[0].ErrorCode, values(t, data))
	}
	// MaxWaitMs 0 answers at once, empty
	r := e.rm.Fetch(FetchRequest{ReplicaID: -1, MinBytes: 1, MaxBytes: 1 << 20, Partitions: []FetchPartition{consumerFetch(p, 1, 1<<20)}})
	if r[0].ErrorCode != 0 || r[0].Records.Region.Len != 0 {
		t.Fatalf("empty fetch: %+v", r[0])
	}
}

// KIP-74: the first partition with data returns one whole batch even if
// larger than the partition's and the response's limits; later
// partitions respect the remaining limit. Fetch v0-v2 (hard limit) get
// the cut batch instead.
func TestFetchFirstBatchRule(t *testing.T) {
	e := newEnv(t, vfs.NewMem(), Config{}, Options{})
	e.lead("t", 3, 0)
	for i := int32(0); i < 3; i++ {
		e.produce(tp("t", i), -1, batch(t, -1, 0, 0, 10, "payload-payload-payload"))
	}
	size := e.rm.mustLog(t, tp("t", 0)).LogEndOffsetMetadata().Position
	req := FetchRequest{ReplicaID: -1, MaxBytes: 100, Partitions: []FetchPartition{
		consumerFetch(tp("t", 0), 0, 50), consumerFetch(tp("t", 1), 0, 50), consumerFetch(tp("t", 2), 0, 1<<20)}}
	res := e.rm.Fetch(req)
	if res[0].Records.Region.Len != size {
		t.Fatalf("first partition: %d bytes, want the whole batch %d", res[0].Records.Region.Len, size)
	}
	if res[1].Records.Region.Len != 0 || res[2].Records.Region.Len != 0 {
		t.Fatalf("later partitions: %d, %d bytes (response limit spent)", res[1].Records.Region.Len, res[2].Records.Region.Len)
	}
	ReleaseAll(res)
	// an empty first partition does not spend the exemption
	req.Partitions[0].FetchOffset = 10
	res = e.rm.Fetch(req)
	if res[0].Records.Region.Len != 0 || res[1].Records.Region.Len != size {
		t.Fatalf("with an empty first partition: %d, %d", res[0].Records.Region.Len, res[1].Records.Region.Len)
	}
	ReleaseAll(res)
	// fetch v0-v2: no exemption; the cut batch is returned
	req.Partitions[0].FetchOffset = 0
	req.HardMaxBytesLimit = true
	res = e.rm.Fetch(req)
	if res[0].Records.Region.Len != 50 || !res[0].Records.FirstBatchIncomplete {
		t.Fatalf("hard limit: %d bytes", res[0].Records.Region.Len)
	}
	ReleaseAll(res)
}

func TestFetchOffsetOutOfRangeAndEpochs(t *testing.T) {
	e := newEnv(t, vfs.NewMem(), Config{}, Options{})
	e.lead("t", 1, 3)
	p := tp("t", 0)
	for i := 0; i < 5; i++ {
		e.produce(p, -1, batch(t, -1, 0, 0, 2, "x"))
	}
	fetch := func(fp FetchPartition) FetchResult {
		r := e.rm.Fetch(FetchRequest{ReplicaID: -1, MaxBytes: 1 << 20, Partitions: []FetchPartition{fp}})[0]
		r.Release()
		return r
	}
	if r := fetch(consumerFetch(p, 11, 1<<20)); r.ErrorCode != kerr.OffsetOutOfRange.Code {
		t.Fatalf("beyond the log end: %+v", r.ErrorCode)
	}
	if r := fetch(consumerFetch(p, 10, 1<<20)); r.ErrorCode != 0 {
		t.Fatalf("at the log end: %d", r.ErrorCode)
	}
	var done []DeleteRecordsResult
	e.rm.DeleteRecords(1000, []DeleteRecordsPartition{{TopicPartition: p, Offset: 4}}, func(r []DeleteRecordsResult) { done = r })
	if len(done) != 1 || done[0].ErrorCode != 0 || done[0].LowWatermark != 4 {
		t.Fatalf("delete records: %+v", done)
	}
	if r := fetch(consumerFetch(p, 3, 1<<20)); r.ErrorCode != kerr.OffsetOutOfRange.Code {
		t.Fatalf("below the log start: %d", r.ErrorCode)
	}
	fp := consumerFetch(p, 4, 1<<20)
	fp.CurrentLeaderEpoch = 2
	if r := fetch(fp); r.ErrorCode != kerr.FencedLeaderEpoch.Code {
		t.Fatalf("stale epoch: %d", r.ErrorCode)
	}
	fp.CurrentLeaderEpoch = 4
	if r := fetch(fp); r.ErrorCode != kerr.UnknownLeaderEpoch.Code {
		t.Fatalf("future epoch: %d", r.ErrorCode)
	}
	fp.CurrentLeaderEpoch = 3
	if r := fetch(fp); r.ErrorCode != 0 || r.LogStartOffset != 4 || r.HighWatermark != 10 || r.LastStableOffset != 10 {
		t.Fatalf("current epoch: %+v", r)
	}
	if r := fetch(consumerFetch(tp("nope", 0), 0, 1)); r.ErrorCode != kerr.UnknownTopicOrPartition.Code {
		t.Fatalf("unknown: %d", r.ErrorCode)
	}
}

// Consumers read up to the high watermark (read_uncommitted) or the last
// stable offset (read_committed); a follower's fetch reads to the log end.
func TestIsolationBounds(t *testing.T) {
	g := newGate()
	e := newEnvWith(t, vfs.NewMem(), g, Config{}, Options{})
	t.Cleanup(g.release)
	// broker 2 follows (in the ISR), so the HW also waits for it
	e.rm.BecomeLeaderOrFollower(leaderAndIsr(1, "t", 1, 1, 0, []int32{1, 2}, []int32{1, 2}))
	p := tp("t", 0)
	e.produce(p, 1, batch(t, -1, 0, 0, 3, "a"))
	waitFor(t, "the fsync", func() bool { return e.rm.mustLog(t, p).RecoveryPoint() == 3 })
	g.close()
	e.produce(p, 1, batch(t, -1, 0, 0, 2, "b"))
	for _, iso := range []int8{ReadUncommitted, ReadCommitted} {
		r := e.rm.Fetch(FetchRequest{ReplicaID: -1, Isolation: iso, MaxBytes: 1 << 20, Partitions: []FetchPartition{consumerFetch(p, 0, 1<<20)}})[0]
		if r.HighWatermark != 0 || r.Records.Region.Len != 0 {
			t.Fatalf("isolation %d: HW %d, %d bytes before the follower has anything", iso, r.HighWatermark, r.Records.Region.Len)
		}
		r.Release()
	}
	// the follower fetches from 0: it gets everything up to the log end
	r := e.rm.Fetch(FetchRequest{ReplicaID: 2, MaxBytes: 1 << 20, Partitions: []FetchPartition{{TopicPartition: p, FetchOffset: 0,
		MaxBytes: 1 << 20, LogStartOffset: 0, CurrentLeaderEpoch: 0, LastFetchedEpoch: -1}}})[0]
	data, _ := r.Records.AppendTo(nil)
	r.Release()
	if got := values(t, data); len(got) != 5 {
		t.Fatalf("follower read %v", got)
	}
	// its next fetch at 5 says it has 5 (fsynced): the HW is the leader's
	// fsynced end, 3
	r = e.rm.Fetch(FetchRequest{ReplicaID: 2, MaxBytes: 1 << 20, Partitions: []FetchPartition{{TopicPartition: p, FetchOffset: 5,
		MaxBytes: 1 << 20, LogStartOffset: 0, CurrentLeaderEpoch: 0, LastFetchedEpoch: 0}}})[0]
	r.Release()
	if hw, _ := e.rm.HighWatermark(p); hw != 3 {
		t.Fatalf("HW %d, want the leader's recovery point 3", hw)
	}
	vals, _ := e.consume(p, 0)
	if !slices.Equal(vals, []string{"a-0", "a-1", "a-2"}) {
		t.Fatalf("consumer read %v", vals)
	}
	g.release()
	waitFor(t, "the HW to reach 5", func() bool { hw, _ := e.rm.HighWatermark(p); return hw == 5 })
	if vals, _ := e.consume(p, 3); !slices.Equal(vals, []string{"b-0", "b-1"}) {
		t.Fatalf("consumer read %v", vals)
	}
}
