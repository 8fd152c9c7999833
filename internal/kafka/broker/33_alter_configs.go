package broker

import "github.com/twmb/franz-go/pkg/kmsg"

// AlterConfigs v0-v2 (v2 is the flexible encoding of v1).
func init() { Register(33, 0, 2, Typed(handleAlterConfigs)) }

// handleAlterConfigs is KafkaApis.handleAlterConfigsRequest with
// ZkAdminManager.alterConfigs, performed by the kconfig Manager: each
// topic or broker resource's dynamic configs are replaced by the given
// set (validate_only checks without writing), written to
// /config/<type>/<name> with a /config/changes notification. Any broker
// performs it (Kafka does not forward it to the controller in ZooKeeper
// mode). BROKER_LOGGER or an unknown resource type refuses the whole
// request with INVALID_REQUEST; an unknown topic is
// UNKNOWN_TOPIC_OR_PARTITION.
func handleAlterConfigs(ctx *RequestContext, req *kmsg.AlterConfigsRequest) Reply {
	b := ctx.Broker.(*Broker)
	resp := req.ResponseKind().(*kmsg.AlterConfigsResponse)
	c, cancel := opContext(ctx, adminOpTimeout)
	defer cancel()
	resp.Resources = b.Configs.AlterConfigs(c, req)
	return Respond(resp)
}
