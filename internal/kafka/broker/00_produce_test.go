package broker

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/record"
)

// TestProduceAcks: acks 1 and all answer with the offset; acks 0 is never
// answered (the next request's answer comes first) and appends; a failed
// acks=0 partition closes the connection; other acks are
// INVALID_REQUIRED_ACKS on every partition and append nothing.
func TestProduceAcks(t *testing.T) {
	e := newDataEnv(t)
	e.createTopic("acks", 1)
	for i, acks := range []int16{1, -1} {
		resp := roundTrip[*kmsg.ProduceResponse](e, produceReq(9, acks, producePart{"acks", 0, values(t, "x")}))
		if r := onlyProducePartition(t, resp); r.ErrorCode != 0 || r.BaseOffset != int64(i) || r.LogAppendTime != -1 {
			t.Errorf("acks=%d: %+v, want offset %d", acks, r, i)
		}
	}

	// acks=0: no answer; the ApiVersions request behind it is answered.
	e.corr++
	e.c.send(e.corr, produceReq(9, 0, producePart{"acks", 0, values(t, "y", "z")}))
	api := roundTrip[*kmsg.ApiVersionsResponse](e, &kmsg.ApiVersionsRequest{Version: 3, ClientSoftwareName: "t", ClientSoftwareVersion: "1"})
	if api.ErrorCode != 0 {
		t.Fatalf("ApiVersions after acks=0: %d", api.ErrorCode)
	}
	if end := e.logEnd("acks", 0); end != 4 {
		t.Errorf("log end after acks=0 = %d, want 4", end)
	}

	for _, acks := range []int16{2, -2, 5} {
		resp := roundTrip[*kmsg.ProduceResponse](e, produceReq(9, acks, producePart{"acks", 0, values(t, "bad")},
			producePart{"nope", 0, values(t, "bad")}))
		for _, rt := range resp.Topics {
			for _, rp := range rt.Partitions {
				want := kerr.InvalidRequiredAcks.Code
				if rt.Topic == "nope" {
					want = kerr.UnknownTopicOrPartition.Code // refused before the replica manager
				}
				if rp.ErrorCode != want || rp.BaseOffset != -1 {
					t.Errorf("acks=%d %s-%d: %+v, want %s", acks, rt.Topic, rp.Partition, rp, errorName(want))
				}
			}
		}
	}
	if end := e.logEnd("acks", 0); end != 4 {
		t.Errorf("log end after invalid acks = %d, want 4", end)
	}

	// A failed acks=0 partition (unknown topic next to a good one) closes
	// the connection without an answer; the good partition is appended.
	c := dialAddr(t, e.addr)
	c.send(1, produceReq(9, 0, producePart{"acks", 0, values(t, "w")}, producePart{"missing", 0, values(t, "w")}))
	c.send(2, &kmsg.ApiVersionsRequest{Version: 3, ClientSoftwareName: "t", ClientSoftwareVersion: "1"})
	c.expectClosed()
	if end := e.logEnd("acks", 0); end != 5 {
		t.Errorf("log end after the failed acks=0 = %d, want 5", end)
	}
	// So does an acks=0 transactional produce, refused as a whole.
	c = dialAddr(t, e.addr)
	c.send(1, produceReq(9, 0, producePart{"acks", 0, buildBatch(t, batchSpec{values: []string{"t"}, producerID: 1, txn: true})}))
	c.expectClosed()
}

// TestProduceIdempotence: a producer's batches are deduplicated over the
// last five per partition (a retry gets its original offset and no
// error, as Kafka 2.8+/3.x answer), a sequence gap is
// OUT_OF_ORDER_SEQUENCE_NUMBER, an older epoch INVALID_PRODUCER_EPOCH, a
// new epoch starts again at 0, and an unknown producer is accepted at any
// sequence (Kafka 2.5+, KIP-360: no UNKNOWN_PRODUCER_ID).
func TestProduceIdempotence(t *testing.T) {
	e := newDataEnv(t)
	e.createTopic("idem", 2)
	init := roundTrip[*kmsg.InitProducerIDResponse](e, &kmsg.InitProducerIDRequest{Version: 4, TransactionTimeoutMillis: 60000, ProducerID: -1, ProducerEpoch: -1})
	if init.ErrorCode != 0 {
		t.Fatalf("InitProducerId: %s", errorName(init.ErrorCode))
	}
	pid, epoch := init.ProducerID, init.ProducerEpoch

	type step struct {
		name       string
		epoch      int16
		seq        int32
		n          int
		wantCode   int16
		wantOffset int64
	}
	steps := []step{
		{"first", epoch, 0, 3, 0, 0},
		{"retry of the first", epoch, 0, 3, 0, 0},
		{"next", epoch, 3, 2, 0, 3},
		{"retry of the first again", epoch, 0, 3, 0, 0},
		{"gap", epoch, 9, 1, kerr.OutOfOrderSequenceNumber.Code, -1},
		{"overlapping", epoch, 4, 2, kerr.OutOfOrderSequenceNumber.Code, -1},
		{"b3", epoch, 5, 1, 0, 5},
		{"b4", epoch, 6, 1, 0, 6},
		{"b5", epoch, 7, 1, 0, 7},
		{"retry within five", epoch, 3, 2, 0, 3},
		{"b6", epoch, 8, 1, 0, 8},
		{"retry beyond five", epoch, 0, 3, kerr.OutOfOrderSequenceNumber.Code, -1},
		{"new epoch not at 0", epoch + 1, 9, 1, kerr.OutOfOrderSequenceNumber.Code, -1},
		{"new epoch", epoch + 1, 0, 1, 0, 9},
		{"old epoch", epoch, 9, 1, kerr.InvalidProducerEpoch.Code, -1},
		{"old epoch retry", epoch, 8, 1, kerr.InvalidProducerEpoch.Code, -1},
	}
	for _, s := range steps {
		r := e.produce("idem", 0, idemBatch(t, pid, s.epoch, s.seq, s.n))
		if r.ErrorCode != s.wantCode || (s.wantCode == 0 && r.BaseOffset != s.wantOffset) {
			t.Errorf("%s (epoch %d seq %d): %s at %d, want %s at %d", s.name, s.epoch, s.seq,
				errorName(r.ErrorCode), r.BaseOffset, errorName(s.wantCode), s.wantOffset)
		}
	}
	// The log holds each record once.
	rp := e.fetchOne(12, fetchSpec{topic: "idem", partition: 0})
	bs := batchesOf(t, rp.RecordBatches)
	if got := len(allValues(bs)); got != 10 || rp.HighWatermark != 10 {
		t.Errorf("log holds %d records (hw %d), want 10", got, rp.HighWatermark)
	}
	for _, b := range bs {
		if b.ProducerID() != pid {
			t.Errorf("batch at %d has producer %d, want %d", b.BaseOffset(), b.ProducerID(), pid)
		}
	}

	// Sequences are per partition: partition 1 starts at 0 on its own.
	if r := e.produce("idem", 1, idemBatch(t, pid, epoch+1, 0, 1)); r.ErrorCode != 0 || r.BaseOffset != 0 {
		t.Errorf("partition 1 seq 0: %+v", r)
	}
	// A producer this partition never saw: any sequence is accepted.
	if r := e.produce("idem", 1, idemBatch(t, pid+1000, 0, 42, 2)); r.ErrorCode != 0 || r.BaseOffset != 1 {
		t.Errorf("unknown producer at seq 42: %s at %d, want success at 1", errorName(r.ErrorCode), r.BaseOffset)
	}
	if r := e.produce("idem", 1, idemBatch(t, pid+1000, 0, 44, 1)); r.ErrorCode != 0 || r.BaseOffset != 3 {
		t.Errorf("its next batch: %s at %d, want success at 3", errorName(r.ErrorCode), r.BaseOffset)
	}
}

// TestProduceRecordValidation: per-partition refusals, each next to a
// partition that succeeds, with nothing appended for them.
func TestProduceRecordValidation(t *testing.T) {
	e := newDataEnv(t, "message.max.bytes=4000")
	e.createTopic("ok", 1)
	e.createTopic("small", 1, "max.message.bytes=1000")

	big := func(n int) []byte { return values(t, strings.Repeat("x", n)) }
	corrupt := values(t, "a", "b")
	corrupt[len(corrupt)-1] ^= 0xff // the CRC no longer matches
	badMagic := values(t, "m")
	badMagic[16] = 7
	two := append(values(t, "one"), values(t, "two")...)
	trailing := append(values(t, "trail"), 0, 0, 0) // bytes that make no batch: cut off
	zstd := buildBatch(t, batchSpec{values: []string{"z"}, compression: record.CompressionZstd})
	lz4 := buildBatch(t, batchSpec{values: []string{"l"}, compression: record.CompressionLZ4})
	cases := []struct {
		name    string
		v       int16
		topic   string
		p       int32
		records []byte
		want    int16
	}{
		{"under message.max.bytes", 9, "ok", 0, big(3000), 0},
		{"over message.max.bytes", 9, "ok", 0, big(5000), kerr.MessageTooLarge.Code},
		{"over max.message.bytes", 9, "small", 0, big(1500), kerr.MessageTooLarge.Code},
		{"under max.message.bytes", 9, "small", 0, big(500), 0},
		{"bad crc", 9, "ok", 0, corrupt, kerr.CorruptMessage.Code},
		{"bad magic", 9, "ok", 0, badMagic, kerr.CorruptMessage.Code},
		{"two batches", 9, "ok", 0, two, kerr.InvalidRecord.Code},
		{"no batch", 9, "ok", 0, nil, kerr.InvalidRecord.Code},
		{"a cut batch", 9, "ok", 0, values(t, "cut")[:30], kerr.InvalidRecord.Code},
		{"trailing bytes", 9, "ok", 0, trailing, 0},
		{"zstd at v6", 6, "ok", 0, zstd, kerr.UnsupportedCompressionType.Code},
		{"zstd at v7", 7, "ok", 0, zstd, 0},
		{"lz4 at v3", 3, "ok", 0, lz4, 0},
		{"unknown topic", 9, "nope", 0, values(t, "u"), kerr.UnknownTopicOrPartition.Code},
		{"unknown partition", 9, "ok", 7, values(t, "u"), kerr.UnknownTopicOrPartition.Code},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.logEnd("ok", 0)
			beforeSmall := e.logEnd("small", 0)
			// The partition under test, then a good one, in one request.
			other := producePart{"ok", 0, values(t, "good")}
			if c.topic == "ok" {
				other = producePart{"small", 0, values(t, "good")}
			}
			resp := roundTrip[*kmsg.ProduceResponse](e, produceReq(c.v, 1, producePart{c.topic, c.p, c.records}, other))
			if len(resp.Topics) != 2 {
				t.Fatalf("response %+v, want two topics", resp)
			}
			got, good := resp.Topics[0].Partitions[0], resp.Topics[1].Partitions[0]
			if got.ErrorCode != c.want {
				t.Errorf("error %s (%s), want %s", errorName(got.ErrorCode), deref(got.ErrorMessage), errorName(c.want))
			}
			if good.ErrorCode != 0 || good.BaseOffset < 0 {
				t.Errorf("the good partition next to it: %+v", good)
			}
			if c.want != 0 && got.BaseOffset != -1 {
				t.Errorf("a refused partition has base offset %d", got.BaseOffset)
			}
			grew := e.logEnd("ok", 0) - before + e.logEnd("small", 0) - beforeSmall
			if want := int64(1); c.want == 0 {
				if grew != want+1 {
					t.Errorf("logs grew by %d, want 2", grew)
				}
			} else if grew != want {
				t.Errorf("logs grew by %d, want only the good partition's record", grew)
			}
		})
	}
}

// TestProduceTransactionalRefused: a transactional batch is refused on
// every partition of the request with TRANSACTIONAL_ID_AUTHORIZATION_FAILED
// and a message saying why (v8+); nothing is appended.
func TestProduceTransactionalRefused(t *testing.T) {
	e := newDataEnv(t)
	e.createTopic("txn", 1)
	req := produceReq(9, -1, producePart{"txn", 0, buildBatch(t, batchSpec{values: []string{"t"}, producerID: 3, txn: true})},
		producePart{"other", 0, values(t, "plain")})
	req.TransactionID = kmsg.StringPtr("my-txn")
	resp := roundTrip[*kmsg.ProduceResponse](e, req)
	for _, rt := range resp.Topics {
		for _, rp := range rt.Partitions {
			if rp.ErrorCode != kerr.TransactionalIDAuthorizationFailed.Code || !strings.Contains(deref(rp.ErrorMessage), "transaction") {
				t.Errorf("%s-%d: %s %q", rt.Topic, rp.Partition, errorName(rp.ErrorCode), deref(rp.ErrorMessage))
			}
		}
	}
	if end := e.logEnd("txn", 0); end != 0 {
		t.Errorf("log end %d after a refused transactional produce", end)
	}
}

// TestProduceTopicCompressionAndTimestamps: a topic's compression.type
// other than producer recompresses (the stored batch has the topic's
// codec); producer keeps the producer's; LogAppendTime stamps the batch
// with the broker's time, returned in the response.
func TestProduceTopicCompressionAndTimestamps(t *testing.T) {
	e := newDataEnv(t)
	e.createTopic("gz", 1, "compression.type=gzip")
	e.createTopic("plain", 1, "compression.type=uncompressed")
	e.createTopic("asis", 1)
	e.createTopic("lat", 1, "message.timestamp.type=LogAppendTime")

	cases := []struct {
		topic string
		in    record.Compression
		want  record.Compression
	}{
		{"gz", record.CompressionNone, record.CompressionGzip},
		{"gz", record.CompressionSnappy, record.CompressionGzip},
		{"plain", record.CompressionLZ4, record.CompressionNone},
		{"asis", record.CompressionSnappy, record.CompressionSnappy},
		{"asis", record.CompressionNone, record.CompressionNone},
	}
	for _, c := range cases {
		start := e.logEnd(c.topic, 0)
		r := e.produce(c.topic, 0, buildBatch(t, batchSpec{values: []string{"a", "b", "c"}, compression: c.in}))
		if r.ErrorCode != 0 || r.BaseOffset != start {
			t.Fatalf("%s: produce %+v", c.topic, r)
		}
		bs := batchesOf(t, e.fetchOne(12, fetchSpec{topic: c.topic, offset: start}).RecordBatches)
		if len(bs) != 1 || bs[0].Compression() != c.want || strings.Join(bs[0].values, ",") != "a,b,c" || bs[0].BaseOffset() != start {
			t.Errorf("%s, %v produced: stored %d batches, first %v %v", c.topic, c.in, len(bs), firstCompression(bs), allValues(bs))
		}
	}

	const old = 1_000_000
	r := e.produce("lat", 0, buildBatch(t, batchSpec{values: []string{"x", "y"}, timestamp: old}))
	if r.ErrorCode != 0 || r.LogAppendTime <= old {
		t.Fatalf("LogAppendTime topic: %+v", r)
	}
	bs := batchesOf(t, e.fetchOne(12, fetchSpec{topic: "lat"}).RecordBatches)
	if len(bs) != 1 || !bs[0].IsLogAppendTime() || bs[0].MaxTimestamp() != r.LogAppendTime {
		t.Fatalf("stored batch %+v, want LogAppendTime %d", bs, r.LogAppendTime)
	}
	for _, ts := range bs[0].timestamps {
		if ts != r.LogAppendTime {
			t.Errorf("record timestamp %d, want the append time %d", ts, r.LogAppendTime)
		}
	}
	// CreateTime topics keep the producer's timestamps.
	e.produce("asis", 0, buildBatch(t, batchSpec{values: []string{"old"}, timestamp: old}))
	last := e.logEnd("asis", 0) - 1
	bs = batchesOf(t, e.fetchOne(12, fetchSpec{topic: "asis", offset: last}).RecordBatches)
	if len(bs) != 1 || bs[0].IsLogAppendTime() || bs[0].timestamps[0] != old {
		t.Errorf("CreateTime batch %+v, want timestamp %d", bs, old)
	}
}

func firstCompression(bs []fetchedBatch) any {
	if len(bs) == 0 {
		return "none stored"
	}
	return bs[0].Compression()
}

// TestProduceEveryVersion: Produce v0-v11 are registered and round-trip
// over the wire, each appending its batch (v2 batches at every version).
func TestProduceEveryVersion(t *testing.T) {
	e := newDataEnv(t)
	e.createTopic("versions", 1)
	lo, hi, ok := DefaultRegistry.Range(0)
	if !ok || lo != 0 || hi != 11 {
		t.Fatalf("Produce registered %d..%d (%v), want 0..11", lo, hi, ok)
	}
	for v := lo; v <= hi; v++ {
		r := e.produceV(v, "versions", 0, values(t, "v"+string(rune('0'+v))))
		if r.ErrorCode != 0 || r.BaseOffset != int64(v) {
			t.Errorf("v%d: %s at %d, want success at %d", v, errorName(r.ErrorCode), r.BaseOffset, v)
		}
		if v >= 5 && r.LogStartOffset != 0 {
			t.Errorf("v%d: log start offset %d", v, r.LogStartOffset)
		}
	}
	got := allValues(batchesOf(t, e.fetchOne(12, fetchSpec{topic: "versions"}).RecordBatches))
	if len(got) != int(hi)+1 || !bytes.Equal([]byte(got[11]), []byte("v;")) {
		t.Errorf("stored %v", got)
	}
}

// TestKgoProduceConsume: franz-go's idempotent producer (acks=all, zstd)
// and a direct partition consumer polling before the records exist (long
// polls woken by the produce) see every record once, in order.
func TestKgoProduceConsume(t *testing.T) {
	e := newDataEnv(t)
	e.createTopic("kgo", 2)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	consumer, err := kgo.NewClient(kgo.SeedBrokers(e.addr), kgo.FetchMaxWait(5*time.Second),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"kgo": {0: kgo.NewOffset().AtStart(), 1: kgo.NewOffset().AtStart()}}))
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	const n = 200
	got := map[int32][]string{}
	done := make(chan error, 1)
	go func() {
		count := 0
		for count < n {
			fs := consumer.PollFetches(ctx)
			if err := fs.Err0(); err != nil {
				done <- err
				return
			}
			fs.EachRecord(func(r *kgo.Record) {
				got[r.Partition] = append(got[r.Partition], string(r.Value))
				count++
			})
		}
		done <- nil
	}()

	producer, err := kgo.NewClient(kgo.SeedBrokers(e.addr), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchCompression(kgo.ZstdCompression()), kgo.DefaultProduceTopic("kgo"))
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()
	for i := 0; i < n; i++ {
		producer.Produce(ctx, &kgo.Record{Partition: int32(i % 2), Value: []byte(fmt.Sprint(i))}, func(r *kgo.Record, err error) {
			if err != nil {
				t.Errorf("produce %s: %v", r.Value, err)
			}
		})
	}
	if err := producer.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("consume: %v (got %d and %d)", err, len(got[0]), len(got[1]))
	}
	for p := int32(0); p < 2; p++ {
		if len(got[p]) != n/2 {
			t.Errorf("partition %d: %d records, want %d", p, len(got[p]), n/2)
			continue
		}
		for i, v := range got[p] {
			if want := fmt.Sprint(2*i + int(p)); v != want {
				t.Fatalf("partition %d record %d = %s, want %s", p, i, v, want)
			}
		}
	}
	// The producer was idempotent: its batches carry a producer id.
	bs := batchesOf(t, e.fetchOne(12, fetchSpec{topic: "kgo"}).RecordBatches)
	if len(bs) == 0 || bs[0].ProducerID() < 0 || bs[0].Compression() != record.CompressionZstd {
		t.Errorf("stored batches: %d, first producer %d", len(bs), firstProducer(bs))
	}
}

func firstProducer(bs []fetchedBatch) int64 {
	if len(bs) == 0 {
		return -1
	}
	return bs[0].ProducerID()
}
