package broker

import "github.com/twmb/franz-go/pkg/kmsg"

// DescribeConfigs v0-v4 (Kafka 2.8 answers v0-v3; v4 is the flexible
// encoding of v3).
func init() { Register(32, 0, 4, Typed(handleDescribeConfigs)) }

// handleDescribeConfigs is KafkaApis.handleDescribeConfigsRequest: the
// kconfig Manager answers (ConfigHelper.describeConfigs) — topic, broker,
// cluster-default and broker-logger resources, with synonyms (v1+) and
// documentation (v3+) when asked, UNKNOWN_TOPIC_OR_PARTITION for a topic
// the metadata cache does not know, INVALID_TOPIC_EXCEPTION for an illegal
// name, and INVALID_REQUEST for every resource when one has an unknown
// type. kmsg encodes what each version carries (v0's is_default, v1+'s
// source and synonyms, v3+'s type and documentation).
func handleDescribeConfigs(ctx *RequestContext, req *kmsg.DescribeConfigsRequest) Reply {
	b := ctx.Broker.(*Broker)
	resp := req.ResponseKind().(*kmsg.DescribeConfigsResponse)
	c, cancel := opContext(ctx, adminOpTimeout)
	defer cancel()
	resp.Resources = b.Configs.DescribeConfigs(c, req)
	return Respond(resp)
}
