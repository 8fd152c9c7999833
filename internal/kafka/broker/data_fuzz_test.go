package broker

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/controller"
	"github.com/wharf-project/wharf/internal/kafka/kconfig"
	"github.com/wharf-project/wharf/internal/kafka/wire/wiretest"
	"github.com/wharf-project/wharf/internal/kafka/zkdata/zktest"
)

// dataFuzzKeys are the data-path handlers FuzzDataHandlers drives.
var dataFuzzKeys = []int16{0, 1, 2, 21, 22, 23, 35}

// fuzzDataBroker starts a broker leading topic "fuzz" (2 partitions, a
// few records) for a fuzz target.
func fuzzDataBroker(f *testing.F) *Broker {
	f.Helper()
	cfg, err := kconfig.ParseBroker(brokerProps(zktest.Wharf(f), f.TempDir(), DurableWritesKey+"=false"), nil)
	if err != nil {
		f.Fatal(err)
	}
	b, err := New(cfg, BrokerOptions{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { b.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := b.Start(ctx); err != nil {
		f.Fatal(err)
	}
	zktest.WaitFor(f, 20*time.Second, "the controller", b.Controller.IsActive)
	if res := b.Admin.CreateTopics(ctx, []controller.CreateTopic{{Name: "fuzz", NumPartitions: 2, ReplicationFactor: 1}}, false); res[0].ErrorCode != 0 {
		f.Fatalf("create: %+v", res[0])
	}
	zktest.WaitFor(f, 20*time.Second, "leadership of fuzz-0 and fuzz-1", func() bool {
		for p := int32(0); p < 2; p++ {
			rp, ok := b.Replicas.Partition(tpOf("fuzz", p))
			if _, known := b.Meta.Snapshot().Partition("fuzz", p); !ok || !known || rp.State().Leader != b.ID {
				return false
			}
		}
		return true
	})
	return b
}

// fuzzSeedRequest is a valid request of key at v on topic "fuzz".
func fuzzSeedRequest(f *testing.F, key, v int16, id [16]byte) kmsg.Request {
	switch key {
	case 0:
		return produceReq(v, 1, producePart{"fuzz", 0, values(f, "seed", "data")},
			producePart{"fuzz", 1, idemBatch(f, 7, 0, 0, 2)})
	case 1:
		r := fetchReq(v, fetchSpec{topic: "fuzz", id: id}, fetchSpec{topic: "fuzz", id: id, partition: 1})
		r.SessionEpoch = 0
		return r
	case 2:
		r := kmsg.NewPtrListOffsetsRequest()
		r.Version, r.ReplicaID = v, -1
		rt := kmsg.NewListOffsetsRequestTopic()
		rt.Topic = "fuzz"
		for _, ts := range []int64{-1, -2, 0} {
			rp := kmsg.NewListOffsetsRequestTopicPartition()
			rp.Timestamp, rp.MaxNumOffsets = ts, 3
			rt.Partitions = append(rt.Partitions, rp)
		}
		r.Topics = append(r.Topics, rt)
		return r
	case 21:
		r := kmsg.NewPtrDeleteRecordsRequest()
		r.Version, r.TimeoutMillis = v, 100
		rt := kmsg.NewDeleteRecordsRequestTopic()
		rt.Topic = "fuzz"
		rp := kmsg.NewDeleteRecordsRequestTopicPartition()
		rp.Partition = 1
		rt.Partitions = append(rt.Partitions, rp)
		r.Topics = append(r.Topics, rt)
		return r
	case 22:
		return &kmsg.InitProducerIDRequest{Version: v, ProducerID: -1, ProducerEpoch: -1}
	case 23:
		return offsetForEpochReq(v, "fuzz", 0, -1, 0)
	case 35:
		r := kmsg.NewPtrDescribeLogDirsRequest()
		r.Version = v
		return r
	}
	f.Fatalf("no seed for key %d", key)
	return nil
}

// boundWaits caps what a request could make its handler wait for.
func boundWaits(req kmsg.Request) {
	switch r := req.(type) {
	case *kmsg.ProduceRequest:
		r.TimeoutMillis = min(max(r.TimeoutMillis, 0), 50)
	case *kmsg.FetchRequest:
		r.MaxWaitMillis = min(max(r.MaxWaitMillis, 0), 50)
	case *kmsg.DeleteRecordsRequest:
		r.TimeoutMillis = min(max(r.TimeoutMillis, 0), 50)
	}
}

// FuzzDataHandlers decodes arbitrary bodies as data-path requests (at
// any registered version) and runs them through the real handlers of a
// running broker: no input may panic or leave a reply unsettled, and
// every response encodes and decodes at the request's version.
func FuzzDataHandlers(f *testing.F) {
	b := fuzzDataBroker(f)
	t, _ := b.Meta.Snapshot().Topic("fuzz")
	for i, key := range dataFuzzKeys {
		lo, hi, _ := DefaultRegistry.Range(key)
		for v := lo; v <= hi; v++ {
			f.Add(uint8(i), uint8(v), fuzzSeedRequest(f, key, v, t.ID).AppendTo(nil))
		}
	}
	f.Fuzz(func(t *testing.T, which, version uint8, body []byte) {
		key := dataFuzzKeys[int(which)%len(dataFuzzKeys)]
		e, ok := DefaultRegistry.lookup(key)
		if !ok {
			t.Fatalf("key %d not registered", key)
		}
		v := e.min + int16(version)%(e.max-e.min+1)
		if wiretest.MayLoopOnTagsAt(key, v, body) {
			t.Skip("kmsg spins on an oversized tag count (see wiretest.MayLoopOnTags)")
		}
		req := kmsg.RequestForKey(key)
		req.SetVersion(v)
		if req.ReadFrom(body) != nil {
			return
		}
		boundWaits(req)
		rc := &RequestContext{Key: key, Version: v, Broker: b, ClientID: "fuzz", Received: time.Now(),
			Conn: &ConnInfo{ID: "fuzz", Listener: "PLAINTEXT", SecurityProtocol: "PLAINTEXT"}, Logger: b.Log}
		reply := e.h(rc, req)
		if p := reply.Pending(); p != nil {
			select {
			case <-p.Done():
				reply = p.Result()
			case <-time.After(testTimeout):
				t.Fatalf("%s v%d: the reply never settled", kmsg.NameForKey(key), v)
			}
		}
		defer reply.release()
		resp := reply.Response()
		if resp == nil {
			if reply.IsNoResponse() || reply.CloseReason() != nil {
				return
			}
			t.Fatalf("%s v%d: an invalid reply", kmsg.NameForKey(key), v)
		}
		resp.SetVersion(v)
		out := kmsg.ResponseForKey(key)
		out.SetVersion(v)
		if err := out.ReadFrom(resp.AppendTo(nil)); err != nil {
			t.Fatalf("%s v%d: the response does not decode: %v", kmsg.NameForKey(key), v, err)
		}
	})
}
