package broker

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/controller"
	"github.com/wharf-project/wharf/internal/kafka/kconfig"
	"github.com/wharf-project/wharf/internal/kafka/meta"
	"github.com/wharf-project/wharf/internal/kafka/zkdata"
)

// This file holds what the metadata, admin and config handlers share
// (03_metadata.go, 19_create_topics.go, 20_delete_topics.go,
// 32/33/44 configs, 37_create_partitions.go, 60_describe_cluster.go):
// the connection's listener, the controller check, the waits on the
// metadata cache that Kafka's topic purgatory performs, and topic
// auto-creation (AutoTopicCreationManager), which FindCoordinator also
// needs for the internal topics.

// Authorized-operation bit fields (Utils.to32BitField of
// AclEntry.supportedOperations): without an authorizer Kafka reports
// every operation a resource type supports. Bits are AclOperation codes:
// READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8,
// CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11,
// IDEMPOTENT_WRITE 12.
const (
	topicAuthorizedOperations   int32 = 1<<3 | 1<<4 | 1<<5 | 1<<6 | 1<<7 | 1<<8 | 1<<10 | 1<<11
	clusterAuthorizedOperations int32 = 1<<5 | 1<<7 | 1<<8 | 1<<9 | 1<<10 | 1<<11 | 1<<12
)

// clusterMetadataTopic is Topic.CLUSTER_METADATA_TOPIC_NAME, which Kafka 3.x
// refuses to create through CreateTopics.
const clusterMetadataTopic = "__cluster_metadata"

// adminOpTimeout bounds the ZooKeeper work of one admin request (Kafka's
// handler threads wait on ZooKeeper without a bound of the request's
// own; a request timeout of 0 still creates the topic).
const adminOpTimeout = 30 * time.Second

// metadataPollMax is the longest pause between two looks at the metadata
// cache while a request waits for leaders or for a deletion. The cache
// publishes snapshots without notifications, so the waits poll it,
// starting at a millisecond and doubling up to this.
const metadataPollMax = 20 * time.Millisecond

// internalTopicCollisionWarning is the warning Kafka's TopicCommand prints
// for a new topic whose name has '.' or '_'; Wharf's broker logs it when it
// creates such a topic.
const internalTopicCollisionWarning = "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both."

// listenerName is the listener the request came in on (its responses name
// the brokers' endpoints on that listener only); without a connection (a
// test calling a handler directly) the broker's first listener.
func (b *Broker) listenerName(ctx *RequestContext) string {
	if ctx.Conn != nil && ctx.Conn.Listener != "" {
		return ctx.Conn.Listener
	}
	if b.Config != nil && len(b.Config.Listeners) > 0 {
		return b.Config.Listeners[0].ListenerName
	}
	return "PLAINTEXT"
}

// currentConfig is the broker's configuration now: the kconfig Manager's
// (static with dynamic configs applied), else the static one.
func (b *Broker) currentConfig() *kconfig.Broker {
	if b.Configs != nil {
		return b.Configs.Broker()
	}
	return b.Config
}

// controllerActive reports whether this broker is the active controller,
// which Kafka 2.8 requires of CreateTopics, DeleteTopics and
// CreatePartitions (others answer NOT_CONTROLLER and the client retries
// with the controller named in Metadata). A Broker without a Controller
// (a test's) counts as active.
func (b *Broker) controllerActive() bool {
	return b.Controller == nil || b.Controller.IsActive()
}

// clusterIDOf is the cluster id to report: the metadata cache's, else the
// Broker's; ok is false when neither is known.
func (b *Broker) clusterIDOf(snap *meta.Snapshot) (string, bool) {
	if id := snap.ClusterID(); id != "" {
		return id, true
	}
	return b.ClusterID, b.ClusterID != ""
}

// opContext is a context for the ZooKeeper work of a request: cancelled
// after d or when the connection closes.
func opContext(rc *RequestContext, d time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	if done := rc.Done(); done != nil {
		go func() { // ends with the request's work (cancel) at the latest
			select {
			case <-done:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	return ctx, cancel
}

// waitMetadata is the topic purgatory of Kafka's admin manager: it returns
// as soon as done holds for the metadata cache, or false once timeout has
// passed (done is checked a last time) or the connection closed.
func (b *Broker) waitMetadata(rc *RequestContext, timeout time.Duration, done func(*meta.Snapshot) bool) bool {
	if done(b.Meta.Snapshot()) {
		return true
	}
	if timeout <= 0 {
		return false
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	pause := time.Millisecond
	tick := time.NewTimer(pause)
	defer tick.Stop()
	for {
		select {
		case <-deadline.C:
			return done(b.Meta.Snapshot())
		case <-rc.Done():
			return false
		case <-tick.C:
		}
		if done(b.Meta.Snapshot()) {
			return true
		}
		pause = min(2*pause, metadataPollMax)
		tick.Reset(pause)
	}
}

// partitionIDs is 0..n-1.
func partitionIDs(n int32) []int32 {
	ids := make([]int32, max(n, 0))
	for i := range ids {
		ids[i] = int32(i)
	}
	return ids
}

// apiErrorMessage is ApiError.fromThrowable's message: none for
// UNKNOWN_SERVER_ERROR, so that internal failures do not leak.
func apiErrorMessage(code int16, msg *string) *string {
	if code == kerr.UnknownServerError.Code {
		return nil
	}
	return msg
}

// logAdminFailure logs a topic operation that failed as Kafka's admin
// manager does: client errors at info, unexpected ones at error.
func logAdminFailure(rc *RequestContext, what, topic string, code int16, msg *string) {
	text := ""
	if msg != nil {
		text = *msg
	}
	name := kerr.ErrorForCode(code)
	if code == kerr.UnknownServerError.Code {
		rc.Log().Error("Error processing "+what, "topic", topic, "error", name, "message", text)
		return
	}
	rc.Log().Info("Error processing "+what, "topic", topic, "error", name, "message", text)
}

// metadataTopicError is a Metadata response entry for a topic that has no
// metadata to show: an error and no partitions.
func metadataTopicError(name string, code int16) kmsg.MetadataResponseTopic {
	t := kmsg.NewMetadataResponseTopic()
	t.Topic = &name
	t.ErrorCode = code
	t.IsInternal = meta.IsInternal(name)
	t.Partitions = []kmsg.MetadataResponseTopicPartition{}
	return t
}

// creatableTopic is AutoTopicCreationManager.creatableTopic: the internal
// topics get their coordinators' partition counts, replication factors
// and configs; any other topic num.partitions and
// default.replication.factor.
func creatableTopic(cfg *kconfig.Broker, name string) controller.CreateTopic {
	val := func(s string) *string { return &s }
	itoa := func(n int32) *string { return val(strconv.Itoa(int(n))) }
	switch {
	case cfg != nil && name == meta.GroupMetadataTopic:
		return controller.CreateTopic{Name: name, NumPartitions: cfg.OffsetsTopicNumPartitions,
			ReplicationFactor: cfg.OffsetsTopicReplicationFactor, Configs: []controller.ConfigValue{
				{Name: "cleanup.policy", Value: val("compact")},
				{Name: "segment.bytes", Value: itoa(cfg.OffsetsTopicSegmentBytes)},
				{Name: "compression.type", Value: val("producer")},
			}}
	case cfg != nil && name == meta.TransactionStateTopic:
		return controller.CreateTopic{Name: name, NumPartitions: cfg.TransactionStateLogNumPartitions,
			ReplicationFactor: cfg.TransactionStateLogReplicationFactor, Configs: []controller.ConfigValue{
				{Name: "unclean.leader.election.enable", Value: val("false")},
				{Name: "compression.type", Value: val("uncompressed")},
				{Name: "cleanup.policy", Value: val("compact")},
				{Name: "min.insync.replicas", Value: itoa(cfg.TransactionStateLogMinISR)},
				{Name: "segment.bytes", Value: itoa(cfg.TransactionStateLogSegmentBytes)},
			}}
	}
	// -1 is the Admin's num.partitions and default.replication.factor.
	return controller.CreateTopic{Name: name, NumPartitions: -1, ReplicationFactor: -1}
}

// AutoCreateTopics is AutoTopicCreationManager.createTopics of a
// ZooKeeper-mode broker (createTopicsInZk): each topic is created with
// CreateTopics' logic and no wait for leaders, and the result is a
// Metadata response entry: LEADER_NOT_AVAILABLE for a topic created now
// or created by someone else meanwhile (the client retries until the
// leaders are known), INVALID_TOPIC_EXCEPTION for an illegal name, and the
// creation's error otherwise (INVALID_REPLICATION_FACTOR when
// default.replication.factor exceeds the live brokers). Metadata calls it
// for auto.create.topics.enable; FindCoordinator for the internal topics.
func (b *Broker) AutoCreateTopics(rc *RequestContext, names []string) []kmsg.MetadataResponseTopic {
	cfg := b.currentConfig()
	out := make([]kmsg.MetadataResponseTopic, 0, len(names))
	var specs []controller.CreateTopic
	for _, n := range names {
		if controller.ValidateTopicName(n) != "" {
			out = append(out, metadataTopicError(n, kerr.InvalidTopicException.Code))
			continue
		}
		specs = append(specs, creatableTopic(cfg, n))
	}
	if len(specs) == 0 {
		return out
	}
	ctx, cancel := opContext(rc, adminOpTimeout)
	defer cancel()
	for _, r := range b.Admin.CreateTopics(ctx, specs, false) {
		code := r.ErrorCode
		switch code {
		case 0:
			logCollision(rc, r.Name)
			code = kerr.LeaderNotAvailable.Code
		case kerr.TopicAlreadyExists.Code:
			code = kerr.LeaderNotAvailable.Code
		default:
			logAdminFailure(rc, "create topic request", r.Name, code, r.ErrorMessage)
		}
		out = append(out, metadataTopicError(r.Name, code))
	}
	return out
}

// logCollision logs the '.'/'_' warning for a topic just created.
func logCollision(rc *RequestContext, topic string) {
	if controller.HasCollisionChars(topic) {
		rc.Log().Warn(internalTopicCollisionWarning, "topic", topic)
	}
}

// newTopicConfigs is ZkAdminManager.maybePopulateMetadataAndConfigs: every
// topic config of a topic created with overrides, as DescribeConfigs
// would describe it (value, source, read-only, sensitive). The answer
// comes from kconfig's own DescribeConfigs, run on a scratch Manager that
// holds the broker's static and dynamic configs and the new topic's
// overrides, so the two responses cannot disagree; the topic need not
// exist yet (validate_only).
func (b *Broker) newTopicConfigs(ctx context.Context, topic string, overrides []controller.ConfigValue) []kmsg.CreateTopicsResponseTopicConfig {
	static := b.Config
	var dynBroker, dynDefault map[string]string
	if b.Configs != nil {
		static = b.Configs.Static()
		dynBroker, dynDefault = b.Configs.DynamicBrokerConfigs(), b.Configs.DynamicDefaultConfigs()
	}
	if static == nil {
		return []kmsg.CreateTopicsResponseTopicConfig{}
	}
	entries := func(m map[string]string) []zkdata.ConfigEntry {
		var out []zkdata.ConfigEntry
		for _, k := range slices.Sorted(maps.Keys(m)) {
			out = append(out, zkdata.ConfigEntry{Name: k, Value: m[k]})
		}
		return out
	}
	store := kconfig.NewMemStore()
	var topicEntries []zkdata.ConfigEntry
	for _, c := range overrides {
		if c.Value != nil {
			topicEntries = append(topicEntries, zkdata.ConfigEntry{Name: c.Name, Value: *c.Value})
		}
	}
	id := strconv.Itoa(int(b.ID))
	for _, e := range []struct {
		typ, name string
		entries   []zkdata.ConfigEntry
	}{
		{zkdata.ConfigBrokers, zkdata.DefaultEntity, entries(dynDefault)},
		{zkdata.ConfigBrokers, id, entries(dynBroker)},
		{zkdata.ConfigTopics, topic, topicEntries},
	} {
		if len(e.entries) > 0 {
			if err := store.SetEntityConfig(ctx, e.typ, e.name, e.entries); err != nil {
				return []kmsg.CreateTopicsResponseTopicConfig{}
			}
		}
	}
	m := kconfig.NewManager(kconfig.Options{Static: static, BrokerID: b.ID, Store: store,
		TopicExists: func(string) bool { return true }})
	if err := m.Start(ctx); err != nil {
		return []kmsg.CreateTopicsResponseTopicConfig{}
	}
	defer m.Close()
	req := kmsg.NewPtrDescribeConfigsRequest()
	r := kmsg.NewDescribeConfigsRequestResource()
	r.ResourceType, r.ResourceName = kmsg.ConfigResourceTypeTopic, topic
	req.Resources = append(req.Resources, r)
	res := m.DescribeConfigs(ctx, req)
	out := []kmsg.CreateTopicsResponseTopicConfig{}
	if len(res) != 1 || res[0].ErrorCode != 0 {
		return out
	}
	for _, c := range res[0].Configs {
		tc := kmsg.NewCreateTopicsResponseTopicConfig()
		tc.Name, tc.Value, tc.ReadOnly, tc.Source, tc.IsSensitive = c.Name, c.Value, c.ReadOnly, int8(c.Source), c.IsSensitive
		out = append(out, tc)
	}
	return out
}
