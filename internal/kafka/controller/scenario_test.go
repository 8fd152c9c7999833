package controller

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/zkdata"
	"github.com/wharf-project/wharf/internal/kafka/zkdata/zktest"
)

func strp(s string) *string { return &s }

// One broker on its own: it becomes controller; topics are created,
// grown and deleted through the admin operations; the znodes are exactly
// what Kafka 2.8 writes.
func TestSingleBrokerTopicLifecycle(t *testing.T) {
	zktest.Servers(t, func(t *testing.T, srv zktest.Server) {
		ctx := ctxT(t)
		cl := newCluster(t, srv, "/kafka")
		b := cl.startBroker(0, nil)
		waitFor(t, "controller election", b.ctrl.IsActive)
		if b.ctrl.Epoch() != 1 || b.ctrl.ActiveControllerID() != 0 {
			t.Fatalf("epoch %d active %d", b.ctrl.Epoch(), b.ctrl.ActiveControllerID())
		}
		admin := cl.admin(b.zk, func(c *AdminConfig) {
			c.ValidateConfig = func(_ string, cfg map[string]string) error {
				if v, ok := cfg["retention.ms"]; ok && strings.HasPrefix(v, "-2") {
					return errors.New("kconfig: Invalid value " + v + " for configuration retention.ms")
				}
				return nil
			}
		})
		res := admin.CreateTopics(ctx, []CreateTopic{{Name: "orders", NumPartitions: 3, ReplicationFactor: 1,
			Configs: []ConfigValue{{Name: "retention.ms", Value: strp("1000")}, {Name: "cleanup.policy", Value: strp("compact")}}}}, false)
		if res[0].ErrorCode != 0 || res[0].TopicID.IsZero() || res[0].NumPartitions != 3 || res[0].ReplicationFactor != 1 {
			t.Fatalf("create: %+v %v", res[0], res[0].ErrorMessage)
		}
		for p := int32(0); p < 3; p++ {
			cl.waitLeader(0, "orders", p, 0)
		}
		snap := cl.channel.cache(0).Snapshot()
		if tp, ok := snap.TopicByID(res[0].TopicID); !ok || tp.Name != "orders" || snap.ControllerID() != 0 {
			t.Fatal("metadata cache lacks the topic id or controller")
		}
		// The znodes, byte for byte.
		_, js := state(t, b.zk, "orders", 1)
		if js != `{"controller_epoch":1,"leader":0,"version":1,"leader_epoch":0,"isr":[0]}` {
			t.Fatalf("partition state %s", js)
		}
		data, _, _ := b.zk.Get(ctx, zkdata.TopicPath("orders"))
		if want := `{"partitions":{"0":[0],"1":[0],"2":[0]},"topic_id":"` + res[0].TopicID.String() + `","adding_replicas":{},"removing_replicas":{},"version":3}`; string(data) != want {
			t.Fatalf("topic znode %s", data)
		}
		data, _, _ = b.zk.Get(ctx, zkdata.ConfigEntityPath("topics", "orders"))
		if string(data) != `{"version":1,"config":{"cleanup.policy":"compact","retention.ms":"1000"}}` {
			t.Fatalf("config znode %s", data)
		}
		data, _, _ = b.zk.Get(ctx, zkdata.ControllerEpochPath)
		if string(data) != "1" {
			t.Fatalf("controller epoch %s", data)
		}
		// LeaderAndIsr went out with isNew and the topic id.
		las := cl.channel.requests(4, 0)
		if len(las) == 0 {
			t.Fatal("no LeaderAndIsr")
		}
		la := las[0].(*kmsg.LeaderAndISRRequest)
		if la.TopicStates[0].TopicID != res[0].TopicID || !la.TopicStates[0].PartitionStates[0].IsNew || la.ControllerEpoch != 1 {
			t.Fatalf("LeaderAndIsr %+v", la)
		}

		// Errors as Kafka reports them.
		for _, tc := range []struct {
			topic CreateTopic
			code  int16
			msg   string
		}{
			{CreateTopic{Name: "orders", NumPartitions: 1, ReplicationFactor: 1}, kerr.TopicAlreadyExists.Code, "Topic 'orders' already exists."},
			{CreateTopic{Name: "x", NumPartitions: 1, ReplicationFactor: 3}, kerr.InvalidReplicationFactor.Code, "Replication factor: 3 larger than available brokers: 1."},
			{CreateTopic{Name: "x", NumPartitions: 0, ReplicationFactor: 1}, kerr.InvalidPartitions.Code, "Number of partitions must be larger than 0."},
			{CreateTopic{Name: "bad name", NumPartitions: 1, ReplicationFactor: 1}, kerr.InvalidTopicException.Code, `Topic name "bad name" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`},
			{CreateTopic{Name: "x", NumPartitions: -1, ReplicationFactor: -1, Assignments: map[int32][]int32{0: {0, 0}}}, kerr.InvalidReplicaAssignment.Code, "Duplicate replica assignment found: HashMap(0 -> ArrayBuffer(0, 0))"},
			{CreateTopic{Name: "x", NumPartitions: -1, ReplicationFactor: -1, Assignments: map[int32][]int32{1: {0}}}, kerr.InvalidReplicaAssignment.Code, "partitions should be a consecutive 0-based integer sequence"},
			{CreateTopic{Name: "x", NumPartitions: 2, ReplicationFactor: -1, Assignments: map[int32][]int32{0: {0}}}, kerr.InvalidRequest.Code, "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time."},
			{CreateTopic{Name: "x", NumPartitions: 1, ReplicationFactor: 1, Configs: []ConfigValue{{Name: "a"}, {Name: "b"}}}, kerr.InvalidRequest.Code, "Null value not supported for topic configs : a,b"},
			{CreateTopic{Name: "x", NumPartitions: 1, ReplicationFactor: 1, Configs: []ConfigValue{{Name: "retention.ms", Value: strp("-2")}}}, kerr.InvalidConfig.Code, "Invalid value -2 for configuration retention.ms"},
		} {
			r := admin.CreateTopics(ctx, []CreateTopic{tc.topic}, false)[0]
			if r.ErrorCode != tc.code || r.ErrorMessage == nil || *r.ErrorMessage != tc.msg {
				t.Errorf("%+v: code %d message %v", tc.topic, r.ErrorCode, *r.ErrorMessage)
			}
		}
		if ok, _ := b.zk.TopicExists(ctx, "x"); ok {
			t.Fatal("a failed creation left a topic")
		}
		// validateOnly writes nothing; a colliding name is refused.
		if r := admin.CreateTopics(ctx, []CreateTopic{{Name: "dry", NumPartitions: 2, ReplicationFactor: 1}}, true)[0]; r.ErrorCode != 0 || r.NumPartitions != 2 {
			t.Fatalf("validateOnly %+v", r)
		}
		if ok, _ := b.zk.TopicExists(ctx, "dry"); ok {
			t.Fatal("validateOnly created the topic")
		}
		admin.CreateTopics(ctx, []CreateTopic{{Name: "a.b", NumPartitions: 1, ReplicationFactor: 1}}, false)
		if r := admin.CreateTopics(ctx, []CreateTopic{{Name: "a_b", NumPartitions: 1, ReplicationFactor: 1}}, false)[0]; r.ErrorCode != kerr.InvalidTopicException.Code || *r.ErrorMessage != "Topic 'a_b' collides with existing topics: a.b" {
			t.Fatalf("collision: %+v", r)
		}

		// CreatePartitions.
		pr := admin.CreatePartitions(ctx, []NewPartitions{{Topic: "orders", Count: 5}}, false)[0]
		if pr.ErrorCode != 0 || len(pr.Assignment) != 5 {
			t.Fatalf("create partitions %+v %v", pr, pr.ErrorMessage)
		}
		cl.waitLeader(0, "orders", 4, 0)
		for _, tc := range []struct {
			req  NewPartitions
			code int16
			msg  string
		}{
			{NewPartitions{Topic: "orders", Count: 2}, kerr.InvalidPartitions.Code, "Topic currently has 5 partitions, which is higher than the requested 2."},
			{NewPartitions{Topic: "orders", Count: 5}, kerr.InvalidPartitions.Code, "Topic already has 5 partitions."},
			{NewPartitions{Topic: "nope", Count: 5}, kerr.UnknownTopicOrPartition.Code, "The topic 'nope' does not exist."},
			{NewPartitions{Topic: "orders", Count: 6, Assignment: [][]int32{{7}}}, kerr.InvalidReplicaAssignment.Code, "Unknown broker(s) in replica assignment: 7."},
			{NewPartitions{Topic: "orders", Count: 7, Assignment: [][]int32{{0}}}, kerr.InvalidReplicaAssignment.Code, "Increasing the number of partitions by 2 but 1 assignments provided."},
		} {
			r := admin.CreatePartitions(ctx, []NewPartitions{tc.req}, false)[0]
			if r.ErrorCode != tc.code || r.ErrorMessage == nil || *r.ErrorMessage != tc.msg {
				t.Errorf("%+v: %d %v", tc.req, r.ErrorCode, r.ErrorMessage)
			}
		}

		// DeleteTopics: the replicas get StopReplica with delete, then the
		// znodes go and the topic leaves the metadata cache.
		if r := admin.DeleteTopics(ctx, []string{"orders", "nope"}); r[0].ErrorCode != 0 || r[1].ErrorCode != kerr.UnknownTopicOrPartition.Code {
			t.Fatalf("delete %+v", r)
		}
		waitFor(t, "topic deletion", func() bool {
			for _, p := range []string{zkdata.TopicPath("orders"), zkdata.ConfigEntityPath("topics", "orders"), zkdata.DeleteTopicPath("orders")} {
				if s, _ := b.zk.Exists(ctx, p); s != nil {
					return false
				}
			}
			return !cl.channel.cache(0).Snapshot().Contains("orders")
		})
		var deleted []int32
		for _, r := range cl.channel.requests(5, 0) {
			for _, tp := range r.(*kmsg.StopReplicaRequest).Topics {
				for _, ps := range tp.PartitionStates {
					if tp.Topic == "orders" && ps.Delete && ps.LeaderEpoch == -2 {
						deleted = append(deleted, ps.Partition)
					}
				}
			}
		}
		slices.Sort(deleted)
		if !slices.Equal(slices.Compact(deleted), []int32{0, 1, 2, 3, 4}) {
			t.Fatalf("StopReplica with delete for %v", deleted)
		}
		// The name can be used again.
		if r := admin.CreateTopics(ctx, []CreateTopic{{Name: "orders", NumPartitions: 1, ReplicationFactor: 1}}, false)[0]; r.ErrorCode != 0 {
			t.Fatalf("re-create %+v", r)
		}
		cl.waitLeader(0, "orders", 0, 0)
		if r := cl.admin(b.zk, func(c *AdminConfig) { c.DeleteTopicEnable = false }).DeleteTopics(ctx, []string{"orders"}); r[0].ErrorCode != kerr.TopicDeletionDisabled.Code {
			t.Fatalf("deletion disabled: %+v", r)
		}
	})
}

// Two brokers with controllers on one ZooKeeper: when the first
// controller's session ends, the second takes over with a higher epoch,
// and the first's writes are fenced.
func TestControllerFailover(t *testing.T) {
	zktest.Servers(t, func(t *testing.T, srv zktest.Server) {
		ctx := ctxT(t)
		cl := newCluster(t, srv, "/kafka")
		b1 := cl.startBroker(1, nil)
		waitFor(t, "first election", b1.ctrl.IsActive)
		b2 := cl.startBroker(2, nil)
		waitFor(t, "second broker to see the controller", func() bool { return b2.ctrl.ActiveControllerID() == 1 })
		if b2.ctrl.IsActive() {
			t.Fatal("two active controllers")
		}
		admin := cl.admin(b2.zk, nil)
		res := admin.CreateTopics(ctx, []CreateTopic{{Name: "t", NumPartitions: -1, ReplicationFactor: -1, Assignments: map[int32][]int32{0: {1, 2}, 1: {2, 1}}}}, false)
		if res[0].ErrorCode != 0 {
			t.Fatalf("%+v", res[0])
		}
		cl.waitLeader(2, "t", 0, 1)
		cl.waitLeader(2, "t", 1, 2)
		oldEpoch := b1.ctrl.Epoch()
		_, oldVersion, _, _ := b1.zk.GetControllerEpoch(ctx)

		zktest.Expire(t, srv.Addr, b1.zk.Session())
		waitFor(t, "takeover", func() bool { return b2.ctrl.IsActive() })
		if b2.ctrl.Epoch() != oldEpoch+1 {
			t.Fatalf("new epoch %d after %d", b2.ctrl.Epoch(), oldEpoch)
		}
		// Broker 1 comes back on a new session, re-registers, and follows.
		waitFor(t, "re-registration", func() bool {
			_, stat, err := b2.zk.Get(ctx, zkdata.BrokerPath(1))
			return err == nil && stat.EphemeralOwner == b1.zk.SessionID()
		})
		waitFor(t, "broker 1 to follow", func() bool { return b1.ctrl.ActiveControllerID() == 2 && !b1.ctrl.IsActive() })
		// Partition 0 lost its leader with broker 1's session and got broker
		// 2; after broker 1's return the controller tells it, and leaders
		// stay (no preferred election).
		cl.waitLeader(2, "t", 0, 2)
		cl.waitLeader(1, "t", 0, 2)
		st, _ := state(t, b2.zk, "t", 0)
		if st.ControllerEpoch != oldEpoch+1 {
			t.Fatalf("partition state written by epoch %d", st.ControllerEpoch)
		}
		// A write fenced with the old controller's epoch version is refused.
		_, _, _, err := b1.zk.UpdateLeaderAndIsr(ctx, map[TopicPartition]LeaderAndIsr{{Topic: "t", Partition: 0}: st.LeaderAndIsr}, oldEpoch, oldVersion)
		if !errors.Is(err, zkdata.ErrControllerMoved) {
			t.Fatalf("stale controller write: %v", err)
		}
		if s := b2.ctrl.Stats(); !s.Active || s.GlobalTopics != 1 || s.GlobalPartitions != 2 {
			t.Fatalf("stats %+v", s)
		}
	})
}

// Fake brokers register and die; leadership moves to live ISR members,
// ISRs shrink, and a lone replica's partition goes offline (leader -1)
// until its broker returns.
func TestBrokerFailuresMoveLeaders(t *testing.T) {
	srv := zktest.Server{Addr: zktest.Wharf(t)}
	ctx := ctxT(t)
	cl := newCluster(t, srv, "")
	ctrl := cl.startBroker(1, nil)
	waitFor(t, "election", ctrl.ctrl.IsActive)
	b2 := cl.registerFake(2, nil)
	b3 := cl.registerFake(3, nil)
	waitFor(t, "brokers 2 and 3 live", func() bool { return len(cl.channel.cache(1).Snapshot().Brokers()) == 3 })
	admin := cl.admin(ctrl.zk, nil)
	r := admin.CreateTopics(ctx, []CreateTopic{{Name: "t", NumPartitions: -1, ReplicationFactor: -1,
		Assignments: map[int32][]int32{0: {2, 3, 1}, 1: {3, 1, 2}}}}, false)[0]
	if r.ErrorCode != 0 {
		t.Fatalf("%+v", r)
	}
	// t-2 stands for a topic with one replica on broker 2.
	if r := admin.CreateTopics(ctx, []CreateTopic{{Name: "solo", NumPartitions: -1, ReplicationFactor: -1, Assignments: map[int32][]int32{0: {2}}}}, false)[0]; r.ErrorCode != 0 {
		t.Fatalf("%+v", r)
	}
	cl.waitLeader(1, "t", 0, 2)
	cl.waitLeader(1, "t", 1, 3)
	cl.waitLeader(1, "solo", 0, 2)

	b2.Close()
	cl.waitLeader(1, "t", 0, 3)
	cl.waitLeader(1, "solo", 0, -1)
	st, _ := state(t, ctrl.zk, "t", 0)
	if st.Leader != 3 || !slices.Equal(st.ISR, []int32{3, 1}) || st.LeaderEpoch != 1 {
		t.Fatalf("t-0 after broker 2 died: %+v", st)
	}
	st, js := state(t, ctrl.zk, "solo", 0)
	if js != `{"controller_epoch":1,"leader":-1,"version":1,"leader_epoch":1,"isr":[2]}` {
		t.Fatalf("solo-0 (only replica died): %s", js)
	}
	md := cl.channel.cache(1).Snapshot().TopicMetadata([]string{"t", "solo"}, "PLAINTEXT", false, true)
	if md[1].Partitions[0].ErrorCode != kerr.LeaderNotAvailable.Code || !slices.Equal(md[0].Partitions[1].OfflineReplicas, []int32{2}) {
		t.Fatalf("metadata %+v", md)
	}
	if s := ctrl.ctrl.Stats(); s.OfflinePartitions != 1 || s.PreferredReplicaImbalance != 2 {
		t.Fatalf("stats %+v", s)
	}

	// Broker 2 returns: its lone partition comes back; others keep leaders.
	b2 = cl.registerFake(2, nil)
	cl.waitLeader(1, "solo", 0, 2)
	cl.waitLeader(2, "t", 0, 3)
	st, _ = state(t, ctrl.zk, "solo", 0)
	if st.Leader != 2 || st.LeaderEpoch != 2 || !slices.Equal(st.ISR, []int32{2}) {
		t.Fatalf("solo-0 after return: %+v", st)
	}
	// The returning broker got LeaderAndIsr for all its replicas.
	got := map[string]bool{}
	for _, req := range cl.channel.requests(4, 2) {
		for _, ts := range req.(*kmsg.LeaderAndISRRequest).TopicStates {
			for _, p := range ts.PartitionStates {
				got[fmt.Sprint(ts.Topic, p.Partition, "/", p.Leader)] = true
			}
		}
	}
	for _, want := range []string{"t0/3", "t1/3", "solo0/2"} {
		if !got[want] {
			t.Fatalf("broker 2 LeaderAndIsr %v lacks %s", got, want)
		}
	}

	// Both 2 and 3 die: t-1 [3,1,2] falls to 1.
	b2.Close()
	b3.Close()
	cl.waitLeader(1, "t", 1, 1)
	cl.waitLeader(1, "t", 0, 1)
	st, _ = state(t, ctrl.zk, "t", 1)
	if !slices.Equal(st.ISR, []int32{1}) {
		t.Fatalf("t-1 isr %v", st.ISR)
	}
}

// With unclean.leader.election.enable=true on the topic, a live replica
// outside the ISR takes over; without it the partition stays offline.
func TestUncleanLeaderElection(t *testing.T) {
	srv := zktest.Server{Addr: zktest.Wharf(t)}
	ctx := ctxT(t)
	cl := newCluster(t, srv, "")
	ctrl := cl.startBroker(1, nil)
	waitFor(t, "election", ctrl.ctrl.IsActive)
	b2 := cl.registerFake(2, nil)
	waitFor(t, "broker 2 live", func() bool { return len(cl.channel.cache(1).Snapshot().Brokers()) == 2 })
	admin := cl.admin(ctrl.zk, nil)
	for _, topic := range []string{"clean", "unclean"} {
		var cfg []ConfigValue
		if topic == "unclean" {
			cfg = []ConfigValue{{Name: "unclean.leader.election.enable", Value: strp("true")}}
		}
		if r := admin.CreateTopics(ctx, []CreateTopic{{Name: topic, NumPartitions: -1, ReplicationFactor: -1,
			Assignments: map[int32][]int32{0: {2, 1}}, Configs: cfg}}, false)[0]; r.ErrorCode != 0 {
			t.Fatalf("%+v", r)
		}
		cl.waitLeader(1, topic, 0, 2)
		// The leader drops broker 1 from the ISR and tells the controller.
		st, _ := state(t, b2, topic, 0)
		st.ISR = []int32{2}
		st.LeaderEpoch++
		if _, err := b2.UpdatePartitionState(ctx, TopicPartition{Topic: topic, Partition: 0}, st); err != nil {
			t.Fatal(err)
		}
		if err := b2.PropagateIsrChanges(ctx, []TopicPartition{{Topic: topic, Partition: 0}}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "ISR change to reach the metadata", func() bool {
			p, ok := cl.channel.cache(1).Snapshot().Partition(topic, 0)
			return ok && slices.Equal(p.ISR, []int32{2})
		})
	}
	waitFor(t, "notifications consumed", func() bool {
		kids, _ := ctrl.zk.Children(ctx, zkdata.IsrChangeNotificationPath)
		return len(kids) == 0
	})
	b2.Close()
	cl.waitLeader(1, "unclean", 0, 1)
	cl.waitLeader(1, "clean", 0, -1)
	st, _ := state(t, ctrl.zk, "unclean", 0)
	if !slices.Equal(st.ISR, []int32{1}) {
		t.Fatalf("unclean isr %v", st.ISR)
	}
}

// A topic whose replica sits on a dead broker is deleted once the broker
// returns; meanwhile its deletion waits.
func TestTopicDeletionWaitsForDeadReplica(t *testing.T) {
	srv := zktest.Server{Addr: zktest.Wharf(t)}
	ctx := ctxT(t)
	cl := newCluster(t, srv, "")
	ctrl := cl.startBroker(1, nil)
	waitFor(t, "election", ctrl.ctrl.IsActive)
	b2 := cl.registerFake(2, nil)
	waitFor(t, "broker 2 live", func() bool { return len(cl.channel.cache(1).Snapshot().Brokers()) == 2 })
	admin := cl.admin(ctrl.zk, nil)
	if r := admin.CreateTopics(ctx, []CreateTopic{{Name: "d", NumPartitions: -1, ReplicationFactor: -1, Assignments: map[int32][]int32{0: {1, 2}}}}, false)[0]; r.ErrorCode != 0 {
		t.Fatalf("%+v", r)
	}
	cl.waitLeader(1, "d", 0, 1)
	b2.Close()
	waitFor(t, "broker 2 dead", func() bool { return len(cl.channel.cache(1).Snapshot().Brokers()) == 1 })
	if r := admin.DeleteTopics(ctx, []string{"d"}); r[0].ErrorCode != 0 {
		t.Fatalf("%+v", r)
	}
	waitFor(t, "deletion to stall", func() bool { return ctrl.ctrl.Stats().TopicsIneligibleToDelete == 1 })
	if ok, _ := ctrl.zk.TopicExists(ctx, "d"); !ok {
		t.Fatal("deleted with a replica offline")
	}
	if cl.channel.cache(1).Snapshot().Contains("d") {
		t.Fatal("brokers were not told the topic is going")
	}
	cl.registerFake(2, nil)
	waitFor(t, "deletion after the broker returned", func() bool {
		ok, _ := ctrl.zk.TopicExists(ctx, "d")
		return !ok
	})
}

// Rack-aware assignment through the admin path, with racks from the
// registrations.
func TestCreateTopicRackAware(t *testing.T) {
	srv := zktest.Server{Addr: zktest.Wharf(t)}
	ctx := ctxT(t)
	cl := newCluster(t, srv, "")
	ctrl := cl.startBroker(0, func(c *Config) { c.Broker.Rack = strp("a") })
	waitFor(t, "election", ctrl.ctrl.IsActive)
	cl.registerFake(1, strp("b"))
	cl.registerFake(2, strp("a"))
	cl.registerFake(3, strp("b"))
	r := cl.admin(ctrl.zk, nil).CreateTopics(ctx, []CreateTopic{{Name: "r", NumPartitions: 4, ReplicationFactor: 2}}, false)[0]
	if r.ErrorCode != 0 {
		t.Fatalf("%+v %v", r, r.ErrorMessage)
	}
	racks := map[int32]string{0: "a", 1: "b", 2: "a", 3: "b"}
	for p, rs := range r.Assignment {
		if racks[rs[0]] == racks[rs[1]] {
			t.Fatalf("partition %d on one rack: %v", p, rs)
		}
	}
	// Start 0 of the rack-alternated list [0 1 2 3]: Kafka's first replicas.
	if !slices.Equal(r.Assignment[0], []int32{0, 1}) || !slices.Equal(r.Assignment[1], []int32{1, 2}) {
		t.Fatalf("assignment %v", r.Assignment)
	}
}
