package broker

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/controller"
	"github.com/wharf-project/wharf/internal/kafka/zkdata"
)

// CreatePartitions v0-v3 (v2 is v1 flexible; v3, Kafka 2.8, only changes
// the controller mutation quota, which Wharf does not enforce).
func init() { Register(37, 0, 3, Typed(handleCreatePartitions)) }

// handleCreatePartitions is KafkaApis.handleCreatePartitionsRequest with
// ZkAdminManager.createPartitions (Kafka 2.8):
//
//   - Only the active controller adds partitions; another broker answers
//     NOT_CONTROLLER. A topic named twice is INVALID_REQUEST "Duplicate
//     topic in request."; a topic queued for deletion is
//     INVALID_TOPIC_EXCEPTION "The topic is queued for deletion.".
//   - The Admin validates the rest (INVALID_PARTITIONS when the count does
//     not grow, INVALID_REPLICA_ASSIGNMENT for a bad explicit assignment,
//     UNKNOWN_TOPIC_OR_PARTITION, each with Kafka's message) and, unless
//     validate_only, rewrites /brokers/topics/<t>.
//   - The handler waits up to timeout_ms for every partition of the topic
//     to have a leader; otherwise REQUEST_TIMED_OUT (at once when
//     timeout_ms <= 0).
//
// The response has one entry per distinct topic, in request order.
func handleCreatePartitions(ctx *RequestContext, req *kmsg.CreatePartitionsRequest) Reply {
	b := ctx.Broker.(*Broker)
	resp := req.ResponseKind().(*kmsg.CreatePartitionsResponse)
	count := map[string]int{}
	index := map[string]int{} // topic -> its entry in resp.Topics
	for _, t := range req.Topics {
		if count[t.Topic]++; count[t.Topic] == 1 {
			index[t.Topic] = len(resp.Topics)
			r := kmsg.NewCreatePartitionsResponseTopic()
			r.Topic = t.Topic
			resp.Topics = append(resp.Topics, r)
		}
	}
	set := func(topic string, code int16, msg *string) {
		r := &resp.Topics[index[topic]]
		r.ErrorCode, r.ErrorMessage = code, msg
	}
	if !b.controllerActive() {
		for i := range resp.Topics {
			resp.Topics[i].ErrorCode = kerr.NotController.Code
		}
		return Respond(resp)
	}

	opctx, cancel := opContext(ctx, adminOpTimeout)
	defer cancel()
	var valid []controller.NewPartitions
	for _, t := range req.Topics {
		switch {
		case count[t.Topic] > 1:
			msg := "Duplicate topic in request."
			set(t.Topic, kerr.InvalidRequest.Code, &msg)
		case b.queuedForDeletion(opctx, t.Topic):
			msg := "The topic is queued for deletion."
			set(t.Topic, kerr.InvalidTopicException.Code, &msg)
		default:
			np := controller.NewPartitions{Topic: t.Topic, Count: t.Count}
			if t.Assignment != nil { // an empty list is an assignment of nothing
				np.Assignment = make([][]int32, len(t.Assignment))
				for i, a := range t.Assignment {
					np.Assignment[i] = a.Replicas
				}
			}
			valid = append(valid, np)
		}
	}
	if len(valid) == 0 {
		return Respond(resp)
	}
	results := b.Admin.CreatePartitions(opctx, valid, req.ValidateOnly)
	if !req.ValidateOnly {
		b.awaitLeaders(ctx, req.TimeoutMillis, results)
	}
	for _, res := range results {
		if res.ErrorCode != 0 && res.ErrorCode != kerr.RequestTimedOut.Code {
			logAdminFailure(ctx, "create partitions request", res.Name, res.ErrorCode, res.ErrorMessage)
		}
		set(res.Name, res.ErrorCode, apiErrorMessage(res.ErrorCode, res.ErrorMessage))
	}
	return Respond(resp)
}

// queuedForDeletion is TopicDeletionManager.isTopicQueuedUpForDeletion as
// ZooKeeper shows it: the topic is marked under /admin/delete_topics.
func (b *Broker) queuedForDeletion(ctx context.Context, topic string) bool {
	if b.ZK == nil {
		return false
	}
	stat, err := b.ZK.Exists(ctx, zkdata.DeleteTopicPath(topic))
	return err == nil && stat != nil
}
