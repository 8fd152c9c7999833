package broker

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// DescribeCluster v0-v1 are Kafka 3.9's; v2 (Kafka 4.0, KIP-1073) adds
// include_fenced_brokers and a per-broker is_fenced. A ZooKeeper-mode
// broker has no fenced brokers (a broker that is gone has no
// registration), so v2 answers as v1 with every broker unfenced.
func init() { Register(60, 0, 2, Typed(handleDescribeCluster)) }

// Endpoint types of DescribeCluster v1+ (KIP-919's EndpointType).
const (
	endpointTypeBroker     int8 = 1
	endpointTypeController int8 = 2
)

// handleDescribeCluster is KafkaApis.handleDescribeCluster with
// AuthHelper.computeDescribeClusterResponse (Kafka 3.9): the live brokers
// on the request's listener, the cluster id, the controller (-1 when it is
// unknown or has no endpoint on the listener), and the cluster's
// authorized operations when asked. A broker answers for endpoint type
// BROKER only: CONTROLLER is MISMATCHED_ENDPOINT_TYPE and any other
// UNSUPPORTED_ENDPOINT_TYPE (INVALID_REQUEST at v0, which cannot ask).
func handleDescribeCluster(ctx *RequestContext, req *kmsg.DescribeClusterRequest) Reply {
	b := ctx.Broker.(*Broker)
	resp := req.ResponseKind().(*kmsg.DescribeClusterResponse)
	et := req.EndpointType
	if req.Version < 1 {
		et = endpointTypeBroker
	}
	fail := func(code int16, msg string) Reply {
		if req.Version == 0 {
			code = kerr.InvalidRequest.Code
		}
		resp.ErrorCode, resp.ErrorMessage = code, &msg
		return Respond(resp)
	}
	switch et {
	case endpointTypeBroker:
	case endpointTypeController:
		return fail(kerr.MismatchedEndpointType.Code, "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER")
	default:
		return fail(kerr.UnsupportedEndpointType.Code, fmt.Sprintf("Unsupported endpoint type %d", et))
	}
	if req.IncludeClusterAuthorizedOperations {
		resp.ClusterAuthorizedOperations = clusterAuthorizedOperations
	}
	snap := b.Meta.Snapshot()
	controllerID, controllerListed := snap.ControllerID(), false
	for _, n := range snap.Nodes(b.listenerName(ctx)) {
		db := kmsg.NewDescribeClusterResponseBroker()
		db.NodeID, db.Host, db.Port, db.Rack = n.ID, n.Host, n.Port, n.Rack
		resp.Brokers = append(resp.Brokers, db)
		controllerListed = controllerListed || n.ID == controllerID
	}
	if !controllerListed {
		controllerID = -1
	}
	resp.ControllerID = controllerID
	resp.ClusterID, _ = b.clusterIDOf(snap)
	resp.EndpointType = endpointTypeBroker
	return Respond(resp)
}
