package broker

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/partition"
)

// DeleteRecords v0-v2 (Kafka 2.8's and 3.9's; v2 is flexible).
func init() { Register(21, 0, 2, Typed(handleDeleteRecords)) }

// handleDeleteRecords is KafkaApis.handleDeleteRecordsRequest: a
// partition absent from the metadata is UNKNOWN_TOPIC_OR_PARTITION; the
// others move their leader's log start offset up to the offset asked (-1:
// the high watermark) and the reply waits, without holding the
// connection, until every replica's log start offset got there (the low
// watermark) or timeout_ms passed (REQUEST_TIMED_OUT). An offset beyond
// the high watermark or negative is OFFSET_OUT_OF_RANGE, a topic without
// cleanup.policy delete POLICY_VIOLATION, an internal topic
// INVALID_TOPIC_EXCEPTION, a follower NOT_LEADER_OR_FOLLOWER. A partition
// named twice is deleted up to its last offset and answered once.
func handleDeleteRecords(ctx *RequestContext, req *kmsg.DeleteRecordsRequest) Reply {
	b := ctx.Broker.(*Broker)
	snap := b.Meta.Snapshot()
	type entry struct {
		rp     kmsg.DeleteRecordsResponseTopicPartition
		topic  int // index in the response's topics
		offset int64
		known  bool // in the metadata: deleted
		at     int  // index among the deletions
	}
	resp := req.ResponseKind().(*kmsg.DeleteRecordsResponse)
	topicAt := map[string]int{}
	byTP := map[partition.TopicPartition]*entry{}
	var entries []*entry
	for _, t := range req.Topics {
		ti, ok := topicAt[t.Topic]
		if !ok {
			ti = len(resp.Topics)
			topicAt[t.Topic] = ti
			rt := kmsg.NewDeleteRecordsResponseTopic()
			rt.Topic = t.Topic
			resp.Topics = append(resp.Topics, rt)
		}
		for _, p := range t.Partitions {
			tp := partition.TopicPartition{Topic: t.Topic, Partition: p.Partition}
			e := byTP[tp]
			if e == nil {
				e = &entry{rp: kmsg.NewDeleteRecordsResponseTopicPartition(), topic: ti}
				e.rp.Partition = p.Partition
				byTP[tp] = e
				entries = append(entries, e)
			}
			e.offset, e.known = p.Offset, hasPartition(snap, t.Topic, p.Partition)
			e.rp.ErrorCode, e.rp.LowWatermark = 0, -1
			if !e.known {
				e.rp.ErrorCode = kerr.UnknownTopicOrPartition.Code
			}
		}
	}
	var parts []partition.DeleteRecordsPartition
	for _, e := range entries {
		if e.known {
			e.at = len(parts)
			tp := partition.TopicPartition{Topic: resp.Topics[e.topic].Topic, Partition: e.rp.Partition}
			parts = append(parts, partition.DeleteRecordsPartition{TopicPartition: tp, Offset: e.offset})
		}
	}
	var ar asyncReply
	b.Replicas.DeleteRecords(req.TimeoutMillis, parts, func(rs []partition.DeleteRecordsResult) {
		for _, e := range entries {
			if e.known {
				r := rs[e.at]
				e.rp.ErrorCode, e.rp.LowWatermark = r.ErrorCode, r.LowWatermark
			}
			rt := &resp.Topics[e.topic]
			rt.Partitions = append(rt.Partitions, e.rp)
		}
		ar.complete(Respond(resp))
	})
	return ar.reply()
}
