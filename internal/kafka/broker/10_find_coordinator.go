package broker

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/controller"
	"github.com/wharf-project/wharf/internal/kafka/meta"
)

// FindCoordinator v0-v5 are Kafka 3.9's (v4 batches keys, KIP-699; v5
// only adds the TRANSACTION_ABORTABLE error).
//
// A group's coordinator is the leader of its __consumer_offsets partition
// (KafkaApis.handleFindCoordinatorRequest): while the topic does not
// exist, the request creates it (offsets.topic.num.partitions, and
// offsets.topic.replication.factor capped at the brokers alive, so a
// single node just works) and the answer is COORDINATOR_NOT_AVAILABLE,
// which clients retry; a partition without a live leader is
// COORDINATOR_NOT_AVAILABLE too. A transactional id is
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED, as InitProducerId and Produce
// answer transactional producers here: this broker has no transaction
// coordinator.
func init() { Register(10, 0, 5, Typed(handleFindCoordinator)) }

// FindCoordinator key types.
const (
	coordinatorKeyGroup       int8 = 0
	coordinatorKeyTransaction int8 = 1
)

// handleFindCoordinator answers each key (one before v4).
func handleFindCoordinator(ctx *RequestContext, req *kmsg.FindCoordinatorRequest) Reply {
	b, _ := ctx.Broker.(*Broker)
	resp := req.ResponseKind().(*kmsg.FindCoordinatorResponse)
	var findGroup func(key string) (meta.Node, int16) // made for the first group key
	find := func(key string) (meta.Node, int16, string) {
		switch req.CoordinatorType {
		case coordinatorKeyGroup:
			if findGroup == nil {
				findGroup = b.findGroupCoordinator(ctx)
			}
			n, code := findGroup(key)
			return n, code, errorMessage(code)
		case coordinatorKeyTransaction:
			return meta.NoNode, kerr.TransactionalIDAuthorizationFailed.Code, txnUnsupportedMessage
		}
		return meta.NoNode, kerr.InvalidRequest.Code, "Unknown coordinator type in FindCoordinator request"
	}
	if req.Version < 4 {
		n, code, msg := find(req.CoordinatorKey)
		resp.ErrorCode, resp.NodeID, resp.Host, resp.Port = code, n.ID, n.Host, n.Port
		if req.Version >= 1 {
			resp.ErrorMessage = &msg
		}
		return Respond(resp)
	}
	for _, key := range req.CoordinatorKeys {
		n, code, msg := find(key)
		c := kmsg.NewFindCoordinatorResponseCoordinator()
		c.Key, c.NodeID, c.Host, c.Port, c.ErrorCode = key, n.ID, n.Host, n.Port, code
		c.ErrorMessage = &msg
		resp.Coordinators = append(resp.Coordinators, c)
	}
	return Respond(resp)
}

// errorMessage is Errors.message(): the exception's message, or the
// error's name for NONE (Kafka answers "NONE" on success).
func errorMessage(code int16) string {
	if code == 0 {
		return "NONE"
	}
	if msg, ok := coordinatorErrorMessages[code]; ok {
		return msg
	}
	return kerr.ErrorForCode(code).Error()
}

var coordinatorErrorMessages = map[int16]string{
	kerr.CoordinatorNotAvailable.Code: "The coordinator is not available.",
}

// findGroupCoordinator returns the lookup of group keys for one request:
// the offsets topic is looked up (and created) at most once per request.
func (b *Broker) findGroupCoordinator(ctx *RequestContext) func(key string) (meta.Node, int16) {
	if b == nil || b.Groups == nil || b.Meta == nil {
		return func(string) (meta.Node, int16) { return meta.NoNode, kerr.CoordinatorNotAvailable.Code }
	}
	snap := b.Meta.Snapshot()
	if !snap.Contains(meta.GroupMetadataTopic) {
		b.createOffsetsTopic(ctx, len(snap.Brokers()))
		return func(string) (meta.Node, int16) { return meta.NoNode, kerr.CoordinatorNotAvailable.Code }
	}
	listener := b.listenerName(ctx)
	return func(key string) (meta.Node, int16) {
		n, ok := snap.PartitionLeaderEndpoint(meta.GroupMetadataTopic, b.Groups.PartitionFor(key), listener)
		if !ok || n.ID < 0 || n.Host == "" {
			return meta.NoNode, kerr.CoordinatorNotAvailable.Code
		}
		return n, 0
	}
}

// createOffsetsTopic creates __consumer_offsets with its configured
// partitions and a replication factor no larger than the brokers alive.
func (b *Broker) createOffsetsTopic(rc *RequestContext, alive int) {
	spec := creatableTopic(b.currentConfig(), meta.GroupMetadataTopic)
	// This broker is alive even if the metadata cache does not list it yet.
	if alive = max(alive, 1); int(spec.ReplicationFactor) > alive {
		spec.ReplicationFactor = int16(alive)
	}
	ctx, cancel := opContext(rc, adminOpTimeout)
	defer cancel()
	for _, r := range b.Admin.CreateTopics(ctx, []controller.CreateTopic{spec}, false) {
		switch r.ErrorCode {
		case 0:
			rc.Log().Info("created the offsets topic", "topic", r.Name, "partitions", r.NumPartitions, "replication_factor", r.ReplicationFactor)
		case kerr.TopicAlreadyExists.Code:
		default:
			logAdminFailure(rc, "create topic request", r.Name, r.ErrorCode, r.ErrorMessage)
		}
	}
}
