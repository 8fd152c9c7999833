package broker

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/group"
)

// The classic group membership APIs: JoinGroup v0-9, Heartbeat v0-4,
// LeaveGroup v0-5 and SyncGroup v0-5 (Kafka 3.9's ranges), each served by
// the shard of the group's coordinator partition.
func init() {
	Register(11, 0, 9, Typed(handleJoinGroup))
	Register(12, 0, 4, Typed(handleHeartbeat))
	Register(13, 0, 5, Typed(handleLeaveGroup))
	Register(14, 0, 5, Typed(handleSyncGroup))
}

func handleJoinGroup(ctx *RequestContext, req *kmsg.JoinGroupRequest) Reply {
	return groupOp(ctx, req.Group, func(code int16) kmsg.Response {
		// JoinGroupResult(memberId, error): no members, generation -1.
		resp := req.ResponseKind().(*kmsg.JoinGroupResponse)
		resp.ErrorCode, resp.Generation, resp.MemberID = code, -1, req.MemberID
		return resp
	}, func(s *group.Shard, oc group.OpContext) group.Result { return s.JoinGroup(oc, req) })
}

func handleHeartbeat(ctx *RequestContext, req *kmsg.HeartbeatRequest) Reply {
	return groupOp(ctx, req.Group, func(code int16) kmsg.Response {
		resp := req.ResponseKind().(*kmsg.HeartbeatResponse)
		resp.ErrorCode = code
		return resp
	}, func(s *group.Shard, oc group.OpContext) group.Result { return s.Heartbeat(oc, req) })
}

func handleLeaveGroup(ctx *RequestContext, req *kmsg.LeaveGroupRequest) Reply {
	return groupOp(ctx, req.Group, func(code int16) kmsg.Response {
		resp := req.ResponseKind().(*kmsg.LeaveGroupResponse)
		resp.ErrorCode = code
		return resp
	}, func(s *group.Shard, oc group.OpContext) group.Result { return s.LeaveGroup(oc, req) })
}

func handleSyncGroup(ctx *RequestContext, req *kmsg.SyncGroupRequest) Reply {
	return groupOp(ctx, req.Group, func(code int16) kmsg.Response {
		resp := req.ResponseKind().(*kmsg.SyncGroupResponse)
		resp.ErrorCode, resp.MemberAssignment = code, []byte{}
		return resp
	}, func(s *group.Shard, oc group.OpContext) group.Result { return s.SyncGroup(oc, req) })
}
