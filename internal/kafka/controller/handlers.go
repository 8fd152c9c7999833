package controller

import (
	"context"
	"reflect"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/zkdata"
)

// The handlers of the active controller's events (KafkaController.process*).

// processBrokerChange compares /brokers/ids with the live brokers: new
// brokers start, vanished ones fail, re-registered ones (a higher czxid)
// do both.
func (c *Controller) processBrokerChange(ctx context.Context) error {
	if !c.active {
		return nil
	}
	cur, err := c.zk.GetAllBrokerAndEpochs(ctx)
	if err != nil {
		return err
	}
	curByID := map[int32]zkdata.BrokerAndEpoch{}
	for _, b := range cur {
		curByID[b.ID] = b
	}
	var added, dead, bounced []int32
	for _, b := range cur {
		old, ok := c.cc.liveBrokers[b.ID]
		switch {
		case !ok:
			added = append(added, b.ID)
		case b.Epoch > old.epoch:
			bounced = append(bounced, b.ID)
		}
	}
	for _, id := range c.cc.liveOrShuttingDownBrokerIDs() {
		if _, ok := curByID[id]; !ok {
			dead = append(dead, id)
		}
	}
	slices.Sort(added)
	slices.Sort(dead)
	slices.Sort(bounced)
	if len(added)+len(dead)+len(bounced) > 0 {
		c.log.Info("Broker change", "new", added, "dead", dead, "bounced", bounced)
	}
	for _, id := range bounced {
		c.chans.removeBroker(id)
	}
	for _, id := range dead {
		c.chans.removeBroker(id)
	}
	for _, id := range append(slices.Clone(added), bounced...) {
		c.chans.addBroker(id)
	}
	if len(added) > 0 {
		for _, id := range added {
			b := curByID[id]
			c.cc.liveBrokers[id] = liveBroker{info: b.BrokerInfo, epoch: b.Epoch}
		}
		if err := c.onBrokerStartup(ctx, added); err != nil {
			return err
		}
	}
	if len(bounced) > 0 {
		for _, id := range bounced {
			delete(c.cc.liveBrokers, id)
		}
		if err := c.onBrokerFailure(ctx, bounced); err != nil {
			return err
		}
		for _, id := range bounced {
			b := curByID[id]
			c.cc.liveBrokers[id] = liveBroker{info: b.BrokerInfo, epoch: b.Epoch}
		}
		if err := c.onBrokerStartup(ctx, bounced); err != nil {
			return err
		}
	}
	if len(dead) > 0 {
		for _, id := range dead {
			delete(c.cc.liveBrokers, id)
		}
		return c.onBrokerFailure(ctx, dead)
	}
	return nil
}

// onBrokerStartup tells brokers about the new ones, sends the new ones
// every partition and their replicas, and elects leaders for partitions
// that lacked one.
func (c *Controller) onBrokerStartup(ctx context.Context, brokers []int32) error {
	for _, id := range brokers {
		delete(c.cc.offlineDirs, id)
	}
	var existing []int32
	for _, id := range c.cc.liveOrShuttingDownBrokerIDs() {
		if !slices.Contains(brokers, id) {
			existing = append(existing, id)
		}
	}
	c.sendUpdateMetadata(existing, nil)
	c.sendUpdateMetadata(brokers, c.cc.partitionsWithLeaders())
	replicas := c.cc.replicasOnBrokers(brokers)
	if err := c.handleReplicaStateChanges(ctx, replicas, onlineReplica); err != nil {
		return err
	}
	if err := c.triggerOnlinePartitionStateChange(ctx); err != nil {
		return err
	}
	var deleting []string
	for _, r := range replicas {
		if c.cc.isTopicQueuedForDeletion(r.Topic) && !slices.Contains(deleting, r.Topic) {
			deleting = append(deleting, r.Topic)
		}
	}
	if err := c.resumeDeletionForTopics(ctx, deleting); err != nil {
		return err
	}
	for _, id := range brokers {
		if err := c.watchBroker(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// onBrokerFailure takes the replicas of dead brokers offline.
func (c *Controller) onBrokerFailure(ctx context.Context, brokers []int32) error {
	for _, id := range brokers {
		delete(c.cc.offlineDirs, id)
		delete(c.cc.shuttingDown, id)
	}
	if err := c.onReplicasBecomeOffline(ctx, c.cc.replicasOnBrokers(brokers)); err != nil {
		return err
	}
	for _, id := range brokers {
		c.unwatchBroker(ctx, id)
	}
	return nil
}

// onReplicasBecomeOffline is KafkaController.onReplicasBecomeOffline.
func (c *Controller) onReplicasBecomeOffline(ctx context.Context, replicas []partitionReplica) error {
	var forDeletion, others []partitionReplica
	for _, r := range replicas {
		if c.cc.isTopicQueuedForDeletion(r.Topic) {
			forDeletion = append(forDeletion, r)
		} else {
			others = append(others, r)
		}
	}
	offlineLeader := c.cc.partitionsWithOfflineLeader()
	if _, err := c.handlePartitionStateChanges(ctx, offlineLeader, offlinePartition, false); err != nil {
		return err
	}
	if err := c.triggerOnlinePartitionStateChange(ctx); err != nil {
		return err
	}
	if err := c.handleReplicaStateChanges(ctx, others, offlineReplica); err != nil {
		return err
	}
	if err := c.failReplicaDeletion(ctx, forDeletion); err != nil {
		return err
	}
	if len(offlineLeader) == 0 {
		c.sendUpdateMetadata(c.cc.liveOrShuttingDownBrokerIDs(), nil)
	}
	return nil
}

// processBrokerModification sends fresh metadata when a live broker
// rewrites its registration with other endpoints.
func (c *Controller) processBrokerModification(ctx context.Context, id int32) error {
	if !c.active {
		return nil
	}
	b, ok, err := c.zk.GetBroker(ctx, id)
	if err != nil || !ok {
		return err
	}
	old, live := c.cc.liveBrokers[id]
	if !live || reflect.DeepEqual(old.info.EndPoints, b.EndPoints) && reflect.DeepEqual(old.info.Features, b.Features) {
		return nil
	}
	old.info = b
	c.cc.liveBrokers[id] = old
	c.sendUpdateMetadata(c.cc.liveOrShuttingDownBrokerIDs(), nil)
	return nil
}

// processTopicChange picks up created and vanished topics.
func (c *Controller) processTopicChange(ctx context.Context) error {
	if !c.active {
		return nil
	}
	topics, err := c.zk.GetAllTopics(ctx)
	if err != nil {
		return err
	}
	now := map[string]bool{}
	var added []string
	for _, t := range topics {
		now[t] = true
		if !c.cc.allTopics[t] {
			added = append(added, t)
		}
	}
	for _, t := range sortedTopics(c.cc.allTopics) {
		if !now[t] {
			c.unwatchPartitionModifications(ctx, t)
			c.cc.removeTopic(t)
		}
	}
	for _, t := range added {
		c.cc.allTopics[t] = true
	}
	if err := c.watchPartitionModifications(ctx, added); err != nil {
		return err
	}
	assignments, err := c.zk.GetTopicAssignments(ctx, added)
	if err != nil {
		return err
	}
	if err := c.processTopicIDs(ctx, assignments); err != nil {
		return err
	}
	var fresh []TopicPartition
	for _, a := range assignments {
		for p, ra := range a.Partitions {
			tp := TopicPartition{Topic: a.Topic, Partition: p}
			c.cc.setAssignment(tp, ra)
			fresh = append(fresh, tp)
		}
	}
	if len(added) > 0 {
		c.log.Info("New topics", "topics", added)
	}
	return c.onNewPartitionCreation(ctx, sortTPs(fresh))
}

// onNewPartitionCreation brings new partitions online: the state znode is
// created and the replicas get LeaderAndIsr.
func (c *Controller) onNewPartitionCreation(ctx context.Context, tps []TopicPartition) error {
	if len(tps) == 0 {
		return nil
	}
	if _, err := c.handlePartitionStateChanges(ctx, tps, newPartition, false); err != nil {
		return err
	}
	replicas := c.cc.replicasForPartitions(tps)
	if err := c.handleReplicaStateChanges(ctx, replicas, newReplica); err != nil {
		return err
	}
	if _, err := c.handlePartitionStateChanges(ctx, tps, onlinePartition, false); err != nil {
		return err
	}
	return c.handleReplicaStateChanges(ctx, replicas, onlineReplica)
}

// processPartitionModifications picks up partitions added to a topic
// (CreatePartitions); while the topic is being deleted they are undone.
func (c *Controller) processPartitionModifications(ctx context.Context, topic string) error {
	if !c.active || !c.cc.allTopics[topic] {
		return nil
	}
	as, err := c.zk.GetTopicAssignments(ctx, []string{topic})
	if err != nil {
		return err
	}
	a, ok := as[topic]
	if !ok {
		return nil
	}
	var added []TopicPartition
	for p := range a.Partitions {
		if _, known := c.cc.assignments[topic][p]; !known {
			added = append(added, TopicPartition{Topic: topic, Partition: p})
		}
	}
	if len(added) == 0 {
		return nil
	}
	if c.cc.isTopicQueuedForDeletion(topic) {
		c.log.Warn("Skipping adding partitions for a topic that is being deleted", "topic", topic)
		restored := zkdata.TopicAssignment{Topic: topic, TopicID: c.cc.topicIDs[topic], Partitions: map[int32]zkdata.ReplicaAssignment{}}
		for p, ra := range c.cc.assignments[topic] {
			restored.Partitions[p] = ra
		}
		return c.zk.SetTopicAssignment(ctx, restored, c.cc.epochZkVersion)
	}
	for _, tp := range added {
		c.cc.setAssignment(tp, a.Partitions[tp.Partition])
	}
	c.log.Info("New partitions to be added", "topic", topic, "partitions", len(added))
	return c.onNewPartitionCreation(ctx, sortTPs(added))
}

// processTopicDeletion queues the topics marked under /admin/delete_topics.
func (c *Controller) processTopicDeletion(ctx context.Context) error {
	if !c.active {
		return nil
	}
	marked, err := c.zk.GetTopicDeletions(ctx)
	if err != nil {
		return err
	}
	var unknown, queue []string
	for _, t := range marked {
		if c.cc.allTopics[t] {
			queue = append(queue, t)
		} else {
			unknown = append(unknown, t)
		}
	}
	if len(unknown) > 0 {
		c.log.Warn("Ignoring request to delete non-existing topics", "topics", unknown)
		if err := c.zk.DeleteTopicDeletions(ctx, unknown, c.cc.epochZkVersion); err != nil {
			return err
		}
	}
	if !c.cfg.DeleteTopicEnable {
		c.log.Info("Removing topics marked for deletion since delete topic is disabled", "topics", queue)
		return c.zk.DeleteTopicDeletions(ctx, queue, c.cc.epochZkVersion)
	}
	if len(queue) == 0 {
		return nil
	}
	for _, t := range queue {
		c.cc.topicsToBeDeleted[t] = true
	}
	return c.resumeDeletions(ctx)
}

// processIsrChangeNotification re-reads the partitions brokers report as
// changed and sends their state to every broker.
func (c *Controller) processIsrChangeNotification(ctx context.Context) error {
	if !c.active {
		return nil
	}
	names, data, err := c.zk.Notifications(ctx, zkdata.IsrChangeNotificationPath)
	if err != nil {
		return err
	}
	var tps []TopicPartition
	for _, d := range data {
		ps, err := zkdata.DecodeIsrChange(d)
		if err != nil {
			c.log.Warn("Unreadable ISR change notification", "err", err)
			continue
		}
		for _, tp := range ps {
			if _, known := c.cc.assignments[tp.Topic][tp.Partition]; known && !slices.Contains(tps, tp) {
				tps = append(tps, tp)
			}
		}
	}
	if len(tps) > 0 {
		if err := c.updateLeaderAndIsrCache(ctx, tps); err != nil {
			return err
		}
		c.sendUpdateMetadata(c.cc.liveOrShuttingDownBrokerIDs(), sortTPs(tps))
	}
	return c.zk.DeleteNotifications(ctx, zkdata.IsrChangeNotificationPath, names, c.cc.epochZkVersion)
}

// processLogDirEvents asks brokers that reported a failed log directory
// about their replicas (they answer KAFKA_STORAGE_ERROR for lost ones).
func (c *Controller) processLogDirEvents(ctx context.Context) error {
	if !c.active {
		return nil
	}
	names, data, err := c.zk.Notifications(ctx, zkdata.LogDirEventNotificationPath)
	if err != nil {
		return err
	}
	var brokers []int32
	for _, d := range data {
		if id, err := zkdata.DecodeLogDirEvent(d); err == nil && !slices.Contains(brokers, id) {
			brokers = append(brokers, id)
		}
	}
	if len(brokers) > 0 {
		if err := c.handleReplicaStateChanges(ctx, c.cc.replicasOnBrokers(brokers), onlineReplica); err != nil {
			return err
		}
	}
	return c.zk.DeleteNotifications(ctx, zkdata.LogDirEventNotificationPath, names, c.cc.epochZkVersion)
}

// processLeaderAndIsrResponse records replicas a broker could not host
// (KAFKA_STORAGE_ERROR) as offline, and those it hosts as online.
func (c *Controller) processLeaderAndIsrResponse(ctx context.Context, broker int32, resp *kmsg.LeaderAndISRResponse) error {
	if !c.active || resp.ErrorCode != 0 {
		return nil
	}
	names := map[[16]byte]string{}
	for t, id := range c.cc.topicIDs {
		names[id] = t
	}
	var offline []TopicPartition
	var online []TopicPartition
	visit := func(tp TopicPartition, code int16) {
		if code == kerr.KafkaStorageError.Code {
			offline = append(offline, tp)
		} else if code == 0 {
			online = append(online, tp)
		}
	}
	for _, p := range resp.Partitions {
		visit(TopicPartition{Topic: p.Topic, Partition: p.Partition}, p.ErrorCode)
	}
	for _, t := range resp.Topics {
		if name, ok := names[t.TopicID]; ok {
			for _, p := range t.Partitions {
				visit(TopicPartition{Topic: name, Partition: p.Partition}, p.ErrorCode)
			}
		}
	}
	dirs := c.cc.offlineDirs[broker]
	var newlyOffline []partitionReplica
	for _, tp := range offline {
		if dirs == nil {
			dirs = map[TopicPartition]bool{}
			c.cc.offlineDirs[broker] = dirs
		}
		if !dirs[tp] {
			dirs[tp] = true
			newlyOffline = append(newlyOffline, partitionReplica{tp, broker})
		}
	}
	for _, tp := range online {
		delete(dirs, tp)
	}
	if len(newlyOffline) > 0 {
		return c.onReplicasBecomeOffline(ctx, newlyOffline)
	}
	return nil
}
