package controller

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/wharf-project/wharf/internal/kafka/zkdata"
)

// The partition and replica state machines (ZkPartitionStateMachine,
// ZkReplicaStateMachine). The decisions are the pure functions of
// election.go; these methods read and write the partition state znodes
// (fenced by the controller epoch) and queue the requests that follow.
// They return an error only when the controller moved; other failures are
// logged per partition, as Kafka logs failed state changes.

// errStateChange is StateChangeFailedException.
var errStateChange = errors.New("controller: state change failed")

// ---- partition state machine ----

func (c *Controller) startPartitionStateMachine(ctx context.Context) error {
	for _, tp := range c.cc.allPartitions() {
		l, ok := c.cc.leadership[tp]
		switch {
		case !ok:
			c.cc.partitionStates[tp] = newPartition
		case c.cc.isReplicaOnline(l.Leader, tp):
			c.cc.partitionStates[tp] = onlinePartition
		default:
			c.cc.partitionStates[tp] = offlinePartition
		}
	}
	return c.triggerOnlinePartitionStateChange(ctx)
}

// triggerOnlinePartitionStateChange tries to bring every new or offline
// partition (of topics not being deleted) online.
func (c *Controller) triggerOnlinePartitionStateChange(ctx context.Context) error {
	var tps []TopicPartition
	for _, tp := range c.cc.partitionsInStates(offlinePartition, newPartition) {
		if !c.cc.isTopicQueuedForDeletion(tp.Topic) {
			tps = append(tps, tp)
		}
	}
	_, err := c.handlePartitionStateChanges(ctx, tps, onlinePartition, false)
	return err
}

// handlePartitionStateChanges moves partitions to target; for
// onlinePartition, leaders are elected with the offline strategy
// (allowUnclean forces unclean election). It returns each elected
// partition's new leadership.
func (c *Controller) handlePartitionStateChanges(ctx context.Context, tps []TopicPartition, target partitionState, allowUnclean bool) (map[TopicPartition]LeaderAndIsr, error) {
	if len(tps) == 0 {
		return nil, nil
	}
	var valid []TopicPartition
	for _, tp := range tps {
		cur, ok := c.cc.partitionStates[tp]
		if !ok {
			cur = nonExistentPartition
			c.cc.partitionStates[tp] = cur
		}
		if target.validPrevious(cur) {
			valid = append(valid, tp)
		} else {
			c.log.Error("Invalid partition state transition", "partition", tp.String(), "from", cur.String(), "to", target.String())
		}
	}
	var elected map[TopicPartition]LeaderAndIsr
	switch target {
	case newPartition, offlinePartition, nonExistentPartition:
		for _, tp := range valid {
			c.cc.partitionStates[tp] = target
		}
	case onlinePartition:
		var fresh, elect []TopicPartition
		for _, tp := range valid {
			if c.cc.partitionStates[tp] == newPartition {
				fresh = append(fresh, tp)
			} else {
				elect = append(elect, tp)
			}
		}
		if err := c.initializeLeaderAndIsr(ctx, fresh); err != nil {
			c.batch.clear()
			return nil, err
		}
		var err error
		if elected, err = c.electLeaders(ctx, elect, allowUnclean); err != nil {
			c.batch.clear()
			return nil, err
		}
	}
	c.sendBatch()
	return elected, nil
}

// initializeLeaderAndIsr creates the state znode of new partitions: the
// first live replica leads, the live replicas are the ISR.
func (c *Controller) initializeLeaderAndIsr(ctx context.Context, tps []TopicPartition) error {
	states := map[TopicPartition]zkdata.PartitionState{}
	for _, tp := range tps {
		var live []int32
		for _, r := range c.cc.replicas(tp) {
			if c.cc.isReplicaOnline(r, tp) {
				live = append(live, r)
			}
		}
		if len(live) == 0 {
			c.log.Error("No assigned replica is alive", "partition", tp.String(), "replicas", c.cc.replicas(tp), "live", c.cc.liveBrokerIDs())
			continue
		}
		states[tp] = zkdata.PartitionState{LeaderAndIsr: LeaderAndIsr{Leader: live[0], LeaderEpoch: zkdata.InitialLeaderEpoch, ISR: live}, ControllerEpoch: c.cc.epoch}
	}
	if len(states) == 0 {
		return nil
	}
	results, err := c.zk.CreatePartitionStates(ctx, states, c.cc.epochZkVersion)
	if err != nil {
		if errors.Is(err, zkdata.ErrControllerMoved) {
			return err
		}
		c.log.Error("Creating partition states failed", "err", err)
		return nil
	}
	for _, tp := range sortTPs(mapKeys(results)) {
		if e := results[tp]; e != nil {
			c.log.Error("Creating partition state failed", "partition", tp.String(), "err", e)
			continue
		}
		st := states[tp]
		c.cc.leadership[tp] = st
		c.batch.addLeaderAndIsr(st.ISR, tp, st, c.cc.assignment(tp), true)
		c.cc.partitionStates[tp] = onlinePartition
	}
	return nil
}

// uncleanAllowed is the topic's unclean.leader.election.enable.
func (c *Controller) uncleanAllowed(ctx context.Context, topic string) bool {
	if c.cfg.UncleanLeaderElection != nil {
		return c.cfg.UncleanLeaderElection(topic)
	}
	cfg, err := c.zk.GetEntityConfigs(ctx, zkdata.ConfigTopics, topic)
	if err == nil {
		if v, ok := cfg["unclean.leader.election.enable"]; ok {
			b, err := strconv.ParseBool(v)
			return err == nil && b
		}
	}
	return c.cfg.UncleanLeaderElectionEnable
}

// electLeaders is electLeaderForPartitions with the offline strategy,
// retrying partitions whose state changed under it.
func (c *Controller) electLeaders(ctx context.Context, tps []TopicPartition, allowUnclean bool) (map[TopicPartition]LeaderAndIsr, error) {
	out := map[TopicPartition]LeaderAndIsr{}
	for len(tps) > 0 {
		states, err := c.zk.GetPartitionStates(ctx, tps)
		if err != nil {
			c.log.Error("Reading partition states failed", "err", err)
			return out, nil
		}
		live := func(tp TopicPartition) func(int32) bool {
			return func(r int32) bool { return c.cc.isReplicaOnline(r, tp) }
		}
		updates := map[TopicPartition]LeaderAndIsr{}
		recipients := map[TopicPartition][]int32{}
		for _, tp := range tps {
			st, ok := states[tp]
			if !ok {
				c.log.Error("LeaderAndIsr information doesn't exist", "partition", tp.String(), "state", c.cc.partitionStates[tp].String())
				continue
			}
			if st.ControllerEpoch > c.cc.epoch {
				c.log.Error("Aborted leader election: the partition state was written by a newer controller", "partition", tp.String(), "epoch", st.ControllerEpoch)
				continue
			}
			isLive := live(tp)
			unclean := allowUnclean
			if !unclean && !slices.ContainsFunc(st.ISR, isLive) {
				unclean = c.uncleanAllowed(ctx, tp.Topic)
			}
			next, ok := ElectOffline(c.cc.replicas(tp), st.LeaderAndIsr, isLive, unclean)
			if !ok {
				c.log.Error("Failed to elect leader", "partition", tp.String(), "strategy", "OfflinePartitionLeaderElectionStrategy("+strconv.FormatBool(allowUnclean)+")",
					"err", fmt.Errorf("%w: no live replica in the ISR %v", errStateChange, st.ISR))
				continue
			}
			updates[tp] = next
			var rcpt []int32
			for _, r := range c.cc.replicas(tp) {
				if isLive(r) {
					rcpt = append(rcpt, r)
				}
			}
			recipients[tp] = rcpt
		}
		if len(updates) == 0 {
			return out, nil
		}
		done, failed, retry, err := c.zk.UpdateLeaderAndIsr(ctx, updates, c.cc.epoch, c.cc.epochZkVersion)
		if err != nil {
			return out, err
		}
		for tp, e := range failed {
			c.log.Error("Writing the partition state failed", "partition", tp.String(), "err", e)
		}
		for _, tp := range sortTPs(mapKeys(done)) {
			l := done[tp]
			st := zkdata.PartitionState{LeaderAndIsr: l, ControllerEpoch: c.cc.epoch}
			c.cc.leadership[tp] = st
			c.batch.addLeaderAndIsr(recipients[tp], tp, st, c.cc.assignment(tp), false)
			c.cc.partitionStates[tp] = onlinePartition
			out[tp] = l
		}
		tps = retry
	}
	return out, nil
}

// ---- replica state machine ----

func (c *Controller) startReplicaStateMachine(ctx context.Context) error {
	var online, offline []partitionReplica
	for _, tp := range c.cc.allPartitions() {
		for _, r := range c.cc.replicas(tp) {
			pr := partitionReplica{tp, r}
			if c.cc.isReplicaOnline(r, tp) {
				c.cc.replicaStates[pr] = onlineReplica
				online = append(online, pr)
			} else {
				c.cc.replicaStates[pr] = replicaDeletionIneligible
				offline = append(offline, pr)
			}
		}
	}
	if err := c.handleReplicaStateChanges(ctx, online, onlineReplica); err != nil {
		return err
	}
	return c.handleReplicaStateChanges(ctx, offline, offlineReplica)
}

// handleReplicaStateChanges moves replicas to target, broker by broker.
func (c *Controller) handleReplicaStateChanges(ctx context.Context, replicas []partitionReplica, target replicaState) error {
	if len(replicas) == 0 {
		return nil
	}
	byBroker := map[int32][]partitionReplica{}
	for _, r := range replicas {
		byBroker[r.Replica] = append(byBroker[r.Replica], r)
	}
	for _, id := range sortedKeys(byBroker) {
		if err := c.replicaStateChanges(ctx, id, byBroker[id], target); err != nil {
			c.batch.clear()
			return err
		}
	}
	c.sendBatch()
	return nil
}

func (c *Controller) replicaStateChanges(ctx context.Context, id int32, replicas []partitionReplica, target replicaState) error {
	var valid []partitionReplica
	for _, r := range replicas {
		cur, ok := c.cc.replicaStates[r]
		if !ok {
			cur = nonExistentReplica
			c.cc.replicaStates[r] = cur
		}
		if target.validPrevious(cur) {
			valid = append(valid, r)
		} else {
			c.log.Error("Invalid replica state transition", "partition", r.TopicPartition.String(), "replica", id, "from", cur.String(), "to", target.String())
		}
	}
	switch target {
	case newReplica:
		for _, r := range valid {
			if l, ok := c.cc.leadership[r.TopicPartition]; ok {
				if l.Leader == id {
					c.log.Error("Replica cannot be moved to NewReplica state as it is being requested to become leader", "partition", r.TopicPartition.String(), "replica", id)
					continue
				}
				c.batch.addLeaderAndIsr([]int32{id}, r.TopicPartition, l, c.cc.assignment(r.TopicPartition), true)
			}
			c.cc.replicaStates[r] = newReplica
		}
	case onlineReplica:
		for _, r := range valid {
			tp := r.TopicPartition
			if c.cc.replicaStates[r] == newReplica {
				if a := c.cc.assignment(tp); !slices.Contains(a.Replicas, id) {
					a.Replicas = append(slices.Clone(a.Replicas), id)
					c.cc.setAssignment(tp, a)
				}
			} else if l, ok := c.cc.leadership[tp]; ok {
				c.batch.addLeaderAndIsr([]int32{id}, tp, l, c.cc.assignment(tp), false)
			}
			c.cc.replicaStates[r] = onlineReplica
		}
	case offlineReplica:
		var withLeadership []TopicPartition
		for _, r := range valid {
			c.batch.addStopReplica([]int32{id}, r.TopicPartition, false)
			if _, ok := c.cc.leadership[r.TopicPartition]; ok {
				withLeadership = append(withLeadership, r.TopicPartition)
			} else {
				c.batch.addUpdateMetadata(c.cc.liveOrShuttingDownBrokerIDs(), []TopicPartition{r.TopicPartition})
				c.cc.replicaStates[r] = offlineReplica
			}
		}
		updated, err := c.removeReplicaFromISR(ctx, id, withLeadership)
		if err != nil {
			return err
		}
		for _, tp := range sortTPs(mapKeys(updated)) {
			if !c.cc.isTopicQueuedForDeletion(tp.Topic) {
				rcpt := slices.DeleteFunc(slices.Clone(c.cc.replicas(tp)), func(r int32) bool { return r == id })
				c.batch.addLeaderAndIsr(rcpt, tp, updated[tp], c.cc.assignment(tp), false)
			}
			c.cc.replicaStates[partitionReplica{tp, id}] = offlineReplica
		}
	case replicaDeletionStarted:
		for _, r := range valid {
			c.cc.replicaStates[r] = replicaDeletionStarted
			c.batch.addStopReplica([]int32{id}, r.TopicPartition, true)
		}
	case replicaDeletionIneligible, replicaDeletionSuccessful:
		for _, r := range valid {
			c.cc.replicaStates[r] = target
		}
	case nonExistentReplica:
		for _, r := range valid {
			a := c.cc.assignment(r.TopicPartition)
			drop := func(x int32) bool { return x == id }
			a.Replicas = slices.DeleteFunc(slices.Clone(a.Replicas), drop)
			a.Adding = slices.DeleteFunc(slices.Clone(a.Adding), drop)
			a.Removing = slices.DeleteFunc(slices.Clone(a.Removing), drop)
			c.cc.setAssignment(r.TopicPartition, a)
			delete(c.cc.replicaStates, r)
		}
	}
	return nil
}

// removeReplicaFromISR takes replica id out of the ISR (and leadership) of
// partitions in ZooKeeper, retrying on stale zkVersions; it returns the
// resulting state of each partition it could read.
func (c *Controller) removeReplicaFromISR(ctx context.Context, id int32, tps []TopicPartition) (map[TopicPartition]zkdata.PartitionState, error) {
	out := map[TopicPartition]zkdata.PartitionState{}
	for len(tps) > 0 {
		states, err := c.zk.GetPartitionStates(ctx, tps)
		if err != nil {
			c.log.Error("Reading partition states failed", "err", err)
			return out, nil
		}
		updates := map[TopicPartition]LeaderAndIsr{}
		for _, tp := range tps {
			st, ok := states[tp]
			if !ok {
				if !c.cc.isTopicQueuedForDeletion(tp.Topic) {
					c.log.Error("Failed to change state of replica since the leader and isr path in zookeeper is empty", "partition", tp.String(), "replica", id)
				}
				continue
			}
			if st.ControllerEpoch > c.cc.epoch {
				c.log.Error("Leader and isr path written by another controller; aborting state change", "partition", tp.String())
				continue
			}
			if next, changed := RemoveReplicaFromISR(st.LeaderAndIsr, id); changed {
				updates[tp] = next
			} else {
				st.ControllerEpoch = c.cc.epoch
				c.cc.leadership[tp] = st
				out[tp] = st
			}
		}
		done, failed, retry, err := c.zk.UpdateLeaderAndIsr(ctx, updates, c.cc.epoch, c.cc.epochZkVersion)
		if err != nil {
			return out, err
		}
		for tp, e := range failed {
			c.log.Error("Removing replica from the ISR failed", "partition", tp.String(), "replica", id, "err", e)
		}
		for tp, l := range done {
			st := zkdata.PartitionState{LeaderAndIsr: l, ControllerEpoch: c.cc.epoch}
			c.cc.leadership[tp] = st
			out[tp] = st
		}
		tps = retry
	}
	return out, nil
}
