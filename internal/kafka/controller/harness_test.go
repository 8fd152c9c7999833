package controller

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/meta"
	"github.com/wharf-project/wharf/internal/kafka/zkdata"
	"github.com/wharf-project/wharf/internal/kafka/zkdata/zktest"
)

func TestMain(m *testing.M) { zktest.Main(m) }

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func testLogger() *slog.Logger {
	if os.Getenv("WHARF_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return nil
}

// sent is one request the fake channel delivered.
type sent struct {
	broker int32
	req    kmsg.Request
}

// fakeBrokers is a BrokerChannel to brokers that accept every request:
// it records them, applies UpdateMetadata to a metadata cache per broker
// (the real one) and answers LeaderAndIsr and StopReplica with success.
type fakeBrokers struct {
	mu        sync.Mutex
	log       []sent
	caches    map[int32]*meta.Cache
	stopFails map[int32]bool // StopReplica answers KAFKA_STORAGE_ERROR
}

func newFakeBrokers() *fakeBrokers {
	return &fakeBrokers{caches: map[int32]*meta.Cache{}, stopFails: map[int32]bool{}}
}

func (f *fakeBrokers) cache(id int32) *meta.Cache {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.caches[id]
	if c == nil {
		c = meta.New(id)
		f.caches[id] = c
	}
	return c
}

func (f *fakeBrokers) Send(_ context.Context, id int32, req kmsg.Request) (kmsg.Response, error) {
	f.mu.Lock()
	f.log = append(f.log, sent{id, req})
	fails := f.stopFails[id]
	f.mu.Unlock()
	switch r := req.(type) {
	case *kmsg.UpdateMetadataRequest:
		f.cache(id).UpdateMetadata(r)
		return &kmsg.UpdateMetadataResponse{Version: r.Version}, nil
	case *kmsg.LeaderAndISRRequest:
		resp := &kmsg.LeaderAndISRResponse{Version: r.Version}
		for _, ts := range r.TopicStates {
			t := kmsg.LeaderAndISRResponseTopic{TopicID: ts.TopicID}
			for _, p := range ts.PartitionStates {
				t.Partitions = append(t.Partitions, kmsg.LeaderAndISRResponseTopicPartition{Partition: p.Partition})
			}
			resp.Topics = append(resp.Topics, t)
		}
		return resp, nil
	case *kmsg.StopReplicaRequest:
		resp := &kmsg.StopReplicaResponse{Version: r.Version}
		for _, t := range r.Topics {
			for _, p := range t.PartitionStates {
				code := int16(0)
				if fails {
					code = 56 // KAFKA_STORAGE_ERROR
				}
				resp.Partitions = append(resp.Partitions, kmsg.StopReplicaResponsePartition{Topic: t.Topic, Partition: p.Partition, ErrorCode: code})
			}
		}
		return resp, nil
	}
	return nil, fmt.Errorf("unexpected request %T", req)
}

// requests returns the requests of a kind (0: all) sent to broker (-1: any).
func (f *fakeBrokers) requests(key int16, broker int32) []kmsg.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []kmsg.Request
	for _, s := range f.log {
		if (key < 0 || s.req.Key() == key) && (broker < 0 || s.broker == broker) {
			out = append(out, s.req)
		}
	}
	return out
}

// cluster is one ZooKeeper server (or chroot) with brokers on it.
type cluster struct {
	t       *testing.T
	srv     zktest.Server
	chroot  string
	channel *fakeBrokers
}

func newCluster(t *testing.T, srv zktest.Server, chroot string) *cluster {
	return &cluster{t: t, srv: srv, chroot: chroot, channel: newFakeBrokers()}
}

func (cl *cluster) dial() *zkdata.Client {
	cl.t.Helper()
	zk, err := zkdata.Dial(ctxT(cl.t), zkdata.Config{Connect: cl.srv.Connect(cl.chroot), SessionTimeout: 2 * time.Second})
	if err != nil {
		cl.t.Fatal(err)
	}
	if err := zk.CreateTopLevelPaths(ctxT(cl.t)); err != nil {
		cl.t.Fatal(err)
	}
	cl.t.Cleanup(func() { zk.Close() })
	return zk
}

func brokerInfo(id int32, rack *string) zkdata.BrokerInfo {
	return zkdata.BrokerInfo{ID: id, Version: 5, JMXPort: -1, Timestamp: 1700000000000, Rack: rack,
		EndPoints: []zkdata.EndPoint{{Listener: "PLAINTEXT", Host: "127.0.0.1", Port: 9000 + id, SecurityProtocol: "PLAINTEXT"}}}
}

// broker is a broker with a controller (and its ZooKeeper session).
type broker struct {
	id   int32
	zk   *zkdata.Client
	ctrl *Controller
}

func (cl *cluster) startBroker(id int32, tweak func(*Config)) *broker {
	cl.t.Helper()
	zk := cl.dial()
	cfg := Config{Broker: brokerInfo(id, nil), ZK: zk, Channel: cl.channel, DeleteTopicEnable: true, Logger: testLogger()}
	if tweak != nil {
		tweak(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		cl.t.Fatal(err)
	}
	if err := c.Start(ctxT(cl.t)); err != nil {
		cl.t.Fatal(err)
	}
	cl.t.Cleanup(func() { c.Close() })
	return &broker{id: id, zk: zk, ctrl: c}
}

// registerFake registers a broker without a controller: a plain
// registration on a session of its own. Closing the client kills it.
func (cl *cluster) registerFake(id int32, rack *string) *zkdata.Client {
	cl.t.Helper()
	zk := cl.dial()
	if _, err := zk.RegisterBroker(ctxT(cl.t), brokerInfo(id, rack)); err != nil {
		cl.t.Fatal(err)
	}
	return zk
}

func (cl *cluster) admin(zk *zkdata.Client, tweak func(*AdminConfig)) *Admin {
	cfg := AdminConfig{ZK: zk, DeleteTopicEnable: true, Rand: func(int) int { return 0 }}
	if tweak != nil {
		tweak(&cfg)
	}
	return NewAdmin(cfg)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	zktest.WaitFor(t, 20*time.Second, what, cond)
}

// state reads a partition's state znode.
func state(t *testing.T, zk *zkdata.Client, topic string, p int32) (zkdata.PartitionState, string) {
	t.Helper()
	data, stat, err := zk.Get(ctxT(t), zkdata.PartitionStatePath(topic, p))
	if err != nil {
		return zkdata.PartitionState{}, ""
	}
	s, err := zkdata.DecodePartitionState(data, stat.Version)
	if err != nil {
		t.Fatal(err)
	}
	return s, string(data)
}

// leaderIs waits until the broker's metadata cache shows leader for the partition.
func (cl *cluster) waitLeader(cache int32, topic string, p int32, leader int32) {
	cl.t.Helper()
	waitFor(cl.t, fmt.Sprintf("broker %d to see leader %d for %s-%d", cache, leader, topic, p), func() bool {
		part, ok := cl.channel.cache(cache).Snapshot().Partition(topic, p)
		return ok && part.Leader == leader
	})
}
