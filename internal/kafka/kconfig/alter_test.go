package kconfig

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/zkdata"
	"github.com/wharf-project/wharf/internal/zk/client"
	"github.com/wharf-project/wharf/internal/zk/server"
)

// startZK runs Wharf's coordinator in-process and connects a client.
func startZK(t *testing.T) *client.Client {
	t.Helper()
	s, err := server.New(server.Options{ClientAddr: "127.0.0.1:0", DataDir: t.TempDir(), TickTime: 200, PreAllocSize: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return dialZK(t, s.Addr().String())
}

func dialZK(t *testing.T, addr string) *client.Client {
	t.Helper()
	c, err := client.Connect(client.Config{Servers: addr, SessionTimeout: 4 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	return c
}

func str(s string) *string { return &s }

func alterReq(typ kmsg.ConfigResourceType, name string, validateOnly bool, kv ...string) *kmsg.AlterConfigsRequest {
	req := kmsg.NewPtrAlterConfigsRequest()
	req.ValidateOnly = validateOnly
	r := kmsg.NewAlterConfigsRequestResource()
	r.ResourceType, r.ResourceName = typ, name
	for i := 0; i < len(kv); i += 2 {
		c := kmsg.NewAlterConfigsRequestResourceConfig()
		c.Name, c.Value = kv[i], str(kv[i+1])
		r.Configs = append(r.Configs, c)
	}
	req.Resources = append(req.Resources, r)
	return req
}

type op struct {
	name  string
	op    kmsg.IncrementalAlterConfigOp
	value *string
}

func incReq(typ kmsg.ConfigResourceType, name string, ops ...op) *kmsg.IncrementalAlterConfigsRequest {
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	r := kmsg.NewIncrementalAlterConfigsRequestResource()
	r.ResourceType, r.ResourceName = typ, name
	for _, o := range ops {
		c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		c.Name, c.Op, c.Value = o.name, o.op, o.value
		r.Configs = append(r.Configs, c)
	}
	req.Resources = append(req.Resources, r)
	return req
}

func result(code int16, msg *string) (int16, string) {
	if msg == nil {
		return code, ""
	}
	return code, *msg
}

func TestAlterConfigsThroughZooKeeper(t *testing.T) {
	ctx := context.Background()
	zk := startZK(t)
	zk2 := dialZK(t, zk.Server())
	for _, p := range []string{"/brokers", "/brokers/topics", "/brokers/topics/t"} {
		if _, err := zk.Create(ctx, p, nil, zkdata.OpenACL, client.ModePersistent); err != nil {
			t.Fatal(err)
		}
	}
	static, err := ParseBroker(shipped(t, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	m1 := NewManager(Options{Static: static, BrokerID: 0, Store: NewZKStore(func() *client.Client { return zk }, nil)})
	m2 := NewManager(Options{Static: static, BrokerID: 1, Store: NewZKStore(func() *client.Client { return zk2 }, nil)})
	topicCh, brokerCh := make(chan TopicConfig, 8), make(chan *Broker, 8)
	m2.Subscribe(Listener{
		TopicChanged:  func(_ string, cfg TopicConfig) { topicCh <- cfg },
		BrokerChanged: func(_, cur *Broker) { brokerCh <- cur },
	})
	for _, m := range []*Manager{m1, m2} {
		if err := m.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
	}
	data := func(p string) string {
		t.Helper()
		d, _, err := zk.Get(ctx, p, nil)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		return string(d)
	}
	waitTopic := func() TopicConfig {
		t.Helper()
		select {
		case cfg := <-topicCh:
			return cfg
		case <-time.After(5 * time.Second):
			t.Fatal("the second manager saw no topic change")
		}
		return TopicConfig{}
	}

	// validateOnly writes nothing.
	res := m1.AlterConfigs(ctx, alterReq(kmsg.ConfigResourceTypeTopic, "t", true, "retention.ms", "1000"))
	if res[0].ErrorCode != 0 {
		t.Fatal(res[0].ErrorMessage)
	}
	if st, _ := zk.Exists(ctx, "/config/topics/t", nil); st != nil {
		t.Fatal("validateOnly wrote the topic config")
	}

	res = m1.AlterConfigs(ctx, alterReq(kmsg.ConfigResourceTypeTopic, "t", false, "retention.ms", "1000", "cleanup.policy", "compact"))
	if res[0].ErrorCode != 0 {
		t.Fatal(*res[0].ErrorMessage)
	}
	if got, want := data("/config/topics/t"), string(zkdata.EncodeEntityConfig([]zkdata.ConfigEntry{{Name: "retention.ms", Value: "1000"}, {Name: "cleanup.policy", Value: "compact"}})); got != want {
		t.Fatalf("znode %s, want %s", got, want)
	}
	if got := data("/config/topics/t"); got != `{"version":1,"config":{"cleanup.policy":"compact","retention.ms":"1000"}}` {
		t.Errorf("znode %s", got)
	}
	if got := data("/config/changes/config_change_0000000000"); got != `{"version":2,"entity_path":"topics/t"}` {
		t.Errorf("notification %s", got)
	}
	cfg := waitTopic()
	if cfg.Log.RetentionMs != 1000 || !cfg.Log.CleanupPolicy.Compact() || cfg.Log.CleanupPolicy.Delete() {
		t.Fatalf("m2 topic config %+v", cfg.Log)
	}
	// The writer sees its own write at once.
	if got := configsByName(describeOne(t, m1, kmsg.ConfigResourceTypeTopic, "t", "retention.ms"))["retention.ms"]; got == "" || m1.TopicOverrides("t")["retention.ms"] != "1000" {
		t.Fatalf("m1 describe %q", got)
	}

	inc := m1.IncrementalAlterConfigs(ctx, incReq(kmsg.ConfigResourceTypeTopic, "t",
		op{"cleanup.policy", kmsg.IncrementalAlterConfigOpAppend, str("delete,compact")},
		op{"retention.ms", kmsg.IncrementalAlterConfigOpDelete, nil},
		op{"segment.bytes", kmsg.IncrementalAlterConfigOpSet, str("1048576")},
		op{"follower.replication.throttled.replicas", kmsg.IncrementalAlterConfigOpAppend, str("0:1,1:2")}))
	if inc[0].ErrorCode != 0 {
		t.Fatal(*inc[0].ErrorMessage)
	}
	if got := m1.TopicOverrides("t"); got["cleanup.policy"] != "compact,delete" || got["retention.ms"] != "" ||
		got["segment.bytes"] != "1048576" || got["follower.replication.throttled.replicas"] != "0:1,1:2" {
		t.Fatalf("overrides %v", got)
	}
	cfg = waitTopic()
	if cfg.Log.SegmentBytes != 1048576 || !cfg.Log.CleanupPolicy.Delete() || cfg.Log.RetentionMs != 604800000 ||
		len(cfg.FollowerThrottledReplicas) != 2 {
		t.Fatalf("m2 after incremental %+v", cfg)
	}
	inc = m1.IncrementalAlterConfigs(ctx, incReq(kmsg.ConfigResourceTypeTopic, "t",
		op{"cleanup.policy", kmsg.IncrementalAlterConfigOpSubtract, str("compact")}))
	if inc[0].ErrorCode != 0 || m1.TopicOverrides("t")["cleanup.policy"] != "delete" {
		t.Fatalf("subtract: %v %v", inc[0].ErrorMessage, m1.TopicOverrides("t"))
	}
	waitTopic()

	// A cluster default reaches both brokers; a per-broker config only its broker.
	inc = m1.IncrementalAlterConfigs(ctx, incReq(kmsg.ConfigResourceTypeBroker, "",
		op{"log.retention.ms", kmsg.IncrementalAlterConfigOpSet, str("5000")}))
	if inc[0].ErrorCode != 0 {
		t.Fatal(*inc[0].ErrorMessage)
	}
	if got := data("/config/brokers/<default>"); got != `{"version":1,"config":{"log.retention.ms":"5000"}}` {
		t.Errorf("default znode %s", got)
	}
	select {
	case b := <-brokerCh:
		if b.Log.Defaults.RetentionMs != 5000 {
			t.Fatalf("m2 retention %d", b.Log.Defaults.RetentionMs)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("m2 saw no broker change")
	}
	if m1.Broker().Log.Defaults.RetentionMs != 5000 {
		t.Fatal("m1 did not apply its own write")
	}
	res = m1.AlterConfigs(ctx, alterReq(kmsg.ConfigResourceTypeBroker, "0", false, "num.io.threads", "12", "log.cleaner.threads", "2"))
	if res[0].ErrorCode != 0 {
		t.Fatal(*res[0].ErrorMessage)
	}
	if got := data("/config/brokers/0"); got != string(zkdata.EncodeEntityConfig([]zkdata.ConfigEntry{{Name: "num.io.threads", Value: "12"}, {Name: "log.cleaner.threads", Value: "2"}})) {
		t.Errorf("broker znode %s", got)
	}
	if m1.Broker().NumIOThreads != 12 || m1.DynamicBrokerConfigs()["log.cleaner.threads"] != "2" {
		t.Fatal("m1 did not apply its per-broker config")
	}
	// m2 (broker 1) reads broker 0's notification and ignores it.
	if got := m2.Broker().NumIOThreads; got != 8 {
		t.Fatalf("m2 applied broker 0's config: %d", got)
	}

	// A third manager started later loads everything from ZooKeeper.
	m3 := NewManager(Options{Static: static, BrokerID: 0, Store: NewZKStore(func() *client.Client { return zk2 }, nil)})
	if err := m3.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer m3.Close()
	if m3.Broker().NumIOThreads != 12 || m3.Broker().Log.Defaults.RetentionMs != 5000 || m3.TopicOverrides("t")["segment.bytes"] != "1048576" {
		t.Fatalf("m3 loaded %d %d %v", m3.Broker().NumIOThreads, m3.Broker().Log.Defaults.RetentionMs, m3.TopicOverrides("t"))
	}
}

func TestAlterConfigsErrors(t *testing.T) {
	m, st := newTestManager(t, nil, nil, nil, map[string]map[string]string{"t": nil})
	ctx := context.Background()
	topic, broker := kmsg.ConfigResourceTypeTopic, kmsg.ConfigResourceTypeBroker
	set, appendOp, del := kmsg.IncrementalAlterConfigOpSet, kmsg.IncrementalAlterConfigOpAppend, kmsg.IncrementalAlterConfigOpDelete
	for _, c := range []struct {
		name string
		res  []kmsg.AlterConfigsResponseResource
		inc  []kmsg.IncrementalAlterConfigsResponseResource
		code int16
		msg  string
	}{
		{name: "bad value", res: m.AlterConfigs(ctx, alterReq(topic, "t", false, "retention.ms", "abc")), code: kerr.InvalidRequest.Code,
			msg: "Invalid config value for resource ConfigResource(type=TOPIC, name='t'): Invalid value abc for configuration retention.ms: Not a number of type LONG"},
		{name: "range", res: m.AlterConfigs(ctx, alterReq(topic, "t", false, "min.insync.replicas", "0")), code: kerr.InvalidRequest.Code,
			msg: "Invalid config value for resource ConfigResource(type=TOPIC, name='t'): Invalid value 0 for configuration min.insync.replicas: Value must be at least 1"},
		{name: "unknown name", res: m.AlterConfigs(ctx, alterReq(topic, "t", false, "retention.hours", "1")), code: kerr.InvalidConfig.Code,
			msg: "Unknown topic config name: retention.hours"},
		{name: "lag conflict", res: m.AlterConfigs(ctx, alterReq(topic, "t", false, "min.compaction.lag.ms", "10", "max.compaction.lag.ms", "5")), code: kerr.InvalidConfig.Code,
			msg: "conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)"},
		{name: "unknown topic", res: m.AlterConfigs(ctx, alterReq(topic, "nope", false, "retention.ms", "1")), code: kerr.UnknownTopicOrPartition.Code,
			msg: "The topic 'nope' does not exist."},
		{name: "throttle list", res: m.AlterConfigs(ctx, alterReq(topic, "t", false, "leader.replication.throttled.replicas", "0:1,x")), code: kerr.InvalidRequest.Code,
			msg: "Invalid config value for resource ConfigResource(type=TOPIC, name='t'): Invalid value [0:1, x] for configuration leader.replication.throttled.replicas: leader.replication.throttled.replicas must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],..."},
		{name: "static key", res: m.AlterConfigs(ctx, alterReq(broker, "0", false, "log.dirs", "/x", "num.partitions", "3")), code: kerr.InvalidRequest.Code,
			msg: "Invalid config value for resource ConfigResource(type=BROKER, name='0'): Cannot update these configs dynamically: Set(log.dirs, num.partitions)"},
		{name: "per broker at default", res: m.AlterConfigs(ctx, alterReq(broker, "", false, "listeners", "PLAINTEXT://:9093")), code: kerr.InvalidRequest.Code,
			msg: "Invalid config value for resource ConfigResource(type=BROKER, name=''): Cannot update these configs at default cluster level, broker id must be specified: Set(listeners)"},
		{name: "security without prefix", res: m.AlterConfigs(ctx, alterReq(broker, "0", false, "ssl.keystore.location", "/k")), code: kerr.InvalidRequest.Code,
			msg: "Invalid config value for resource ConfigResource(type=BROKER, name='0'): These security configs can be dynamically updated only per-listener using the listener prefix: Set(ssl.keystore.location)"},
		{name: "thread pool", res: m.AlterConfigs(ctx, alterReq(broker, "0", false, "num.io.threads", "17")), code: kerr.InvalidRequest.Code,
			msg: "Invalid config value for resource ConfigResource(type=BROKER, name='0'): Invalid value org.apache.kafka.common.config.ConfigException: Dynamic thread count update validation failed for num.io.threads=17, value should not be greater than double the current value 8 for configuration Invalid dynamic configuration"},
		{name: "other broker", res: m.AlterConfigs(ctx, alterReq(broker, "3", false, "num.io.threads", "9")), code: kerr.InvalidRequest.Code,
			msg: "Unexpected broker id, expected 0, but received 3"},
		{name: "whole config", res: m.AlterConfigs(ctx, alterReq(broker, "0", false, "min.insync.replicas", "x")), code: kerr.InvalidRequest.Code,
			msg: "Invalid config value for resource ConfigResource(type=BROKER, name='0'): Invalid value x for configuration min.insync.replicas: Not a number of type INT"},
		{name: "duplicate", inc: m.IncrementalAlterConfigs(ctx, incReq(topic, "t", op{"retention.ms", set, str("1")}, op{"retention.ms", del, nil})), code: kerr.InvalidRequest.Code,
			msg: "Error due to duplicate config keys : retention.ms"},
		{name: "null", inc: m.IncrementalAlterConfigs(ctx, incReq(topic, "t", op{"retention.ms", set, nil})), code: kerr.InvalidRequest.Code,
			msg: "Null value not supported for : SET:retention.ms"},
		{name: "append scalar", inc: m.IncrementalAlterConfigs(ctx, incReq(topic, "t", op{"retention.ms", appendOp, str("1")})), code: kerr.InvalidConfig.Code,
			msg: "Config value append is not allowed for config key: retention.ms"},
		{name: "append unknown", inc: m.IncrementalAlterConfigs(ctx, incReq(topic, "t", op{"nope", appendOp, str("1")})), code: kerr.InvalidConfig.Code,
			msg: "Unknown config name: nope"},
		{name: "logger level", inc: m.IncrementalAlterConfigs(ctx, incReq(kmsg.ConfigResourceTypeBrokerLogger, "0", op{"root", set, str("LOUD")})), code: kerr.InvalidRequest.Code,
			msg: "Invalid config value for resource ConfigResource(type=BROKER_LOGGER, name='0'): Cannot set the log level of root to LOUD as it is not a supported log level. Valid log levels are INFO, DEBUG, WARN, ERROR, TRACE, FATAL"},
	} {
		var code int16
		var msg string
		if c.res != nil {
			code, msg = result(c.res[0].ErrorCode, c.res[0].ErrorMessage)
		} else {
			code, msg = result(c.inc[0].ErrorCode, c.inc[0].ErrorMessage)
		}
		if code != c.code || msg != c.msg {
			t.Errorf("%s: code %d %q\nwant %d %q", c.name, code, msg, c.code, c.msg)
		}
	}
	if d, ok := st.Data(zkdata.ConfigTopics, "t"); ok {
		t.Errorf("a refused alteration wrote %s", d)
	}
}

func TestPolicyViolation(t *testing.T) {
	b, _ := ParseBroker(shipped(t, nil), nil)
	st := NewMemStore()
	st.AddTopic("t", true)
	m := NewManager(Options{Static: b, Store: st, AlterPolicy: func(_ kmsg.ConfigResourceType, _ string, cfg map[string]*string) error {
		if cfg["retention.ms"] != nil && *cfg["retention.ms"] == "1" {
			return errPolicyTest
		}
		return nil
	}})
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	res := m.AlterConfigs(context.Background(), alterReq(kmsg.ConfigResourceTypeTopic, "t", false, "retention.ms", "1"))
	if code, msg := result(res[0].ErrorCode, res[0].ErrorMessage); code != kerr.PolicyViolation.Code || msg != "retention too short" {
		t.Fatalf("%d %q", code, msg)
	}
}

type policyErr string

func (e policyErr) Error() string { return string(e) }

var errPolicyTest = policyErr("retention too short")

func TestNotificationsPurgedAfterExpiration(t *testing.T) {
	b, _ := ParseBroker(shipped(t, nil), nil)
	st := NewMemStore()
	st.AddTopic("t", true)
	now := int64(1_000_000)
	st.Now = func() int64 { return now }
	m := NewManager(Options{Static: b, Store: st, Now: func() int64 { return now }})
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ctx := context.Background()
	if res := m.AlterConfigs(ctx, alterReq(kmsg.ConfigResourceTypeTopic, "t", false, "retention.ms", "1000")); res[0].ErrorCode != 0 {
		t.Fatal(*res[0].ErrorMessage)
	}
	m.processChanges(ctx)
	if names, _ := st.Changes(ctx, nil); len(names) != 1 {
		t.Fatalf("a fresh notification was purged: %v", names)
	}
	now += DefaultChangeExpirationMs + 1
	m.processChanges(ctx)
	if names, _ := st.Changes(ctx, nil); len(names) != 0 {
		t.Fatalf("an expired notification was kept: %v", names)
	}
}
