package kconfig

import (
	"errors"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wharf-project/wharf/internal/config"
)

// shippedServerProperties is the settings of Kafka 2.8's
// config/server.properties (its comments left out).
const shippedServerProperties = `broker.id=0
num.network.threads=3
num.io.threads=8
socket.send.buffer.bytes=102400
socket.receive.buffer.bytes=102400
socket.request.max.bytes=104857600
log.dirs=/tmp/kafka-logs
num.partitions=1
num.recovery.threads.per.data.dir=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
log.retention.hours=168
log.segment.bytes=1073741824
log.retention.check.interval.ms=300000
zookeeper.connect=localhost:2181
zookeeper.connection.timeout.ms=18000
group.initial.rebalance.delay.ms=0
`

func shipped(t *testing.T, extra map[string]string) map[string]string {
	t.Helper()
	p, _, err := config.ParseProperties([]byte(shippedServerProperties))
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(p, extra)
	return p
}

func TestParseShippedServerProperties(t *testing.T) {
	b, err := ParseBroker(shipped(t, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Endpoint{ListenerName: "PLAINTEXT", Host: "", Port: 9092, SecurityProtocol: "PLAINTEXT"}
	if len(b.Listeners) != 1 || b.Listeners[0] != want || b.Listeners[0].ConnectionString() != "PLAINTEXT://:9092" {
		t.Fatalf("listeners %+v", b.Listeners)
	}
	if !reflect.DeepEqual(b.AdvertisedListeners, b.Listeners) {
		t.Fatalf("advertised %+v", b.AdvertisedListeners)
	}
	checks := []struct {
		name     string
		got, exp any
	}{
		{"broker.id", b.BrokerID, int32(0)},
		{"zk servers", b.ZooKeeperServers, []string{"localhost:2181"}},
		{"zk chroot", b.ZooKeeperChroot, ""},
		{"zk session", b.ZooKeeperSessionTimeoutMs, int32(18000)},
		{"zk connection", b.ZooKeeperConnectionTimeoutMs, int32(18000)},
		{"offsets rf", b.OffsetsTopicReplicationFactor, int16(1)},
		{"offsets partitions", b.OffsetsTopicNumPartitions, int32(50)},
		{"txn rf", b.TransactionStateLogReplicationFactor, int16(1)},
		{"txn min isr", b.TransactionStateLogMinISR, int32(1)},
		{"txn partitions", b.TransactionStateLogNumPartitions, int32(50)},
		{"group delay", b.GroupInitialRebalanceDelayMs, int32(0)},
		{"group min", b.GroupMinSessionTimeoutMs, int32(6000)},
		{"message.max.bytes", b.MessageMaxBytes, int32(1048588)},
		{"replica.lag", b.ReplicaLagTimeMaxMs, int64(30000)},
		{"socket.request.max.bytes", b.SocketRequestMaxBytes, int32(104857600)},
		{"queued", b.QueuedMaxRequests, int32(500)},
		{"idle", b.ConnectionsMaxIdleMs, int64(600000)},
		{"max.connections.per.ip", b.MaxConnectionsPerIP, int32(2147483647)},
		{"inter broker", b.InterBrokerListenerName, "PLAINTEXT"},
		{"ibp", b.InterBrokerProtocolVersion, "2.8-IV1"},
		{"compression", b.CompressionType, "producer"},
		{"auto create", b.AutoCreateTopicsEnable, true},
		{"delete topic", b.DeleteTopicEnable, true},
		{"unclean", b.UncleanLeaderElectionEnable, false},
		{"min isr", b.MinInSyncReplicas, int32(1)},
		{"log dirs", b.Log.LogDirs, []string{"/tmp/kafka-logs"}},
		{"retention", b.Log.Defaults.RetentionMs, int64(168 * 3600000)},
		{"unknown", len(b.Unknown), 0},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.exp) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.exp)
		}
	}
}

func TestParseBrokerDerivedValues(t *testing.T) {
	b, err := ParseBroker(shipped(t, map[string]string{
		"zookeeper.connect":                "zk1:2181,zk2:2182/kafka/prod",
		"listeners":                        "INTERNAL://0.0.0.0:9093, EXTERNAL://[::1]:9094",
		"advertised.listeners":             "INTERNAL://broker1:9093,EXTERNAL://public:9094",
		"listener.security.protocol.map":   "INTERNAL:PLAINTEXT,EXTERNAL:sasl_ssl",
		"inter.broker.listener.name":       "internal",
		"max.connections.per.ip.overrides": "10.0.0.1:5, host:7",
		"broker.rack":                      "rack-a",
		"custom.plugin.key":                "x",
		"listener.name.external.foo":       "y",
	}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.ZooKeeperChroot != "/kafka/prod" || !reflect.DeepEqual(b.ZooKeeperServers, []string{"zk1:2181", "zk2:2182"}) {
		t.Errorf("zk %v %q", b.ZooKeeperServers, b.ZooKeeperChroot)
	}
	if got := b.Listeners[1]; got.Host != "::1" || got.SecurityProtocol != "SASL_SSL" || got.ConnectionString() != "EXTERNAL://[::1]:9094" {
		t.Errorf("listener %+v", got)
	}
	if b.InterBrokerListenerName != "INTERNAL" || b.InterBrokerSecurityProtocol != "PLAINTEXT" {
		t.Errorf("inter broker %s %s", b.InterBrokerListenerName, b.InterBrokerSecurityProtocol)
	}
	if !reflect.DeepEqual(b.MaxConnectionsPerIPOverrides, map[string]int32{"10.0.0.1": 5, "host": 7}) {
		t.Errorf("overrides %v", b.MaxConnectionsPerIPOverrides)
	}
	if b.Rack != "rack-a" || !reflect.DeepEqual(b.Unknown, []string{"custom.plugin.key"}) {
		t.Errorf("rack %q unknown %v", b.Rack, b.Unknown)
	}
}

func TestParseBrokerErrors(t *testing.T) {
	for _, c := range []struct {
		name  string
		props map[string]string
		msg   string
	}{
		{"not an int", map[string]string{"num.partitions": "x1"}, "Invalid value x1 for configuration num.partitions: Not a number of type INT"},
		{"below range", map[string]string{"num.partitions": "0"}, "Invalid value 0 for configuration num.partitions: Value must be at least 1"},
		{"long", map[string]string{"replica.lag.time.max.ms": "9223372036854775808"}, "Invalid value 9223372036854775808 for configuration replica.lag.time.max.ms: Not a number of type LONG"},
		{"short", map[string]string{"offsets.topic.replication.factor": "40000"}, "Invalid value 40000 for configuration offsets.topic.replication.factor: Not a number of type SHORT"},
		{"boolean", map[string]string{"auto.create.topics.enable": "yes"}, "Invalid value yes for configuration auto.create.topics.enable: Expected value to be either true or false"},
		{"list element", map[string]string{"log.cleanup.policy": "delete,archive"}, "Invalid value archive for configuration log.cleanup.policy: String must be one of: compact, delete"},
		{"string in", map[string]string{"log.message.timestamp.type": "createtime"}, "Invalid value createtime for configuration log.message.timestamp.type: String must be one of: CreateTime, LogAppendTime"},
		{"api version", map[string]string{"inter.broker.protocol.version": "3.0"}, "Invalid value 3.0 for configuration inter.broker.protocol.version: Version `3.0` is not a valid version"},
		{"segment bytes", map[string]string{"log.segment.bytes": "13"}, "Invalid value 13 for configuration log.segment.bytes: Value must be at least 14"},
		{"no zookeeper", map[string]string{"zookeeper.connect": ""}, ""},
		{"broker id", map[string]string{"broker.id": "1001"}, "requirement failed: broker.id must be greater than or equal to -1 and not greater than reserved.broker.max.id"},
		{"compression", map[string]string{"compression.type": "brotli"}, "requirement failed: compression.type : brotli is not valid. Valid options are uncompressed,zstd,lz4,snappy,gzip,producer"},
		{"listener proto", map[string]string{"listeners": "FOO://:9092"}, "Error creating broker listeners from 'FOO://:9092': No security protocol defined for listener FOO"},
		{"listener syntax", map[string]string{"listeners": "PLAINTEXT:9092"}, "Error creating broker listeners from 'PLAINTEXT:9092': Unable to parse PLAINTEXT:9092 to a broker endpoint"},
		{"duplicate port", map[string]string{"listeners": "PLAINTEXT://:9092,SSL://:9092"}, "requirement failed: Each listener must have a different port, listeners: PLAINTEXT://:9092,SSL://:9092"},
		{"advertised wildcard", map[string]string{"advertised.listeners": "PLAINTEXT://0.0.0.0:9092"}, "requirement failed: advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address."},
		{"inter broker both", map[string]string{"inter.broker.listener.name": "PLAINTEXT", "security.inter.broker.protocol": "PLAINTEXT"}, "Only one of inter.broker.listener.name and security.inter.broker.protocol should be set."},
		{"inter broker missing", map[string]string{"listeners": "SSL://:9093"}, "requirement failed: inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are SSL"},
		{"retention", map[string]string{"log.retention.ms": "0"}, "requirement failed: log.retention.ms must be unlimited (-1) or, greater than or equal to 1"},
		{"fetch wait", map[string]string{"replica.fetch.wait.max.ms": "40000"}, "requirement failed: replica.socket.timeout.ms should always be at least replica.fetch.wait.max.ms to prevent unnecessary socket timeouts"},
		{"kraft", map[string]string{"process.roles": "broker"}, "process.roles is set (broker): KRaft mode is not supported; a Wharf broker runs in ZooKeeper mode (zookeeper.connect)"},
		{"protocol map", map[string]string{"listener.security.protocol.map": "PLAINTEXT:TLS"}, "Invalid security protocol `TLS` defined in listener.security.protocol.map"},
	} {
		t.Run(c.name, func(t *testing.T) {
			props := shipped(t, c.props)
			if c.name == "no zookeeper" {
				delete(props, "zookeeper.connect")
				c.msg = "Missing required configuration `zookeeper.connect` which has no default value."
			}
			_, err := ParseBroker(props, nil)
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrConfig) {
				t.Fatalf("err %v", err)
			}
			if e.Msg != c.msg {
				t.Fatalf("message\n got %q\nwant %q", e.Msg, c.msg)
			}
		})
	}
}

func TestEnvPropertyName(t *testing.T) {
	for _, c := range []struct{ env, name string }{
		{"KAFKA_LOG_DIRS", "log.dirs"},
		{"KAFKA_ZOOKEEPER_CONNECT", "zookeeper.connect"},
		{"KAFKA_ABC__DEF", "abc_def"},
		{"KAFKA_ABC___DEF", "abc-def"},
		{"KAFKA_LISTENER_NAME_INTERNAL_SSL_KEYSTORE_LOCATION", "listener.name.internal.ssl.keystore.location"},
		{"KAFKA_FOO_KAFKA_BAR", "foo.bar"}, // String.replace removes every KAFKA_
		{"KAFKA_A____B", "a-.b"},
		{"KAFKA_HEAP_OPTS", ""},
		{"KAFKA_JMX_HOSTNAME", ""},
		{"PATH", ""},
	} {
		got, ok := EnvPropertyName(c.env)
		if got != c.name || ok != (c.name != "") {
			t.Errorf("%s -> %q, %v; want %q", c.env, got, ok, c.name)
		}
	}
}

func TestLoadPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "server.properties")
	if err := os.WriteFile(file, []byte(shippedServerProperties+"num.partitions=2\nlog.dirs=/data/file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	props, err := Load(Sources{
		File: file,
		Env: []string{"PATH=/bin", "KAFKA_NUM_PARTITIONS=3", "KAFKA_LOG_DIRS=/data/env", "KAFKA_OPTS=-Xmx1g",
			"KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://kafka:9092", "KAFKA_MESSAGE_MAX_BYTES=2000000 "},
		Overrides: []string{"num.partitions=4", "broker.rack", "a=b=c"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"num.partitions":       "4",                        // --override beats the environment
		"log.dirs":             "/data/env",                // the environment beats the file
		"broker.id":            "0",                        // the file
		"listeners":            "PLAINTEXT://0.0.0.0:9092", // the image derives it
		"advertised.listeners": "PLAINTEXT://kafka:9092",
		"message.max.bytes":    "2000000 ", // values are read as .properties: trailing blanks kept
		"broker.rack":          "",
		"a":                    "b=c",
	} {
		if props[k] != want {
			t.Errorf("%s = %q, want %q", k, props[k], want)
		}
	}
	if _, ok := props["opts"]; ok {
		t.Error("KAFKA_OPTS became a property")
	}
	b, err := ParseBroker(props, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.Listeners[0].Host != "0.0.0.0" || b.AdvertisedListeners[0].Host != "kafka" || b.NumPartitions != 4 {
		t.Fatalf("listeners %+v advertised %+v", b.Listeners, b.AdvertisedListeners)
	}
	if _, err := ParseBroker(map[string]string{"zookeeper.connect": "zk:2181", "message.max.bytes": "2000000 "}, nil); err != nil {
		t.Fatalf("a trailing blank is trimmed as ConfigDef does: %v", err)
	}
}

func TestUnknownKeysAreLogged(t *testing.T) {
	var sb strings.Builder
	logger := newTextLogger(&sb)
	if _, err := ParseBroker(shipped(t, map[string]string{"zz.custom": "1", "aa.custom": "2"}), logger); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sb.String(), "These configurations '[aa.custom, zz.custom]' were supplied but are not used yet.") {
		t.Fatalf("log: %s", sb.String())
	}
}

func newTextLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
