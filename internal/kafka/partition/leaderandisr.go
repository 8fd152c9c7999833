package partition

import (
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/log/checkpoint"
	"github.com/wharf-project/wharf/internal/kafka/producerstate"
	"github.com/wharf-project/wharf/internal/kafka/replica"
)

// Leader epochs a StopReplica may carry instead of a real one.
const (
	epochDuringDelete = int32(-2) // LeaderAndIsr.EpochDuringDelete: the topic is being deleted
	noEpoch           = int32(-1) // LeaderAndIsr.NoEpoch: an old request without epochs
)

// partitionDecision is one partition of a LeaderAndIsr request.
type partitionDecision struct {
	tp      TopicPartition
	topicID checkpoint.Uuid
	state   replica.LeaderAndIsr
	isNew   bool
}

func decisionsOf(req *kmsg.LeaderAndISRRequest) []partitionDecision {
	var out []partitionDecision
	add := func(topic string, id [16]byte, ps kmsg.LeaderAndISRRequestTopicPartition) {
		if ps.Topic != "" {
			topic = ps.Topic
		}
		out = append(out, partitionDecision{
			tp: TopicPartition{Topic: topic, Partition: ps.Partition}, topicID: checkpoint.Uuid(id), isNew: ps.IsNew,
			state: replica.LeaderAndIsr{ControllerEpoch: ps.ControllerEpoch, Leader: ps.Leader, LeaderEpoch: ps.LeaderEpoch,
				ISR: ps.ISR, ZkVersion: ps.ZKVersion, Replicas: ps.Replicas, AddingReplicas: ps.AddingReplicas,
				RemovingReplicas: ps.RemovingReplicas},
		})
	}
	for _, ps := range req.PartitionStates {
		add(ps.Topic, [16]byte{}, ps)
	}
	for _, ts := range req.TopicStates {
		for _, ps := range ts.PartitionStates {
			add(ts.Topic, ts.TopicID, ps)
		}
	}
	return out
}

// BecomeLeaderOrFollower applies a LeaderAndIsr request
// (ReplicaManager.becomeLeaderOrFollower): a request from an older
// controller is refused (STALE_CONTROLLER_EPOCH); each partition whose
// leader epoch is newer than ours and whose assignment names this broker
// becomes leader or follower, creating its log with the topic's config
// (through the log manager) and loading its producer state; an older or
// equal epoch answers STALE_CONTROLLER_EPOCH, an assignment without us
// UNKNOWN_TOPIC_OR_PARTITION, a topic id other than the log's
// INCONSISTENT_TOPIC_ID, an offline log directory KAFKA_STORAGE_ERROR.
// The response has the request's version and layout.
func (rm *ReplicaManager) BecomeLeaderOrFollower(req *kmsg.LeaderAndISRRequest) *kmsg.LeaderAndISRResponse {
	rm.stateMu.Lock()
	defer rm.stateMu.Unlock()
	decisions := decisionsOf(req)
	errs := make([]error, len(decisions))
	resp := kmsg.NewPtrLeaderAndISRResponse()
	resp.Version = req.Version
	if req.ControllerEpoch < rm.controllerEpoch {
		resp.ErrorCode = kerr.StaleControllerEpoch.Code
		for i := range errs {
			errs[i] = kerr.StaleControllerEpoch
		}
		fillLeaderAndIsrResponse(resp, req, decisions, errs)
		return resp
	}
	rm.controllerEpoch = req.ControllerEpoch
	now := rm.clock.NowMs()
	var leaders, followers []int // indexes into decisions
	for i, d := range decisions {
		if rm.logs.IsOffline(d.tp) {
			errs[i] = fmt.Errorf("%w: %s", ErrStorage, d.tp)
			continue
		}
		p := rm.getOrCreatePartition(d.tp)
		cur := p.leaderEpoch()
		switch {
		case !rm.topicIDConsistent(d.tp, d.topicID):
			errs[i] = kerr.InconsistentTopicID
		case d.state.LeaderEpoch <= cur:
			errs[i] = kerr.StaleControllerEpoch
		case !containsID(d.state.Replicas, rm.cfg.BrokerID):
			errs[i] = kerr.UnknownTopicOrPartition
		case d.state.Leader == rm.cfg.BrokerID:
			leaders = append(leaders, i)
		default:
			followers = append(followers, i)
		}
	}
	var newLeaders, newFollowers []TopicPartition
	if len(leaders) > 0 {
		tps := make([]TopicPartition, len(leaders))
		for j, i := range leaders {
			tps[j] = decisions[i].tp
		}
		rm.opts.Fetcher.RemovePartitions(tps)
		for _, i := range leaders {
			d := decisions[i]
			p, _ := rm.Partition(d.tp)
			if err := p.makeLeader(d, now); err != nil {
				errs[i] = err
				continue
			}
			newLeaders = append(newLeaders, d.tp)
		}
	}
	if len(followers) > 0 {
		fetch := map[TopicPartition]InitialFetchState{}
		for _, i := range followers {
			d := decisions[i]
			p, _ := rm.Partition(d.tp)
			changed, err := p.makeFollower(d, rm.brokerAlive(d.state.Leader))
			if err != nil {
				errs[i] = err
				continue
			}
			if changed {
				fetch[d.tp] = p.initialFetchState()
				newFollowers = append(newFollowers, d.tp)
			}
		}
		rm.opts.Fetcher.RemovePartitions(newFollowers)
		for _, tp := range newFollowers {
			rm.completeDelayed(tp, true)
		}
		if !rm.closed.Load() && len(fetch) > 0 {
			rm.opts.Fetcher.AddPartitions(fetch)
		}
	}
	for i, d := range decisions {
		p, ok := rm.Partition(d.tp)
		switch {
		case !ok:
		case errors.Is(errs[i], log.ErrStorage):
			rm.markOffline(p, errs[i])
		case p.Log() == nil:
			// Nothing was created (refused): the partition is not hosted.
			rm.mu.Lock()
			if rm.partitions[d.tp] == p {
				delete(rm.partitions, d.tp)
			}
			rm.mu.Unlock()
		}
	}
	if rm.opts.OnLeadershipChange != nil {
		rm.opts.OnLeadershipChange(newLeaders, newFollowers)
	}
	fillLeaderAndIsrResponse(resp, req, decisions, errs)
	return resp
}

func fillLeaderAndIsrResponse(resp *kmsg.LeaderAndISRResponse, req *kmsg.LeaderAndISRRequest, decisions []partitionDecision, errs []error) {
	if req.Version < 5 {
		for i, d := range decisions {
			pe := kmsg.NewLeaderAndISRResponseTopicPartition()
			pe.Topic, pe.Partition, pe.ErrorCode = d.tp.Topic, d.tp.Partition, ErrorCode(errs[i])
			resp.Partitions = append(resp.Partitions, pe)
		}
		return
	}
	byTopic := map[string]int{}
	for i, d := range decisions {
		j, ok := byTopic[d.tp.Topic]
		if !ok {
			t := kmsg.NewLeaderAndISRResponseTopic()
			t.TopicID = [16]byte(d.topicID)
			resp.Topics = append(resp.Topics, t)
			j = len(resp.Topics) - 1
			byTopic[d.tp.Topic] = j
		}
		pe := kmsg.NewLeaderAndISRResponseTopicPartition()
		pe.Partition, pe.ErrorCode = d.tp.Partition, ErrorCode(errs[i])
		resp.Topics[j].Partitions = append(resp.Topics[j].Partitions, pe)
	}
}

func containsID(ids []int32, id int32) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func (rm *ReplicaManager) getOrCreatePartition(tp TopicPartition) *Partition {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	p, ok := rm.partitions[tp]
	if !ok {
		p = newPartition(rm, tp)
		rm.partitions[tp] = p
		delete(rm.offline, tp)
	}
	return p
}

// topicIDConsistent is checkOrSetTopicId: a zero id passes, as does a log
// without one (the log manager records it when the log is opened).
func (rm *ReplicaManager) topicIDConsistent(tp TopicPartition, id checkpoint.Uuid) bool {
	if id == checkpoint.ZeroUuid {
		return true
	}
	have, ok := rm.logs.TopicID(tp)
	return !ok || have == id
}

// checkpointedHW is tp's high watermark in replication-offset-checkpoint
// (read once, at the first partition created).
func (rm *ReplicaManager) checkpointedHW(tp TopicPartition) int64 {
	if rm.hwCheckpoints == nil {
		hws, err := rm.logs.ReadHighWatermarks()
		if err != nil {
			rm.logger.Warn("reading high watermark checkpoints", "err", err)
		}
		if hws == nil {
			hws = map[TopicPartition]int64{}
		}
		rm.hwCheckpoints = hws
	}
	return rm.hwCheckpoints[tp]
}

func (p *Partition) leaderEpoch() int32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.st == nil {
		return -1
	}
	return p.st.LeaderEpoch()
}

// makeLeader is Partition.makeLeader: the log created if needed, the new
// epoch assigned at the log end in the leader epoch cache (so that
// followers ending in an older epoch truncate correctly, KIP-279), and
// the replica state moved to leader.
func (p *Partition) makeLeader(d partitionDecision, now int64) error {
	p.mu.Lock()
	if err := p.createLogLocked(d.isNew, d.topicID); err != nil {
		p.mu.Unlock()
		return err
	}
	l := p.log
	if err := l.EpochCache().Assign(d.state.LeaderEpoch, l.LogEndOffset()); err != nil {
		p.mu.Unlock()
		return fmt.Errorf("%w: %w", log.ErrStorage, err)
	}
	p.hwMeta = log.OffsetMetadata{Offset: -1}
	_, eff := p.st.MakeLeader(d.state, p.localLogLocked(), now)
	p.mu.Unlock()
	p.applyEffects(eff)
	return nil
}

// makeFollower is Partition.makeFollower; with the leader not alive only
// the log is created (so its high watermark is checkpointed, KAFKA-1647).
func (p *Partition) makeFollower(d partitionDecision, leaderAlive bool) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.createLogLocked(d.isNew, d.topicID); err != nil {
		return false, err
	}
	if !leaderAlive {
		return false, nil
	}
	p.hwMeta = log.OffsetMetadata{Offset: -1}
	return p.st.MakeFollower(d.state, p.localLogLocked()), nil
}

// initialFetchState is where the follower starts fetching: its log end
// offset when its log has epochs (the leader's answer then drives any
// truncation), else its high watermark (initialFetchOffset).
func (p *Partition) initialFetchState() InitialFetchState {
	p.mu.Lock()
	defer p.mu.Unlock()
	off := p.st.HighWatermark()
	if _, ok := p.log.EpochCache().LatestEpoch(); ok {
		off = p.log.LogEndOffset()
	}
	return InitialFetchState{Leader: p.st.Leader(), LeaderEpoch: p.st.LeaderEpoch(), FetchOffset: off}
}

// TruncateTo truncates a follower's log (after the leader's epoch answer,
// replica.FollowerTruncation), checkpointing the recovery point, then
// rebuilds the producer state and caps the high watermark.
func (p *Partition) TruncateTo(offset int64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.log == nil {
		return fmt.Errorf("%w: no log for %s", ErrNotLeaderOrFollower, p.tp)
	}
	if err := p.rm.logs.TruncateTo(map[TopicPartition]int64{p.tp: offset}); err != nil {
		return err
	}
	return p.afterTruncationLocked()
}

// TruncateFullyAndStartAt empties a follower's log and restarts it at
// offset (the leader's log start passed the follower's end).
func (p *Partition) TruncateFullyAndStartAt(offset int64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.log == nil {
		return fmt.Errorf("%w: no log for %s", ErrNotLeaderOrFollower, p.tp)
	}
	if err := p.rm.logs.TruncateFullyAndStartAt(p.tp, offset); err != nil {
		return err
	}
	if err := p.ps.TruncateFullyAndStartAt(offset); err != nil {
		return err
	}
	return p.afterTruncationLocked()
}

func (p *Partition) afterTruncationLocked() error {
	l := p.log
	now := p.rm.clock.NowMs()
	if err := p.ps.Rebuild(producerstate.FromLog(l), l.LogStartOffset(), l.LogEndOffset(), now); err != nil {
		return err
	}
	if err := p.ps.WriteSnapshots(l.RecoveryPoint()); err != nil {
		return err
	}
	p.hwMeta = log.OffsetMetadata{Offset: -1}
	p.st.LocalLogUpdated(p.localLogLocked(), now)
	return nil
}

// FollowerHighWatermark applies the leader's high watermark from a fetch
// response, after any truncation it asked for.
func (p *Partition) FollowerHighWatermark(leaderHW int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.st != nil {
		p.st.FollowerHighWatermark(leaderHW)
	}
}

// StopReplicas applies a StopReplica request (ReplicaManager.stopReplicas):
// a request from an older controller is refused (STALE_CONTROLLER_EPOCH);
// each partition whose leader epoch is newer than ours (or the request
// carries none, or the topic is being deleted) stops being replicated,
// its waiting operations completed, and, if asked, leaves the broker with
// its log renamed for deletion (logmanager.AsyncDelete); an older or equal
// epoch answers FENCED_LEADER_EPOCH.
func (rm *ReplicaManager) StopReplicas(req *kmsg.StopReplicaRequest) *kmsg.StopReplicaResponse {
	rm.stateMu.Lock()
	defer rm.stateMu.Unlock()
	resp := kmsg.NewPtrStopReplicaResponse()
	resp.Version = req.Version
	if req.ControllerEpoch < rm.controllerEpoch {
		resp.ErrorCode = kerr.StaleControllerEpoch.Code
		return resp
	}
	rm.controllerEpoch = req.ControllerEpoch
	type stop struct {
		tp     TopicPartition
		epoch  int32
		delete bool
	}
	var stops []stop
	for _, t := range req.Topics {
		switch {
		case req.Version >= 3:
			for _, ps := range t.PartitionStates {
				stops = append(stops, stop{TopicPartition{Topic: t.Topic, Partition: ps.Partition}, ps.LeaderEpoch, ps.Delete})
			}
		case req.Version >= 1:
			for _, part := range t.Partitions {
				stops = append(stops, stop{TopicPartition{Topic: t.Topic, Partition: part}, noEpoch, req.DeletePartitions})
			}
		default:
			stops = append(stops, stop{TopicPartition{Topic: t.Topic, Partition: t.Partition}, noEpoch, req.DeletePartitions})
		}
	}
	answer := func(tp TopicPartition, err error) {
		pr := kmsg.NewStopReplicaResponsePartition()
		pr.Topic, pr.Partition, pr.ErrorCode = tp.Topic, tp.Partition, ErrorCode(err)
		resp.Partitions = append(resp.Partitions, pr)
	}
	var stopped []stop
	for _, s := range stops {
		if rm.logs.IsOffline(s.tp) {
			answer(s.tp, ErrStorage)
			continue
		}
		p, ok := rm.Partition(s.tp)
		if ok {
			cur := p.leaderEpoch()
			if s.epoch != epochDuringDelete && s.epoch != noEpoch && s.epoch <= cur {
				answer(s.tp, kerr.FencedLeaderEpoch)
				continue
			}
		}
		stopped = append(stopped, s)
	}
	tps := make([]TopicPartition, len(stopped))
	for i, s := range stopped {
		tps[i] = s.tp
	}
	rm.opts.Fetcher.RemovePartitions(tps)
	for _, s := range stopped {
		var err error
		if s.delete {
			rm.mu.Lock()
			p := rm.partitions[s.tp]
			delete(rm.partitions, s.tp)
			rm.mu.Unlock()
			if p != nil {
				p.stop()
			}
		}
		rm.completeDelayed(s.tp, true)
		if s.delete {
			if _, derr := rm.logs.AsyncDelete(s.tp); derr != nil {
				err = derr
			}
		}
		answer(s.tp, err)
	}
	return resp
}

// stop forgets the partition's state before its log is deleted.
func (p *Partition) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.st != nil {
		p.st.Stop()
	}
	p.log, p.ps, p.st = nil, nil, nil
}
