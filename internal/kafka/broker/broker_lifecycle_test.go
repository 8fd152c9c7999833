package broker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/controller"
	"github.com/wharf-project/wharf/internal/kafka/kconfig"
	"github.com/wharf-project/wharf/internal/kafka/partition"
	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/kafka/wire"
	"github.com/wharf-project/wharf/internal/kafka/zkdata"
	"github.com/wharf-project/wharf/internal/kafka/zkdata/zktest"
)

func TestMain(m *testing.M) { zktest.Main(m) }

// brokerProps is a single-broker test configuration on loopback.
func brokerProps(connect, logDir string, extra ...string) map[string]string {
	p := map[string]string{
		"broker.id":                        "0",
		"listeners":                        "PLAINTEXT://127.0.0.1:0",
		"log.dirs":                         logDir,
		"zookeeper.connect":                connect,
		"offsets.topic.replication.factor": "1",
		"num.partitions":                   "1",
	}
	for _, kv := range extra {
		k, v, _ := strings.Cut(kv, "=")
		p[k] = v
	}
	return p
}

func newBroker(t *testing.T, props map[string]string, opts BrokerOptions) *Broker {
	t.Helper()
	cfg, err := kconfig.ParseBroker(props, nil)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Logger == nil && os.Getenv("WHARF_TEST_LOG") != "" {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	b, err := New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// startBroker starts a broker and waits until it is the active controller.
func startBroker(t *testing.T, props map[string]string) *Broker {
	t.Helper()
	b := newBroker(t, props, BrokerOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := b.Start(ctx); err != nil {
		t.Fatalf("start: %v", err)
	}
	zktest.WaitFor(t, 20*time.Second, "the broker to become controller", b.Controller.IsActive)
	return b
}

// observer is a second ZooKeeper client on the broker's chroot.
func observer(t *testing.T, connect string) *zkdata.Client {
	t.Helper()
	zk, err := zkdata.Dial(context.Background(), zkdata.Config{Connect: connect, SessionTimeout: 4 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zk.Close() })
	return zk
}

func tpOf(topic string, p int32) partition.TopicPartition {
	return partition.TopicPartition{Topic: topic, Partition: p}
}

// leaderState waits until the broker leads tp and returns its state.
func leaderState(t *testing.T, b *Broker, tp partition.TopicPartition) partition.State {
	t.Helper()
	var st partition.State
	zktest.WaitFor(t, 20*time.Second, "leadership of "+tp.String(), func() bool {
		p, ok := b.Replicas.Partition(tp)
		if !ok {
			return false
		}
		st = p.State()
		_, known := b.Meta.Snapshot().Partition(tp.Topic, tp.Partition)
		return st.Leader == b.ID && known
	})
	return st
}

func oneBatch(t *testing.T, values ...string) []byte {
	t.Helper()
	bl := record.NewBuilder(0, record.CompressionNone)
	for _, v := range values {
		if err := bl.Append(time.Now().UnixMilli(), nil, []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	data, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestBrokerLifecycle runs a broker against Wharf's coordinator and Apache
// ZooKeeper 3.8 under a chroot the broker creates: registration in Kafka
// 2.8's layout, the controller, a topic created through the admin path
// and led here, appends, producer ids, a dynamic config, metrics, then a
// clean shutdown and a restart that finds everything where it was.
func TestBrokerLifecycle(t *testing.T) {
	zktest.Servers(t, func(t *testing.T, srv zktest.Server) {
		connect := srv.Connect("/kafka")
		dir := t.TempDir()
		b := startBroker(t, brokerProps(connect, dir))
		zk := observer(t, connect)
		ctx := ctxT(t)

		// Registration, controller and cluster id, byte for byte as
		// zkdata (Kafka 2.8's encoders) writes them.
		data, stat, err := zk.Get(ctx, zkdata.BrokerPath(0))
		if err != nil {
			t.Fatal(err)
		}
		if stat.EphemeralOwner != b.ZK.SessionID() {
			t.Errorf("registration owned by session %x, broker's is %x", stat.EphemeralOwner, b.ZK.SessionID())
		}
		info, err := zkdata.DecodeBroker(0, data)
		if err != nil {
			t.Fatal(err)
		}
		port := b.Server.Addr("PLAINTEXT").String()
		if len(info.EndPoints) != 1 || info.EndPoints[0].ConnectionString() != "PLAINTEXT://"+port || info.Version != 5 || info.JMXPort != -1 {
			t.Errorf("registration %+v, want PLAINTEXT://%s, version 5, jmx -1", info, port)
		}
		if got := zkdata.Scala213.EncodeBroker(info); string(got) != string(data) {
			t.Errorf("registration is not Kafka 2.8's JSON:\n got %s\nwant %s", data, got)
		}
		if id, ok, err := zk.GetControllerID(ctx); err != nil || !ok || id != 0 {
			t.Errorf("/controller = %d %v %v, want 0", id, ok, err)
		}
		if id, ok, err := zk.GetClusterID(ctx); err != nil || !ok || id != b.ClusterID {
			t.Errorf("/cluster/id = %q %v %v, want %q", id, ok, err, b.ClusterID)
		}
		if st, err := b.ZK.Session().Exists(ctx, "/kafka", nil); err != nil && st == nil {
			t.Errorf("chroot: %v", err)
		}

		// ApiVersions over the listener (held back until ready, then served).
		c := dialAddr(t, port)
		c.send(1, &kmsg.ApiVersionsRequest{Version: 3, ClientSoftwareName: "test", ClientSoftwareVersion: "1"})
		if _, resp := c.recv(18, 3); len(resp.(*kmsg.ApiVersionsResponse).ApiKeys) == 0 {
			t.Error("ApiVersions lists no API")
		}

		// A topic created as CreateTopics does, led here.
		res := b.Admin.CreateTopics(ctx, []controller.CreateTopic{{Name: "events", NumPartitions: 2, ReplicationFactor: 1}}, false)
		if res[0].ErrorCode != 0 {
			t.Fatalf("create: %+v", res[0])
		}
		tp := tpOf("events", 1)
		st := leaderState(t, b, tp)
		out := b.Replicas.Append(partition.AppendRequest{Acks: -1, TimeoutMs: 10000,
			Partitions: []partition.AppendPartition{{TopicPartition: tp, Records: oneBatch(t, "a", "b", "c")}}})
		if out[0].ErrorCode != 0 || out[0].BaseOffset != 0 {
			t.Fatalf("append: %+v", out[0])
		}

		// Producer ids come from a block reserved in ZooKeeper.
		for want := int64(0); want < 2; want++ {
			if id, err := b.ProducerIDs.NextProducerID(); err != nil || id != want {
				t.Fatalf("producer id = %d %v, want %d", id, err, want)
			}
		}
		if data, _, _ := zk.Get(ctx, zkdata.ProducerIDBlockPath); string(data) != `{"version":1,"broker":0,"block_start":"0","block_end":"999"}` {
			t.Errorf("/latest_producer_id_block = %s", data)
		}

		// A dynamic topic config reaches the logs.
		alter := kmsg.NewPtrIncrementalAlterConfigsRequest()
		r := kmsg.NewIncrementalAlterConfigsRequestResource()
		r.ResourceType, r.ResourceName = kmsg.ConfigResourceTypeTopic, "events"
		cv := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		cv.Name, cv.Value = "retention.ms", kmsg.StringPtr("123456")
		r.Configs = append(r.Configs, cv)
		alter.Resources = append(alter.Resources, r)
		if got := b.Configs.IncrementalAlterConfigs(ctx, alter); got[0].ErrorCode != 0 {
			t.Fatalf("alter: %+v", got[0])
		}
		zktest.WaitFor(t, 10*time.Second, "retention.ms on the log", func() bool {
			l, ok := b.Logs.GetLog(tp)
			return ok && l.Config().RetentionMs == 123456
		})
		if tc, err := b.TopicConfig("events"); err != nil || tc.Log.RetentionMs != 123456 {
			t.Errorf("TopicConfig after the change: %d %v", tc.Log.RetentionMs, err)
		}

		// Metrics with Kafka's names.
		text := scrape(t, b)
		for _, want := range []string{
			"kafka_server_replicamanager_partitioncount 2",
			"kafka_server_replicamanager_leadercount 2",
			"kafka_controller_kafkacontroller_activecontrollercount 1",
			"kafka_controller_kafkacontroller_globalpartitioncount 2",
			"kafka_server_kafkaserver_brokerstate 3",
			`kafka_network_requestmetrics_requests_total{request="ApiVersions",version="3"} 1`,
			`kafka_network_requestmetrics_errors_total{error="NONE",request="ApiVersions"} 1`,
			`kafka_log_log_logendoffset{partition="1",topic="events"} 3`,
			`kafka_server_socket_server_metrics_connection_count{listener="PLAINTEXT"} 1`,
		} {
			if !strings.Contains(text, want+"\n") {
				t.Errorf("metrics lack %q", want)
			}
		}

		// Clean shutdown: the marker, and the registration gone.
		if err := b.Close(); err != nil {
			t.Fatalf("close: %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, ".kafka_cleanshutdown")); err != nil {
			t.Errorf("no clean shutdown marker: %v", err)
		}
		zktest.WaitFor(t, 10*time.Second, "the registration to go", func() bool {
			s, err := zk.Exists(ctx, zkdata.BrokerPath(0))
			return err == nil && s == nil
		})

		// Restart: same cluster, same data, leader again.
		b2 := startBroker(t, brokerProps(connect, dir))
		if b2.ClusterID != b.ClusterID {
			t.Errorf("cluster id %q after restart, was %q", b2.ClusterID, b.ClusterID)
		}
		st2 := leaderState(t, b2, tp)
		if st2.LogEndOffset != 3 || st2.LeaderEpoch < st.LeaderEpoch {
			t.Errorf("after restart: %+v, before %+v", st2, st)
		}
		if id, err := b2.ProducerIDs.NextProducerID(); err != nil || id != ProducerIDBlockSize {
			t.Errorf("first producer id after restart = %d %v, want %d", id, err, ProducerIDBlockSize)
		}
		if l, ok := b2.Logs.GetLog(tp); !ok || l.Config().RetentionMs != 123456 {
			t.Error("the dynamic retention.ms did not survive the restart")
		}
	})
}

func dialAddr(t *testing.T, addr string) *client {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &client{t: t, nc: nc, fr: wire.NewFrameReader(nc, 1<<30)}
}

func scrape(t *testing.T, b *Broker) string {
	t.Helper()
	rec := httptest.NewRecorder()
	b.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return string(body)
}

// TestBrokerWaitsForStaleRegistration: a registration of this id left by
// another session (a crashed run whose session has not expired) is waited
// on, then replaced; with RegistrationWait < 0 it fails at once.
func TestBrokerWaitsForStaleRegistration(t *testing.T) {
	addr := zktest.Wharf(t)
	ctx := ctxT(t)
	stale := observer(t, addr)
	if err := stale.CreateTopLevelPaths(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := stale.RegisterBroker(ctx, zkdata.BrokerInfo{ID: 0, Version: 5, JMXPort: -1,
		EndPoints: []zkdata.EndPoint{{Listener: "PLAINTEXT", Host: "127.0.0.1", Port: 1, SecurityProtocol: "PLAINTEXT"}}}); err != nil {
		t.Fatal(err)
	}

	impatient := newBroker(t, brokerProps(addr, t.TempDir()), BrokerOptions{RegistrationWait: -1})
	if err := impatient.Start(ctx); !errors.Is(err, zkdata.ErrBrokerRegistered) {
		t.Fatalf("start with a foreign registration: %v, want ErrBrokerRegistered", err)
	}

	b := newBroker(t, brokerProps(addr, t.TempDir()), BrokerOptions{RegistrationWait: 30 * time.Second})
	started := make(chan error, 1)
	go func() { started <- b.Start(ctx) }()
	select {
	case err := <-started:
		t.Fatalf("Start returned while the old registration exists: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	stale.Close() // the old session ends: its ephemeral goes
	if err := <-started; err != nil {
		t.Fatalf("start: %v", err)
	}
	_, st, err := b.ZK.Get(ctx, zkdata.BrokerPath(0))
	if err != nil || st.EphemeralOwner != b.ZK.SessionID() {
		t.Errorf("registration owner %x (%v), want the broker's session %x", st.EphemeralOwner, err, b.ZK.SessionID())
	}
}

// TestBrokerRefusesAnotherClustersLogs: log directories of one cluster do
// not join another (InconsistentClusterIdException), and a configured
// broker.id must match meta.properties.
func TestBrokerRefusesAnotherClustersLogs(t *testing.T) {
	dir := t.TempDir()
	a := startBroker(t, brokerProps(zktest.Wharf(t), dir))
	a.Close()

	other := newBroker(t, brokerProps(zktest.Wharf(t), dir), BrokerOptions{})
	if err := other.Start(ctxT(t)); !errors.Is(err, ErrInconsistentClusterID) {
		t.Errorf("another cluster's logs: %v, want ErrInconsistentClusterID", err)
	}
}

// TestBrokerIDGeneration: broker.id=-1 takes /brokers/seqid plus
// reserved.broker.max.id, and keeps it across restarts (meta.properties);
// a configured id that differs from the stored one is refused.
func TestBrokerIDGeneration(t *testing.T) {
	addr := zktest.Wharf(t)
	dir := t.TempDir()
	b := startBroker(t, brokerProps(addr, dir, "broker.id=-1"))
	if b.ID != 1001 {
		t.Fatalf("generated id %d, want 1001", b.ID)
	}
	b.Close()
	b2 := startBroker(t, brokerProps(addr, dir, "broker.id=-1"))
	if b2.ID != 1001 {
		t.Errorf("id after restart %d, want 1001 from meta.properties", b2.ID)
	}
	b2.Close()
	wrong := newBroker(t, brokerProps(addr, dir, "broker.id=7"), BrokerOptions{})
	if err := wrong.Start(ctxT(t)); !errors.Is(err, ErrInconsistentBrokerID) {
		t.Errorf("broker.id 7 over meta.properties 1001: %v, want ErrInconsistentBrokerID", err)
	}
}

// TestControlRequestFencing: UpdateMetadata, LeaderAndIsr and StopReplica
// with an older broker epoch get STALE_BROKER_EPOCH; an UpdateMetadata
// from an older controller STALE_CONTROLLER_EPOCH.
func TestControlRequestFencing(t *testing.T) {
	b := startBroker(t, brokerProps(zktest.Wharf(t), t.TempDir()))
	ctx := ctxT(t)
	old := b.Controller.BrokerEpoch() - 1
	reqs := []kmsg.Request{
		&kmsg.UpdateMetadataRequest{Version: 7, ControllerEpoch: 1 << 20, BrokerEpoch: old},
		&kmsg.LeaderAndISRRequest{Version: 5, ControllerEpoch: 1 << 20, BrokerEpoch: old},
		&kmsg.StopReplicaRequest{Version: 3, ControllerEpoch: 1 << 20, BrokerEpoch: old},
	}
	for _, req := range reqs {
		resp, err := b.handleControl(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if code := topErrorCode(resp); code != kerr.StaleBrokerEpoch.Code {
			t.Errorf("%s with an old broker epoch: error %d, want STALE_BROKER_EPOCH", kmsg.NameForKey(req.Key()), code)
		}
	}
	// The controller (epoch 1) must have spoken to the broker first: an
	// epoch is only stale next to one already seen.
	waitFor(t, "the controller's first UpdateMetadata", func() bool {
		b.control.mu.Lock()
		defer b.control.mu.Unlock()
		return b.control.controllerEpoch >= 1
	})
	resp, err := b.handleControl(ctx, &kmsg.UpdateMetadataRequest{Version: 7, ControllerEpoch: 0, BrokerEpoch: -1})
	if err != nil {
		t.Fatal(err)
	}
	if code := topErrorCode(resp); code != kerr.StaleControllerEpoch.Code {
		t.Errorf("UpdateMetadata from controller epoch 0: error %d, want STALE_CONTROLLER_EPOCH", code)
	}
	if _, err := b.handleControl(ctx, &kmsg.MetadataRequest{}); err == nil {
		t.Error("a Metadata request on the control channel was accepted")
	}
}

func topErrorCode(resp kmsg.Response) int16 {
	switch r := resp.(type) {
	case *kmsg.UpdateMetadataResponse:
		return r.ErrorCode
	case *kmsg.LeaderAndISRResponse:
		return r.ErrorCode
	case *kmsg.StopReplicaResponse:
		return r.ErrorCode
	}
	panic(fmt.Sprintf("unexpected %T", resp))
}

// TestSessionExpiryReregisters: after a ZooKeeper session expiry the
// broker registers again on its new session and stays controller.
func TestSessionExpiryReregisters(t *testing.T) {
	addr := zktest.Wharf(t)
	b := startBroker(t, brokerProps(addr, t.TempDir(), "zookeeper.session.timeout.ms=2000"))
	old := b.ZK.SessionID()
	zktest.Expire(t, addr, b.ZK.Session())
	zk := observer(t, addr)
	zktest.WaitFor(t, 20*time.Second, "a registration on the new session", func() bool {
		_, st, err := zk.Get(context.Background(), zkdata.BrokerPath(0))
		return err == nil && st.EphemeralOwner != old && st.EphemeralOwner == b.ZK.SessionID()
	})
	zktest.WaitFor(t, 20*time.Second, "the controller again", b.Controller.IsActive)
}
