package group

import (
	"maps"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// expiryBase returns, for a group, the time from which an offset's
// retention runs (Kafka's OffsetExpirationCondition), or ok false when the
// group's offsets do not expire now.
func (g *classicGroup) expiryBase() (base func(offsetAndMetadata) int64, ok bool) {
	commit := func(om offsetAndMetadata) int64 { return om.commitMs }
	switch {
	case g.protocolType == nil:
		// A simple consumer's group: retention runs from each commit.
		return commit, true
	case g.in(stateEmpty):
		// Nobody consumes: retention runs from when the group emptied
		// (from the commit for metadata written before that was kept).
		if g.stateTimestamp == -1 {
			return commit, true
		}
		ts := g.stateTimestamp
		return func(offsetAndMetadata) int64 { return ts }, true
	case g.usesConsumerProtocol() && g.subscribedKnow && g.in(stateStable):
		// Offsets of topics the group stopped consuming expire from the
		// commit (the caller skips subscribed topics).
		return commit, true
	}
	return nil, false
}

func offsetExpired(om offsetAndMetadata, base func(offsetAndMetadata) int64, now, retentionMs int64) bool {
	if om.expireMs != -1 {
		// OffsetCommit v2-v4 set an explicit expiry.
		return now >= om.expireMs
	}
	return now-base(om) >= retentionMs
}

// CleanupExpiredOffsets writes tombstones for the offsets past
// offsets.retention.minutes and, for each empty group left with no offsets,
// a tombstone of the group itself (which the shard then forgets). The
// runtime calls it periodically (OnLoaded schedules it on the Timer).
func (s *Shard) CleanupExpiredOffsets(nowMs int64) Result {
	o := &op{now: nowMs}
	for _, id := range s.GroupIDs() {
		if s.expireGroupOffsets(o, id) {
			if g := s.groups[id]; g != nil && g.IsEmpty() {
				s.emitAll(o, groupTombstones(g)...)
			}
		}
	}
	return o.out
}

// expireGroupOffsets tombstones the group's expired offsets and reports
// whether none is left.
func (s *Shard) expireGroupOffsets(o *op, id string) bool {
	if len(s.offsets[id]) == 0 {
		return true
	}
	var base func(offsetAndMetadata) int64
	var subscribed func(string) bool
	switch g := s.groups[id].(type) {
	case *classicGroup:
		var ok bool
		if base, ok = g.expiryBase(); !ok {
			return false
		}
		subscribed = g.isSubscribedToTopic
	case *consumerGroup:
		// A consumer group's offsets expire from their commit, unless a
		// member subscribes to the topic.
		base = func(om offsetAndMetadata) int64 { return om.commitMs }
		subscribed = g.isSubscribedToTopic
	default:
		return false
	}
	all := true
	var expired []Record
	s.offsets.each(id, func(topic string, p int32, om offsetAndMetadata) {
		if !subscribed(topic) && offsetExpired(om, base, o.now, s.cfg.OffsetsRetentionMs) {
			expired = append(expired, offsetTombstone(id, topic, p))
		} else {
			all = false
		}
	})
	s.emitAll(o, expired...)
	return all
}

// DeleteGroups serves the groups of a DeleteGroups request that belong to
// this shard: an empty group's offsets and metadata are tombstoned. The
// reply lists only these groups; the runtime merges shards' replies.
func (s *Shard) DeleteGroups(ctx OpContext, groupIDs []string) Result {
	o := &op{now: ctx.NowMs}
	resp := kmsg.NewPtrDeleteGroupsResponse()
	resp.Version = ctx.Version
	for _, id := range groupIDs {
		var err *kerr.Error
		g := s.groups[id]
		switch {
		case g == nil || g.StateName() == stateDead.String():
			err = kerr.GroupIDNotFound
		case !g.IsEmpty():
			err = kerr.NonEmptyGroup
		default:
			var recs []Record
			s.offsets.each(id, func(topic string, p int32, _ offsetAndMetadata) {
				recs = append(recs, offsetTombstone(id, topic, p))
			})
			s.emitAll(o, recs...)
			s.emitAll(o, groupTombstones(g)...)
		}
		resp.Groups = append(resp.Groups, kmsg.DeleteGroupsResponseGroup{Group: id, ErrorCode: code(err)})
	}
	o.reply(ctx.Responder, resp)
	return o.out
}

// DeletePartitionOffsets tombstones every group's committed offsets of
// partitions that no longer exist (deleted topics; Kafka's
// onPartitionsDeleted). partitions maps a topic to its deleted partitions.
func (s *Shard) DeletePartitionOffsets(nowMs int64, partitions map[string][]int32) Result {
	o := &op{now: nowMs}
	topics := slices.Sorted(maps.Keys(partitions))
	for _, id := range s.GroupIDs() {
		for _, topic := range topics {
			for _, p := range partitions[topic] {
				if _, ok := s.offsets.get(id, topic, p); ok {
					s.emit(o, offsetTombstone(id, topic, p), true)
				}
			}
		}
	}
	return o.out
}
