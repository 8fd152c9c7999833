package broker

import (
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/controller"
	"github.com/wharf-project/wharf/internal/kafka/meta"
)

// CreateTopics v0-v7: Kafka 2.8 answers v0-v6; v7 (Kafka 2.8's topic ids,
// KIP-516) adds the new topic's id.
func init() { Register(19, 0, 7, Typed(handleCreateTopics)) }

// handleCreateTopics is KafkaApis.handleCreateTopicsRequest with
// ZkAdminManager.createTopics (Kafka 2.8; 3.9's refusal of
// __cluster_metadata):
//
//   - Only the active controller creates topics; another broker answers
//     NOT_CONTROLLER for each.
//   - A name given twice is INVALID_REQUEST "Found multiple entries for
//     this topic." for each entry; a topic the metadata cache knows is
//     TOPIC_ALREADY_EXISTS. The Admin (controller.Admin.CreateTopics)
//     validates the rest — name, partitions and replication factor (-1:
//     num.partitions and default.replication.factor), explicit
//     assignments, configs — and, unless validate_only, writes the
//     topic's znodes.
//   - The handler then waits, up to timeout_ms, for every partition of
//     the created topics to have a leader in the metadata cache; a topic
//     still without is REQUEST_TIMED_OUT (at once when timeout_ms <= 0).
//   - v5+ describe a topic that succeeded (created, or valid under
//     validate_only): its partition count, replication factor and every
//     topic config with its source; v7+ its new id. A failed topic has
//     -1, -1 and no configs.
//
// The handler blocks its connection while it waits, as Kafka mutes a
// connection until its request is answered.
func handleCreateTopics(ctx *RequestContext, req *kmsg.CreateTopicsRequest) Reply {
	b := ctx.Broker.(*Broker)
	resp := req.ResponseKind().(*kmsg.CreateTopicsResponse)
	resp.Topics = make([]kmsg.CreateTopicsResponseTopic, len(req.Topics))
	for i, t := range req.Topics {
		r := kmsg.NewCreateTopicsResponseTopic()
		r.Topic = t.Topic
		resp.Topics[i] = r
	}
	if !b.controllerActive() {
		for i := range resp.Topics {
			resp.Topics[i].ErrorCode = kerr.NotController.Code
		}
		return Respond(resp)
	}

	count := map[string]int{}
	for _, t := range req.Topics {
		count[t.Topic]++
	}
	snap := b.Meta.Snapshot()
	var specs []controller.CreateTopic
	var at []int // specs[i] answers resp.Topics[at[i]]
	for i, t := range req.Topics {
		r := &resp.Topics[i]
		switch {
		case t.Topic == clusterMetadataTopic:
			setCreateTopicError(r, kerr.InvalidRequest.Code, "Creation of internal topic "+clusterMetadataTopic+" is prohibited.")
		case count[t.Topic] > 1:
			setCreateTopicError(r, kerr.InvalidRequest.Code, "Found multiple entries for this topic.")
		case snap.Contains(t.Topic):
			setCreateTopicError(r, kerr.TopicAlreadyExists.Code, fmt.Sprintf("Topic '%s' already exists.", t.Topic))
		default:
			specs = append(specs, createTopicSpec(t))
			at = append(at, i)
		}
	}
	if len(specs) == 0 {
		return Respond(resp)
	}

	opctx, cancel := opContext(ctx, adminOpTimeout)
	defer cancel()
	results := b.Admin.CreateTopics(opctx, specs, req.ValidateOnly)
	if !req.ValidateOnly {
		b.awaitLeaders(ctx, req.TimeoutMillis, results)
	}
	for i, res := range results {
		r := &resp.Topics[at[i]]
		if res.ErrorCode != 0 {
			if res.ErrorCode != kerr.RequestTimedOut.Code {
				logAdminFailure(ctx, "create topic request", res.Name, res.ErrorCode, res.ErrorMessage)
			}
			setCreateTopicError(r, res.ErrorCode, "")
			r.ErrorMessage = apiErrorMessage(res.ErrorCode, res.ErrorMessage)
			continue
		}
		if !req.ValidateOnly {
			logCollision(ctx, res.Name)
			r.TopicID = res.TopicID
		}
		r.NumPartitions, r.ReplicationFactor = res.NumPartitions, res.ReplicationFactor
		if req.Version >= 5 {
			r.Configs = b.newTopicConfigs(opctx, res.Name, specs[i].Configs)
		}
	}
	return Respond(resp)
}

// awaitLeaders is DelayedCreatePartitions: it waits up to timeoutMs for
// every partition of each successful result to have a leader in the
// metadata cache, and turns the results still waiting into
// REQUEST_TIMED_OUT (all of them when timeoutMs <= 0, as Kafka answers
// without looking).
func (b *Broker) awaitLeaders(ctx *RequestContext, timeoutMs int32, results []controller.TopicResult) {
	leaderless := func(s *meta.Snapshot, r controller.TopicResult) bool {
		return s.LeaderlessPartitions(r.Name, partitionIDs(r.NumPartitions)) > 0
	}
	if timeoutMs > 0 {
		b.waitMetadata(ctx, time.Duration(timeoutMs)*time.Millisecond, func(s *meta.Snapshot) bool {
			for _, r := range results {
				if r.ErrorCode == 0 && leaderless(s, r) {
					return false
				}
			}
			return true
		})
	}
	snap := b.Meta.Snapshot()
	for i, r := range results {
		if r.ErrorCode == 0 && (timeoutMs <= 0 || leaderless(snap, r)) {
			results[i] = controller.TopicResult{Name: r.Name, ErrorCode: kerr.RequestTimedOut.Code}
		}
	}
}

// createTopicSpec turns a request's topic into the Admin's.
func createTopicSpec(t kmsg.CreateTopicsRequestTopic) controller.CreateTopic {
	spec := controller.CreateTopic{Name: t.Topic, NumPartitions: t.NumPartitions, ReplicationFactor: t.ReplicationFactor}
	if len(t.ReplicaAssignment) > 0 {
		spec.Assignments = make(map[int32][]int32, len(t.ReplicaAssignment))
		for _, a := range t.ReplicaAssignment {
			spec.Assignments[a.Partition] = a.Replicas
		}
	}
	for _, c := range t.Configs {
		spec.Configs = append(spec.Configs, controller.ConfigValue{Name: c.Name, Value: c.Value})
	}
	return spec
}

// setCreateTopicError records a failure and resets what a failed topic
// does not describe (numPartitions and replicationFactor -1, no configs).
func setCreateTopicError(r *kmsg.CreateTopicsResponseTopic, code int16, msg string) {
	r.ErrorCode = code
	r.ErrorMessage = nil
	if msg != "" {
		r.ErrorMessage = &msg
	}
	r.NumPartitions, r.ReplicationFactor = -1, -1
	r.Configs = []kmsg.CreateTopicsResponseTopicConfig{}
	r.ConfigErrorCode = 0
}
