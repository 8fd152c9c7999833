package zkdata

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/wharf-project/wharf/internal/zk/client"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// The operations of KafkaZkClient that brokers, the controller and the
// admin paths use, with Kafka's semantics.

// CreateRecursive is KafkaZkClient.createRecursive: it creates path with
// data, creating missing parents (empty, persistent) first. With
// failIfExists, an existing path is jute.NodeExists.
func (c *Client) CreateRecursive(ctx context.Context, p string, data []byte, failIfExists bool) error {
	_, err := c.Create(ctx, p, data, client.ModePersistent)
	switch {
	case err == nil:
		return nil
	case err == jute.NodeExists:
		if failIfExists {
			return err
		}
		return nil
	case err != jute.NoNode:
		return err
	}
	if err := c.createParents(ctx, path.Dir(p)); err != nil {
		return err
	}
	_, err = c.Create(ctx, p, data, client.ModePersistent)
	if err == jute.NodeExists && !failIfExists {
		return nil
	}
	return err
}

func (c *Client) createParents(ctx context.Context, p string) error {
	if p == "/" || p == "." || p == "" {
		return nil
	}
	_, err := c.Create(ctx, p, nil, client.ModePersistent)
	if err == jute.NoNode {
		if err := c.createParents(ctx, path.Dir(p)); err != nil {
			return err
		}
		_, err = c.Create(ctx, p, nil, client.ModePersistent)
	}
	if err != nil && err != jute.NodeExists {
		return err
	}
	return nil
}

// MakeSurePersistentPathExists creates path (and parents) if missing.
func (c *Client) MakeSurePersistentPathExists(ctx context.Context, p string) error {
	return c.CreateRecursive(ctx, p, nil, false)
}

// CreateTopLevelPaths creates ZkData.PersistentZkPaths, as every broker
// does at startup.
func (c *Client) CreateTopLevelPaths(ctx context.Context) error {
	for _, p := range PersistentPaths {
		if err := c.MakeSurePersistentPathExists(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// ---- brokers ----

// ErrBrokerRegistered is returned when /brokers/ids/<id> is held by
// another session: another broker runs with this broker.id.
var ErrBrokerRegistered = errors.New("zkdata: broker already registered")

// RegisterBroker is KafkaZkClient.registerBroker: it creates the ephemeral
// /brokers/ids/<id> (created empty, then set, in one transaction, so the
// data's zkVersion is 1 as in Kafka) and returns its czxid, the broker
// epoch. A znode this session already owns is accepted (a retried
// create); one owned by another session fails with an error that wraps
// both ErrBrokerRegistered and jute.NodeExists.
func (c *Client) RegisterBroker(ctx context.Context, b BrokerInfo) (int64, error) {
	p := BrokerPath(b.ID)
	data := c.cfg.Flavor.EncodeBroker(b)
	for {
		res, err := c.Multi(ctx,
			client.CreateOp(p, nil, OpenACL, client.ModeEphemeral, -1),
			client.SetDataOp(p, data, 0))
		if err == nil {
			c.log.Info("Registered broker", "id", b.ID, "path", p, "czxid", res[1].Stat.Czxid)
			return res[1].Stat.Czxid, nil
		}
		if err != jute.NodeExists {
			return 0, err
		}
		_, stat, gerr := c.Get(ctx, p)
		if gerr == jute.NoNode {
			continue // went away while we looked: create again
		}
		if gerr != nil {
			return 0, gerr
		}
		if stat.EphemeralOwner == c.SessionID() {
			return stat.Czxid, nil
		}
		return 0, fmt.Errorf("%w: %w: Error while creating ephemeral at %s, node already exists and owner '%d' does not match current session '%d'",
			ErrBrokerRegistered, jute.NodeExists, p, stat.EphemeralOwner, c.SessionID())
	}
}

// UpdateBrokerInfo rewrites this broker's registration.
func (c *Client) UpdateBrokerInfo(ctx context.Context, b BrokerInfo) error {
	_, err := c.Set(ctx, BrokerPath(b.ID), c.cfg.Flavor.EncodeBroker(b), -1)
	return err
}

// BrokerAndEpoch is a live broker's registration and epoch (its czxid).
type BrokerAndEpoch struct {
	BrokerInfo
	Epoch int64
}

// GetSortedBrokerList lists the registered broker ids, ascending.
func (c *Client) GetSortedBrokerList(ctx context.Context) ([]int32, error) {
	kids, err := c.Children(ctx, BrokerIDsPath)
	if err == jute.NoNode {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	ids := make([]int32, 0, len(kids))
	for _, k := range kids {
		n, err := strconv.ParseInt(k, 10, 32)
		if err != nil {
			continue // not a broker registration
		}
		ids = append(ids, int32(n))
	}
	slices.Sort(ids)
	return ids, nil
}

// GetAllBrokerAndEpochs reads every live broker's registration, by id.
func (c *Client) GetAllBrokerAndEpochs(ctx context.Context) ([]BrokerAndEpoch, error) {
	ids, err := c.GetSortedBrokerList(ctx)
	if err != nil {
		return nil, err
	}
	paths := make([]string, len(ids))
	for i, id := range ids {
		paths[i] = BrokerPath(id)
	}
	res, err := c.GetMany(ctx, paths)
	if err != nil {
		return nil, err
	}
	out := make([]BrokerAndEpoch, 0, len(ids))
	for i, r := range res {
		if r.Err == jute.NoNode {
			continue
		}
		if r.Err != nil {
			return nil, r.Err
		}
		b, err := DecodeBroker(ids[i], r.Data)
		if err != nil {
			return nil, err
		}
		out = append(out, BrokerAndEpoch{b, r.Stat.Czxid})
	}
	return out, nil
}

// GetBroker reads one registration (ok false if not registered).
func (c *Client) GetBroker(ctx context.Context, id int32) (BrokerInfo, bool, error) {
	data, _, err := c.Get(ctx, BrokerPath(id))
	if err == jute.NoNode {
		return BrokerInfo{}, false, nil
	}
	if err != nil {
		return BrokerInfo{}, false, err
	}
	b, err := DecodeBroker(id, data)
	return b, err == nil, err
}

// CheckEndpointsUnique is KafkaServer.createBrokerInfo's check: no other
// registered broker may advertise one of this broker's host:port pairs.
func CheckEndpointsUnique(others []BrokerAndEpoch, self BrokerInfo) error {
	mine := map[string]bool{}
	for _, e := range self.EndPoints {
		mine[e.Host+":"+strconv.Itoa(int(e.Port))] = true
	}
	for _, b := range others {
		if b.ID == self.ID {
			continue
		}
		var common []string
		for _, e := range b.EndPoints {
			if hp := e.Host + ":" + strconv.Itoa(int(e.Port)); mine[hp] {
				common = append(common, hp)
			}
		}
		if len(common) > 0 {
			return fmt.Errorf("zkdata: requirement failed: Configured end points %s in advertised listeners are already registered by broker %d",
				strings.Join(common, ","), b.ID)
		}
	}
	return nil
}

// ---- cluster id and broker id generation ----

// GetClusterID reads /cluster/id (ok false if absent).
func (c *Client) GetClusterID(ctx context.Context) (string, bool, error) {
	data, _, err := c.Get(ctx, ClusterIDPath)
	if err == jute.NoNode {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	id, err := DecodeClusterID(data)
	return id, err == nil, err
}

// GetOrCreateClusterID is KafkaServer.getOrGenerateClusterId: the existing
// cluster id, or a new random one (a base64 UUID) created atomically.
func (c *Client) GetOrCreateClusterID(ctx context.Context) (string, error) {
	if id, ok, err := c.GetClusterID(ctx); err != nil || ok {
		return id, err
	}
	u, err := NewUUID(nil)
	if err != nil {
		return "", err
	}
	proposed := u.String()
	err = c.CreateRecursive(ctx, ClusterIDPath, EncodeClusterID(proposed), true)
	if err == nil {
		return proposed, nil
	}
	if err != jute.NodeExists {
		return "", err
	}
	id, ok, err := c.GetClusterID(ctx)
	if err == nil && !ok {
		err = errors.New("zkdata: Failed to get cluster id from Zookeeper. This can happen if /cluster/id is deleted from Zookeeper.")
	}
	return id, err
}

// GenerateBrokerSequenceID is KafkaZkClient.generateBrokerSequenceId: the
// new version of /brokers/seqid after an unconditional empty write (1, 2, ...).
// A broker with broker.id=-1 adds reserved.broker.max.id to it.
func (c *Client) GenerateBrokerSequenceID(ctx context.Context) (int32, error) {
	for {
		stat, err := c.Set(ctx, BrokerSeqIDPath, nil, -1)
		if err == nil {
			return stat.Version, nil
		}
		if err != jute.NoNode {
			return 0, err
		}
		if err := c.CreateRecursive(ctx, BrokerSeqIDPath, nil, false); err != nil {
			return 0, err
		}
	}
}

// GenerateBrokerID is KafkaServer.generateBrokerId, for broker.id=-1 with
// broker.id.generation.enable: the next /brokers/seqid version plus
// reserved.broker.max.id (default 1000), so generated ids never collide
// with configured ones.
func (c *Client) GenerateBrokerID(ctx context.Context, reservedBrokerMaxID int32) (int32, error) {
	seq, err := c.GenerateBrokerSequenceID(ctx)
	if err != nil {
		return 0, fmt.Errorf("zkdata: Failed to generate broker.id: %w", err)
	}
	return seq + reservedBrokerMaxID, nil
}

// ---- controller ----

// GetControllerID reads /controller (ok false if there is no controller).
func (c *Client) GetControllerID(ctx context.Context) (int32, bool, error) {
	data, _, err := c.Get(ctx, ControllerPath)
	if err == jute.NoNode {
		return -1, false, nil
	}
	if err != nil {
		return -1, false, err
	}
	id, err := DecodeController(data)
	if err != nil {
		return -1, false, nil // unparsable: no controller, as Kafka's decode gives None
	}
	return id, true, nil
}

// GetControllerEpoch reads /controller_epoch and its zkVersion.
func (c *Client) GetControllerEpoch(ctx context.Context) (epoch, zkVersion int32, ok bool, err error) {
	data, stat, err := c.Get(ctx, ControllerEpochPath)
	if err == jute.NoNode {
		return 0, 0, false, nil
	}
	if err != nil {
		return 0, 0, false, err
	}
	epoch, err = DecodeControllerEpoch(data)
	return epoch, stat.Version, err == nil, err
}

// InitialControllerEpoch and InitialControllerEpochZkVersion are what
// /controller_epoch starts with.
const (
	InitialControllerEpoch          int32 = 0
	InitialControllerEpochZkVersion int32 = 0
)

// RegisterControllerAndIncrementEpoch is
// KafkaZkClient.registerControllerAndIncrementControllerEpoch: it creates
// the ephemeral /controller and bumps /controller_epoch in one
// transaction conditioned on the epoch's zkVersion, and returns the new
// epoch and its zkVersion. Losing the race is ErrControllerMoved.
func (c *Client) RegisterControllerAndIncrementEpoch(ctx context.Context, brokerID int32) (epoch, epochZkVersion int32, err error) {
	cur, curVersion, ok, err := c.GetControllerEpoch(ctx)
	if err != nil {
		return 0, 0, err
	}
	if !ok {
		_, err := c.Create(ctx, ControllerEpochPath, EncodeControllerEpoch(InitialControllerEpoch), client.ModePersistent)
		switch err {
		case nil:
			cur, curVersion = InitialControllerEpoch, InitialControllerEpochZkVersion
		case jute.NodeExists:
			if cur, curVersion, ok, err = c.GetControllerEpoch(ctx); err != nil || !ok {
				return 0, 0, fmt.Errorf("zkdata: %s existed before but goes away while trying to read it: %v", ControllerEpochPath, err)
			}
		default:
			return 0, 0, err
		}
	}
	next := cur + 1
	res, err := c.Multi(ctx,
		client.CreateOp(ControllerPath, EncodeController(brokerID, c.cfg.Now()), OpenACL, client.ModeEphemeral, -1),
		client.SetDataOp(ControllerEpochPath, EncodeControllerEpoch(next), curVersion))
	switch err {
	case nil:
		return next, res[1].Stat.Version, nil
	case jute.NodeExists, jute.BadVersion:
		// Check whether we won after all (a retried transaction).
		id, ok, err := c.GetControllerID(ctx)
		if err != nil {
			return 0, 0, err
		}
		if !ok {
			return 0, 0, fmt.Errorf("%w: The ephemeral node at %s went away while checking whether the controller election succeeds. Aborting controller startup procedure", ErrControllerMoved, ControllerPath)
		}
		if id == brokerID {
			e, v, ok, err := c.GetControllerEpoch(ctx)
			if err != nil {
				return 0, 0, err
			}
			if ok && e == next {
				return next, v, nil
			}
		}
		return 0, 0, fmt.Errorf("%w: Controller moved to another broker. Aborting controller startup procedure", ErrControllerMoved)
	}
	return 0, 0, err
}

// DeleteController removes /controller if this controller still holds the
// epoch (KafkaZkClient.deleteController).
func (c *Client) DeleteController(ctx context.Context, epochZkVersion int32) error {
	_, err := c.fenced(ctx, epochZkVersion, client.DeleteOp(ControllerPath, -1))
	if err == jute.NoNode {
		return nil
	}
	return err
}

// ---- topics ----

// GetAllTopics lists /brokers/topics.
func (c *Client) GetAllTopics(ctx context.Context) ([]string, error) {
	kids, err := c.Children(ctx, TopicsPath)
	if err == jute.NoNode {
		return nil, nil
	}
	return kids, err
}

// TopicExists reports whether /brokers/topics/<topic> exists.
func (c *Client) TopicExists(ctx context.Context, topic string) (bool, error) {
	s, err := c.Exists(ctx, TopicPath(topic))
	return s != nil, err
}

// GetTopicAssignments reads the assignment of each topic; missing topics
// are left out.
func (c *Client) GetTopicAssignments(ctx context.Context, topics []string) (map[string]TopicAssignment, error) {
	paths := make([]string, len(topics))
	for i, t := range topics {
		paths[i] = TopicPath(t)
	}
	res, err := c.GetMany(ctx, paths)
	if err != nil {
		return nil, err
	}
	out := make(map[string]TopicAssignment, len(topics))
	for i, r := range res {
		if r.Err == jute.NoNode {
			continue
		}
		if r.Err != nil {
			return nil, r.Err
		}
		a, err := DecodeTopic(topics[i], r.Data)
		if err != nil {
			return nil, err
		}
		out[topics[i]] = a
	}
	return out, nil
}

// CreateTopicAssignment is KafkaZkClient.createTopicAssignment: it creates
// /brokers/topics/<topic> (jute.NodeExists if the topic exists).
func (c *Client) CreateTopicAssignment(ctx context.Context, t TopicAssignment) error {
	return c.CreateRecursive(ctx, TopicPath(t.Topic), c.cfg.Flavor.EncodeTopic(t), true)
}

// SetTopicAssignment rewrites /brokers/topics/<topic>, fenced by the
// controller epoch when epochZkVersion >= 0.
func (c *Client) SetTopicAssignment(ctx context.Context, t TopicAssignment, epochZkVersion int32) error {
	_, err := c.fenced(ctx, epochZkVersion, client.SetDataOp(TopicPath(t.Topic), c.cfg.Flavor.EncodeTopic(t), -1))
	return err
}

// DeleteRecursive deletes path and everything below it, fenced by the
// controller epoch when epochZkVersion >= 0. A missing path is no error.
func (c *Client) DeleteRecursive(ctx context.Context, p string, epochZkVersion int32) error {
	kids, err := c.Children(ctx, p)
	if err == jute.NoNode {
		return nil
	}
	if err != nil {
		return err
	}
	for _, k := range kids {
		if err := c.DeleteRecursive(ctx, p+"/"+k, epochZkVersion); err != nil {
			return err
		}
	}
	_, err = c.fenced(ctx, epochZkVersion, client.DeleteOp(p, -1))
	if err == jute.NoNode {
		return nil
	}
	return err
}

// GetPartitionStates reads the state znodes of partitions; partitions
// without one are left out.
func (c *Client) GetPartitionStates(ctx context.Context, parts []TopicPartition) (map[TopicPartition]PartitionState, error) {
	paths := make([]string, len(parts))
	for i, tp := range parts {
		paths[i] = PartitionStatePath(tp.Topic, tp.Partition)
	}
	res, err := c.GetMany(ctx, paths)
	if err != nil {
		return nil, err
	}
	out := make(map[TopicPartition]PartitionState, len(parts))
	for i, r := range res {
		if r.Err == jute.NoNode {
			continue
		}
		if r.Err != nil {
			return nil, r.Err
		}
		s, err := DecodePartitionState(r.Data, r.Stat.Version)
		if err != nil {
			continue // Kafka treats an unreadable state like a missing one
		}
		out[parts[i]] = s
	}
	return out, nil
}

// CreatePartitionStates is KafkaZkClient.createTopicPartitionStatesRaw:
// it creates .../partitions and .../partitions/<p> and then each state
// znode, fenced by the controller epoch. The map holds each partition's
// outcome (nil or a jute.Code); ErrControllerMoved aborts.
func (c *Client) CreatePartitionStates(ctx context.Context, states map[TopicPartition]PartitionState, epochZkVersion int32) (map[TopicPartition]error, error) {
	parts := make([]TopicPartition, 0, len(states))
	topics := map[string]bool{}
	for tp := range states {
		parts = append(parts, tp)
		topics[tp.Topic] = true
	}
	var mu sync.Mutex
	var moved error
	note := func(err error) {
		if errors.Is(err, ErrControllerMoved) {
			mu.Lock()
			moved = err
			mu.Unlock()
		}
	}
	topicList := make([]string, 0, len(topics))
	for t := range topics {
		topicList = append(topicList, t)
	}
	parallel(len(topicList), func(i int) {
		_, err := c.fenced(ctx, epochZkVersion, client.CreateOp(TopicPartitionsPath(topicList[i]), nil, OpenACL, client.ModePersistent, -1))
		note(err)
	})
	parallel(len(parts), func(i int) {
		_, err := c.fenced(ctx, epochZkVersion, client.CreateOp(PartitionPath(parts[i].Topic, parts[i].Partition), nil, OpenACL, client.ModePersistent, -1))
		note(err)
	})
	if moved != nil {
		return nil, moved
	}
	out := make(map[TopicPartition]error, len(parts))
	errs := make([]error, len(parts))
	parallel(len(parts), func(i int) {
		tp := parts[i]
		_, errs[i] = c.fenced(ctx, epochZkVersion, client.CreateOp(PartitionStatePath(tp.Topic, tp.Partition),
			c.cfg.Flavor.EncodePartitionState(states[tp]), OpenACL, client.ModePersistent, -1))
	})
	for i, err := range errs {
		if errors.Is(err, ErrControllerMoved) {
			return nil, err
		}
		out[parts[i]] = err
	}
	return out, nil
}

// UpdateLeaderAndIsr is KafkaZkClient.updateLeaderAndIsr: a conditional
// write of each partition's state (on its ZkVersion), fenced by the
// controller epoch. It returns the written states (with their new
// zkVersion), the partitions that failed and why, and those whose
// zkVersion was stale (to be read again and retried).
func (c *Client) UpdateLeaderAndIsr(ctx context.Context, updates map[TopicPartition]LeaderAndIsr, controllerEpoch, epochZkVersion int32) (
	done map[TopicPartition]LeaderAndIsr, failed map[TopicPartition]error, retry []TopicPartition, err error) {
	parts := make([]TopicPartition, 0, len(updates))
	for tp := range updates {
		parts = append(parts, tp)
	}
	slices.SortFunc(parts, compareTP)
	results := make([]client.OpResult, len(parts))
	errs := make([]error, len(parts))
	parallel(len(parts), func(i int) {
		tp := parts[i]
		l := updates[tp]
		data := c.cfg.Flavor.EncodePartitionState(PartitionState{LeaderAndIsr: l, ControllerEpoch: controllerEpoch})
		results[i], errs[i] = c.fenced(ctx, epochZkVersion, client.SetDataOp(PartitionStatePath(tp.Topic, tp.Partition), data, l.ZkVersion))
	})
	done = map[TopicPartition]LeaderAndIsr{}
	failed = map[TopicPartition]error{}
	for i, e := range errs {
		tp := parts[i]
		switch {
		case e == nil:
			l := updates[tp]
			if results[i].Stat != nil {
				l.ZkVersion = results[i].Stat.Version
			}
			done[tp] = l
		case errors.Is(e, ErrControllerMoved):
			return nil, nil, nil, e
		case e == jute.BadVersion:
			retry = append(retry, tp)
		default:
			failed[tp] = e
		}
	}
	return done, failed, retry, nil
}

func compareTP(a, b TopicPartition) int {
	if c := strings.Compare(a.Topic, b.Topic); c != 0 {
		return c
	}
	return int(a.Partition) - int(b.Partition)
}

// ---- deletion, configs, notifications ----

// CreateDeleteTopicPath marks a topic for deletion.
func (c *Client) CreateDeleteTopicPath(ctx context.Context, topic string) error {
	return c.CreateRecursive(ctx, DeleteTopicPath(topic), nil, true)
}

// GetTopicDeletions lists the topics marked for deletion.
func (c *Client) GetTopicDeletions(ctx context.Context) ([]string, error) {
	kids, err := c.Children(ctx, DeleteTopicsPath)
	if err == jute.NoNode {
		return nil, nil
	}
	return kids, err
}

// DeleteTopicDeletions removes deletion markers, fenced by the controller epoch.
func (c *Client) DeleteTopicDeletions(ctx context.Context, topics []string, epochZkVersion int32) error {
	return c.deleteAll(ctx, DeleteTopicsPath, topics, epochZkVersion)
}

func (c *Client) deleteAll(ctx context.Context, dir string, names []string, epochZkVersion int32) error {
	errs := make([]error, len(names))
	parallel(len(names), func(i int) {
		_, errs[i] = c.fenced(ctx, epochZkVersion, client.DeleteOp(dir+"/"+names[i], -1))
	})
	for _, err := range errs {
		if err != nil && err != jute.NoNode {
			return err
		}
	}
	return nil
}

// DeleteTopicConfigs removes /config/topics/<t> of each topic, fenced.
func (c *Client) DeleteTopicConfigs(ctx context.Context, topics []string, epochZkVersion int32) error {
	return c.deleteAll(ctx, ConfigEntityTypePath(ConfigTopics), topics, epochZkVersion)
}

// GetEntityConfigs reads /config/<type>/<name> (empty if absent).
func (c *Client) GetEntityConfigs(ctx context.Context, entityType, name string) (map[string]string, error) {
	data, _, err := c.Get(ctx, ConfigEntityPath(entityType, name))
	if err == jute.NoNode {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	return DecodeEntityConfig(data)
}

// SetOrCreateEntityConfigs is KafkaZkClient.setOrCreateEntityConfigs.
func (c *Client) SetOrCreateEntityConfigs(ctx context.Context, entityType, name string, entries []ConfigEntry) error {
	p := ConfigEntityPath(entityType, name)
	data := EncodeEntityConfig(entries)
	_, err := c.Set(ctx, p, data, -1)
	if err != jute.NoNode {
		return err
	}
	err = c.CreateRecursive(ctx, p, data, true)
	if err == jute.NodeExists {
		_, err = c.Set(ctx, p, data, -1)
	}
	return err
}

// CreateConfigChangeNotification adds /config/changes/config_change_N for
// entityPath ("topics/t", "brokers/<default>").
func (c *Client) CreateConfigChangeNotification(ctx context.Context, entityPath string) error {
	if err := c.MakeSurePersistentPathExists(ctx, ConfigChangesPath); err != nil {
		return err
	}
	_, err := c.Create(ctx, ConfigChangesPath+"/"+ConfigChangePrefix, EncodeConfigChange(entityPath), client.ModePersistentSequential)
	return err
}

// PropagateIsrChanges writes an ISR change notification (what a leader
// does after changing a partition's ISR in ZooKeeper itself).
func (c *Client) PropagateIsrChanges(ctx context.Context, parts []TopicPartition) error {
	_, err := c.Create(ctx, IsrChangeNotificationPath+"/"+IsrChangePrefix, EncodeIsrChange(parts), client.ModePersistentSequential)
	return err
}

// PropagateLogDirEvent writes a log dir failure notification.
func (c *Client) PropagateLogDirEvent(ctx context.Context, brokerID int32) error {
	_, err := c.Create(ctx, LogDirEventNotificationPath+"/"+LogDirEventPrefix, EncodeLogDirEvent(brokerID), client.ModePersistentSequential)
	return err
}

// Notifications reads the sequential notification znodes under dir
// (sorted by name) and their data; vanished ones are left out.
func (c *Client) Notifications(ctx context.Context, dir string) (names []string, data [][]byte, err error) {
	kids, err := c.Children(ctx, dir)
	if err == jute.NoNode {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	paths := make([]string, len(kids))
	for i, k := range kids {
		paths[i] = dir + "/" + k
	}
	res, err := c.GetMany(ctx, paths)
	if err != nil {
		return nil, nil, err
	}
	for i, r := range res {
		if r.Err != nil {
			continue
		}
		names = append(names, kids[i])
		data = append(data, r.Data)
	}
	return names, data, nil
}

// DeleteNotifications deletes the named notification znodes under dir,
// fenced by the controller epoch.
func (c *Client) DeleteNotifications(ctx context.Context, dir string, names []string, epochZkVersion int32) error {
	return c.deleteAll(ctx, dir, names, epochZkVersion)
}

// UpdatePartitionState is what a partition leader does to change its ISR
// in ZooKeeper-only mode (ReplicationUtils.updateLeaderAndIsr): a write
// conditioned on the state's zkVersion. It returns the new zkVersion; a
// stale version is jute.BadVersion.
func (c *Client) UpdatePartitionState(ctx context.Context, tp TopicPartition, s PartitionState) (int32, error) {
	stat, err := c.Set(ctx, PartitionStatePath(tp.Topic, tp.Partition), c.cfg.Flavor.EncodePartitionState(s), s.ZkVersion)
	return stat.Version, err
}
