package broker

import (
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/controller"
	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/kafka/zkdata/zktest"
)

// Fixtures of the data-path handler tests (00, 01, 02, 21, 22, 23, 35 and
// the fetch sessions): a whole broker (Start, over Wharf's in-process
// coordinator, the active controller of a cluster of its own) driven over
// its listener with raw kmsg requests, so that every exchange goes through
// the network server (framing, splicing of record data, Pending replies).

// dataEnv is a started broker and a connection to it.
type dataEnv struct {
	t    *testing.T
	b    *Broker
	addr string
	c    *client
	corr int32
}

// newDataEnv starts a broker with extra server.properties (k=v). Writes
// are Kafka's (wharf.durable.writes=false): the high watermark of a
// single-replica partition follows its appends at once, not the fsyncs.
func newDataEnv(t *testing.T, extra ...string) *dataEnv {
	t.Helper()
	extra = append([]string{DurableWritesKey + "=false"}, extra...)
	b := startBroker(t, brokerProps(zktest.Wharf(t), t.TempDir(), extra...))
	e := &dataEnv{t: t, b: b, addr: b.Server.Addr("PLAINTEXT").String()}
	e.c = dialAddr(t, e.addr)
	return e
}

// createTopic creates a topic (configs as k=v) and waits until this broker
// leads every partition and its metadata cache knows them; it returns the
// topic id.
func (e *dataEnv) createTopic(name string, partitions int32, configs ...string) [16]byte {
	e.t.Helper()
	ct := controller.CreateTopic{Name: name, NumPartitions: partitions, ReplicationFactor: 1}
	for _, kv := range configs {
		k, v, _ := strings.Cut(kv, "=")
		ct.Configs = append(ct.Configs, controller.ConfigValue{Name: k, Value: &v})
	}
	res := e.b.Admin.CreateTopics(ctxT(e.t), []controller.CreateTopic{ct}, false)
	if res[0].ErrorCode != 0 {
		e.t.Fatalf("creating %s: %+v", name, res[0])
	}
	for p := int32(0); p < partitions; p++ {
		leaderState(e.t, e.b, tpOf(name, p))
	}
	tp, ok := e.b.Meta.Snapshot().Topic(name)
	if !ok {
		e.t.Fatalf("topic %s not in the metadata", name)
	}
	return tp.ID
}

// roundTrip sends req on the env's connection and returns its response.
func roundTrip[R kmsg.Response](e *dataEnv, req kmsg.Request) R {
	e.t.Helper()
	return roundTripOn[R](e, e.c, req)
}

// roundTripOn sends req on c and returns its response.
func roundTripOn[R kmsg.Response](e *dataEnv, c *client, req kmsg.Request) R {
	e.t.Helper()
	e.corr++
	c.send(e.corr, req)
	corr, resp := c.recv(req.Key(), req.GetVersion())
	if corr != e.corr {
		e.t.Fatalf("%s v%d: correlation %d, want %d", kmsg.NameForKey(req.Key()), req.GetVersion(), corr, e.corr)
	}
	return resp.(R)
}

// batchSpec describes a v2 batch to build.
type batchSpec struct {
	values      []string
	compression record.Compression
	producerID  int64 // 0 with epoch 0 and seq 0: none (-1)
	epoch       int16
	seq         int32
	idempotent  bool // set the producer fields
	txn         bool
	timestamp   int64 // 0: now
}

func buildBatch(t testing.TB, s batchSpec) []byte {
	t.Helper()
	bl := record.NewBuilder(0, s.compression)
	if s.idempotent || s.txn {
		bl.SetProducer(s.producerID, s.epoch, s.seq)
	}
	bl.SetTransactional(s.txn)
	ts := s.timestamp
	if ts == 0 {
		ts = time.Now().UnixMilli()
	}
	for i, v := range s.values {
		if err := bl.Append(ts+int64(i), nil, []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	b, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// values builds a plain batch of values.
func values(t testing.TB, vs ...string) []byte { return buildBatch(t, batchSpec{values: vs}) }

// idemBatch is an idempotent producer's batch of n records.
func idemBatch(t testing.TB, pid int64, epoch int16, seq int32, n int) []byte {
	vs := make([]string, n)
	for i := range vs {
		vs[i] = "v" + string(rune('a'+i%26))
	}
	return buildBatch(t, batchSpec{values: vs, producerID: pid, epoch: epoch, seq: seq, idempotent: true})
}

// producePart is one partition of a produce request.
type producePart struct {
	topic     string
	partition int32
	records   []byte
}

func produceReq(v, acks int16, parts ...producePart) *kmsg.ProduceRequest {
	req := kmsg.NewPtrProduceRequest()
	req.Version, req.Acks, req.TimeoutMillis = v, acks, 10000
	for _, p := range parts {
		if k := len(req.Topics); k == 0 || req.Topics[k-1].Topic != p.topic {
			rt := kmsg.NewProduceRequestTopic()
			rt.Topic = p.topic
			req.Topics = append(req.Topics, rt)
		}
		rp := kmsg.NewProduceRequestTopicPartition()
		rp.Partition, rp.Records = p.partition, p.records
		rt := &req.Topics[len(req.Topics)-1]
		rt.Partitions = append(rt.Partitions, rp)
	}
	return req
}

// produce sends one batch with acks=1 at v9 and returns the partition's answer.
func (e *dataEnv) produce(topic string, p int32, batch []byte) kmsg.ProduceResponseTopicPartition {
	e.t.Helper()
	return e.produceV(9, topic, p, batch)
}

func (e *dataEnv) produceV(v int16, topic string, p int32, batch []byte) kmsg.ProduceResponseTopicPartition {
	e.t.Helper()
	resp := roundTrip[*kmsg.ProduceResponse](e, produceReq(v, 1, producePart{topic, p, batch}))
	return onlyProducePartition(e.t, resp)
}

func onlyProducePartition(t testing.TB, resp *kmsg.ProduceResponse) kmsg.ProduceResponseTopicPartition {
	t.Helper()
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		t.Fatalf("produce response %+v, want one partition", resp)
	}
	return resp.Topics[0].Partitions[0]
}

// mustProduce appends values and returns the base offset.
func (e *dataEnv) mustProduce(topic string, p int32, vs ...string) int64 {
	e.t.Helper()
	r := e.produce(topic, p, values(e.t, vs...))
	if r.ErrorCode != 0 {
		e.t.Fatalf("produce to %s-%d: error %s", topic, p, errorName(r.ErrorCode))
	}
	return r.BaseOffset
}

// fetchSpec is one partition of a fetch request.
type fetchSpec struct {
	topic     string
	id        [16]byte
	partition int32
	offset    int64
	maxBytes  int32 // 0: 1 MiB
}

func fetchReq(v int16, parts ...fetchSpec) *kmsg.FetchRequest {
	req := kmsg.NewPtrFetchRequest()
	req.Version, req.ReplicaID, req.MaxWaitMillis, req.MinBytes, req.MaxBytes = v, -1, 0, 0, 50<<20
	req.SessionEpoch = -1
	req.ReplicaState.ID = -1
	for _, p := range parts {
		if k := len(req.Topics); k == 0 || req.Topics[k-1].Topic != p.topic || req.Topics[k-1].TopicID != p.id {
			rt := kmsg.NewFetchRequestTopic()
			rt.Topic, rt.TopicID = p.topic, p.id
			req.Topics = append(req.Topics, rt)
		}
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes = p.partition, p.offset, p.maxBytes
		if rp.PartitionMaxBytes == 0 {
			rp.PartitionMaxBytes = 1 << 20
		}
		rt := &req.Topics[len(req.Topics)-1]
		rt.Partitions = append(rt.Partitions, rp)
	}
	return req
}

// fetchedPartition finds a partition in a fetch response (by name, or by
// id for v13+).
func fetchedPartition(resp *kmsg.FetchResponse, topic string, id [16]byte, p int32) (kmsg.FetchResponseTopicPartition, bool) {
	for _, t := range resp.Topics {
		if t.Topic != topic || t.TopicID != id {
			continue
		}
		for _, rp := range t.Partitions {
			if rp.Partition == p {
				return rp, true
			}
		}
	}
	return kmsg.FetchResponseTopicPartition{}, false
}

// fetchOne fetches one partition at v (v13+ by id) and returns its answer.
func (e *dataEnv) fetchOne(v int16, fp fetchSpec) kmsg.FetchResponseTopicPartition {
	e.t.Helper()
	if v >= 13 {
		fp.topic = ""
	} else {
		fp.id = [16]byte{}
	}
	resp := roundTrip[*kmsg.FetchResponse](e, fetchReq(v, fp))
	if resp.ErrorCode != 0 {
		e.t.Fatalf("fetch v%d: top-level error %s", v, errorName(resp.ErrorCode))
	}
	rp, ok := fetchedPartition(resp, fp.topic, fp.id, fp.partition)
	if !ok {
		e.t.Fatalf("fetch v%d: partition missing from %+v", v, resp)
	}
	return rp
}

// fetchedBatch is a batch of a fetch response with its records' values.
type fetchedBatch struct {
	record.Batch
	values     []string
	timestamps []int64
}

// batchesOf parses a partition's record data: whole batches, then values.
func batchesOf(t testing.TB, data []byte) []fetchedBatch {
	t.Helper()
	var out []fetchedBatch
	for len(data) > 0 {
		b, n, err := record.Parse(data)
		if err != nil || n == 0 {
			break // a cut batch at the end (v0-v2 hard limit)
		}
		data = data[n:]
		fb := fetchedBatch{Batch: b}
		recs, err := b.RecordData(nil, 64<<20)
		if err != nil {
			t.Fatalf("decompressing batch at %d: %v", b.BaseOffset(), err)
		}
		it := b.Iter(recs)
		var r record.Record
		for it.Next(&r) {
			fb.values = append(fb.values, string(r.Value))
			fb.timestamps = append(fb.timestamps, r.Timestamp)
		}
		if err := it.Err(); err != nil {
			t.Fatalf("records of batch at %d: %v", b.BaseOffset(), err)
		}
		out = append(out, fb)
	}
	return out
}

// allValues is every value of the batches, in order.
func allValues(bs []fetchedBatch) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.values...)
	}
	return out
}

// logEnd is the partition's log end offset as a read_uncommitted ListOffsets
// latest answers it.
func (e *dataEnv) logEnd(topic string, p int32) int64 {
	e.t.Helper()
	return e.listOffset(9, topic, p, -1, 0).Offset
}

// listOffset asks ListOffsets at v for one partition's offset at ts.
func (e *dataEnv) listOffset(v int16, topic string, p int32, ts int64, isolation int8) kmsg.ListOffsetsResponseTopicPartition {
	e.t.Helper()
	req := kmsg.NewPtrListOffsetsRequest()
	req.Version, req.ReplicaID, req.IsolationLevel = v, -1, isolation
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewListOffsetsRequestTopicPartition()
	rp.Partition, rp.Timestamp, rp.MaxNumOffsets, rp.CurrentLeaderEpoch = p, ts, 10, -1
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp := roundTrip[*kmsg.ListOffsetsResponse](e, req)
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		e.t.Fatalf("ListOffsets v%d: %+v", v, resp)
	}
	return resp.Topics[0].Partitions[0]
}

// deleteRecords deletes a partition's records before offset (v2).
func (e *dataEnv) deleteRecords(topic string, p int32, offset int64) kmsg.DeleteRecordsResponseTopicPartition {
	e.t.Helper()
	req := kmsg.NewPtrDeleteRecordsRequest()
	req.Version, req.TimeoutMillis = 2, 10000
	rt := kmsg.NewDeleteRecordsRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewDeleteRecordsRequestTopicPartition()
	rp.Partition, rp.Offset = p, offset
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp := roundTrip[*kmsg.DeleteRecordsResponse](e, req)
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		e.t.Fatalf("DeleteRecords: %+v", resp)
	}
	return resp.Topics[0].Partitions[0]
}
