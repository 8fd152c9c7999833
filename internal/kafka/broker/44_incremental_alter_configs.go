package broker

import "github.com/twmb/franz-go/pkg/kmsg"

// IncrementalAlterConfigs v0-v1 (v1 is the flexible encoding of v0).
func init() { Register(44, 0, 1, Typed(handleIncrementalAlterConfigs)) }

// handleIncrementalAlterConfigs is
// KafkaApis.handleIncrementalAlterConfigsRequest with
// ZkAdminManager.incrementalAlterConfigs, performed by the kconfig
// Manager: SET, DELETE, APPEND and SUBTRACT on a topic's, a broker's, the
// cluster default's or the broker loggers' configs (validate_only checks
// without writing). An unknown resource type or operation refuses the
// whole request with INVALID_REQUEST; an unknown topic is
// UNKNOWN_TOPIC_OR_PARTITION.
func handleIncrementalAlterConfigs(ctx *RequestContext, req *kmsg.IncrementalAlterConfigsRequest) Reply {
	b := ctx.Broker.(*Broker)
	resp := req.ResponseKind().(*kmsg.IncrementalAlterConfigsResponse)
	c, cancel := opContext(ctx, adminOpTimeout)
	defer cancel()
	resp.Resources = b.Configs.IncrementalAlterConfigs(c, req)
	return Respond(resp)
}
