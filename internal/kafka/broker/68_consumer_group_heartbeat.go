package broker

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/group"
)

// The KIP-848 consumer group protocol: ConsumerGroupHeartbeat v0-1 and
// ConsumerGroupDescribe v0-1 (Kafka 4's ranges), served beside the
// classic protocol by the same shards.
func init() {
	Register(68, 0, 1, Typed(handleConsumerGroupHeartbeat))
	Register(69, 0, 1, Typed(handleConsumerGroupDescribe))
}

func handleConsumerGroupHeartbeat(ctx *RequestContext, req *kmsg.ConsumerGroupHeartbeatRequest) Reply {
	return groupOp(ctx, req.Group, func(code int16) kmsg.Response {
		resp := req.ResponseKind().(*kmsg.ConsumerGroupHeartbeatResponse)
		resp.ErrorCode = code
		return resp
	}, func(s *group.Shard, oc group.OpContext) group.Result { return s.ConsumerGroupHeartbeat(oc, req) })
}

func handleConsumerGroupDescribe(ctx *RequestContext, req *kmsg.ConsumerGroupDescribeRequest) Reply {
	parts := eachGroup(req.Groups, func(s *group.Shard, id string) kmsg.Response {
		resp := kmsg.NewPtrConsumerGroupDescribeResponse()
		resp.Groups = s.ConsumerGroupDescribe([]string{id})
		return resp
	})
	return groupFanOut(ctx, parts, func(resps []kmsg.Response, codes []int16) kmsg.Response {
		resp := req.ResponseKind().(*kmsg.ConsumerGroupDescribeResponse)
		for i, id := range req.Groups {
			var g kmsg.ConsumerGroupDescribeResponseGroup
			if codes[i] != 0 {
				g = kmsg.NewConsumerGroupDescribeResponseGroup()
				g.Group, g.ErrorCode = id, codes[i]
			} else if got := resps[i].(*kmsg.ConsumerGroupDescribeResponse).Groups; len(got) == 1 {
				g = got[0]
			}
			g.AuthorizedOperations = authorizedOperations(req.IncludeAuthorizedOperations, g.ErrorCode)
			resp.Groups = append(resp.Groups, g)
		}
		return resp
	})
}
