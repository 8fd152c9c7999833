package broker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/zkdata"
	"github.com/wharf-project/wharf/internal/testutil/kafkapeer"
)

type topicSpec struct {
	name       string
	partitions int32
	rf         int16
	assign     map[int32][]int32
	configs    map[string]*string
}

func createRequest(v int16, timeoutMs int32, validateOnly bool, topics ...topicSpec) *kmsg.CreateTopicsRequest {
	req := kmsg.NewPtrCreateTopicsRequest()
	req.Version, req.TimeoutMillis, req.ValidateOnly = v, timeoutMs, validateOnly
	for _, s := range topics {
		t := kmsg.NewCreateTopicsRequestTopic()
		t.Topic, t.NumPartitions, t.ReplicationFactor = s.name, s.partitions, s.rf
		for p := int32(0); p < int32(len(s.assign)); p++ {
			a := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
			a.Partition, a.Replicas = p, s.assign[p]
			t.ReplicaAssignment = append(t.ReplicaAssignment, a)
		}
		for k, v := range s.configs {
			c := kmsg.NewCreateTopicsRequestTopicConfig()
			c.Name, c.Value = k, v
			t.Configs = append(t.Configs, c)
		}
		req.Topics = append(req.Topics, t)
	}
	return req
}

func configOf(cs []kmsg.CreateTopicsResponseTopicConfig, name string) (kmsg.CreateTopicsResponseTopicConfig, bool) {
	for _, c := range cs {
		if c.Name == name {
			return c, true
		}
	}
	return kmsg.CreateTopicsResponseTopicConfig{}, false
}

// Every version creates a topic, waits for its leaders, and says what each
// version carries: messages (v1+), the topic's partitions, replication
// factor and configs with their sources (v5+), its id (v7+).
func TestCreateTopicsEveryVersion(t *testing.T) {
	env := newAdminEnv(t, envOptions{props: map[string]string{"log.retention.ms": "360000000"}})
	for v := int16(0); v <= 7; v++ {
		name := fmt.Sprintf("t-v%d", v)
		resp := call[*kmsg.CreateTopicsResponse](t, env.b, "PLAINTEXT", createRequest(v, 10000, false,
			topicSpec{name: name, partitions: 2, rf: 1, configs: map[string]*string{"cleanup.policy": strp("compact")}}))
		if len(resp.Topics) != 1 || resp.ThrottleMillis != 0 {
			t.Fatalf("v%d: %+v", v, resp)
		}
		r := resp.Topics[0]
		if r.Topic != name || r.ErrorCode != 0 || r.ErrorMessage != nil {
			t.Fatalf("v%d: %+v %s", v, r, deref(r.ErrorMessage))
		}
		if n := env.b.Meta.Snapshot().LeaderlessPartitions(name, []int32{0, 1}); n != 0 {
			t.Fatalf("v%d answered with %d partitions leaderless", v, n)
		}
		tp, _ := env.b.Meta.Snapshot().Topic(name)
		if (v >= 7) != (r.TopicID == tp.ID && !tp.ID.IsZero()) {
			t.Errorf("v%d topic id %v, cache %v", v, r.TopicID, tp.ID)
		}
		if v < 5 {
			if r.NumPartitions != -1 || r.ReplicationFactor != -1 || len(r.Configs) != 0 {
				t.Errorf("v%d describes the topic: %+v", v, r)
			}
			continue
		}
		if r.NumPartitions != 2 || r.ReplicationFactor != 1 || len(r.Configs) < 20 {
			t.Fatalf("v%d: %d partitions, rf %d, %d configs", v, r.NumPartitions, r.ReplicationFactor, len(r.Configs))
		}
		for _, c := range []struct {
			name, value string
			source      kmsg.ConfigSource
		}{
			{"cleanup.policy", "compact", kmsg.ConfigSourceDynamicTopicConfig},
			{"retention.ms", "360000000", kmsg.ConfigSourceStaticBrokerConfig},
			{"segment.bytes", "1073741824", kmsg.ConfigSourceDefaultConfig},
		} {
			got, ok := configOf(r.Configs, c.name)
			if !ok || deref(got.Value) != c.value || got.Source != int8(c.source) || got.ReadOnly || got.IsSensitive {
				t.Errorf("v%d config %s: %+v (value %s)", v, c.name, got, deref(got.Value))
			}
		}
	}
}

// The failures, each with Kafka's code and message, and a failed topic
// describing nothing (v5+).
func TestCreateTopicsErrors(t *testing.T) {
	env := newAdminEnv(t, envOptions{})
	env.createTopic("exists", 1, nil)
	resp := call[*kmsg.CreateTopicsResponse](t, env.b, "PLAINTEXT", createRequest(5, 5000, false,
		topicSpec{name: "dup", partitions: 1, rf: 1},
		topicSpec{name: "exists", partitions: 1, rf: 1},
		topicSpec{name: "rf3", partitions: 1, rf: 3},
		topicSpec{name: "dup", partitions: 2, rf: 1},
		topicSpec{name: "bad/name", partitions: 1, rf: 1},
		topicSpec{name: "zero", partitions: 0, rf: 1},
		topicSpec{name: "badconfig", partitions: 1, rf: 1, configs: map[string]*string{"retention.ms": strp("soon")}},
		topicSpec{name: "unknownconfig", partitions: 1, rf: 1, configs: map[string]*string{"no.such.config": strp("1")}},
		topicSpec{name: "nullconfig", partitions: 1, rf: 1, configs: map[string]*string{"retention.ms": nil}},
		topicSpec{name: "both", partitions: 1, rf: -1, assign: map[int32][]int32{0: {0}}},
		topicSpec{name: "dupreplica", partitions: -1, rf: -1, assign: map[int32][]int32{0: {0, 0}}},
		topicSpec{name: "__cluster_metadata", partitions: 1, rf: 1},
		topicSpec{name: "ok", partitions: 1, rf: 1},
	))
	want := []struct {
		code int16
		msg  string
	}{
		{kerr.InvalidRequest.Code, "Found multiple entries for this topic."},
		{kerr.TopicAlreadyExists.Code, "Topic 'exists' already exists."},
		{kerr.InvalidReplicationFactor.Code, "Replication factor: 3 larger than available brokers: 1."},
		{kerr.InvalidRequest.Code, "Found multiple entries for this topic."},
		{kerr.InvalidTopicException.Code, `Topic name "bad/name" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`},
		{kerr.InvalidPartitions.Code, "Number of partitions must be larger than 0."},
		{kerr.InvalidConfig.Code, `Invalid value soon for configuration retention.ms: Not a number of type LONG`},
		{kerr.InvalidConfig.Code, "Unknown topic config name: no.such.config"},
		{kerr.InvalidRequest.Code, "Null value not supported for topic configs : retention.ms"},
		{kerr.InvalidRequest.Code, "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time."},
		{kerr.InvalidReplicaAssignment.Code, "Duplicate replica assignment found: HashMap(0 -> ArrayBuffer(0, 0))"},
		{kerr.InvalidRequest.Code, "Creation of internal topic __cluster_metadata is prohibited."},
		{0, ""},
	}
	if len(resp.Topics) != len(want) {
		t.Fatalf("%d results", len(resp.Topics))
	}
	for i, w := range want {
		r := resp.Topics[i]
		if r.ErrorCode != w.code || (w.msg != "" && deref(r.ErrorMessage) != w.msg) {
			t.Errorf("%s: %s %q, want %s %q", r.Topic, kerr.ErrorForCode(r.ErrorCode), deref(r.ErrorMessage), kerr.ErrorForCode(w.code), w.msg)
		}
		if w.code != 0 && (r.NumPartitions != -1 || r.ReplicationFactor != -1 || len(r.Configs) != 0 || r.TopicID != zeroTopicID) {
			t.Errorf("%s: a failure describes the topic: %+v", r.Topic, r)
		}
	}
	for _, n := range []string{"dup", "rf3", "zero", "badconfig", "both", "dupreplica"} {
		if env.topicExistsInZK(n) {
			t.Errorf("failed topic %s was created", n)
		}
	}
	// v0 has no messages; the codes are the same.
	resp = call[*kmsg.CreateTopicsResponse](t, env.b, "PLAINTEXT", createRequest(0, 5000, false, topicSpec{name: "exists", partitions: 1, rf: 1}))
	if r := resp.Topics[0]; r.ErrorCode != kerr.TopicAlreadyExists.Code || r.ErrorMessage != nil {
		t.Fatalf("v0: %+v", r)
	}
}

// validate_only checks everything and creates nothing, yet describes the
// topic it would create (v5+), without an id; -1 takes the broker's
// num.partitions and default.replication.factor (v4+); an explicit
// assignment decides both.
func TestCreateTopicsValidateOnlyDefaultsAndAssignments(t *testing.T) {
	env := newAdminEnv(t, envOptions{props: map[string]string{"num.partitions": "3"}})
	resp := call[*kmsg.CreateTopicsResponse](t, env.b, "PLAINTEXT", createRequest(7, 5000, true,
		topicSpec{name: "dry", partitions: -1, rf: -1, configs: map[string]*string{"retention.ms": strp("1000")}},
		topicSpec{name: "dry-rf3", partitions: 1, rf: 3},
	))
	r := resp.Topics[0]
	if r.ErrorCode != 0 || r.NumPartitions != 3 || r.ReplicationFactor != 1 || r.TopicID != zeroTopicID {
		t.Fatalf("validate_only: %+v", r)
	}
	if c, ok := configOf(r.Configs, "retention.ms"); !ok || deref(c.Value) != "1000" || c.Source != int8(kmsg.ConfigSourceDynamicTopicConfig) {
		t.Fatalf("validate_only retention.ms %+v", c)
	}
	if resp.Topics[1].ErrorCode != kerr.InvalidReplicationFactor.Code {
		t.Fatalf("validate_only still validates: %+v", resp.Topics[1])
	}
	if env.topicExistsInZK("dry") {
		t.Fatal("validate_only created the topic")
	}
	// Defaults for real, and an explicit assignment.
	resp = call[*kmsg.CreateTopicsResponse](t, env.b, "PLAINTEXT", createRequest(5, 5000, false,
		topicSpec{name: "defaults", partitions: -1, rf: -1},
		topicSpec{name: "assigned", partitions: -1, rf: -1, assign: map[int32][]int32{0: {0}, 1: {0}}},
	))
	if r := resp.Topics[0]; r.ErrorCode != 0 || r.NumPartitions != 3 || r.ReplicationFactor != 1 {
		t.Fatalf("defaults: %+v", r)
	}
	if r := resp.Topics[1]; r.ErrorCode != 0 || r.NumPartitions != 2 || r.ReplicationFactor != 1 {
		t.Fatalf("assignment: %+v", r)
	}
	if n, _ := env.b.Meta.Snapshot().NumPartitions("defaults"); n != 3 {
		t.Fatalf("defaults has %d partitions in the cache", n)
	}
}

// The waits: timeout_ms 0 creates but answers REQUEST_TIMED_OUT at once;
// a topic whose replicas are all dead never gets a leader and times out
// after timeout_ms; a broker that is not the controller answers
// NOT_CONTROLLER.
func TestCreateTopicsTimeoutsAndController(t *testing.T) {
	env := newAdminEnv(t, envOptions{})
	resp := call[*kmsg.CreateTopicsResponse](t, env.b, "PLAINTEXT", createRequest(5, 0, false, topicSpec{name: "nowait", partitions: 1, rf: 1}))
	if r := resp.Topics[0]; r.ErrorCode != kerr.RequestTimedOut.Code || r.ErrorMessage != nil || r.NumPartitions != -1 || len(r.Configs) != 0 {
		t.Fatalf("timeout 0: %+v", r)
	}
	if !env.topicExistsInZK("nowait") {
		t.Fatal("timeout 0 did not create the topic")
	}
	// Broker 7 is not alive: the explicit assignment is accepted (as Kafka
	// does) and the partition stays offline.
	start := time.Now()
	resp = call[*kmsg.CreateTopicsResponse](t, env.b, "PLAINTEXT", createRequest(4, 300, false,
		topicSpec{name: "orphan", partitions: -1, rf: -1, assign: map[int32][]int32{0: {7}}},
		topicSpec{name: "fine", partitions: 1, rf: 1}))
	if el := time.Since(start); el < 300*time.Millisecond || el > 10*time.Second {
		t.Errorf("answered after %v", el)
	}
	if resp.Topics[0].ErrorCode != kerr.RequestTimedOut.Code || resp.Topics[1].ErrorCode != 0 {
		t.Fatalf("orphan: %+v", resp.Topics)
	}

	sb := env.standby()
	resp = call[*kmsg.CreateTopicsResponse](t, sb, "PLAINTEXT", createRequest(7, 5000, false, topicSpec{name: "elsewhere", partitions: 1, rf: 1}))
	if r := resp.Topics[0]; r.ErrorCode != kerr.NotController.Code || env.topicExistsInZK("elsewhere") {
		t.Fatalf("standby: %+v", r)
	}
}

// A name with '.' or '_' is created with Kafka's collision warning in the
// log, and a name colliding with an existing one is refused.
func TestCreateTopicsCollisionWarning(t *testing.T) {
	env := newAdminEnv(t, envOptions{})
	env.createTopic("metrics.by_host", 1, nil)
	if logs := env.logs.String(); !strings.Contains(logs, internalTopicCollisionWarning) || !strings.Contains(logs, "metrics.by_host") {
		t.Fatalf("no warning:\n%s", logs)
	}
	resp := call[*kmsg.CreateTopicsResponse](t, env.b, "PLAINTEXT", createRequest(1, 5000, false, topicSpec{name: "metrics_by.host", partitions: 1, rf: 1}))
	if r := resp.Topics[0]; r.ErrorCode != kerr.InvalidTopicException.Code || deref(r.ErrorMessage) != "Topic 'metrics_by.host' collides with existing topics: metrics.by_host" {
		t.Fatalf("collision: %+v %s", r, deref(r.ErrorMessage))
	}
	data, _, err := env.zk.Get(envCtx(t), zkdata.TopicPath("metrics.by_host"))
	if err != nil || !strings.Contains(string(data), `"partitions":{"0":[0]}`) {
		t.Fatalf("topic znode %s %v", data, err)
	}
}

// adminScenario drives the admin APIs with franz-go's kadm (and a raw
// DescribeCluster) against a one-broker cluster at addr: create (with
// configs, again, validate-only), metadata, describe and alter configs
// (incremental and legacy), grow, delete.
func adminScenario(t *testing.T, addr, topic string) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)

	created, err := adm.CreateTopic(ctx, 3, 1, map[string]*string{"retention.ms": kadm.StringPtr("3600000")}, topic)
	if err != nil || created.ID == (kadm.TopicID{}) || created.NumPartitions != 3 || created.ReplicationFactor != 1 {
		t.Fatalf("create: %+v %v", created, err)
	}
	if c := created.Configs["retention.ms"]; c.MaybeValue() != "3600000" || c.Source != kmsg.ConfigSourceDynamicTopicConfig {
		t.Fatalf("created configs: %+v", c)
	}
	if _, err := adm.CreateTopic(ctx, 1, 1, nil, topic); !errors.Is(err, kerr.TopicAlreadyExists) {
		t.Fatalf("create again: %v", err)
	}
	dry, err := adm.ValidateCreateTopics(ctx, 1, 5, nil, topic+"-dry")
	if err != nil || !errors.Is(dry[topic+"-dry"].Err, kerr.InvalidReplicationFactor) {
		t.Fatalf("validate: %+v %v", dry, err)
	}

	md, err := adm.Metadata(ctx, topic)
	if err != nil || md.Controller < 0 || len(md.Brokers) != 1 || md.Cluster == "" {
		t.Fatalf("metadata: %+v %v", md, err)
	}
	td := md.Topics[topic]
	if td.Err != nil || len(td.Partitions) != 3 || td.ID != created.ID {
		t.Fatalf("topic metadata: %+v", td)
	}
	for _, p := range td.Partitions {
		if p.Leader != md.Controller || p.Err != nil {
			t.Fatalf("partition %+v", p)
		}
	}
	dc, err := kmsg.NewPtrDescribeClusterRequest().RequestWith(ctx, cl)
	if err != nil || dc.ErrorCode != 0 || dc.ControllerID != md.Controller || len(dc.Brokers) != 1 || dc.ClusterID != md.Cluster {
		t.Fatalf("describe cluster: %+v %v", dc, err)
	}

	value := func() string {
		rcs, err := adm.DescribeTopicConfigs(ctx, topic)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := rcs.On(topic, nil)
		if err != nil || rc.Err != nil {
			t.Fatalf("describe configs: %+v %v", rc, err)
		}
		for _, c := range rc.Configs {
			if c.Key == "retention.ms" {
				return c.MaybeValue()
			}
		}
		return ""
	}
	if v := value(); v != "3600000" {
		t.Fatalf("retention.ms %s", v)
	}
	if _, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "retention.ms", Value: kadm.StringPtr("7200000")}}, topic); err != nil {
		t.Fatal(err)
	}
	if v := value(); v != "7200000" {
		t.Fatalf("after incremental alter: retention.ms %s", v)
	}
	if _, err := adm.AlterTopicConfigsState(ctx, []kadm.AlterConfig{{Name: "retention.ms", Value: kadm.StringPtr("1800000")}}, topic); err != nil {
		t.Fatal(err)
	}
	if v := value(); v != "1800000" {
		t.Fatalf("after legacy alter: retention.ms %s", v)
	}

	if rs, err := adm.UpdatePartitions(ctx, 5, topic); err != nil || rs.Error() != nil {
		t.Fatalf("grow: %+v %v", rs, err)
	}
	if td, err := adm.ListTopics(ctx, topic); err != nil || len(td[topic].Partitions) != 5 {
		t.Fatalf("after growing: %+v %v", td, err)
	}
	if rs, err := adm.UpdatePartitions(ctx, 2, topic); err != nil || !errors.Is(rs[topic].Err, kerr.InvalidPartitions) {
		t.Fatalf("shrink: %+v %v", rs, err)
	}

	if rs, err := adm.DeleteTopics(ctx, topic); err != nil || rs.Error() != nil {
		t.Fatalf("delete: %+v %v", rs, err)
	}
	if td, err := adm.ListTopics(ctx); err != nil || td.Has(topic) {
		t.Fatalf("after deletion: %v %v", td.Names(), err)
	}
}

// saramaScenario is Filebeat's Sarama (protocol 1.0.0: Metadata v5,
// CreateTopics v2, DescribeConfigs v0-v1, DeleteTopics v1) as a cluster
// admin.
func saramaScenario(t *testing.T, addr, topic string) {
	cfg := kafkapeer.FilebeatSaramaConfig()
	cfg.Metadata.Full = true // the cluster admin refreshes all topics
	adm, err := sarama.NewClusterAdmin([]string{addr}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Close()
	if err := adm.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 2, ReplicationFactor: 1,
		ConfigEntries: map[string]*string{"cleanup.policy": strp("compact")}}, false); err != nil {
		t.Fatalf("sarama create: %v", err)
	}
	topics, err := adm.ListTopics()
	if err != nil || topics[topic].NumPartitions != 2 || deref(topics[topic].ConfigEntries["cleanup.policy"]) != "compact" {
		t.Fatalf("sarama list: %+v %v", topics[topic], err)
	}
	if err := adm.DeleteTopic(topic); err != nil {
		t.Fatalf("sarama delete: %v", err)
	}
}

// Real clients over the network server with the registered handlers,
// against a broker over the in-process coordinator.
func TestAdminClientsInProcess(t *testing.T) {
	env := newAdminEnv(t, envOptions{})
	addr := env.serve()
	t.Run("kadm", func(t *testing.T) { adminScenario(t, addr, "kadm-topic") })
	t.Run("sarama", func(t *testing.T) { saramaScenario(t, addr, "sarama-topic") })
}

// The same against `wharf server` (skipped until the binary has it).
func TestAdminClientsWharfServer(t *testing.T) {
	s := kafkapeer.StartWharfServer(t, kafkapeer.WharfOptions{})
	t.Run("kadm", func(t *testing.T) { adminScenario(t, s.Addr(), "kadm-topic") })
	t.Run("sarama", func(t *testing.T) { saramaScenario(t, s.Addr(), "sarama-topic") })
}
