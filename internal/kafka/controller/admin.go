package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/wharf-project/wharf/internal/kafka/zkdata"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// AdminConfig configures the admin operations (ZkAdminManager and
// AdminZkClient), which any broker performs by writing znodes; the
// controller then acts on them.
type AdminConfig struct {
	ZK *zkdata.Client
	// Brokers lists the live brokers for replica assignment, sorted by id
	// (ZkAdminManager uses the metadata cache). Nil reads /brokers/ids.
	Brokers func(ctx context.Context) ([]BrokerMetadata, error)
	// NumPartitions is num.partitions, used when a request gives -1.
	NumPartitions int32
	// DefaultReplicationFactor is default.replication.factor.
	DefaultReplicationFactor int16
	// DeleteTopicEnable is delete.topic.enable.
	DeleteTopicEnable bool
	// ValidateConfig checks a new topic's configs (LogConfig.validate); its
	// error message becomes the INVALID_CONFIG message. Nil accepts all.
	ValidateConfig func(topic string, configs map[string]string) error
	// Rand returns a random int in [0, n), for the first replica's offset.
	Rand func(n int) int
	// Logger receives diagnostics; default discards them.
	Logger *slog.Logger
}

// Admin performs CreateTopics, DeleteTopics and CreatePartitions in
// ZooKeeper mode. It is safe for concurrent use.
type Admin struct {
	cfg AdminConfig
	log *slog.Logger
}

// NewAdmin returns the admin operations.
func NewAdmin(cfg AdminConfig) *Admin {
	if cfg.Rand == nil {
		cfg.Rand = rand.IntN
	}
	if cfg.NumPartitions <= 0 {
		cfg.NumPartitions = 1
	}
	if cfg.DefaultReplicationFactor <= 0 {
		cfg.DefaultReplicationFactor = 1
	}
	a := &Admin{cfg: cfg, log: cfg.Logger}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	return a
}

// ConfigValue is one requested config; a nil Value is Kafka's null.
type ConfigValue struct {
	Name  string
	Value *string
}

// CreateTopic is one topic of a CreateTopics request.
type CreateTopic struct {
	Name              string
	NumPartitions     int32 // -1: num.partitions
	ReplicationFactor int16 // -1: default.replication.factor
	// Assignments is an explicit assignment, partition → brokers (nil: none).
	Assignments map[int32][]int32
	Configs     []ConfigValue
}

// TopicResult is the outcome for one topic. ErrorCode 0 is success; then
// the other fields describe the topic (the id only when it was created).
type TopicResult struct {
	Name              string
	ErrorCode         int16
	ErrorMessage      *string
	TopicID           zkdata.UUID
	NumPartitions     int32
	ReplicationFactor int16
	Assignment        map[int32][]int32
}

func fail(name string, e *kerr.Error, format string, args ...any) TopicResult {
	msg := fmt.Sprintf(format, args...)
	return TopicResult{Name: name, ErrorCode: e.Code, ErrorMessage: &msg}
}

func (a *Admin) brokers(ctx context.Context) ([]BrokerMetadata, error) {
	if a.cfg.Brokers != nil {
		return a.cfg.Brokers(ctx)
	}
	bs, err := a.cfg.ZK.GetAllBrokerAndEpochs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]BrokerMetadata, len(bs))
	for i, b := range bs {
		out[i] = BrokerMetadata{ID: b.ID, Rack: b.Rack}
	}
	return out, nil
}

// CreateTopics is ZkAdminManager.createTopics up to the point where it
// waits for the leaders: it validates each topic, assigns replicas and,
// unless validateOnly, writes /config/topics/<t> and /brokers/topics/<t>.
// The caller waits for the metadata (leaders elected) or answers
// REQUEST_TIMED_OUT, as Kafka's DelayedCreatePartitions does.
func (a *Admin) CreateTopics(ctx context.Context, topics []CreateTopic, validateOnly bool) []TopicResult {
	brokers, berr := a.brokers(ctx)
	out := make([]TopicResult, 0, len(topics))
	for _, t := range topics {
		if berr != nil {
			out = append(out, fail(t.Name, kerr.UnknownServerError, "%v", berr))
			continue
		}
		out = append(out, a.createTopic(ctx, t, brokers, validateOnly))
	}
	return out
}

func (a *Admin) createTopic(ctx context.Context, t CreateTopic, brokers []BrokerMetadata, validateOnly bool) TopicResult {
	var nulls []string
	for _, c := range t.Configs {
		if c.Value == nil {
			nulls = append(nulls, c.Name)
		}
	}
	if len(nulls) > 0 {
		return fail(t.Name, kerr.InvalidRequest, "Null value not supported for topic configs : %s", strings.Join(nulls, ","))
	}
	if (t.NumPartitions != -1 || t.ReplicationFactor != -1) && len(t.Assignments) > 0 {
		return fail(t.Name, kerr.InvalidRequest, "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.")
	}
	nParts, rf := t.NumPartitions, t.ReplicationFactor
	if nParts == -1 {
		nParts = a.cfg.NumPartitions
	}
	if rf == -1 {
		rf = a.cfg.DefaultReplicationFactor
	}
	assignment := t.Assignments
	if len(assignment) == 0 {
		var err error
		assignment, err = AssignReplicas(brokers, nParts, int32(rf), -1, -1, a.cfg.Rand)
		if err != nil {
			var ae *AssignError
			if errors.As(err, &ae) {
				return fail(t.Name, kerr.ErrorForCode(ae.Code).(*kerr.Error), "%s", ae.Message)
			}
			return fail(t.Name, kerr.UnknownServerError, "%v", err)
		}
	}
	cfg := map[string]string{}
	var entries []zkdata.ConfigEntry
	for _, c := range t.Configs {
		cfg[c.Name] = *c.Value
		entries = append(entries, zkdata.ConfigEntry{Name: c.Name, Value: *c.Value})
	}
	if r, bad := a.validateTopicCreate(ctx, t.Name, assignment, cfg); bad {
		return r
	}
	res := TopicResult{Name: t.Name, NumPartitions: int32(len(assignment)), ReplicationFactor: int16(len(assignment[0])), Assignment: assignment}
	if validateOnly {
		return res
	}
	if err := a.cfg.ZK.SetOrCreateEntityConfigs(ctx, zkdata.ConfigTopics, t.Name, entries); err != nil {
		return fail(t.Name, kerr.UnknownServerError, "%v", err)
	}
	id, err := zkdata.NewUUID(nil)
	if err != nil {
		return fail(t.Name, kerr.UnknownServerError, "%v", err)
	}
	ta := zkdata.TopicAssignment{Topic: t.Name, TopicID: id, Partitions: map[int32]zkdata.ReplicaAssignment{}}
	for p, rs := range assignment {
		ta.Partitions[p] = zkdata.ReplicaAssignment{Replicas: rs}
	}
	if err := a.cfg.ZK.CreateTopicAssignment(ctx, ta); err != nil {
		if err == jute.NodeExists {
			return fail(t.Name, kerr.TopicAlreadyExists, "Topic '%s' already exists.", t.Name)
		}
		return fail(t.Name, kerr.UnknownServerError, "%v", err)
	}
	a.log.Info("Creating topic", "topic", t.Name, "partitions", len(assignment))
	res.TopicID = id
	return res
}

// validateTopicCreate is AdminZkClient.validateTopicCreate.
func (a *Admin) validateTopicCreate(ctx context.Context, topic string, assignment map[int32][]int32, cfg map[string]string) (TopicResult, bool) {
	if msg := ValidateTopicName(topic); msg != "" {
		return fail(topic, kerr.InvalidTopicException, "%s", msg), true
	}
	exists, err := a.cfg.ZK.TopicExists(ctx, topic)
	if err != nil {
		return fail(topic, kerr.UnknownServerError, "%v", err), true
	}
	if exists {
		return fail(topic, kerr.TopicAlreadyExists, "Topic '%s' already exists.", topic), true
	}
	if HasCollisionChars(topic) {
		all, err := a.cfg.ZK.GetAllTopics(ctx)
		if err != nil {
			return fail(topic, kerr.UnknownServerError, "%v", err), true
		}
		if slices.Contains(all, topic) {
			return fail(topic, kerr.TopicAlreadyExists, "Topic '%s' already exists.", topic), true
		}
		var colliding []string
		for _, o := range all {
			if HasCollision(topic, o) {
				colliding = append(colliding, o)
			}
		}
		if len(colliding) > 0 {
			return fail(topic, kerr.InvalidTopicException, "Topic '%s' collides with existing topics: %s", topic, strings.Join(colliding, ", ")), true
		}
	}
	sizes := map[int]bool{}
	for _, rs := range assignment {
		sizes[len(rs)] = true
	}
	if len(sizes) != 1 {
		return fail(topic, kerr.InvalidReplicaAssignment, "All partitions should have the same number of replicas"), true
	}
	for _, rs := range assignment {
		if hasDuplicates(rs) {
			return fail(topic, kerr.InvalidReplicaAssignment, "Duplicate replica assignment found: %s", scalaAssignment(assignment)), true
		}
	}
	n := int32(len(assignment))
	for p := range assignment {
		if p < 0 || p >= n {
			return fail(topic, kerr.InvalidReplicaAssignment, "partitions should be a consecutive 0-based integer sequence"), true
		}
	}
	if a.cfg.ValidateConfig != nil {
		if err := a.cfg.ValidateConfig(topic, cfg); err != nil {
			return fail(topic, kerr.InvalidConfig, "%s", strings.TrimPrefix(err.Error(), "kconfig: ")), true
		}
	}
	return TopicResult{}, false
}

func hasDuplicates(rs []int32) bool {
	seen := map[int32]bool{}
	for _, r := range rs {
		if seen[r] {
			return true
		}
		seen[r] = true
	}
	return false
}

// scalaAssignment formats an assignment as Kafka's message shows it:
// HashMap(0 -> ArrayBuffer(1, 2), 1 -> ArrayBuffer(2, 1)).
func scalaAssignment(m map[int32][]int32) string {
	ps := mapKeys(m)
	slices.Sort(ps)
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = strconv.Itoa(int(p)) + " -> ArrayBuffer(" + joinInts(m[p]) + ")"
	}
	return "HashMap(" + strings.Join(parts, ", ") + ")"
}

func joinInts(xs []int32) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(int(x))
	}
	return strings.Join(s, ", ")
}

// DeleteTopics is ZkAdminManager.deleteTopics up to the wait: it marks each
// topic under /admin/delete_topics (a topic already marked is success).
// With delete.topic.enable=false every topic gets TOPIC_DELETION_DISABLED
// (the handler answers INVALID_REQUEST to DeleteTopics v0-v2, as Kafka).
// The caller waits for the topics to leave the metadata cache.
func (a *Admin) DeleteTopics(ctx context.Context, topics []string) []TopicResult {
	out := make([]TopicResult, 0, len(topics))
	for _, t := range topics {
		if !a.cfg.DeleteTopicEnable {
			out = append(out, TopicResult{Name: t, ErrorCode: kerr.TopicDeletionDisabled.Code})
			continue
		}
		exists, err := a.cfg.ZK.TopicExists(ctx, t)
		switch {
		case err != nil:
			out = append(out, fail(t, kerr.UnknownServerError, "%v", err))
		case !exists:
			out = append(out, fail(t, kerr.UnknownTopicOrPartition, "Topic `%s` to delete does not exist", t))
		default:
			err := a.cfg.ZK.CreateDeleteTopicPath(ctx, t)
			if err != nil && err != jute.NodeExists {
				out = append(out, fail(t, kerr.UnknownServerError, "%v", err))
				continue
			}
			out = append(out, TopicResult{Name: t})
		}
	}
	return out
}

// NewPartitions is one topic of a CreatePartitions request.
type NewPartitions struct {
	Topic string
	Count int32
	// Assignment gives the brokers of each new partition (nil: assign).
	Assignment [][]int32
}

// CreatePartitions is ZkAdminManager.createPartitions up to the wait: it
// validates and, unless validateOnly, rewrites /brokers/topics/<t> with
// the new partitions, which the controller then creates.
func (a *Admin) CreatePartitions(ctx context.Context, reqs []NewPartitions, validateOnly bool) []TopicResult {
	brokers, berr := a.brokers(ctx)
	out := make([]TopicResult, 0, len(reqs))
	for _, r := range reqs {
		if berr != nil {
			out = append(out, fail(r.Topic, kerr.UnknownServerError, "%v", berr))
			continue
		}
		out = append(out, a.createPartitions(ctx, r, brokers, validateOnly))
	}
	return out
}

func (a *Admin) createPartitions(ctx context.Context, r NewPartitions, brokers []BrokerMetadata, validateOnly bool) TopicResult {
	as, err := a.cfg.ZK.GetTopicAssignments(ctx, []string{r.Topic})
	if err != nil {
		return fail(r.Topic, kerr.UnknownServerError, "%v", err)
	}
	cur, ok := as[r.Topic]
	if !ok || len(cur.Partitions) == 0 {
		return fail(r.Topic, kerr.UnknownTopicOrPartition, "The topic '%s' does not exist.", r.Topic)
	}
	for _, ra := range cur.Partitions {
		if ra.BeingReassigned() {
			return fail(r.Topic, kerr.ReassignmentInProgress, "A partition reassignment is in progress for the topic '%s'.", r.Topic)
		}
	}
	old := int32(len(cur.Partitions))
	inc := r.Count - old
	if inc < 0 {
		return fail(r.Topic, kerr.InvalidPartitions, "Topic currently has %d partitions, which is higher than the requested %d.", old, r.Count)
	}
	if inc == 0 {
		return fail(r.Topic, kerr.InvalidPartitions, "Topic already has %d partitions.", old)
	}
	ids := make([]int32, len(brokers))
	for i, b := range brokers {
		ids[i] = b.ID
	}
	var proposed map[int32][]int32
	if r.Assignment != nil {
		var unknown []string
		for _, rs := range r.Assignment {
			for _, b := range rs {
				if s := strconv.Itoa(int(b)); !slices.Contains(ids, b) && !slices.Contains(unknown, s) {
					unknown = append(unknown, s)
				}
			}
		}
		if len(unknown) > 0 {
			return fail(r.Topic, kerr.InvalidReplicaAssignment, "Unknown broker(s) in replica assignment: %s.", strings.Join(unknown, ", "))
		}
		if int32(len(r.Assignment)) != inc {
			return fail(r.Topic, kerr.InvalidReplicaAssignment, "Increasing the number of partitions by %d but %d assignments provided.", inc, len(r.Assignment))
		}
		proposed = map[int32][]int32{}
		for i, rs := range r.Assignment {
			proposed[old+int32(i)] = rs
		}
	}
	p0, ok := cur.Partitions[0]
	if !ok {
		return fail(r.Topic, kerr.UnknownServerError, "Unexpected existing replica assignment for topic '%s', partition id 0 is missing.", r.Topic)
	}
	rf := len(p0.Replicas)
	if proposed != nil {
		if res, bad := validateNewAssignment(r.Topic, proposed, rf, ids); bad {
			return res
		}
	} else {
		start := int32(0)
		if len(p0.Replicas) > 0 {
			if i := slices.IndexFunc(ids, func(id int32) bool { return id >= p0.Replicas[0] }); i >= 0 {
				start = int32(i)
			}
		}
		proposed, err = AssignReplicas(brokers, inc, int32(rf), start, old, a.cfg.Rand)
		if err != nil {
			var ae *AssignError
			if errors.As(err, &ae) {
				return fail(r.Topic, kerr.ErrorForCode(ae.Code).(*kerr.Error), "%s", ae.Message)
			}
			return fail(r.Topic, kerr.UnknownServerError, "%v", err)
		}
	}
	res := TopicResult{Name: r.Topic, TopicID: cur.TopicID, NumPartitions: r.Count, ReplicationFactor: int16(rf), Assignment: map[int32][]int32{}}
	for p, ra := range cur.Partitions {
		res.Assignment[p] = ra.Replicas
	}
	for p, rs := range proposed {
		res.Assignment[p] = rs
		cur.Partitions[p] = zkdata.ReplicaAssignment{Replicas: rs}
	}
	if validateOnly {
		return res
	}
	if err := a.cfg.ZK.SetTopicAssignment(ctx, cur, -1); err != nil {
		return fail(r.Topic, kerr.UnknownServerError, "%v", err)
	}
	a.log.Info("Creating partitions", "topic", r.Topic, "count", inc)
	return res
}

// validateNewAssignment is AdminZkClient.validateReplicaAssignment.
func validateNewAssignment(topic string, m map[int32][]int32, rf int, available []int32) (TopicResult, bool) {
	ps := mapKeys(m)
	slices.Sort(ps)
	for _, p := range ps {
		rs := m[p]
		if len(rs) == 0 {
			return fail(topic, kerr.InvalidReplicaAssignment, "Cannot have replication factor of 0 for partition id %d.", p), true
		}
		if hasDuplicates(rs) {
			return fail(topic, kerr.InvalidReplicaAssignment, "Duplicate brokers not allowed in replica assignment: %s for partition id %d.", joinInts(rs), p), true
		}
		for _, b := range rs {
			if !slices.Contains(available, b) {
				return fail(topic, kerr.BrokerNotAvailable, "Some brokers specified for partition id %d are not available. Specified brokers: %s, available brokers: %s.", p, joinInts(rs), joinInts(available)), true
			}
		}
	}
	var bad []int32
	var rfs []int32
	for _, p := range ps {
		if len(m[p]) != rf {
			bad = append(bad, p)
			rfs = append(rfs, int32(len(m[p])))
		}
	}
	if len(bad) > 0 {
		return fail(topic, kerr.InvalidReplicaAssignment, "Inconsistent replication factor between partitions, partition 0 has %d while partitions [%s] have replication factors [%s], respectively.", rf, joinInts(bad), joinInts(rfs)), true
	}
	return TopicResult{}, false
}
