package broker

import (
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestInitProducerID: an idempotent producer gets a new id and epoch 0 at
// every version, also when it gives its current id and epoch (v3+); a
// transactional id is refused (TRANSACTIONAL_ID_AUTHORIZATION_FAILED, or
// INVALID_REQUEST when empty), as are an id without an epoch and the
// reverse.
func TestInitProducerID(t *testing.T) {
	e := newDataEnv(t)
	seen := map[int64]bool{}
	lo, hi, ok := DefaultRegistry.Range(22)
	if !ok || lo != 0 || hi != 5 {
		t.Fatalf("InitProducerId registered %d..%d (%v), want 0..5", lo, hi, ok)
	}
	for v := lo; v <= hi; v++ {
		r := roundTrip[*kmsg.InitProducerIDResponse](e, &kmsg.InitProducerIDRequest{Version: v, TransactionTimeoutMillis: 1000,
			ProducerID: -1, ProducerEpoch: -1})
		if r.ErrorCode != 0 || r.ProducerID < 0 || r.ProducerEpoch != 0 || seen[r.ProducerID] {
			t.Errorf("v%d: %s id %d epoch %d (seen %v)", v, errorName(r.ErrorCode), r.ProducerID, r.ProducerEpoch, seen[r.ProducerID])
		}
		seen[r.ProducerID] = true
	}
	// KIP-360: an idempotent producer's current id gets a fresh one.
	r := roundTrip[*kmsg.InitProducerIDResponse](e, &kmsg.InitProducerIDRequest{Version: 4, ProducerID: 0, ProducerEpoch: 3})
	if r.ErrorCode != 0 || seen[r.ProducerID] || r.ProducerEpoch != 0 {
		t.Errorf("with the current id: %s id %d epoch %d", errorName(r.ErrorCode), r.ProducerID, r.ProducerEpoch)
	}
	for _, c := range []struct {
		name string
		req  kmsg.InitProducerIDRequest
		want int16
	}{
		{"transactional", kmsg.InitProducerIDRequest{Version: 4, TransactionalID: kmsg.StringPtr("tx"), ProducerID: -1, ProducerEpoch: -1},
			kerr.TransactionalIDAuthorizationFailed.Code},
		{"transactional v0", kmsg.InitProducerIDRequest{Version: 0, TransactionalID: kmsg.StringPtr("tx")},
			kerr.TransactionalIDAuthorizationFailed.Code},
		{"empty transactional id", kmsg.InitProducerIDRequest{Version: 4, TransactionalID: kmsg.StringPtr(""), ProducerID: -1, ProducerEpoch: -1},
			kerr.InvalidRequest.Code},
		{"id without epoch", kmsg.InitProducerIDRequest{Version: 3, ProducerID: 5, ProducerEpoch: -1}, kerr.InvalidRequest.Code},
		{"epoch without id", kmsg.InitProducerIDRequest{Version: 5, ProducerID: -1, ProducerEpoch: 2}, kerr.InvalidRequest.Code},
	} {
		req := c.req
		r := roundTrip[*kmsg.InitProducerIDResponse](e, &req)
		if r.ErrorCode != c.want || r.ProducerID != -1 || r.ProducerEpoch != -1 {
			t.Errorf("%s: %s id %d epoch %d, want %s", c.name, errorName(r.ErrorCode), r.ProducerID, r.ProducerEpoch, errorName(c.want))
		}
	}
}

// failingIDs is a ProducerIDSource that fails with err.
type failingIDs struct{ err error }

func (f failingIDs) NextProducerID() (int64, error) { return -1, f.err }

// TestInitProducerIDAllocationFailures: no allocator is
// COORDINATOR_NOT_AVAILABLE, a ZooKeeper failure COORDINATOR_LOAD_IN_PROGRESS
// (retriable), exhausted or unreadable blocks UNKNOWN_SERVER_ERROR.
func TestInitProducerIDAllocationFailures(t *testing.T) {
	for _, c := range []struct {
		ids  ProducerIDSource
		want int16
	}{
		{nil, kerr.CoordinatorNotAvailable.Code},
		{failingIDs{errors.New("zk: connection loss")}, kerr.CoordinatorLoadInProgress.Code},
		{failingIDs{ErrProducerIDs}, kerr.UnknownServerError.Code},
	} {
		b := cacheBroker(t, nil)
		b.ProducerIDs = c.ids
		r := call[*kmsg.InitProducerIDResponse](t, b, "PLAINTEXT", &kmsg.InitProducerIDRequest{Version: 4, ProducerID: -1, ProducerEpoch: -1})
		if r.ErrorCode != c.want || r.ProducerID != -1 {
			t.Errorf("%v: %s id %d, want %s", c.ids, errorName(r.ErrorCode), r.ProducerID, errorName(c.want))
		}
	}
}
