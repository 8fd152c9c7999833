package broker

import (
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// InitProducerId v0-v5 are Kafka 3.9's: v2 is flexible, v3 carries the
// producer's current id and epoch (KIP-360), v4 and v5 only allow new
// error codes (PRODUCER_FENCED, TRANSACTION_ABORTABLE) that an idempotent
// producer never gets.
func init() { Register(22, 0, 5, Typed(handleInitProducerID)) }

// handleInitProducerID is KafkaApis.handleInitProducerIdRequest with
// TransactionCoordinator.handleInitProducerId's answer to an idempotent
// producer (a null transactional id): a new producer id from
// Broker.ProducerIDs, epoch 0 — also when the producer gives its current
// id and epoch (v3+, KIP-360): Kafka bumps only transactional producers'
// epochs and hands an idempotent one a fresh id. Giving only one of the
// two is INVALID_REQUEST.
//
// A transactional id is refused: an empty one with INVALID_REQUEST (as
// the coordinator does), any other with
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED, Kafka's answer to a client that
// may not use that transactional id — Wharf has no transaction
// coordinator, and with this error Java, librdkafka and franz-go
// producers fail at once with a clear message instead of retrying until
// a timeout (COORDINATOR_NOT_AVAILABLE would have them retry).
//
// The id is allocated off the connection's goroutine: reserving a new
// block of ids is a ZooKeeper round trip. A failure to reserve one is
// COORDINATOR_LOAD_IN_PROGRESS, which clients retry (as KRaft's
// RPCProducerIdManager answers while it waits for a block), and the ids
// being exhausted UNKNOWN_SERVER_ERROR.
func handleInitProducerID(ctx *RequestContext, req *kmsg.InitProducerIDRequest) Reply {
	b := ctx.Broker.(*Broker)
	resp := req.ResponseKind().(*kmsg.InitProducerIDResponse)
	resp.ProducerID, resp.ProducerEpoch = -1, -1
	fail := func(code int16) Reply {
		resp.ErrorCode = code
		return Respond(resp)
	}
	if tid := req.TransactionalID; tid != nil {
		if *tid == "" {
			return fail(kerr.InvalidRequest.Code)
		}
		ctx.Log().Info("refusing InitProducerId for a transactional id: transactions are not supported",
			"transactionalId", *tid, "client", ctx.ClientID)
		return fail(kerr.TransactionalIDAuthorizationFailed.Code)
	}
	if req.Version >= 3 && (req.ProducerID == -1) != (req.ProducerEpoch == -1) {
		return fail(kerr.InvalidRequest.Code)
	}
	ids := b.ProducerIDs
	if ids == nil {
		return fail(kerr.CoordinatorNotAvailable.Code)
	}
	p := NewPending()
	go func() {
		id, err := ids.NextProducerID()
		switch {
		case err == nil:
			resp.ProducerID, resp.ProducerEpoch = id, 0
		case errors.Is(err, ErrProducerIDs):
			ctx.Log().Error("producer id allocation failed", "err", err)
			resp.ErrorCode = kerr.UnknownServerError.Code
		default:
			ctx.Log().Warn("producer id allocation failed; the client will retry", "err", err)
			resp.ErrorCode = kerr.CoordinatorLoadInProgress.Code
		}
		p.Complete(Respond(resp))
	}()
	return p.Reply()
}
