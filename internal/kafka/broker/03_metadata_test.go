package broker

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/controller"
	"github.com/wharf-project/wharf/internal/kafka/zkdata"
	"github.com/wharf-project/wharf/internal/testutil/kafkapeer"
)

var (
	ordersID  = zkdata.UUID{1, 2, 3, 4}
	offsetsID = zkdata.UUID{9, 9}
)

// metadataCluster is three brokers on two listeners (broker 2 has only
// INTERNAL, broker 1 only PLAINTEXT) and two topics whose partitions
// cover every case of a partition's metadata.
func metadataCluster(t *testing.T) *Broker {
	b := cacheBroker(t, map[string]string{"auto.create.topics.enable": "false"})
	feed(b, 0, []kmsg.UpdateMetadataRequestLiveBroker{
		liveBroker(1, "", map[string]int32{"PLAINTEXT": 9192}),
		liveBroker(0, "r0", map[string]int32{"PLAINTEXT": 9092, "INTERNAL": 9093}),
		liveBroker(2, "r2", map[string]int32{"INTERNAL": 9293}),
	},
		topicState("orders", ordersID,
			partState(0, 0, 3, []int32{0, 1}, []int32{0, 1}, nil),
			partState(1, 1, 4, []int32{1, 0}, []int32{1}, nil),
			partState(2, 2, 5, []int32{2, 0}, []int32{2, 0}, nil),   // leader without PLAINTEXT
			partState(3, -1, 6, []int32{3}, []int32{3}, []int32{3}), // offline
			partState(4, 0, 7, []int32{0, 2}, []int32{0, 2}, nil),   // a replica without PLAINTEXT
		),
		topicState("__consumer_offsets", offsetsID, partState(0, 0, 0, []int32{0}, []int32{0}, nil)),
	)
	return b
}

func metadataRequest(v int16, names ...string) *kmsg.MetadataRequest {
	req := kmsg.NewPtrMetadataRequest()
	req.Version = v
	if names == nil && v > 0 {
		req.Topics = nil
	} else {
		req.Topics = []kmsg.MetadataRequestTopic{}
	}
	for _, n := range names {
		t := kmsg.NewMetadataRequestTopic()
		t.Topic = strp(n)
		req.Topics = append(req.Topics, t)
	}
	return req
}

func topicNames(ts []kmsg.MetadataResponseTopic) []string {
	var out []string
	for _, t := range ts {
		out = append(out, deref(t.Topic))
	}
	return out
}

// Every version, all topics, on the PLAINTEXT listener: the fields each
// version carries hold what Kafka puts there.
func TestMetadataAllTopicsEveryVersion(t *testing.T) {
	b := metadataCluster(t)
	for v := int16(0); v <= 13; v++ {
		resp := call[*kmsg.MetadataResponse](t, b, "PLAINTEXT", metadataRequest(v))
		if len(resp.Brokers) != 2 || resp.Brokers[0].NodeID != 0 || resp.Brokers[0].Host != "host0" || resp.Brokers[0].Port != 9092 ||
			resp.Brokers[1].NodeID != 1 || resp.Brokers[1].Port != 9192 || resp.Brokers[1].Rack != nil {
			t.Fatalf("v%d brokers %+v", v, resp.Brokers)
		}
		if rack := resp.Brokers[0].Rack; (v >= 1) != (rack != nil && *rack == "r0") {
			t.Errorf("v%d rack %v", v, deref(rack))
		}
		if want := map[bool]int32{true: 0, false: -1}[v >= 1]; resp.ControllerID != want {
			t.Errorf("v%d controller %d", v, resp.ControllerID)
		}
		if (v >= 2) != (deref(resp.ClusterID) == testClusterID) {
			t.Errorf("v%d cluster id %s", v, deref(resp.ClusterID))
		}
		if resp.AuthorizedOperations != -2147483648 || resp.ThrottleMillis != 0 || resp.ErrorCode != 0 {
			t.Errorf("v%d top level %+v", v, resp)
		}
		if got := topicNames(resp.Topics); !slices.Equal(got, []string{"__consumer_offsets", "orders"}) {
			t.Fatalf("v%d topics %v", v, got)
		}
		co, orders := resp.Topics[0], resp.Topics[1]
		if co.IsInternal != (v >= 1) || orders.IsInternal || co.ErrorCode != 0 || orders.ErrorCode != 0 {
			t.Errorf("v%d internal/errors %+v %+v", v, co, orders)
		}
		if (v >= 10) != (orders.TopicID == ordersID && co.TopicID == offsetsID) {
			t.Errorf("v%d topic ids %v %v", v, orders.TopicID, co.TopicID)
		}
		if orders.AuthorizedOperations != -2147483648 {
			t.Errorf("v%d topic authorized operations %d", v, orders.AuthorizedOperations)
		}
		ps := orders.Partitions
		if len(ps) != 5 {
			t.Fatalf("v%d partitions %+v", v, ps)
		}
		v0 := func(all, filtered []int32) []int32 { // v0 drops replicas without the listener
			if v == 0 {
				return filtered
			}
			return all
		}
		epoch := func(e int32) int32 {
			if v >= 7 {
				return e
			}
			return -1
		}
		for _, c := range []struct {
			p        int32
			code     int16
			leader   int32
			epoch    int32
			replicas []int32
			isr      []int32
		}{
			{0, 0, 0, 3, []int32{0, 1}, []int32{0, 1}},
			{1, 0, 1, 4, []int32{1, 0}, []int32{1}},
			{2, map[bool]int16{true: kerr.ListenerNotFound.Code, false: kerr.LeaderNotAvailable.Code}[v >= 6], -1, 5, v0([]int32{2, 0}, []int32{0}), v0([]int32{2, 0}, []int32{0})},
			{3, kerr.LeaderNotAvailable.Code, -1, 6, v0([]int32{3}, []int32{}), v0([]int32{3}, []int32{})},
			{4, map[bool]int16{true: kerr.ReplicaNotAvailable.Code, false: 0}[v == 0], 0, 7, v0([]int32{0, 2}, []int32{0}), v0([]int32{0, 2}, []int32{0})},
		} {
			p := ps[c.p]
			if p.Partition != c.p || p.ErrorCode != c.code || p.Leader != c.leader || p.LeaderEpoch != epoch(c.epoch) ||
				!slices.Equal(p.Replicas, c.replicas) || !slices.Equal(p.ISR, c.isr) {
				t.Errorf("v%d partition %d: %+v", v, c.p, p)
			}
		}
		if off := ps[3].OfflineReplicas; (v >= 5) != slices.Equal(off, []int32{3}) {
			t.Errorf("v%d offline replicas %v", v, off)
		}
	}
}

// A connection on another listener sees that listener's endpoints: its
// brokers, and leaders without it as LISTENER_NOT_FOUND (v6+).
func TestMetadataAnswersOnTheConnectionsListener(t *testing.T) {
	b := metadataCluster(t)
	resp := call[*kmsg.MetadataResponse](t, b, "INTERNAL", metadataRequest(9, "orders"))
	if len(resp.Brokers) != 2 || resp.Brokers[0].NodeID != 0 || resp.Brokers[0].Port != 9093 || resp.Brokers[1].NodeID != 2 || resp.Brokers[1].Port != 9293 {
		t.Fatalf("INTERNAL brokers %+v", resp.Brokers)
	}
	ps := resp.Topics[0].Partitions
	if ps[2].ErrorCode != 0 || ps[2].Leader != 2 || ps[1].ErrorCode != kerr.ListenerNotFound.Code || ps[1].Leader != -1 {
		t.Fatalf("INTERNAL partitions %+v", ps)
	}
	// A listener no broker has: no brokers, every leader missing.
	resp = call[*kmsg.MetadataResponse](t, b, "NOPE", metadataRequest(5, "orders"))
	if len(resp.Brokers) != 0 || resp.Topics[0].Partitions[0].ErrorCode != kerr.LeaderNotAvailable.Code {
		t.Fatalf("unknown listener %+v", resp)
	}
}

// Named topics: each once, existing ones first; a missing name is
// UNKNOWN_TOPIC_OR_PARTITION, an illegal one INVALID_TOPIC_EXCEPTION
// (auto-creation off); an empty list is no topics from v1 on, all at v0.
func TestMetadataNamedTopics(t *testing.T) {
	b := metadataCluster(t)
	long := strings.Repeat("x", 250)
	for _, v := range []int16{0, 1, 4, 9, 12} {
		resp := call[*kmsg.MetadataResponse](t, b, "PLAINTEXT", metadataRequest(v, "missing", "orders", "bad name", "orders", "__transaction_state", long))
		if got := topicNames(resp.Topics); !slices.Equal(got, []string{"orders", "missing", "bad name", "__transaction_state", long}) {
			t.Fatalf("v%d topics %v", v, got)
		}
		for i, want := range []int16{0, kerr.UnknownTopicOrPartition.Code, kerr.InvalidTopicException.Code, kerr.UnknownTopicOrPartition.Code, kerr.InvalidTopicException.Code} {
			if tp := resp.Topics[i]; tp.ErrorCode != want || (i > 0 && len(tp.Partitions) != 0) {
				t.Errorf("v%d %s: %+v", v, deref(tp.Topic), tp)
			}
		}
		if v >= 1 && !resp.Topics[3].IsInternal {
			t.Errorf("v%d __transaction_state not internal", v)
		}
		if v >= 10 && resp.Topics[1].TopicID != zeroTopicID {
			t.Errorf("v%d missing topic has id %v", v, resp.Topics[1].TopicID)
		}
	}
	if resp := call[*kmsg.MetadataResponse](t, b, "PLAINTEXT", metadataRequest(1)); len(resp.Topics) != 2 {
		t.Fatalf("v1 null list: %v", topicNames(resp.Topics))
	}
	empty := metadataRequest(1)
	empty.Topics = []kmsg.MetadataRequestTopic{}
	if resp := call[*kmsg.MetadataResponse](t, b, "PLAINTEXT", empty); len(resp.Topics) != 0 || len(resp.Brokers) != 2 {
		t.Fatalf("v1 empty list: %v", topicNames(resp.Topics))
	}
	if resp := call[*kmsg.MetadataResponse](t, b, "PLAINTEXT", metadataRequest(0)); len(resp.Topics) != 2 {
		t.Fatalf("v0 empty list: %v", topicNames(resp.Topics))
	}
}

// v12 asks by topic id: a known id answers with the topic, an unknown one
// UNKNOWN_TOPIC_ID without a name; names beside ids are ignored. Earlier
// versions refuse ids and null names with INVALID_REQUEST.
func TestMetadataTopicIDs(t *testing.T) {
	b := metadataCluster(t)
	byID := func(v int16, ids ...zkdata.UUID) *kmsg.MetadataRequest {
		req := metadataRequest(v)
		req.Topics = []kmsg.MetadataRequestTopic{}
		for _, id := range ids {
			t := kmsg.NewMetadataRequestTopic()
			t.TopicID = id
			req.Topics = append(req.Topics, t)
		}
		return req
	}
	unknown := zkdata.UUID{7}
	for _, v := range []int16{12, 13} {
		req := byID(v, ordersID, unknown, ordersID)
		named := kmsg.NewMetadataRequestTopic()
		named.Topic = strp("__consumer_offsets")
		req.Topics = append(req.Topics, named)
		resp := call[*kmsg.MetadataResponse](t, b, "PLAINTEXT", req)
		if len(resp.Topics) != 2 {
			t.Fatalf("v%d topics %+v", v, resp.Topics)
		}
		if u := resp.Topics[0]; u.ErrorCode != kerr.UnknownTopicID.Code || u.Topic != nil || u.TopicID != unknown || u.IsInternal {
			t.Errorf("v%d unknown id %+v", v, u)
		}
		if o := resp.Topics[1]; o.ErrorCode != 0 || deref(o.Topic) != "orders" || o.TopicID != ordersID || len(o.Partitions) != 5 {
			t.Errorf("v%d by id %+v", v, o)
		}
	}
	// Refused requests: every requested topic echoed with INVALID_REQUEST,
	// nothing else.
	nullName := metadataRequest(10)
	nullName.Topics = []kmsg.MetadataRequestTopic{kmsg.NewMetadataRequestTopic()}
	nullName12 := metadataRequest(12)
	nullName12.Topics = []kmsg.MetadataRequestTopic{kmsg.NewMetadataRequestTopic()}
	for name, req := range map[string]*kmsg.MetadataRequest{
		"v10 id": byID(10, ordersID), "v11 id": byID(11, ordersID), "v10 null name": nullName, "v12 null name": nullName12,
	} {
		resp := call[*kmsg.MetadataResponse](t, b, "PLAINTEXT", req)
		if len(resp.Topics) != 1 || resp.Topics[0].ErrorCode != kerr.InvalidRequest.Code || deref(resp.Topics[0].Topic) != "" ||
			resp.Topics[0].TopicID != req.Topics[0].TopicID || len(resp.Brokers) != 0 || resp.ControllerID != -1 || resp.ClusterID != nil {
			t.Errorf("%s: %+v", name, resp)
		}
	}
}

// Authorized operations, when asked (v8+): every operation a topic
// supports (and a cluster's, v8-v10), as Kafka without an authorizer.
func TestMetadataAuthorizedOperations(t *testing.T) {
	b := metadataCluster(t)
	if topicAuthorizedOperations != 3576 || clusterAuthorizedOperations != 8096 {
		t.Fatalf("bit fields %d %d", topicAuthorizedOperations, clusterAuthorizedOperations)
	}
	for v := int16(8); v <= 13; v++ {
		req := metadataRequest(v, "orders", "missing")
		req.IncludeClusterAuthorizedOperations, req.IncludeTopicAuthorizedOperations = true, true
		resp := call[*kmsg.MetadataResponse](t, b, "PLAINTEXT", req)
		wantCluster := int32(-2147483648)
		if v <= 10 {
			wantCluster = 8096
		}
		if resp.AuthorizedOperations != wantCluster || resp.Topics[0].AuthorizedOperations != 3576 || resp.Topics[1].AuthorizedOperations != 3576 {
			t.Errorf("v%d operations cluster %d topics %d %d", v, resp.AuthorizedOperations, resp.Topics[0].AuthorizedOperations, resp.Topics[1].AuthorizedOperations)
		}
	}
}

// Auto-creation (auto.create.topics.enable, allow_auto_topic_creation,
// implied before v4): the topic is created with the broker's defaults and
// answered LEADER_NOT_AVAILABLE; the internal topics get their own
// partition counts and configs; an illegal name or a creation error is
// reported instead.
func TestMetadataAutoCreatesTopics(t *testing.T) {
	env := newAdminEnv(t, envOptions{props: map[string]string{"num.partitions": "2", "offsets.topic.num.partitions": "3"}})
	b := env.b
	ask := func(v int16, allow bool, names ...string) *kmsg.MetadataResponse {
		req := metadataRequest(v, names...)
		req.AllowAutoTopicCreation = allow
		return call[*kmsg.MetadataResponse](t, b, "PLAINTEXT", req)
	}
	resp := ask(4, true, "auto1", "bad name", "auto.x")
	if got := topicNames(resp.Topics); !slices.Equal(got, []string{"bad name", "auto1", "auto.x"}) {
		t.Fatalf("topics %v", got)
	}
	for i, want := range []int16{kerr.InvalidTopicException.Code, kerr.LeaderNotAvailable.Code, kerr.LeaderNotAvailable.Code} {
		if resp.Topics[i].ErrorCode != want || len(resp.Topics[i].Partitions) != 0 {
			t.Errorf("%s: %+v", deref(resp.Topics[i].Topic), resp.Topics[i])
		}
	}
	env.waitFor("auto1's leaders", func() bool { return b.Meta.Snapshot().LeaderlessPartitions("auto1", []int32{0, 1}) == 0 })
	resp = ask(9, true, "auto1")
	if tp := resp.Topics[0]; tp.ErrorCode != 0 || len(tp.Partitions) != 2 || tp.Partitions[1].Leader != 0 {
		t.Fatalf("auto1 after creation %+v", tp)
	}
	if !strings.Contains(env.logs.String(), "could collide") || !strings.Contains(env.logs.String(), "auto.x") {
		t.Errorf("no collision warning logged:\n%s", env.logs.String())
	}

	// Not allowed by the request: nothing is created.
	if resp := ask(4, false, "auto2"); resp.Topics[0].ErrorCode != kerr.UnknownTopicOrPartition.Code || env.topicExistsInZK("auto2") {
		t.Fatalf("allow=false: %+v", resp.Topics[0])
	}
	// v0-v3 have no field: creation is allowed.
	if resp := ask(0, false, "auto3"); resp.Topics[0].ErrorCode != kerr.LeaderNotAvailable.Code || !env.topicExistsInZK("auto3") {
		t.Fatalf("v0: %+v", resp.Topics[0])
	}
	// The group coordinator's topic, with its configs.
	if resp := ask(4, true, "__consumer_offsets"); resp.Topics[0].ErrorCode != kerr.LeaderNotAvailable.Code || !resp.Topics[0].IsInternal {
		t.Fatalf("__consumer_offsets: %+v", resp.Topics[0])
	}
	env.waitFor("__consumer_offsets's leaders", func() bool {
		n, ok := b.Meta.Snapshot().NumPartitions("__consumer_offsets")
		return ok && n == 3 && b.Meta.Snapshot().LeaderlessPartitions("__consumer_offsets", []int32{0, 1, 2}) == 0
	})
	data, _, err := env.zk.Get(envCtx(t), zkdata.ConfigEntityPath("topics", "__consumer_offsets"))
	if err != nil || string(data) != `{"version":1,"config":{"compression.type":"producer","cleanup.policy":"compact","segment.bytes":"104857600"}}` {
		t.Fatalf("__consumer_offsets config %s %v", data, err)
	}
	// A creation error is the topic's error: a replication factor larger
	// than the cluster.
	big := &Broker{ID: 0, Config: b.Config, Meta: b.Meta, Log: b.Log,
		Admin: controller.NewAdmin(controller.AdminConfig{ZK: env.zk, DefaultReplicationFactor: 3})}
	resp = call[*kmsg.MetadataResponse](t, big, "PLAINTEXT", metadataRequest(1, "auto4"))
	if resp.Topics[0].ErrorCode != kerr.InvalidReplicationFactor.Code || env.topicExistsInZK("auto4") {
		t.Fatalf("replication factor 3: %+v", resp.Topics[0])
	}
	// auto.create.topics.enable=false: no creation whatever the request says.
	off := cacheBroker(t, map[string]string{"auto.create.topics.enable": "false"})
	off.Admin = b.Admin
	if resp := call[*kmsg.MetadataResponse](t, off, "PLAINTEXT", metadataRequest(1, "auto5")); resp.Topics[0].ErrorCode != kerr.UnknownTopicOrPartition.Code || env.topicExistsInZK("auto5") {
		t.Fatalf("auto.create.topics.enable=false: %+v", resp.Topics[0])
	}
}

// kcat -L (librdkafka's Metadata) over the network server.
func TestMetadataKcatInProcess(t *testing.T) {
	env := newAdminEnv(t, envOptions{})
	env.createTopic("kcat-topic", 2, nil)
	kcatListsMetadata(t, inProcess{t: t, addr: env.serve()}, "kcat-topic")
}

// kcatListsMetadata checks kcat -L's view of a one-broker cluster with a
// two-partition topic: the broker is the controller and leads both
// partitions, alone in their replicas and ISRs.
func kcatListsMetadata(t *testing.T, b kafkapeer.Broker, topic string) {
	out := kafkapeer.RunKcat(t, b, "-L", "-t", topic).OK(t)
	m := regexp.MustCompile(`(?m)^ 1 brokers:\n  broker (\d+) at ` + regexp.QuoteMeta(b.Addr()) + ` \(controller\)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("kcat -L brokers:\n%s", out)
	}
	id := m[1]
	want := fmt.Sprintf(` 1 topics:
  topic %q with 2 partitions:
    partition 0, leader %[2]s, replicas: %[2]s, isrs: %[2]s
    partition 1, leader %[2]s, replicas: %[2]s, isrs: %[2]s
`, topic, id)
	if !strings.HasSuffix(out, want) {
		t.Fatalf("kcat -L:\n%s\nwant it to end with:\n%s", out, want)
	}
}

// kcat -L against `wharf server` (skipped until the binary has it).
func TestMetadataKcatWharfServer(t *testing.T) {
	s := kafkapeer.StartWharfServer(t, kafkapeer.WharfOptions{})
	adm := kafkapeer.Kadm(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := adm.CreateTopic(ctx, 2, 1, nil, "kcat-topic"); err != nil {
		t.Fatal(err)
	}
	kcatListsMetadata(t, s, "kcat-topic")
}
