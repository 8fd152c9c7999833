package kconfig

import (
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/wharf-project/wharf/internal/kafka/logmanager"
	"github.com/wharf-project/wharf/internal/zk/client"
)

// Endpoint is one listener: Kafka's EndPoint.
type Endpoint struct {
	ListenerName     string // upper-cased (ListenerName.normalised)
	Host             string // "" binds the default interface
	Port             int32
	SecurityProtocol string // PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL
}

// ConnectionString is EndPoint.connectionString: NAME://host:port, with an
// IPv6 host in brackets and an empty host as NAME://:port.
func (e Endpoint) ConnectionString() string {
	if e.Host == "" {
		return fmt.Sprintf("%s://:%d", e.ListenerName, e.Port)
	}
	if strings.Contains(e.Host, ":") {
		return fmt.Sprintf("%s://[%s]:%d", e.ListenerName, e.Host, e.Port)
	}
	return fmt.Sprintf("%s://%s:%d", e.ListenerName, e.Host, e.Port)
}

// Broker is a broker's configuration: Kafka 2.8's KafkaConfig. It is
// immutable; a dynamic update yields a new Broker (Manager.Broker).
//
// Every key of server.properties is parsed with Kafka's types, defaults and
// validators (Value); the fields below are the ones Wharf's broker reads,
// already derived the way KafkaConfig derives them. Keys Kafka does not
// define are kept (Props, Unknown).
type Broker struct {
	// Props are the properties the config was built from (the static
	// server.properties after environment and --override, with dynamic
	// configs applied on top for a Manager's current config), unparsed.
	Props map[string]string
	// Unknown lists the keys of Props that Kafka does not define (custom
	// configs, plugin settings, typos), sorted.
	Unknown []string
	// Log is the log manager's share (log.dirs, log.*, the topic defaults),
	// from logmanager.ParseConfig.
	Log logmanager.Config

	values map[string]any

	BrokerID                     int32 // broker.id (or node.id); -1: generated from /brokers/seqid
	BrokerIDGenerationEnable     bool
	ReservedBrokerMaxID          int32
	ZooKeeperConnect             string   // zookeeper.connect as given
	ZooKeeperServers             []string // its host:port list
	ZooKeeperChroot              string   // its chroot ("" for none)
	ZooKeeperSessionTimeoutMs    int32
	ZooKeeperConnectionTimeoutMs int32 // zookeeper.connection.timeout.ms, else the session timeout
	ZooKeeperSetACL              bool
	ZooKeeperMaxInFlightRequests int32

	Listeners                   []Endpoint        // listeners, else PLAINTEXT://host.name:port
	AdvertisedListeners         []Endpoint        // advertised.listeners, else advertised.host.name/port, else Listeners
	ListenerSecurityProtocolMap map[string]string // listener name -> security protocol
	InterBrokerListenerName     string
	InterBrokerSecurityProtocol string
	ControlPlaneListenerName    string // "" when unset
	Rack                        string // broker.rack ("" when unset)

	NumPartitions               int32
	DefaultReplicationFactor    int32
	MinInSyncReplicas           int32
	AutoCreateTopicsEnable      bool
	DeleteTopicEnable           bool
	UncleanLeaderElectionEnable bool
	CompressionType             string
	MessageMaxBytes             int32
	InterBrokerProtocolVersion  string // normalised ("2.8-IV1")
	LogMessageFormatVersion     string // normalised

	AutoLeaderRebalanceEnable           bool
	LeaderImbalancePerBrokerPercentage  int32
	LeaderImbalanceCheckIntervalSeconds int64
	ControlledShutdownEnable            bool
	ControllerSocketTimeoutMs           int32

	ReplicaLagTimeMaxMs          int64
	ReplicaFetchMaxBytes         int32
	ReplicaFetchMinBytes         int32
	ReplicaFetchWaitMaxMs        int32
	ReplicaFetchBackoffMs        int32
	ReplicaFetchResponseMaxBytes int32
	ReplicaSocketTimeoutMs       int32
	NumReplicaFetchers           int32
	FetchMaxBytes                int32

	SocketRequestMaxBytes        int32
	SocketSendBufferBytes        int32 // -1: the OS default
	SocketReceiveBufferBytes     int32
	NumNetworkThreads            int32 // accepted; Wharf's network layer sizes itself
	NumIOThreads                 int32 // accepted; Wharf's request handling sizes itself
	QueuedMaxRequests            int32
	QueuedMaxRequestBytes        int64
	RequestTimeoutMs             int32
	ConnectionsMaxIdleMs         int64
	MaxConnections               int32
	MaxConnectionsPerIP          int32
	MaxConnectionsPerIPOverrides map[string]int32
	MaxConnectionCreationRate    int32

	OffsetsTopicNumPartitions       int32
	OffsetsTopicReplicationFactor   int16
	OffsetsTopicSegmentBytes        int32
	OffsetsRetentionMinutes         int32
	OffsetsRetentionCheckIntervalMs int64
	OffsetsCommitTimeoutMs          int32
	OffsetsLoadBufferSize           int32
	OffsetMetadataMaxBytes          int32
	GroupMinSessionTimeoutMs        int32
	GroupMaxSessionTimeoutMs        int32
	GroupInitialRebalanceDelayMs    int32
	GroupMaxSize                    int32
	GroupConsumerSessionTimeoutMs   int32
	GroupConsumerHeartbeatMs        int32
	GroupConsumerMaxSize            int32

	TransactionStateLogNumPartitions     int32
	TransactionStateLogReplicationFactor int16
	TransactionStateLogMinISR            int32
	TransactionStateLogSegmentBytes      int32
	TransactionalIDExpirationMs          int32
	TransactionMaxTimeoutMs              int32
}

// Value returns a defined key's parsed value (see Key for the Go types).
func (b *Broker) Value(name string) (any, bool) {
	v, ok := b.values[name]
	return v, ok
}

// ParseBroker builds a broker config from properties (Load's result),
// as KafkaConfig's constructor does: ConfigDef parsing of every key, then
// KafkaConfig.validateValues. Errors are *Error (ErrConfig) with Kafka's
// message; IllegalArgumentExceptions keep Scala's "requirement failed: "
// prefix. Unknown keys are logged, as Kafka 3.x's logUnused does.
func ParseBroker(props map[string]string, logger *slog.Logger) (*Broker, error) {
	b, err := parseBroker(props)
	if err != nil {
		return nil, err
	}
	if logger != nil && len(b.Unknown) > 0 {
		logger.Info(fmt.Sprintf("These configurations '[%s]' were supplied but are not used yet.", strings.Join(b.Unknown, ", ")))
	}
	return b, nil
}

func parseBroker(props map[string]string) (*Broker, error) {
	vals, err := brokerDef.parse(props)
	if err != nil {
		return nil, err
	}
	b := &Broker{Props: maps.Clone(props), values: vals}
	if b.Props == nil {
		b.Props = map[string]string{}
	}
	for k := range props {
		if _, ok := brokerDef.key(k); !ok && !listenerConfig.MatchString(k) {
			b.Unknown = append(b.Unknown, k)
		}
	}
	slices.Sort(b.Unknown)
	g := getter(vals)
	if roles := g.list("process.roles"); len(roles) > 0 {
		return nil, newError(ErrConfig, "process.roles is set ("+strings.Join(roles, ",")+
			"): KRaft mode is not supported; a Wharf broker runs in ZooKeeper mode (zookeeper.connect)")
	}
	b.fill(g)
	if err := b.derive(g); err != nil {
		return nil, err
	}
	if err := b.validate(g); err != nil {
		return nil, err
	}
	lc, err := logmanager.ParseConfig(props)
	if err != nil {
		return nil, newError(ErrConfig, strings.TrimPrefix(err.Error(), logmanager.ErrInvalidConfig.Error()+": "))
	}
	b.Log = lc
	return b, nil
}

// getter reads parsed values by their Go type.
type getter map[string]any

func (g getter) int(k string) int32 {
	v, _ := g[k].(int32)
	return v
}
func (g getter) short(k string) int16 {
	v, _ := g[k].(int16)
	return v
}
func (g getter) long(k string) int64 {
	v, _ := g[k].(int64)
	return v
}
func (g getter) bool(k string) bool {
	v, _ := g[k].(bool)
	return v
}
func (g getter) str(k string) string {
	v, _ := g[k].(string)
	return v
}
func (g getter) list(k string) []string {
	v, _ := g[k].([]string)
	return v
}
func (g getter) isNull(k string) bool { return g[k] == nil }

func (b *Broker) fill(g getter) {
	b.BrokerIDGenerationEnable = g.bool("broker.id.generation.enable")
	b.ReservedBrokerMaxID = g.int("reserved.broker.max.id")
	b.BrokerID = g.int("broker.id")
	if n := g.int("node.id"); n >= 0 {
		b.BrokerID = n
	}
	b.ZooKeeperConnect = g.str("zookeeper.connect")
	b.ZooKeeperSessionTimeoutMs = g.int("zookeeper.session.timeout.ms")
	b.ZooKeeperConnectionTimeoutMs = b.ZooKeeperSessionTimeoutMs
	if !g.isNull("zookeeper.connection.timeout.ms") {
		b.ZooKeeperConnectionTimeoutMs = g.int("zookeeper.connection.timeout.ms")
	}
	b.ZooKeeperSetACL = g.bool("zookeeper.set.acl")
	b.ZooKeeperMaxInFlightRequests = g.int("zookeeper.max.in.flight.requests")
	b.Rack = g.str("broker.rack")
	b.ControlPlaneListenerName = strings.ToUpper(g.str("control.plane.listener.name"))

	b.NumPartitions = g.int("num.partitions")
	b.DefaultReplicationFactor = g.int("default.replication.factor")
	b.MinInSyncReplicas = g.int("min.insync.replicas")
	b.AutoCreateTopicsEnable = g.bool("auto.create.topics.enable")
	b.DeleteTopicEnable = g.bool("delete.topic.enable")
	b.UncleanLeaderElectionEnable = g.bool("unclean.leader.election.enable")
	b.CompressionType = g.str("compression.type")
	b.MessageMaxBytes = g.int("message.max.bytes")
	b.InterBrokerProtocolVersion, _ = apiVersion(g.str("inter.broker.protocol.version"))
	b.LogMessageFormatVersion, _ = apiVersion(g.str("log.message.format.version"))

	b.AutoLeaderRebalanceEnable = g.bool("auto.leader.rebalance.enable")
	b.LeaderImbalancePerBrokerPercentage = g.int("leader.imbalance.per.broker.percentage")
	b.LeaderImbalanceCheckIntervalSeconds = g.long("leader.imbalance.check.interval.seconds")
	b.ControlledShutdownEnable = g.bool("controlled.shutdown.enable")
	b.ControllerSocketTimeoutMs = g.int("controller.socket.timeout.ms")

	b.ReplicaLagTimeMaxMs = g.long("replica.lag.time.max.ms")
	b.ReplicaFetchMaxBytes = g.int("replica.fetch.max.bytes")
	b.ReplicaFetchMinBytes = g.int("replica.fetch.min.bytes")
	b.ReplicaFetchWaitMaxMs = g.int("replica.fetch.wait.max.ms")
	b.ReplicaFetchBackoffMs = g.int("replica.fetch.backoff.ms")
	b.ReplicaFetchResponseMaxBytes = g.int("replica.fetch.response.max.bytes")
	b.ReplicaSocketTimeoutMs = g.int("replica.socket.timeout.ms")
	b.NumReplicaFetchers = g.int("num.replica.fetchers")
	b.FetchMaxBytes = g.int("fetch.max.bytes")

	b.SocketRequestMaxBytes = g.int("socket.request.max.bytes")
	b.SocketSendBufferBytes = g.int("socket.send.buffer.bytes")
	b.SocketReceiveBufferBytes = g.int("socket.receive.buffer.bytes")
	b.NumNetworkThreads = g.int("num.network.threads")
	b.NumIOThreads = g.int("num.io.threads")
	b.QueuedMaxRequests = g.int("queued.max.requests")
	b.QueuedMaxRequestBytes = g.long("queued.max.request.bytes")
	b.RequestTimeoutMs = g.int("request.timeout.ms")
	b.ConnectionsMaxIdleMs = g.long("connections.max.idle.ms")
	b.MaxConnections = g.int("max.connections")
	b.MaxConnectionsPerIP = g.int("max.connections.per.ip")
	b.MaxConnectionCreationRate = g.int("max.connection.creation.rate")

	b.OffsetsTopicNumPartitions = g.int("offsets.topic.num.partitions")
	b.OffsetsTopicReplicationFactor = g.short("offsets.topic.replication.factor")
	b.OffsetsTopicSegmentBytes = g.int("offsets.topic.segment.bytes")
	b.OffsetsRetentionMinutes = g.int("offsets.retention.minutes")
	b.OffsetsRetentionCheckIntervalMs = g.long("offsets.retention.check.interval.ms")
	b.OffsetsCommitTimeoutMs = g.int("offsets.commit.timeout.ms")
	b.OffsetsLoadBufferSize = g.int("offsets.load.buffer.size")
	b.OffsetMetadataMaxBytes = g.int("offset.metadata.max.bytes")
	b.GroupMinSessionTimeoutMs = g.int("group.min.session.timeout.ms")
	b.GroupMaxSessionTimeoutMs = g.int("group.max.session.timeout.ms")
	b.GroupInitialRebalanceDelayMs = g.int("group.initial.rebalance.delay.ms")
	b.GroupMaxSize = g.int("group.max.size")
	b.GroupConsumerSessionTimeoutMs = g.int("group.consumer.session.timeout.ms")
	b.GroupConsumerHeartbeatMs = g.int("group.consumer.heartbeat.interval.ms")
	b.GroupConsumerMaxSize = g.int("group.consumer.max.size")

	b.TransactionStateLogNumPartitions = g.int("transaction.state.log.num.partitions")
	b.TransactionStateLogReplicationFactor = g.short("transaction.state.log.replication.factor")
	b.TransactionStateLogMinISR = g.int("transaction.state.log.min.isr")
	b.TransactionStateLogSegmentBytes = g.int("transaction.state.log.segment.bytes")
	b.TransactionalIDExpirationMs = g.int("transactional.id.expiration.ms")
	b.TransactionMaxTimeoutMs = g.int("transaction.max.timeout.ms")
}

var securityProtocols = []string{"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"}

// derive computes the listener settings as KafkaConfig's accessors do.
func (b *Broker) derive(g getter) error {
	if b.ZooKeeperConnect != "" {
		servers, chroot, err := client.ParseConnectString(b.ZooKeeperConnect)
		if err != nil {
			return newError(ErrConfig, "Invalid value "+b.ZooKeeperConnect+" for configuration zookeeper.connect: "+strings.TrimPrefix(err.Error(), "client: "))
		}
		b.ZooKeeperServers, b.ZooKeeperChroot = servers, chroot
	}
	m, err := csvMap("listener.security.protocol.map", g.str("listener.security.protocol.map"))
	if err != nil {
		return err
	}
	b.ListenerSecurityProtocolMap = map[string]string{}
	for name, proto := range m {
		p := strings.ToUpper(proto)
		if !slices.Contains(securityProtocols, p) {
			return newError(ErrConfig, "Invalid security protocol `"+proto+"` defined in listener.security.protocol.map")
		}
		b.ListenerSecurityProtocolMap[strings.ToUpper(name)] = p
	}
	overrides, err := csvMap("max.connections.per.ip.overrides", g.str("max.connections.per.ip.overrides"))
	if err != nil {
		return err
	}
	b.MaxConnectionsPerIPOverrides = map[string]int32{}
	for host, v := range overrides {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return newError(ErrConfig, fmt.Sprintf("For input string: \"%s\"", v))
		}
		b.MaxConnectionsPerIPOverrides[host] = int32(n)
	}

	listeners := "PLAINTEXT://" + g.str("host.name") + ":" + strconv.Itoa(int(g.int("port")))
	if !g.isNull("listeners") {
		listeners = g.str("listeners")
	}
	if b.Listeners, err = b.endpoints(listeners, true); err != nil {
		return err
	}
	switch {
	case !g.isNull("advertised.listeners"):
		b.AdvertisedListeners, err = b.endpoints(g.str("advertised.listeners"), false)
	case !g.isNull("advertised.host.name") || !g.isNull("advertised.port"):
		host, port := g.str("host.name"), g.int("port")
		if !g.isNull("advertised.host.name") {
			host = g.str("advertised.host.name")
		}
		if !g.isNull("advertised.port") {
			port = g.int("advertised.port")
		}
		b.AdvertisedListeners, err = b.endpoints("PLAINTEXT://"+host+":"+strconv.Itoa(int(port)), false)
	default:
		b.AdvertisedListeners = slices.Clone(b.Listeners)
	}
	if err != nil {
		return err
	}

	// KafkaConfig.getInterBrokerListenerNameAndSecurityProtocol
	if !g.isNull("inter.broker.listener.name") {
		if _, set := b.Props["security.inter.broker.protocol"]; set {
			return newError(ErrConfig, "Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.")
		}
		name := strings.ToUpper(g.str("inter.broker.listener.name"))
		proto, ok := b.ListenerSecurityProtocolMap[name]
		if !ok {
			return newError(ErrConfig, "Listener with name "+name+" defined in inter.broker.listener.name not found in listener.security.protocol.map.")
		}
		b.InterBrokerListenerName, b.InterBrokerSecurityProtocol = name, proto
	} else {
		p := strings.ToUpper(g.str("security.inter.broker.protocol"))
		if !slices.Contains(securityProtocols, p) {
			return newError(ErrConfig, "Invalid security protocol `"+g.str("security.inter.broker.protocol")+"` defined in security.inter.broker.protocol")
		}
		b.InterBrokerListenerName, b.InterBrokerSecurityProtocol = p, p
	}
	if b.ControlPlaneListenerName != "" {
		if _, ok := b.ListenerSecurityProtocolMap[b.ControlPlaneListenerName]; !ok {
			return newError(ErrConfig, "Listener with "+b.ControlPlaneListenerName+" defined in control.plane.listener.name not found in listener.security.protocol.map.")
		}
	}
	return nil
}

// csvMap is CoreUtils.parseCsvMap behind KafkaConfig.getMap: "k:v,k:v",
// split at each entry's last ':'.
func csvMap(prop, s string) (map[string]string, error) {
	m := map[string]string{}
	if s == "" {
		return m, nil
	}
	for _, e := range commaWithWhitespace.Split(s, -1) {
		i := strings.LastIndex(e, ":")
		if i < 0 {
			return nil, newError(ErrConfig, fmt.Sprintf("Error parsing configuration property '%s': begin 0, end -1, length %d", prop, len(e)))
		}
		m[javaTrim(e[:i])] = javaTrim(e[i+1:])
	}
	return m, nil
}

var endpointSyntax = regexp.MustCompile(`^(.*)://\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$`)

// endpoints is CoreUtils.listenerListToEndPoints.
func (b *Broker) endpoints(list string, distinctPorts bool) ([]Endpoint, error) {
	fail := func(msg string) error {
		return newError(ErrConfig, "Error creating broker listeners from '"+list+"': "+msg)
	}
	var eps []Endpoint
	for _, s := range commaWithWhitespace.Split(list, -1) {
		if s == "" {
			continue
		}
		m := endpointSyntax.FindStringSubmatch(s)
		if m == nil {
			return nil, fail("Unable to parse " + s + " to a broker endpoint")
		}
		port, err := strconv.ParseInt(m[3], 10, 32)
		if err != nil {
			return nil, fail(`For input string: "` + m[3] + `"`)
		}
		name := strings.ToUpper(m[1])
		proto, ok := b.ListenerSecurityProtocolMap[name]
		if !ok {
			return nil, fail("No security protocol defined for listener " + name)
		}
		eps = append(eps, Endpoint{ListenerName: name, Host: m[2], Port: int32(port), SecurityProtocol: proto})
	}
	names, ports := map[string]bool{}, map[int32]bool{}
	for _, e := range eps {
		if names[e.ListenerName] {
			return nil, newError(ErrConfig, "requirement failed: Each listener must have a different name, listeners: "+list)
		}
		names[e.ListenerName] = true
		if distinctPorts && e.Port != 0 {
			if ports[e.Port] {
				return nil, newError(ErrConfig, "requirement failed: Each listener must have a different port, listeners: "+list)
			}
			ports[e.Port] = true
		}
	}
	return eps, nil
}

// validate is KafkaConfig.validateValues (ZooKeeper mode).
func (b *Broker) validate(g getter) error {
	req := func(ok bool, msg string) error {
		if ok {
			return nil
		}
		return newError(ErrConfig, "requirement failed: "+msg)
	}
	if b.ZooKeeperConnect == "" && g.isNull("zookeeper.connect") {
		return newError(ErrConfig, "Missing required configuration `zookeeper.connect` which has no default value.")
	}
	var idErr error
	if b.BrokerIDGenerationEnable {
		idErr = req(b.BrokerID >= -1 && b.BrokerID <= b.ReservedBrokerMaxID, "broker.id must be greater than or equal to -1 and not greater than reserved.broker.max.id")
	} else {
		idErr = req(b.BrokerID >= 0, "broker.id must be greater than or equal to 0")
	}
	roll := int64(g.int("log.roll.hours")) * 3600000
	if !g.isNull("log.roll.ms") {
		roll = g.long("log.roll.ms")
	}
	jitter := int64(g.int("log.roll.jitter.hours")) * 3600000
	if !g.isNull("log.roll.jitter.ms") {
		jitter = g.long("log.roll.jitter.ms")
	}
	retention := retentionMs(g)
	dirs := g.str("log.dir")
	if !g.isNull("log.dirs") {
		dirs = g.str("log.dirs")
	}
	cleanerThreads := int64(g.int("log.cleaner.threads"))
	listenerNames := map[string]bool{}
	for _, e := range b.Listeners {
		listenerNames[e.ListenerName] = true
	}
	var advNames []string
	advSubset, advWildcard := true, false
	for _, e := range b.AdvertisedListeners {
		if !slices.Contains(advNames, e.ListenerName) {
			advNames = append(advNames, e.ListenerName)
		}
		advSubset = advSubset && listenerNames[e.ListenerName]
		advWildcard = advWildcard || e.Host == "0.0.0.0"
	}
	var lnames []string
	for _, e := range b.Listeners {
		lnames = append(lnames, e.ListenerName)
	}
	ack := g.short("offsets.commit.required.acks")
	for _, err := range []error{
		idErr,
		req(roll >= 1, "log.roll.ms must be greater than or equal to 1"),
		req(jitter >= 0, "log.roll.jitter.ms must be greater than or equal to 0"),
		req(retention >= 1 || retention == -1, "log.retention.ms must be unlimited (-1) or, greater than or equal to 1"),
		req(strings.Trim(strings.ReplaceAll(dirs, ",", ""), " \t") != "", "At least one log directory must be defined via log.dirs or log.dir."),
		func() error {
			if cleanerThreads == 0 {
				return newError(ErrConfig, "/ by zero")
			}
			return req(g.long("log.cleaner.dedupe.buffer.size")/cleanerThreads > 1024*1024, "log.cleaner.dedupe.buffer.size must be at least 1MB per cleaner thread.")
		}(),
		req(b.ReplicaFetchWaitMaxMs <= b.ReplicaSocketTimeoutMs, "replica.socket.timeout.ms should always be at least replica.fetch.wait.max.ms to prevent unnecessary socket timeouts"),
		req(int64(b.ReplicaFetchWaitMaxMs) <= b.ReplicaLagTimeMaxMs, "replica.fetch.wait.max.ms should always be less than or equal to replica.lag.time.max.ms to prevent frequent changes in ISR"),
		req(ack >= -1 && ack <= b.OffsetsTopicReplicationFactor, "offsets.commit.required.acks must be greater or equal -1 and less or equal to offsets.topic.replication.factor"),
		req(slices.Contains(compressionTypes, b.CompressionType), "compression.type : "+b.CompressionType+" is not valid. Valid options are "+strings.Join(compressionTypes, ",")),
		req(slices.Contains(advNames, b.InterBrokerListenerName), "inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are "+strings.Join(advNames, ",")),
		req(advSubset, "advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. Found "+strings.Join(advNames, ",")+". The valid options based on the current configuration are "+strings.Join(lnames, ",")),
		req(!advWildcard, "advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address."),
		func() error {
			if b.ControlPlaneListenerName == "" {
				return nil
			}
			if err := req(slices.Contains(advNames, b.ControlPlaneListenerName), "control.plane.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are "+strings.Join(advNames, ",")); err != nil {
				return err
			}
			return req(b.ControlPlaneListenerName != b.InterBrokerListenerName, "control.plane.listener.name, when defined, should have a different value from the inter broker listener name. Currently they both have the value "+b.ControlPlaneListenerName)
		}(),
		req(b.QueuedMaxRequestBytes <= 0 || b.QueuedMaxRequestBytes >= int64(b.SocketRequestMaxBytes), "queued.max.request.bytes must be larger or equal to socket.request.max.bytes"),
		req(b.MaxConnectionsPerIP != 0 || len(b.MaxConnectionsPerIPOverrides) > 0, "max.connections.per.ip can be set to zero only if max.connections.per.ip.overrides property is set."),
		req(b.ConnectionsMaxIdleMs < 0 || int64(g.int("connection.failed.authentication.delay.ms")) < b.ConnectionsMaxIdleMs,
			fmt.Sprintf("connection.failed.authentication.delay.ms=%d should always be less than connections.max.idle.ms=%d to prevent failed authentication responses from timing out",
				g.int("connection.failed.authentication.delay.ms"), b.ConnectionsMaxIdleMs)),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// compressionTypes is BrokerCompressionCodec.brokerCompressionOptions.
var compressionTypes = []string{"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}

// retentionMs is KafkaConfig.logRetentionTimeMillis.
func retentionMs(g getter) int64 {
	ms := int64(g.int("log.retention.hours")) * 3600000
	if !g.isNull("log.retention.minutes") {
		ms = int64(g.int("log.retention.minutes")) * 60000
	}
	if !g.isNull("log.retention.ms") {
		ms = g.long("log.retention.ms")
	}
	if ms < 0 {
		return -1
	}
	return ms
}
