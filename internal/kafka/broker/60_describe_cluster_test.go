package broker

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// DescribeCluster at every version: the brokers of the connection's
// listener, the controller, the cluster id, the cluster's operations when
// asked.
func TestDescribeClusterEveryVersion(t *testing.T) {
	b := metadataCluster(t)
	for v := int16(0); v <= 2; v++ {
		for _, ops := range []bool{false, true} {
			req := kmsg.NewPtrDescribeClusterRequest()
			req.Version, req.IncludeClusterAuthorizedOperations, req.IncludeFencedBrokers = v, ops, true
			resp := call[*kmsg.DescribeClusterResponse](t, b, "PLAINTEXT", req)
			if resp.ErrorCode != 0 || resp.ErrorMessage != nil || resp.ClusterID != testClusterID || resp.ControllerID != 0 || resp.ThrottleMillis != 0 {
				t.Fatalf("v%d: %+v", v, resp)
			}
			if v >= 1 && resp.EndpointType != 1 {
				t.Errorf("v%d endpoint type %d", v, resp.EndpointType)
			}
			if len(resp.Brokers) != 2 || resp.Brokers[0].NodeID != 0 || resp.Brokers[0].Port != 9092 || deref(resp.Brokers[0].Rack) != "r0" ||
				resp.Brokers[1].NodeID != 1 || resp.Brokers[1].Rack != nil || resp.Brokers[0].IsFenced || resp.Brokers[1].IsFenced {
				t.Errorf("v%d brokers %+v", v, resp.Brokers)
			}
			want := int32(-2147483648)
			if ops {
				want = clusterAuthorizedOperations
			}
			if resp.ClusterAuthorizedOperations != want {
				t.Errorf("v%d ops=%v: %d", v, ops, resp.ClusterAuthorizedOperations)
			}
		}
	}
	// On INTERNAL the brokers are 0 and 2; a controller without an
	// endpoint on the listener is reported as -1 (Kafka 3.9).
	feed(b, 1, []kmsg.UpdateMetadataRequestLiveBroker{
		liveBroker(0, "", map[string]int32{"PLAINTEXT": 9092, "INTERNAL": 9093}),
		liveBroker(1, "", map[string]int32{"PLAINTEXT": 9192}),
		liveBroker(2, "", map[string]int32{"INTERNAL": 9293}),
	})
	req := kmsg.NewPtrDescribeClusterRequest()
	req.Version = 1
	resp := call[*kmsg.DescribeClusterResponse](t, b, "INTERNAL", req)
	if resp.ControllerID != -1 || len(resp.Brokers) != 2 || resp.Brokers[1].NodeID != 2 || resp.Brokers[1].Port != 9293 {
		t.Fatalf("INTERNAL: %+v", resp)
	}
	if resp := call[*kmsg.DescribeClusterResponse](t, b, "PLAINTEXT", req); resp.ControllerID != 1 {
		t.Fatalf("PLAINTEXT controller %d", resp.ControllerID)
	}
}

// A broker describes brokers only: endpoint type CONTROLLER is
// MISMATCHED_ENDPOINT_TYPE, an unknown type UNSUPPORTED_ENDPOINT_TYPE,
// with Kafka's messages and nothing else.
func TestDescribeClusterEndpointTypes(t *testing.T) {
	b := metadataCluster(t)
	for _, c := range []struct {
		v    int16
		et   int8
		code int16
		msg  string
	}{
		{1, 2, kerr.MismatchedEndpointType.Code, "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER"},
		{2, 2, kerr.MismatchedEndpointType.Code, "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER"},
		{1, 0, kerr.UnsupportedEndpointType.Code, "Unsupported endpoint type 0"},
		{1, 3, kerr.UnsupportedEndpointType.Code, "Unsupported endpoint type 3"},
	} {
		req := kmsg.NewPtrDescribeClusterRequest()
		req.Version, req.EndpointType, req.IncludeClusterAuthorizedOperations = c.v, c.et, true
		resp := call[*kmsg.DescribeClusterResponse](t, b, "PLAINTEXT", req)
		if resp.ErrorCode != c.code || deref(resp.ErrorMessage) != c.msg || len(resp.Brokers) != 0 || resp.ControllerID != -1 ||
			resp.ClusterID != "" || resp.ClusterAuthorizedOperations != -2147483648 {
			t.Errorf("v%d type %d: %+v", c.v, c.et, resp)
		}
	}
}
