package broker

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/partition"
)

// OffsetForLeaderEpoch v0-v4 (Kafka 2.8's and 3.9's): v1 adds the leader
// epoch found to the response, v2 the current leader epoch (KIP-320
// fencing), v3 the replica id (consumers send -1; it changes nothing
// here), v4 is flexible.
func init() { Register(23, 0, 4, Typed(handleOffsetForLeaderEpoch)) }

// handleOffsetForLeaderEpoch is KafkaApis.handleOffsetForLeaderEpochRequest
// (ReplicaManager.lastOffsetForLeaderEpoch): on the leader, each
// partition's largest known epoch at or below the one asked and where it
// ends, (-1, -1) without an error when the log cannot tell;
// FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH for a current epoch older /
// newer than the leader's, NOT_LEADER_OR_FOLLOWER away from the leader,
// UNKNOWN_TOPIC_OR_PARTITION for a partition the cluster does not have.
func handleOffsetForLeaderEpoch(ctx *RequestContext, req *kmsg.OffsetForLeaderEpochRequest) Reply {
	b := ctx.Broker.(*Broker)
	resp := req.ResponseKind().(*kmsg.OffsetForLeaderEpochResponse)
	for _, t := range req.Topics {
		rt := kmsg.NewOffsetForLeaderEpochResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			current := int32(-1)
			if req.Version >= 2 {
				current = p.CurrentLeaderEpoch
			}
			r := b.Replicas.OffsetForLeaderEpoch(partition.TopicPartition{Topic: t.Topic, Partition: p.Partition}, current, p.LeaderEpoch)
			rp := kmsg.NewOffsetForLeaderEpochResponseTopicPartition()
			rp.Partition, rp.ErrorCode, rp.LeaderEpoch, rp.EndOffset = p.Partition, r.ErrorCode, r.LeaderEpoch, r.EndOffset
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return Respond(resp)
}
