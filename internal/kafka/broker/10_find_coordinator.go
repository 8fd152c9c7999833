package broker

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// FindCoordinator v0-v5 are Kafka 3.9's (v4 batches keys, KIP-699; v5
// only adds the TRANSACTION_ABORTABLE error).
//
// Until the group coordinator exists (consumer groups are the next
// capability) this broker is no coordinator for anything: a group key is
// COORDINATOR_NOT_AVAILABLE, the retriable error Kafka answers while the
// offsets topic is not loaded, and a transactional id is
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED, as InitProducerId and Produce
// answer transactional producers here. The API is served all the same:
// librdkafka enables LZ4 (and consumer groups) only for brokers that
// advertise FindCoordinator.
func init() { Register(10, 0, 5, Typed(handleFindCoordinator)) }

// FindCoordinator key types.
const (
	coordinatorKeyGroup       int8 = 0
	coordinatorKeyTransaction int8 = 1
)

const groupCoordinatorMessage = "The coordinator is not available: this broker has no group coordinator yet"

// handleFindCoordinator answers every key with the error above; a key type
// other than group and transaction is INVALID_REQUEST.
func handleFindCoordinator(ctx *RequestContext, req *kmsg.FindCoordinatorRequest) Reply {
	resp := req.ResponseKind().(*kmsg.FindCoordinatorResponse)
	code, msg := kerr.CoordinatorNotAvailable.Code, groupCoordinatorMessage
	switch req.CoordinatorType {
	case coordinatorKeyGroup:
	case coordinatorKeyTransaction:
		code, msg = kerr.TransactionalIDAuthorizationFailed.Code, txnUnsupportedMessage
	default:
		code, msg = kerr.InvalidRequest.Code, "Unknown coordinator type in FindCoordinator request"
	}
	if req.Version < 4 {
		resp.ErrorCode, resp.NodeID, resp.Port = code, -1, -1
		if req.Version >= 1 {
			resp.ErrorMessage = &msg
		}
		return Respond(resp)
	}
	for _, key := range req.CoordinatorKeys {
		c := kmsg.NewFindCoordinatorResponseCoordinator()
		c.Key, c.NodeID, c.Port, c.ErrorCode = key, -1, -1, code
		m := msg
		c.ErrorMessage = &m
		resp.Coordinators = append(resp.Coordinators, c)
	}
	return Respond(resp)
}
