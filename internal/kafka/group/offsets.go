package group

import (
	"maps"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/javafmt"
)

// offsetAndMetadata is one committed offset (Kafka's OffsetAndMetadata).
type offsetAndMetadata struct {
	offset      int64
	leaderEpoch int32 // -1: none
	metadata    string
	commitMs    int64
	expireMs    int64 // -1: none (only OffsetCommit v2-v4 set a retention)
}

// offsetStore holds the committed offsets: group -> topic -> partition.
type offsetStore map[string]map[string]map[int32]offsetAndMetadata

func (st offsetStore) get(group, topic string, partition int32) (offsetAndMetadata, bool) {
	om, ok := st[group][topic][partition]
	return om, ok
}

func (st offsetStore) put(group, topic string, partition int32, om offsetAndMetadata) {
	topics := st[group]
	if topics == nil {
		topics = map[string]map[int32]offsetAndMetadata{}
		st[group] = topics
	}
	parts := topics[topic]
	if parts == nil {
		parts = map[int32]offsetAndMetadata{}
		topics[topic] = parts
	}
	parts[partition] = om
}

func (st offsetStore) remove(group, topic string, partition int32) {
	parts := st[group][topic]
	if parts == nil {
		return
	}
	delete(parts, partition)
	if len(parts) == 0 {
		delete(st[group], topic)
		if len(st[group]) == 0 {
			delete(st, group)
		}
	}
}

// each calls f for every offset of the group in topic, partition order.
func (st offsetStore) each(group string, f func(topic string, partition int32, om offsetAndMetadata)) {
	topics := st[group]
	for _, t := range slices.Sorted(maps.Keys(topics)) {
		for _, p := range slices.Sorted(maps.Keys(topics[t])) {
			f(t, p, topics[t][p])
		}
	}
}

// OffsetCommit serves an OffsetCommit request (v0-v9). A group that does not
// exist is created, empty and without a protocol type, when the commit
// carries no generation: a "simple" consumer that assigns itself partitions.
func (s *Shard) OffsetCommit(ctx OpContext, req *kmsg.OffsetCommitRequest) Result {
	o := &op{now: ctx.NowMs}
	resp := kmsg.NewPtrOffsetCommitResponse()
	resp.Version = ctx.Version
	err := s.validateOffsetCommit(ctx.Version, req)
	if err == nil {
		if g := s.classic(req.Group); g != nil && (g.in(stateStable) || g.in(statePreparingRebalance)) {
			// A commit keeps a classic member's session alive.
			if m := g.member(req.MemberID); m != nil {
				s.scheduleHeartbeat(g, m, int64(m.sessionTimeoutMs))
			}
		}
	}
	expire := int64(-1)
	if req.RetentionTimeMillis != -1 {
		expire = o.now + req.RetentionTimeMillis
	}
	for _, t := range req.Topics {
		rt := kmsg.OffsetCommitResponseTopic{Topic: t.Topic}
		for _, p := range t.Partitions {
			perr := err
			// offset.metadata.max.bytes counts Java chars (UTF-16 units).
			if perr == nil && p.Metadata != nil && javafmt.Len(*p.Metadata) > int(s.cfg.OffsetMetadataMaxBytes) {
				perr = kerr.OffsetMetadataTooLarge
			}
			rt.Partitions = append(rt.Partitions, kmsg.OffsetCommitResponseTopicPartition{
				Partition: p.Partition, ErrorCode: code(perr),
			})
			if perr != nil {
				continue
			}
			om := offsetAndMetadata{offset: p.Offset, leaderEpoch: p.LeaderEpoch, commitMs: o.now, expireMs: expire}
			if om.leaderEpoch < 0 {
				om.leaderEpoch = -1
			}
			if p.Metadata != nil {
				om.metadata = *p.Metadata
			}
			if p.Timestamp != -1 {
				om.commitMs = p.Timestamp // v1 lets the client set it
			}
			s.emit(o, offsetCommitRecord(req.Group, t.Topic, p.Partition, om), true)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	o.reply(ctx.Responder, resp)
	return o.out
}

func (s *Shard) validateOffsetCommit(version int16, req *kmsg.OffsetCommitRequest) *kerr.Error {
	gr := s.groups[req.Group]
	if gr == nil {
		switch {
		case req.Generation < 0:
			// Created as Replay creates it; the time it emptied is unknown
			// and unused (it has no protocol type).
			s.classicOrCreate(req.Group, -1)
			return nil
		case version >= 9:
			return kerr.GroupIDNotFound
		default:
			return kerr.IllegalGeneration
		}
	}
	if cg, ok := gr.(*consumerGroup); ok {
		return cg.validateOffsetCommit(version, req)
	}
	g, ok := gr.(*classicGroup)
	if !ok {
		return kerr.GroupIDNotFound
	}
	switch {
	case g.in(stateDead):
		return kerr.CoordinatorNotAvailable
	case req.Generation < 0 && g.in(stateEmpty):
		// The admin client or a consumer managing its own partitions.
		return nil
	case req.Generation >= 0 || req.MemberID != "" || req.InstanceID != nil:
		if err := g.validateMember(req.MemberID, req.InstanceID); err != nil {
			return err
		}
		if req.Generation != g.generation {
			return kerr.IllegalGeneration
		}
	case !g.in(stateEmpty):
		// No member id nor generation (v0): only an empty group accepts it.
		return kerr.UnknownMemberID
	}
	if g.in(stateCompletingRebalance) {
		// The member has its JoinGroup response but not its assignment yet.
		return kerr.RebalanceInProgress
	}
	return nil
}

// FetchOffsets answers one group of an OffsetFetch: the listed partitions,
// or every committed offset of the group when req.Topics is nil. A group
// that does not exist has no offsets (no error, as Kafka). requireStable
// would wait for pending transactional offsets; the shard has none.
func (s *Shard) FetchOffsets(req kmsg.OffsetFetchRequestGroup, requireStable bool) kmsg.OffsetFetchResponseGroup {
	_ = requireStable
	resp := kmsg.OffsetFetchResponseGroup{Group: req.Group}
	if cg := s.consumer(req.Group); cg != nil {
		if err := cg.validateOffsetFetch(req.MemberID, req.MemberEpoch); err != nil {
			resp.ErrorCode = err.Code
			resp.Topics = []kmsg.OffsetFetchResponseGroupTopic{}
			return resp
		}
	}
	g := s.groups[req.Group]
	known := g != nil && g.StateName() != stateDead.String()
	partition := func(p int32, om offsetAndMetadata, ok bool) kmsg.OffsetFetchResponseGroupTopicPartition {
		if !ok {
			return kmsg.OffsetFetchResponseGroupTopicPartition{Partition: p, Offset: -1, LeaderEpoch: -1, Metadata: ptr("")}
		}
		return kmsg.OffsetFetchResponseGroupTopicPartition{
			Partition: p, Offset: om.offset, LeaderEpoch: om.leaderEpoch, Metadata: ptr(om.metadata),
		}
	}
	if req.Topics == nil {
		resp.Topics = []kmsg.OffsetFetchResponseGroupTopic{}
		if !known {
			return resp
		}
		s.offsets.each(req.Group, func(topic string, p int32, om offsetAndMetadata) {
			if n := len(resp.Topics); n == 0 || resp.Topics[n-1].Topic != topic {
				resp.Topics = append(resp.Topics, kmsg.OffsetFetchResponseGroupTopic{Topic: topic})
			}
			t := &resp.Topics[len(resp.Topics)-1]
			t.Partitions = append(t.Partitions, partition(p, om, true))
		})
		return resp
	}
	for _, t := range req.Topics {
		rt := kmsg.OffsetFetchResponseGroupTopic{Topic: t.Topic, Partitions: []kmsg.OffsetFetchResponseGroupTopicPartition{}}
		for _, p := range t.Partitions {
			om, ok := s.offsets.get(req.Group, t.Topic, p)
			rt.Partitions = append(rt.Partitions, partition(p, om, ok && known))
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp
}

// OffsetDelete serves an OffsetDelete request: it removes the committed
// offsets of topics the group does not consume.
func (s *Shard) OffsetDelete(ctx OpContext, req *kmsg.OffsetDeleteRequest) Result {
	o := &op{now: ctx.NowMs}
	resp := kmsg.NewPtrOffsetDeleteResponse()
	resp.Version = ctx.Version
	g := s.classic(req.Group)
	cg := s.consumer(req.Group)
	var err *kerr.Error
	switch {
	case req.Group == "":
		err = kerr.InvalidGroupID
	case cg != nil:
		// Any consumer group may delete offsets of topics it does not
		// subscribe to.
	case g == nil || g.in(stateDead):
		err = kerr.GroupIDNotFound
	case !g.in(stateEmpty) && !g.usesConsumerProtocol():
		// Without the consumer protocol the coordinator cannot tell which
		// topics a live group consumes.
		err = kerr.NonEmptyGroup
	}
	if err != nil {
		resp.ErrorCode = code(err)
		o.reply(ctx.Responder, resp)
		return o.out
	}
	for _, t := range req.Topics {
		rt := kmsg.OffsetDeleteResponseTopic{Topic: t.Topic}
		var subscribed bool
		if cg != nil {
			subscribed = cg.isSubscribedToTopic(t.Topic)
		} else {
			subscribed = g.isSubscribedToTopic(t.Topic)
		}
		for _, p := range t.Partitions {
			rp := kmsg.OffsetDeleteResponseTopicPartition{Partition: p.Partition}
			if subscribed {
				rp.ErrorCode = kerr.GroupSubscribedToTopic.Code
			} else if _, ok := s.offsets.get(req.Group, t.Topic, p.Partition); ok {
				s.emit(o, offsetTombstone(req.Group, t.Topic, p.Partition), true)
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	o.reply(ctx.Responder, resp)
	return o.out
}
