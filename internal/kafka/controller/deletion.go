package controller

import (
	"context"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/zkdata"
)

// Topic deletion (TopicDeletionManager). A topic marked under
// /admin/delete_topics is queued; its partitions go offline and then
// non-existent, brokers are told through UpdateMetadata (leader -2), and
// each replica gets StopReplica with delete. When every replica has
// answered, the topic's znodes go: /brokers/topics/<t>,
// /config/topics/<t> and the marker. A replica on a dead broker makes the
// topic ineligible until the broker returns.

func (c *Controller) initDeletion(ctx context.Context, marked []string) error {
	if !c.cfg.DeleteTopicEnable {
		c.log.Info("Removing topics marked for deletion since delete topic is disabled", "topics", marked)
		return c.zk.DeleteTopicDeletions(ctx, marked, c.cc.epochZkVersion)
	}
	for _, t := range marked {
		if !c.cc.allTopics[t] {
			continue
		}
		c.cc.topicsToBeDeleted[t] = true
		for _, r := range c.cc.replicasForTopic(t) {
			if !c.cc.isReplicaOnline(r.Replica, r.TopicPartition) {
				c.cc.topicsIneligibleForDeletion[t] = true
			}
		}
	}
	return nil
}

func (c *Controller) markIneligible(topics []string) {
	for _, t := range topics {
		if c.cc.topicsToBeDeleted[t] {
			c.cc.topicsIneligibleForDeletion[t] = true
		}
	}
}

// resumeDeletionForTopics lifts the ineligibility of topics and retries.
func (c *Controller) resumeDeletionForTopics(ctx context.Context, topics []string) error {
	if !c.cfg.DeleteTopicEnable {
		return nil
	}
	resumed := false
	for _, t := range topics {
		if c.cc.topicsToBeDeleted[t] {
			delete(c.cc.topicsIneligibleForDeletion, t)
			resumed = true
		}
	}
	if !resumed {
		return nil
	}
	return c.resumeDeletions(ctx)
}

// failReplicaDeletion marks replicas whose deletion failed ineligible.
func (c *Controller) failReplicaDeletion(ctx context.Context, replicas []partitionReplica) error {
	if !c.cfg.DeleteTopicEnable {
		return nil
	}
	var failed []partitionReplica
	var topics []string
	for _, r := range replicas {
		if c.cc.isTopicQueuedForDeletion(r.Topic) {
			failed = append(failed, r)
			if !slices.Contains(topics, r.Topic) {
				topics = append(topics, r.Topic)
			}
		}
	}
	if len(failed) == 0 {
		return nil
	}
	if err := c.handleReplicaStateChanges(ctx, failed, replicaDeletionIneligible); err != nil {
		return err
	}
	c.markIneligible(topics)
	return c.resumeDeletions(ctx)
}

func (c *Controller) completeReplicaDeletion(ctx context.Context, replicas []partitionReplica) error {
	var done []partitionReplica
	for _, r := range replicas {
		if c.cc.isTopicQueuedForDeletion(r.Topic) {
			done = append(done, r)
		}
	}
	if err := c.handleReplicaStateChanges(ctx, done, replicaDeletionSuccessful); err != nil {
		return err
	}
	return c.resumeDeletions(ctx)
}

// resumeDeletions is TopicDeletionManager.resumeDeletions.
func (c *Controller) resumeDeletions(ctx context.Context) error {
	if !c.cfg.DeleteTopicEnable {
		return nil
	}
	var retry, eligible []string
	for _, t := range sortedTopics(c.cc.topicsToBeDeleted) {
		if c.cc.areAllReplicasInState(t, replicaDeletionSuccessful) {
			if err := c.completeDeleteTopic(ctx, t); err != nil {
				return err
			}
			c.log.Info("Deletion of topic successfully completed", "topic", t)
			continue
		}
		if !c.cc.isAnyReplicaInState(t, replicaDeletionStarted) && c.cc.isAnyReplicaInState(t, replicaDeletionIneligible) {
			retry = append(retry, t)
		}
		if !c.cc.isAnyReplicaInState(t, replicaDeletionStarted) && !c.cc.topicsIneligibleForDeletion[t] {
			c.log.Info("Deletion of topic (re)started", "topic", t)
			eligible = append(eligible, t)
		}
	}
	if len(retry) > 0 {
		var failed []partitionReplica
		for _, t := range retry {
			failed = append(failed, c.cc.replicasInState(t, replicaDeletionIneligible)...)
		}
		if err := c.handleReplicaStateChanges(ctx, failed, offlineReplica); err != nil {
			return err
		}
	}
	if len(eligible) > 0 {
		return c.onTopicDeletion(ctx, eligible)
	}
	return nil
}

func (c *Controller) onTopicDeletion(ctx context.Context, topics []string) error {
	var unseen []TopicPartition
	for _, t := range topics {
		if !c.cc.topicsWithDeletionStarted[t] {
			unseen = append(unseen, c.cc.partitionsForTopic(t)...)
			c.cc.topicsWithDeletionStarted[t] = true
		}
	}
	if _, err := c.handlePartitionStateChanges(ctx, unseen, offlinePartition, false); err != nil {
		return err
	}
	if _, err := c.handlePartitionStateChanges(ctx, unseen, nonExistentPartition, false); err != nil {
		return err
	}
	var all []TopicPartition
	for _, t := range topics {
		all = append(all, c.cc.partitionsForTopic(t)...)
	}
	c.sendUpdateMetadata(c.cc.liveOrShuttingDownBrokerIDs(), all)
	return c.onPartitionDeletion(ctx, topics)
}

func (c *Controller) onPartitionDeletion(ctx context.Context, topics []string) error {
	var dead, retry []partitionReplica
	var ineligible []string
	for _, t := range topics {
		for _, r := range c.cc.replicasForTopic(t) {
			if !c.cc.isReplicaOnline(r.Replica, r.TopicPartition) {
				dead = append(dead, r)
				if !slices.Contains(ineligible, t) {
					ineligible = append(ineligible, t)
				}
			} else if c.cc.replicaStates[r] != replicaDeletionSuccessful {
				retry = append(retry, r)
			}
		}
	}
	if err := c.handleReplicaStateChanges(ctx, dead, replicaDeletionIneligible); err != nil {
		return err
	}
	if err := c.handleReplicaStateChanges(ctx, retry, offlineReplica); err != nil {
		return err
	}
	if err := c.handleReplicaStateChanges(ctx, retry, replicaDeletionStarted); err != nil {
		return err
	}
	c.markIneligible(ineligible)
	return nil
}

// completeDeleteTopic removes the topic's znodes and forgets it.
func (c *Controller) completeDeleteTopic(ctx context.Context, topic string) error {
	c.unwatchPartitionModifications(ctx, topic)
	if err := c.handleReplicaStateChanges(ctx, c.cc.replicasInState(topic, replicaDeletionSuccessful), nonExistentReplica); err != nil {
		return err
	}
	v := c.cc.epochZkVersion
	if err := c.zk.DeleteRecursive(ctx, zkdata.TopicPath(topic), v); err != nil {
		return err
	}
	if err := c.zk.DeleteTopicConfigs(ctx, []string{topic}, v); err != nil {
		return err
	}
	if err := c.zk.DeleteTopicDeletions(ctx, []string{topic}, v); err != nil {
		return err
	}
	c.cc.removeTopic(topic)
	return nil
}

// processStopReplicaResponse handles the answer to a StopReplica with
// delete (TopicDeletionStopReplicaResponseReceived).
func (c *Controller) processStopReplicaResponse(ctx context.Context, broker int32, req *kmsg.StopReplicaRequest, resp *kmsg.StopReplicaResponse) error {
	if !c.active || req == nil {
		return nil
	}
	deleting := map[TopicPartition]bool{}
	for _, t := range req.Topics {
		for _, p := range t.PartitionStates {
			if p.Delete && c.cc.topicsWithDeletionStarted[t.Topic] {
				deleting[TopicPartition{Topic: t.Topic, Partition: p.Partition}] = true
			}
		}
	}
	if len(deleting) == 0 {
		return nil
	}
	errs := map[TopicPartition]int16{}
	if resp.ErrorCode != 0 {
		for tp := range deleting {
			errs[tp] = resp.ErrorCode
		}
	}
	for _, p := range resp.Partitions {
		if tp := (TopicPartition{Topic: p.Topic, Partition: p.Partition}); deleting[tp] && resp.ErrorCode == 0 {
			errs[tp] = p.ErrorCode
		}
	}
	var ok, failed []partitionReplica
	for _, tp := range sortTPs(mapKeys(errs)) {
		code := errs[tp]
		r := partitionReplica{tp, broker}
		if code == 0 {
			ok = append(ok, r)
		} else {
			c.log.Warn("Replica deletion failed", "partition", tp.String(), "broker", broker, "err", kerr.ErrorForCode(code))
			failed = append(failed, r)
		}
	}
	if err := c.failReplicaDeletion(ctx, failed); err != nil {
		return err
	}
	return c.completeReplicaDeletion(ctx, ok)
}
