package zkdata

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/kafka/zkdata/zktest"
	"github.com/wharf-project/wharf/internal/zk/client"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

func TestMain(m *testing.M) { zktest.Main(m) }

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func dialT(t *testing.T, connect string) *Client {
	t.Helper()
	c, err := Dial(ctxT(t), Config{Connect: connect, SessionTimeout: 2 * time.Second, Now: func() int64 { return 1700000000000 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// raw is a plain client on the server root (no chroot), to see what a
// ZooKeeper tool sees.
func raw(t *testing.T, addr string) *client.Client {
	t.Helper()
	zk, err := client.Connect(client.Config{Servers: addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zk.Close() })
	if err := zk.WaitConnected(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	return zk
}

func broker(id int32, port int32) BrokerInfo {
	return BrokerInfo{ID: id, Version: 5, JMXPort: -1, Timestamp: 1700000000000,
		EndPoints: []EndPoint{{Listener: "PLAINTEXT", Host: "127.0.0.1", Port: port, SecurityProtocol: "PLAINTEXT"}}}
}

func TestStartupZnodes(t *testing.T) {
	zktest.Servers(t, func(t *testing.T, srv zktest.Server) {
		ctx := ctxT(t)
		c := dialT(t, srv.Connect("/kafka"))
		if err := c.CreateTopLevelPaths(ctx); err != nil {
			t.Fatal(err)
		}
		if err := c.CreateTopLevelPaths(ctx); err != nil { // idempotent
			t.Fatal(err)
		}
		zk := raw(t, srv.Addr)
		for _, p := range PersistentPaths {
			if s, err := zk.Exists(ctx, srv.Root+"/kafka"+p, nil); err != nil || s == nil {
				t.Fatalf("%s missing: %v", p, err)
			}
		}
		kids, _ := zk.Children(ctx, srv.Root+"/kafka/config", nil)
		slices.Sort(kids)
		if want := []string{"brokers", "changes", "clients", "ips", "topics", "users"}; !slices.Equal(kids, want) {
			t.Fatalf("/config children %v", kids)
		}
		id, err := c.GetOrCreateClusterID(ctx)
		if err != nil || len(id) != 22 {
			t.Fatalf("cluster id %q %v", id, err)
		}
		again, err := dialT(t, srv.Connect("/kafka")).GetOrCreateClusterID(ctx)
		if err != nil || again != id {
			t.Fatalf("second broker got cluster id %q, want %q (%v)", again, id, err)
		}
		data, _, err := zk.Get(ctx, srv.Root+"/kafka/cluster/id", nil)
		if err != nil || string(data) != `{"version":"1","id":"`+id+`"}` {
			t.Fatalf("/cluster/id = %s %v", data, err)
		}
		for want := int32(1); want <= 3; want++ {
			got, err := c.GenerateBrokerSequenceID(ctx)
			if err != nil || got != want {
				t.Fatalf("seq id %d %v, want %d", got, err, want)
			}
		}
		if id, err := c.GenerateBrokerID(ctx, 1000); err != nil || id != 1004 {
			t.Fatalf("generated broker id %d %v", id, err)
		}
	})
}

func TestRegisterBroker(t *testing.T) {
	zktest.Servers(t, func(t *testing.T, srv zktest.Server) {
		ctx := ctxT(t)
		c := dialT(t, srv.Connect(""))
		if err := c.CreateTopLevelPaths(ctx); err != nil {
			t.Fatal(err)
		}
		b := broker(1, 9092)
		epoch, err := c.RegisterBroker(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		data, stat, err := raw(t, srv.Addr).Get(ctx, srv.Root+"/brokers/ids/1", nil)
		if err != nil {
			t.Fatal(err)
		}
		want := `{"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://127.0.0.1:9092"],"jmx_port":-1,"port":9092,"host":"127.0.0.1","version":5,"timestamp":"1700000000000"}`
		if string(data) != want || stat.Version != 1 || stat.Czxid != epoch || stat.EphemeralOwner != c.SessionID() {
			t.Fatalf("registration %s %+v epoch %d", data, stat, epoch)
		}
		// The same session registering again (a retried create) is fine.
		if again, err := c.RegisterBroker(ctx, b); err != nil || again != epoch {
			t.Fatalf("re-register: %d %v", again, err)
		}
		// Another broker with the same id is refused.
		other := dialT(t, srv.Connect(""))
		_, err = other.RegisterBroker(ctx, broker(1, 9093))
		if !errors.Is(err, ErrBrokerRegistered) || !errors.Is(err, jute.NodeExists) {
			t.Fatalf("duplicate broker.id: %v", err)
		}
		// ...and one advertising the same endpoint under another id too.
		all, err := other.GetAllBrokerAndEpochs(ctx)
		if err != nil || len(all) != 1 || all[0].Epoch != epoch {
			t.Fatalf("brokers %+v %v", all, err)
		}
		if err := CheckEndpointsUnique(all, broker(2, 9092)); err == nil {
			t.Fatal("endpoint clash not detected")
		}
		if err := CheckEndpointsUnique(all, broker(2, 9094)); err != nil {
			t.Fatal(err)
		}
		// Once the first broker's session ends, the id is free.
		c.Close()
		if _, err := other.RegisterBroker(ctx, broker(1, 9093)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSessionRenewalKeepsWatchesAndReregisters(t *testing.T) {
	zktest.Servers(t, func(t *testing.T, srv zktest.Server) {
		ctx := ctxT(t)
		c := dialT(t, srv.Connect("/k"))
		if err := c.CreateTopLevelPaths(ctx); err != nil {
			t.Fatal(err)
		}
		var renewed atomic.Int32
		c.OnSession("registration", SessionHandler{After: func() {
			if _, err := c.RegisterBroker(context.Background(), broker(3, 9092)); err == nil {
				renewed.Add(1)
			}
		}})
		var events atomic.Int32
		if err := c.Watch(ctx, BrokerIDsPath, func(e client.Event) {
			if e.Type == jute.EventNodeChildrenChanged {
				events.Add(1)
			}
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.RegisterBroker(ctx, broker(3, 9092)); err != nil {
			t.Fatal(err)
		}
		zktest.WaitFor(t, 10*time.Second, "child event", func() bool { return events.Load() >= 1 })
		old := c.SessionID()
		zktest.Expire(t, srv.Addr, c.Session())
		zktest.WaitFor(t, 20*time.Second, "re-registration", func() bool { return renewed.Load() == 1 })
		if c.SessionID() == old {
			t.Fatal("session not replaced")
		}
		_, stat, err := c.Get(ctx, BrokerPath(3))
		if err != nil || stat.EphemeralOwner != c.SessionID() {
			t.Fatalf("registration after renewal: %+v %v", stat, err)
		}
		// The watch was set again on the new session.
		n := events.Load()
		other := dialT(t, srv.Connect("/k"))
		if _, err := other.RegisterBroker(ctx, broker(4, 9093)); err != nil {
			t.Fatal(err)
		}
		zktest.WaitFor(t, 10*time.Second, "child event on the new session", func() bool { return events.Load() > n })
	})
}

func TestControllerElectionAndFencing(t *testing.T) {
	zktest.Servers(t, func(t *testing.T, srv zktest.Server) {
		ctx := ctxT(t)
		a, b := dialT(t, srv.Connect("")), dialT(t, srv.Connect(""))
		epoch, ver, err := a.RegisterControllerAndIncrementEpoch(ctx, 1)
		if err != nil || epoch != 1 || ver != 1 {
			t.Fatalf("first election: epoch %d version %d %v", epoch, ver, err)
		}
		if id, ok, err := b.GetControllerID(ctx); err != nil || !ok || id != 1 {
			t.Fatalf("controller %d %v %v", id, ok, err)
		}
		data, _, _ := b.Get(ctx, ControllerPath)
		if string(data) != `{"version":1,"brokerid":1,"timestamp":"1700000000000"}` {
			t.Fatalf("/controller = %s", data)
		}
		if _, _, err := b.RegisterControllerAndIncrementEpoch(ctx, 2); !errors.Is(err, ErrControllerMoved) {
			t.Fatalf("second candidate: %v", err)
		}
		// The controller's fenced writes go through while it holds the epoch.
		if err := a.CreateRecursive(ctx, TopicsPath, nil, false); err != nil {
			t.Fatal(err)
		}
		if err := a.CreateTopicAssignment(ctx, TopicAssignment{Topic: "t", Partitions: map[int32]ReplicaAssignment{0: {Replicas: []int32{1}}}}); err != nil {
			t.Fatal(err)
		}
		st := map[TopicPartition]PartitionState{{"t", 0}: {LeaderAndIsr: LeaderAndIsr{Leader: 1, ISR: []int32{1}}, ControllerEpoch: epoch}}
		if res, err := a.CreatePartitionStates(ctx, st, ver); err != nil || res[TopicPartition{"t", 0}] != nil {
			t.Fatalf("create state: %v %v", res, err)
		}
		// The first controller's session ends; the second takes over.
		a.Close()
		epoch2, ver2, err := b.RegisterControllerAndIncrementEpoch(ctx, 2)
		if err != nil || epoch2 != 2 || ver2 != 2 {
			t.Fatalf("takeover: epoch %d version %d %v", epoch2, ver2, err)
		}
		// A write fenced with the old epoch's version is refused.
		stale := dialT(t, srv.Connect(""))
		_, _, _, err = stale.UpdateLeaderAndIsr(ctx, map[TopicPartition]LeaderAndIsr{{"t", 0}: {Leader: 1, LeaderEpoch: 1, ISR: []int32{1}, ZkVersion: 0}}, epoch, ver)
		if !errors.Is(err, ErrControllerMoved) {
			t.Fatalf("stale controller write: %v", err)
		}
		done, failed, retry, err := b.UpdateLeaderAndIsr(ctx, map[TopicPartition]LeaderAndIsr{{"t", 0}: {Leader: 1, LeaderEpoch: 1, ISR: []int32{1}, ZkVersion: 0}}, epoch2, ver2)
		if err != nil || len(failed) != 0 || len(retry) != 0 || done[TopicPartition{"t", 0}].ZkVersion != 1 {
			t.Fatalf("update: %v %v %v %v", done, failed, retry, err)
		}
		// A stale partition zkVersion asks for a retry.
		_, _, retry, err = b.UpdateLeaderAndIsr(ctx, map[TopicPartition]LeaderAndIsr{{"t", 0}: {Leader: 1, LeaderEpoch: 2, ISR: []int32{1}, ZkVersion: 0}}, epoch2, ver2)
		if err != nil || len(retry) != 1 {
			t.Fatalf("stale zkVersion: %v %v", retry, err)
		}
		states, err := b.GetPartitionStates(ctx, []TopicPartition{{"t", 0}, {"t", 1}})
		if err != nil || len(states) != 1 || states[TopicPartition{"t", 0}].LeaderEpoch != 1 || states[TopicPartition{"t", 0}].ControllerEpoch != 2 {
			t.Fatalf("states %+v %v", states, err)
		}
	})
}
