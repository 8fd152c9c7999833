package broker

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestFetchLongPoll: a fetch short of min_bytes waits up to max_wait_ms
// without holding the connection's other work; a produce meanwhile
// answers it at once with the new records.
func TestFetchLongPoll(t *testing.T) {
	e := newDataEnv(t)
	e.createTopic("poll", 1)

	// Nothing arrives: the answer comes after max wait, empty.
	req := fetchReq(11, fetchSpec{topic: "poll"})
	req.MaxWaitMillis, req.MinBytes = 300, 1
	start := time.Now()
	resp := roundTrip[*kmsg.FetchResponse](e, req)
	if waited := time.Since(start); waited < 250*time.Millisecond {
		t.Errorf("an empty fetch answered after %v, want max wait (300ms)", waited)
	}
	if rp := resp.Topics[0].Partitions[0]; rp.ErrorCode != 0 || len(rp.RecordBatches) != 0 || rp.HighWatermark != 0 {
		t.Errorf("empty fetch: %+v", rp)
	}

	// A produce on another connection answers the waiting fetch.
	req.MaxWaitMillis = 20000
	e.corr++
	fetchCorr := e.corr
	start = time.Now()
	e.c.send(fetchCorr, req)
	time.Sleep(50 * time.Millisecond) // let the fetch park (it would also be answered if it arrived later)
	other := &dataEnv{t: t, b: e.b, addr: e.addr, c: dialAddr(t, e.addr)}
	other.mustProduce("poll", 0, "wake")
	corr, got := e.c.recv(1, 11)
	if corr != fetchCorr {
		t.Fatalf("correlation %d, want %d", corr, fetchCorr)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("the produce answered the fetch after %v", waited)
	}
	rp := got.(*kmsg.FetchResponse).Topics[0].Partitions[0]
	if vs := allValues(batchesOf(t, rp.RecordBatches)); len(vs) != 1 || vs[0] != "wake" || rp.HighWatermark != 1 {
		t.Errorf("woken fetch: values %v hw %d", vs, rp.HighWatermark)
	}

	// min_bytes above what there is: the data comes after max wait.
	req = fetchReq(11, fetchSpec{topic: "poll"})
	req.MaxWaitMillis, req.MinBytes = 300, 1<<20
	start = time.Now()
	resp = roundTrip[*kmsg.FetchResponse](e, req)
	if waited := time.Since(start); waited < 250*time.Millisecond {
		t.Errorf("a fetch short of min bytes answered after %v", waited)
	}
	if vs := allValues(batchesOf(t, resp.Topics[0].Partitions[0].RecordBatches)); len(vs) != 1 {
		t.Errorf("after max wait: %v", vs)
	}

	// min_bytes reached: at once.
	req.MaxWaitMillis, req.MinBytes = 20000, 1
	start = time.Now()
	roundTrip[*kmsg.FetchResponse](e, req)
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("a fetch with data answered after %v", waited)
	}
}

// TestFetchLimits: partition_max_bytes and max_bytes bound whole batches;
// v3+ return at least one batch of the first partition with data even
// past the limits (KIP-74); v0-v2 have a hard limit and send a batch cut.
func TestFetchLimits(t *testing.T) {
	e := newDataEnv(t)
	e.createTopic("lim", 2)
	payload := strings.Repeat("p", 1000)
	for p := int32(0); p < 2; p++ {
		for i := 0; i < 3; i++ {
			e.mustProduce("lim", p, fmt.Sprint(i, payload))
		}
	}
	batchSize := len(values(t, "0"+payload))

	count := func(rp kmsg.FetchResponseTopicPartition) int { return len(batchesOf(t, rp.RecordBatches)) }
	if n := count(e.fetchOne(12, fetchSpec{topic: "lim", maxBytes: int32(2*batchSize + batchSize/2)})); n != 2 {
		t.Errorf("partition max 2.5 batches: %d batches, want 2", n)
	}
	for _, v := range []int16{3, 4, 11, 17} {
		id := e.topicID("lim")
		if n := count(e.fetchOne(v, fetchSpec{topic: "lim", id: id, maxBytes: 100})); n != 1 {
			t.Errorf("v%d partition max 100: %d batches, want 1 (KIP-74)", v, n)
		}
	}
	for _, v := range []int16{0, 2} {
		rp := e.fetchOne(v, fetchSpec{topic: "lim", maxBytes: 100})
		if n := count(rp); n != 0 || len(rp.RecordBatches) > 100 || len(rp.RecordBatches) == 0 {
			t.Errorf("v%d partition max 100: %d whole batches in %d bytes, want a cut batch of at most 100", v, n, len(rp.RecordBatches))
		}
	}

	// max_bytes: the first partition's first batch, nothing of the second.
	req := fetchReq(12, fetchSpec{topic: "lim", partition: 0}, fetchSpec{topic: "lim", partition: 1})
	req.MaxBytes = 100
	resp := roundTrip[*kmsg.FetchResponse](e, req)
	p0, _ := fetchedPartition(resp, "lim", [16]byte{}, 0)
	p1, _ := fetchedPartition(resp, "lim", [16]byte{}, 1)
	if count(p0) != 1 || count(p1) != 0 || p1.HighWatermark != 3 {
		t.Errorf("max_bytes 100: %d and %d batches (hw %d), want 1 and 0", count(p0), count(p1), p1.HighWatermark)
	}
	req.MaxBytes = int32(4 * batchSize)
	resp = roundTrip[*kmsg.FetchResponse](e, req)
	p0, _ = fetchedPartition(resp, "lim", [16]byte{}, 0)
	p1, _ = fetchedPartition(resp, "lim", [16]byte{}, 1)
	if count(p0) != 3 || count(p1) != 1 {
		t.Errorf("max_bytes 4 batches: %d and %d batches, want 3 and 1", count(p0), count(p1))
	}
}

// TestFetchIsolationAndOffsets: read_committed sees up to the last stable
// offset (the high watermark without transactions) with an empty aborted
// transactions list; the log start offset is reported; fetching past the
// log end or below the log start is OFFSET_OUT_OF_RANGE.
func TestFetchIsolationAndOffsets(t *testing.T) {
	e := newDataEnv(t)
	e.createTopic("iso", 1)
	for i := 0; i < 5; i++ {
		e.mustProduce("iso", 0, fmt.Sprint("r", i))
	}
	for _, iso := range []int8{0, 1} {
		req := fetchReq(11, fetchSpec{topic: "iso"})
		req.IsolationLevel = iso
		rp := roundTrip[*kmsg.FetchResponse](e, req).Topics[0].Partitions[0]
		if rp.ErrorCode != 0 || rp.HighWatermark != 5 || rp.LastStableOffset != 5 || len(allValues(batchesOf(t, rp.RecordBatches))) != 5 {
			t.Errorf("isolation %d: %+v", iso, rp)
		}
		if (iso == 1) != (rp.AbortedTransactions != nil) {
			t.Errorf("isolation %d: aborted transactions %v", iso, rp.AbortedTransactions)
		}
	}

	if rp := e.fetchOne(11, fetchSpec{topic: "iso", offset: 6}); rp.ErrorCode != kerr.OffsetOutOfRange.Code {
		t.Errorf("fetch past the log end: %s", errorName(rp.ErrorCode))
	}
	if rp := e.fetchOne(11, fetchSpec{topic: "iso", offset: 5}); rp.ErrorCode != 0 || len(rp.RecordBatches) != 0 {
		t.Errorf("fetch at the log end: %+v", rp)
	}
	dr := e.deleteRecords("iso", 0, 3)
	if dr.ErrorCode != 0 || dr.LowWatermark != 3 {
		t.Fatalf("DeleteRecords: %+v", dr)
	}
	for _, v := range []int16{5, 11, 17} {
		id := e.topicID("iso")
		if rp := e.fetchOne(v, fetchSpec{topic: "iso", id: id, offset: 1}); rp.ErrorCode != kerr.OffsetOutOfRange.Code {
			t.Errorf("v%d fetch below the log start: %s", v, errorName(rp.ErrorCode))
		}
		rp := e.fetchOne(v, fetchSpec{topic: "iso", id: id, offset: 3})
		bs := batchesOf(t, rp.RecordBatches)
		if rp.ErrorCode != 0 || rp.LogStartOffset != 3 || len(bs) != 2 || bs[0].BaseOffset() != 3 {
			t.Errorf("v%d fetch at the log start: error %s, log start %d, %d batches", v, errorName(rp.ErrorCode), rp.LogStartOffset, len(bs))
		}
	}
}

// TestFetchTopicIDs: v13+ name topics by id; an unknown id is
// UNKNOWN_TOPIC_ID, after the partitions read; v12- by name, an unknown
// one UNKNOWN_TOPIC_OR_PARTITION.
func TestFetchTopicIDs(t *testing.T) {
	e := newDataEnv(t)
	id := e.createTopic("ids", 1)
	e.mustProduce("ids", 0, "x")
	unknown := [16]byte{1, 2, 3}
	req := fetchReq(13, fetchSpec{id: unknown}, fetchSpec{id: id})
	resp := roundTrip[*kmsg.FetchResponse](e, req)
	if len(resp.Topics) != 2 || resp.Topics[0].TopicID != id || resp.Topics[1].TopicID != unknown {
		t.Fatalf("topics %+v, want the known id first", resp.Topics)
	}
	if rp := resp.Topics[1].Partitions[0]; rp.ErrorCode != kerr.UnknownTopicID.Code || rp.HighWatermark != -1 {
		t.Errorf("unknown id: %+v", rp)
	}
	if vs := allValues(batchesOf(t, resp.Topics[0].Partitions[0].RecordBatches)); len(vs) != 1 {
		t.Errorf("known id: %v", vs)
	}
	if rp := e.fetchOne(13, fetchSpec{id: id, partition: 4}); rp.ErrorCode != kerr.UnknownTopicOrPartition.Code {
		t.Errorf("known id, unknown partition: %s", errorName(rp.ErrorCode))
	}
	if rp := e.fetchOne(12, fetchSpec{topic: "nope"}); rp.ErrorCode != kerr.UnknownTopicOrPartition.Code {
		t.Errorf("unknown name: %s", errorName(rp.ErrorCode))
	}
}

// TestFetchEveryVersion: Fetch v0-v17 are registered and round-trip over
// the wire with the records.
func TestFetchEveryVersion(t *testing.T) {
	e := newDataEnv(t)
	id := e.createTopic("fv", 1)
	e.mustProduce("fv", 0, "a", "b")
	e.mustProduce("fv", 0, "c")
	lo, hi, ok := DefaultRegistry.Range(1)
	if !ok || lo != 0 || hi != 17 {
		t.Fatalf("Fetch registered %d..%d (%v), want 0..17", lo, hi, ok)
	}
	for v := lo; v <= hi; v++ {
		rp := e.fetchOne(v, fetchSpec{topic: "fv", id: id, offset: 1})
		vs := allValues(batchesOf(t, rp.RecordBatches))
		// The batch holding offset 1 starts at 0: a consumer skips "a".
		if rp.ErrorCode != 0 || strings.Join(vs, ",") != "a,b,c" || rp.HighWatermark != 3 {
			t.Errorf("v%d: %s %v hw %d", v, errorName(rp.ErrorCode), vs, rp.HighWatermark)
		}
		if v >= 5 && rp.LogStartOffset != 0 {
			t.Errorf("v%d: log start %d", v, rp.LogStartOffset)
		}
	}
}

func (e *dataEnv) topicID(name string) [16]byte {
	e.t.Helper()
	tp, ok := e.b.Meta.Snapshot().Topic(name)
	if !ok {
		e.t.Fatalf("no topic %s", name)
	}
	return tp.ID
}

// TestFetchOldVersions: a topic with compression.type zstd is
// UNSUPPORTED_COMPRESSION_TYPE for fetch v0-v9 (the data is dropped) and
// readable from v10; message.downconversion.enable=false refuses v0-v3
// with UNSUPPORTED_VERSION.
func TestFetchOldVersions(t *testing.T) {
	e := newDataEnv(t)
	e.createTopic("zstd", 1, "compression.type=zstd")
	e.createTopic("noconv", 1, "message.downconversion.enable=false")
	e.mustProduce("zstd", 0, "z")
	e.mustProduce("noconv", 0, "n")
	for _, c := range []struct {
		topic string
		v     int16
		want  int16
	}{
		{"zstd", 9, kerr.UnsupportedCompressionType.Code},
		{"zstd", 4, kerr.UnsupportedCompressionType.Code},
		{"zstd", 10, 0},
		{"noconv", 3, kerr.UnsupportedVersion.Code},
		{"noconv", 0, kerr.UnsupportedVersion.Code},
		{"noconv", 4, 0},
	} {
		rp := e.fetchOne(c.v, fetchSpec{topic: c.topic})
		n := len(allValues(batchesOf(t, rp.RecordBatches)))
		if rp.ErrorCode != c.want || (c.want == 0) != (n == 1) {
			t.Errorf("%s v%d: %s with %d records, want %s", c.topic, c.v, errorName(rp.ErrorCode), n, errorName(c.want))
		}
	}
}
