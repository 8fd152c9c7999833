package broker

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Until groups exist, FindCoordinator answers at every version: groups are
// COORDINATOR_NOT_AVAILABLE, transactional ids
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED, other key types INVALID_REQUEST,
// one answer per key from v4.
func TestFindCoordinatorEveryVersion(t *testing.T) {
	b := metadataCluster(t)
	for v := int16(0); v <= 5; v++ {
		for _, c := range []struct {
			keyType int8
			code    int16
		}{
			{0, kerr.CoordinatorNotAvailable.Code},
			{1, kerr.TransactionalIDAuthorizationFailed.Code},
			{7, kerr.InvalidRequest.Code},
		} {
			if v == 0 && c.keyType != 0 {
				continue // v0 has no key type
			}
			req := kmsg.NewPtrFindCoordinatorRequest()
			req.Version, req.CoordinatorType = v, c.keyType
			req.CoordinatorKey, req.CoordinatorKeys = "g", []string{"g1", "g2"}
			resp := call[*kmsg.FindCoordinatorResponse](t, b, "PLAINTEXT", req)
			if v < 4 {
				if resp.ErrorCode != c.code || resp.NodeID != -1 || (v >= 1) != (resp.ErrorMessage != nil) {
					t.Errorf("v%d type %d: %+v", v, c.keyType, resp)
				}
				continue
			}
			if len(resp.Coordinators) != 2 || resp.Coordinators[0].Key != "g1" || resp.Coordinators[1].Key != "g2" {
				t.Fatalf("v%d type %d: %+v", v, c.keyType, resp.Coordinators)
			}
			for _, co := range resp.Coordinators {
				if co.ErrorCode != c.code || co.NodeID != -1 || co.ErrorMessage == nil {
					t.Errorf("v%d type %d: %+v", v, c.keyType, co)
				}
			}
		}
	}
}
