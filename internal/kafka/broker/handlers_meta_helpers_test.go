package broker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/controller"
	"github.com/wharf-project/wharf/internal/kafka/kconfig"
	"github.com/wharf-project/wharf/internal/kafka/meta"
	"github.com/wharf-project/wharf/internal/kafka/zkdata"
	"github.com/wharf-project/wharf/internal/kafka/zkdata/zktest"
	"github.com/wharf-project/wharf/internal/testutil"
)

// Fixtures of the metadata, admin and config handler tests (03, 19, 20,
// 32, 33, 37, 44, 60):
//
//   - cacheBroker: a Broker with a static config and a metadata cache the
//     test feeds with UpdateMetadata requests, for the read-only handlers.
//   - newAdminEnv: a Broker over Wharf's in-process coordinator with a real
//     controller (whose control requests reach the metadata cache through
//     a LocalChannel), the Admin, and a kconfig Manager on ZooKeeper.
//   - call: runs a handler the way the server does, bytes in and out: the
//     request is encoded at its version and decoded as the server decodes
//     it, the response encoded at that version and decoded as a client
//     would, so every call checks the version's wire format too.

const testClusterID = "wharf-test-cluster"

// staticConfig is a broker's server.properties: Kafka's shipped file's
// essentials, then extra.
func staticConfig(t testing.TB, extra map[string]string) *kconfig.Broker {
	t.Helper()
	props := map[string]string{
		"broker.id":                        "0",
		"zookeeper.connect":                "127.0.0.1:2181",
		"listeners":                        "PLAINTEXT://127.0.0.1:9092",
		"log.dirs":                         t.TempDir(),
		"offsets.topic.replication.factor": "1",
		"transaction.state.log.replication.factor": "1",
		"transaction.state.log.min.isr":            "1",
	}
	maps.Copy(props, extra)
	cfg, err := kconfig.ParseBroker(props, nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// cacheBroker is a Broker with a metadata cache and a static config only.
func cacheBroker(t testing.TB, extra map[string]string) *Broker {
	cfg := staticConfig(t, extra)
	c := meta.New(cfg.BrokerID)
	c.SetClusterID(testClusterID)
	return &Broker{ID: cfg.BrokerID, ClusterID: testClusterID, Config: cfg, Meta: c, Log: slog.New(slog.DiscardHandler)}
}

// liveBroker is an UpdateMetadata live broker with endpoints by listener.
func liveBroker(id int32, rack string, ports map[string]int32) kmsg.UpdateMetadataRequestLiveBroker {
	lb := kmsg.NewUpdateMetadataRequestLiveBroker()
	lb.ID = id
	if rack != "" {
		lb.Rack = &rack
	}
	for _, l := range []string{"PLAINTEXT", "INTERNAL"} { // a fixed order
		if p, ok := ports[l]; ok {
			ep := kmsg.NewUpdateMetadataRequestLiveBrokerEndpoint()
			ep.Host, ep.Port, ep.ListenerName = fmt.Sprintf("host%d", id), p, l
			lb.Endpoints = append(lb.Endpoints, ep)
		}
	}
	return lb
}

// partState is a partition's state in an UpdateMetadata request.
func partState(p, leader, epoch int32, replicas, isr, offline []int32) kmsg.UpdateMetadataRequestTopicPartition {
	ps := kmsg.NewUpdateMetadataRequestTopicPartition()
	ps.Partition, ps.Leader, ps.LeaderEpoch, ps.ControllerEpoch = p, leader, epoch, 1
	ps.Replicas, ps.ISR, ps.OfflineReplicas = replicas, isr, offline
	return ps
}

// topicState is a topic's states in an UpdateMetadata request.
func topicState(name string, id zkdata.UUID, ps ...kmsg.UpdateMetadataRequestTopicPartition) kmsg.UpdateMetadataRequestTopicState {
	ts := kmsg.NewUpdateMetadataRequestTopicState()
	ts.Topic, ts.TopicID, ts.PartitionStates = name, id, ps
	return ts
}

// feed applies an UpdateMetadata v7 to the broker's cache.
func feed(b *Broker, controllerID int32, brokers []kmsg.UpdateMetadataRequestLiveBroker, topics ...kmsg.UpdateMetadataRequestTopicState) {
	req := kmsg.NewPtrUpdateMetadataRequest()
	req.Version, req.ControllerID, req.ControllerEpoch = 7, controllerID, 1
	req.LiveBrokers, req.TopicStates = brokers, topics
	b.Meta.UpdateMetadata(req)
}

// call runs req (at its version) through the registered handler on a
// connection of listener, bytes in and bytes out, and returns the decoded
// response.
func call[R kmsg.Response](t testing.TB, b *Broker, listener string, req kmsg.Request) R {
	t.Helper()
	key, v := req.Key(), req.GetVersion()
	e, ok := DefaultRegistry.lookup(key)
	if !ok || v < e.min || v > e.max {
		t.Fatalf("%s v%d is not registered", kmsg.NameForKey(key), v)
	}
	in := kmsg.RequestForKey(key)
	in.SetVersion(v)
	if err := in.ReadFrom(req.AppendTo(nil)); err != nil {
		t.Fatalf("decoding %s v%d: %v", kmsg.NameForKey(key), v, err)
	}
	rc := &RequestContext{Key: key, Version: v, Broker: b, ClientID: "test", Received: time.Now(),
		Conn: &ConnInfo{ID: "test", Listener: listener, SecurityProtocol: "PLAINTEXT"}, Logger: b.Log}
	reply := e.h(rc, in)
	if p := reply.Pending(); p != nil {
		reply = waitPending(t, p)
	}
	resp := reply.Response()
	if resp == nil {
		t.Fatalf("%s v%d: no response (%v)", kmsg.NameForKey(key), v, reply.CloseReason())
	}
	resp.SetVersion(v)
	out := kmsg.ResponseForKey(key)
	out.SetVersion(v)
	if err := out.ReadFrom(resp.AppendTo(nil)); err != nil {
		t.Fatalf("decoding %s v%d response: %v", kmsg.NameForKey(key), v, err)
	}
	return out.(R)
}

func waitPending(t testing.TB, p *Pending) Reply {
	t.Helper()
	ch := make(chan Reply, 1)
	p.then(func(r Reply) { ch <- r })
	select {
	case r := <-ch:
		return r
	case <-time.After(testTimeout):
		t.Fatal("the handler's reply never settled")
		return Reply{}
	}
}

func strp(s string) *string { return &s }

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// logBuffer is a slog handler's output, safe for concurrent writers.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// adminEnv is a broker over the in-process coordinator: the active
// controller, the Admin, the config Manager and the metadata cache the
// controller's UpdateMetadata requests feed.
type adminEnv struct {
	t    *testing.T
	b    *Broker
	zk   *zkdata.Client
	zkAt string // the coordinator's host:port
	port int    // the PLAINTEXT port registered for broker 0
	logs *logBuffer
}

// envOptions tune newAdminEnv.
type envOptions struct {
	props map[string]string // server.properties overrides
	port  int               // the listener's port (0: a free one)
}

func envCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func dialZK(t testing.TB, connect string) *zkdata.Client {
	t.Helper()
	zk, err := zkdata.Dial(envCtx(t), zkdata.Config{Connect: connect, SessionTimeout: 4 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zk.Close() })
	if err := zk.CreateTopLevelPaths(envCtx(t)); err != nil {
		t.Fatal(err)
	}
	return zk
}

// controlHandler answers a broker's control requests: UpdateMetadata
// feeds cache (when not nil); LeaderAndIsr and StopReplica succeed.
func controlHandler(cache *meta.Cache) controller.HandlerFunc {
	return func(_ context.Context, req kmsg.Request) (kmsg.Response, error) {
		switch r := req.(type) {
		case *kmsg.UpdateMetadataRequest:
			if cache != nil {
				cache.UpdateMetadata(r)
			}
			return &kmsg.UpdateMetadataResponse{Version: r.Version}, nil
		case *kmsg.LeaderAndISRRequest:
			resp := &kmsg.LeaderAndISRResponse{Version: r.Version}
			for _, ts := range r.TopicStates {
				rt := kmsg.LeaderAndISRResponseTopic{TopicID: ts.TopicID}
				for _, p := range ts.PartitionStates {
					rt.Partitions = append(rt.Partitions, kmsg.LeaderAndISRResponseTopicPartition{Partition: p.Partition})
				}
				resp.Topics = append(resp.Topics, rt)
			}
			for _, p := range r.PartitionStates {
				resp.Partitions = append(resp.Partitions, kmsg.LeaderAndISRResponseTopicPartition{Topic: p.Topic, Partition: p.Partition})
			}
			return resp, nil
		case *kmsg.StopReplicaRequest:
			resp := &kmsg.StopReplicaResponse{Version: r.Version}
			for _, tp := range r.Topics {
				for _, p := range tp.PartitionStates {
					resp.Partitions = append(resp.Partitions, kmsg.StopReplicaResponsePartition{Topic: tp.Topic, Partition: p.Partition})
				}
				for _, p := range tp.Partitions {
					resp.Partitions = append(resp.Partitions, kmsg.StopReplicaResponsePartition{Topic: tp.Topic, Partition: p})
				}
			}
			return resp, nil
		}
		return nil, fmt.Errorf("unexpected control request %T", req)
	}
}

// brokerInfo is a registration with a PLAINTEXT endpoint on port.
func brokerInfo(id int32, port int) zkdata.BrokerInfo {
	return zkdata.BrokerInfo{ID: id, Version: 5, JMXPort: -1, Timestamp: time.Now().UnixMilli(),
		EndPoints: []zkdata.EndPoint{{Listener: "PLAINTEXT", Host: "127.0.0.1", Port: int32(port), SecurityProtocol: "PLAINTEXT"}}}
}

// validateTopicConfig is the Admin's ValidateConfig: LogConfig.validate
// with Kafka's message (the Admin takes the error's text after a
// "kconfig: " prefix as the INVALID_CONFIG message).
func validateTopicConfig(_ string, c map[string]string) error {
	if err := kconfig.ValidateTopicConfig(c); err != nil {
		if msg := kconfig.Message(err); msg != nil {
			return errors.New("kconfig: " + *msg)
		}
		return err
	}
	return nil
}

// newAdminEnv starts broker 0 as the active controller of a cluster of its
// own and waits until its metadata cache knows itself.
func newAdminEnv(t *testing.T, o envOptions) *adminEnv {
	t.Helper()
	env := &adminEnv{t: t, zkAt: zktest.Wharf(t), port: o.port, logs: &logBuffer{}}
	if env.port == 0 {
		env.port = testutil.FreePort(t)
	}
	props := map[string]string{"zookeeper.connect": env.zkAt, "listeners": "PLAINTEXT://127.0.0.1:" + strconv.Itoa(env.port)}
	maps.Copy(props, o.props)
	cfg := staticConfig(t, props)
	env.zk = dialZK(t, env.zkAt)
	logger := slog.New(slog.NewTextHandler(env.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	cache := meta.New(0)
	cache.SetClusterID(testClusterID)
	ctrl, err := controller.New(controller.Config{Broker: brokerInfo(0, env.port), ZK: env.zk,
		Channel: controller.NewLocalChannel(0, controlHandler(cache)), DeleteTopicEnable: cfg.DeleteTopicEnable})
	if err != nil {
		t.Fatal(err)
	}
	if err := ctrl.Start(envCtx(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ctrl.Close() })
	configs := kconfig.NewManager(kconfig.Options{Static: cfg, BrokerID: 0, Store: kconfig.NewZKStore(env.zk.Session, nil),
		TopicExists: func(topic string) bool { return cache.Snapshot().Contains(topic) }})
	if err := configs.Start(envCtx(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { configs.Close() })
	admin := controller.NewAdmin(controller.AdminConfig{ZK: env.zk, NumPartitions: cfg.NumPartitions,
		DefaultReplicationFactor: int16(cfg.DefaultReplicationFactor), DeleteTopicEnable: cfg.DeleteTopicEnable,
		ValidateConfig: validateTopicConfig, Rand: func(int) int { return 0 }, Logger: logger})
	env.b = &Broker{ID: 0, ClusterID: testClusterID, Config: cfg, Log: logger, ZK: env.zk, Configs: configs,
		Meta: cache, Controller: ctrl, Admin: admin}
	env.waitFor("broker 0 to lead and know itself", func() bool {
		s := cache.Snapshot()
		return ctrl.IsActive() && s.ControllerID() == 0 && len(s.Nodes("PLAINTEXT")) == 1
	})
	return env
}

func (env *adminEnv) waitFor(what string, cond func() bool) {
	env.t.Helper()
	zktest.WaitFor(env.t, 20*time.Second, what, cond)
}

// addBroker registers broker id (a session of its own, no controller
// election won) whose control requests are answered but go nowhere; it
// leaves when the test ends or when the returned client is closed.
func (env *adminEnv) addBroker(id int32) *zkdata.Client {
	env.t.Helper()
	zk := dialZK(env.t, env.zkAt)
	if _, err := zk.RegisterBroker(envCtx(env.t), brokerInfo(id, env.port+int(id))); err != nil {
		env.t.Fatal(err)
	}
	env.waitFor(fmt.Sprintf("broker %d in the metadata cache", id), func() bool {
		_, ok := env.b.Meta.Snapshot().Broker(id)
		return ok
	})
	return zk
}

// standby is a second broker whose controller is not the active one: a
// Broker sharing env's cache and Admin but answering NOT_CONTROLLER.
func (env *adminEnv) standby() *Broker {
	env.t.Helper()
	zk := dialZK(env.t, env.zkAt)
	ctrl, err := controller.New(controller.Config{Broker: brokerInfo(1, env.port+1), ZK: zk,
		Channel: controller.NewLocalChannel(1, controlHandler(nil))})
	if err != nil {
		env.t.Fatal(err)
	}
	if err := ctrl.Start(envCtx(env.t)); err != nil {
		env.t.Fatal(err)
	}
	env.t.Cleanup(func() { ctrl.Close() })
	env.waitFor("broker 1 to see controller 0", func() bool { return ctrl.ActiveControllerID() == 0 })
	b := env.b
	return &Broker{ID: 1, ClusterID: b.ClusterID, Config: b.Config, Log: b.Log, ZK: b.ZK, Configs: b.Configs,
		Meta: b.Meta, Controller: ctrl, Admin: b.Admin}
}

// createTopic creates a topic through the CreateTopics handler and waits
// for its leaders.
func (env *adminEnv) createTopic(name string, partitions int32, configs map[string]string) *kmsg.CreateTopicsResponseTopic {
	env.t.Helper()
	req := kmsg.NewPtrCreateTopicsRequest()
	req.Version = 7
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic, rt.NumPartitions, rt.ReplicationFactor = name, partitions, 1
	for k, v := range configs {
		c := kmsg.NewCreateTopicsRequestTopicConfig()
		c.Name, c.Value = k, strp(v)
		rt.Configs = append(rt.Configs, c)
	}
	req.Topics = append(req.Topics, rt)
	resp := call[*kmsg.CreateTopicsResponse](env.t, env.b, "PLAINTEXT", req)
	if r := resp.Topics[0]; r.ErrorCode != 0 {
		env.t.Fatalf("creating %s: %d %s", name, r.ErrorCode, deref(r.ErrorMessage))
	}
	return &resp.Topics[0]
}

// topicExistsInZK reports whether /brokers/topics/<t> exists.
func (env *adminEnv) topicExistsInZK(topic string) bool {
	env.t.Helper()
	ok, err := env.zk.TopicExists(envCtx(env.t), topic)
	if err != nil {
		env.t.Fatal(err)
	}
	return ok
}

// serve runs the network server on env's port with the default registry
// (every handler file's), so real clients reach env's broker.
func (env *adminEnv) serve() string {
	env.t.Helper()
	cfg := testConfig()
	cfg.Listeners = "PLAINTEXT://127.0.0.1:" + strconv.Itoa(env.port)
	startServer(env.t, cfg, Options{Broker: env.b, Logger: env.b.Log})
	return "127.0.0.1:" + strconv.Itoa(env.port)
}

// inProcess is env's network server as a kafkapeer.Broker, for the
// client runners (kcat); it cannot be stopped or restarted.
type inProcess struct {
	t    testing.TB
	addr string
}

func (p inProcess) Kind() string { return "in-process" }
func (p inProcess) Addr() string { return p.addr }
func (p inProcess) Stop()        { p.t.Fatal("an in-process broker is stopped with its test") }
func (p inProcess) Kill()        { p.t.Fatal("an in-process broker cannot be killed") }
func (p inProcess) Restart()     { p.t.Fatal("an in-process broker cannot be restarted") }

// The metadata, admin and config handlers' registered ranges, which the
// ApiVersions table advertises.
var metaHandlerRanges = map[int16][2]int16{
	3: {0, 13}, 19: {0, 7}, 20: {0, 6}, 32: {0, 4}, 33: {0, 2}, 37: {0, 3}, 44: {0, 1}, 60: {0, 2},
}

// wireRequest is a request of key at version v that succeeds on a broker
// with topic "wire" (validate-only where it would change something),
// except DeleteTopics, which names a missing topic.
func wireRequest(key, v int16) kmsg.Request {
	switch key {
	case 3:
		r := metadataRequest(v, "wire")
		r.AllowAutoTopicCreation = false
		return r
	case 19:
		r := createRequest(v, 5000, v >= 1, topicSpec{name: fmt.Sprintf("wire-v%d", v), partitions: 1, rf: 1})
		return r
	case 20:
		return deleteRequest(v, 1000, []string{"nope"})
	case 32:
		r := kmsg.NewPtrDescribeConfigsRequest()
		r.Version, r.Resources = v, []kmsg.DescribeConfigsRequestResource{describeResource(kmsg.ConfigResourceTypeTopic, "wire")}
		return r
	case 33:
		r := kmsg.NewPtrAlterConfigsRequest()
		r.Version, r.ValidateOnly = v, true
		r.Resources = []kmsg.AlterConfigsRequestResource{alterResource(kmsg.ConfigResourceTypeTopic, "wire", "retention.ms", "1000")}
		return r
	case 37:
		return partitionsRequest(v, 1000, true, growth{topic: "wire", count: 2})
	case 44:
		r := kmsg.NewPtrIncrementalAlterConfigsRequest()
		r.Version, r.ValidateOnly = v, true
		r.Resources = []kmsg.IncrementalAlterConfigsRequestResource{incrementalResource(kmsg.ConfigResourceTypeTopic, "wire",
			incOp{"retention.ms", kmsg.IncrementalAlterConfigOpSet, strp("1000")})}
		return r
	case 60:
		r := kmsg.NewPtrDescribeClusterRequest()
		r.Version = v
		return r
	}
	panic(fmt.Sprintf("no wire request for key %d", key))
}

// Every version of every handler here, through the network server: the
// range is registered, the request frame (headers v1 and v2) is decoded,
// and the response frame decodes at the request's version with the
// expected codes.
func TestMetaHandlersEveryVersionOverTheWire(t *testing.T) {
	env := newAdminEnv(t, envOptions{})
	env.createTopic("wire", 1, nil)
	cfg := testConfig()
	cfg.Listeners = "PLAINTEXT://127.0.0.1:" + strconv.Itoa(env.port)
	c := dial(t, startServer(t, cfg, Options{Broker: env.b, Logger: env.b.Log}))
	corr := int32(0)
	for _, key := range []int16{3, 19, 20, 32, 33, 37, 44, 60} {
		lo, hi, ok := DefaultRegistry.Range(key)
		if want := metaHandlerRanges[key]; !ok || lo != want[0] || hi != want[1] {
			t.Fatalf("%s registered %d..%d (%v), want %v", kmsg.NameForKey(key), lo, hi, ok, want)
		}
		for v := lo; v <= hi; v++ {
			corr++
			c.send(corr, wireRequest(key, v))
			got, resp := c.recv(key, v)
			if got != corr {
				t.Fatalf("%s v%d: correlation %d, want %d", kmsg.NameForKey(key), v, got, corr)
			}
			var codes []int16
			ErrorCodes(resp, func(code int16) {
				if code != 0 {
					codes = append(codes, code)
				}
			})
			want := 0
			if key == 20 {
				want = 1 // the missing topic
			}
			if len(codes) != want || (want == 1 && codes[0] != kerr.UnknownTopicOrPartition.Code) {
				t.Errorf("%s v%d: error codes %v in %+v", kmsg.NameForKey(key), v, codes, resp)
			}
		}
	}
}
