package broker

import (
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/group"
)

// DescribeGroups v0-5, ListGroups v0-5 and DeleteGroups v0-2 (Kafka 3.9's
// ranges): batched over groups, each group answered by its shard.
func init() {
	Register(15, 0, 5, Typed(handleDescribeGroups))
	Register(16, 0, 5, Typed(handleListGroups))
	Register(42, 0, 2, Typed(handleDeleteGroups))
}

func handleDescribeGroups(ctx *RequestContext, req *kmsg.DescribeGroupsRequest) Reply {
	parts := eachGroup(req.Groups, func(s *group.Shard, id string) kmsg.Response {
		resp := kmsg.NewPtrDescribeGroupsResponse()
		resp.Groups = []kmsg.DescribeGroupsResponseGroup{s.DescribeGroup(id)}
		return resp
	})
	return groupFanOut(ctx, parts, func(resps []kmsg.Response, codes []int16) kmsg.Response {
		resp := req.ResponseKind().(*kmsg.DescribeGroupsResponse)
		for i, id := range req.Groups {
			var g kmsg.DescribeGroupsResponseGroup
			if codes[i] != 0 {
				// GroupCoordinator's (error, GroupCoordinator.EmptyGroup).
				g = kmsg.NewDescribeGroupsResponseGroup()
				g.Group, g.ErrorCode = id, codes[i]
			} else {
				g = resps[i].(*kmsg.DescribeGroupsResponse).Groups[0]
			}
			g.AuthorizedOperations = authorizedOperations(req.IncludeAuthorizedOperations, g.ErrorCode)
			resp.Groups = append(resp.Groups, g)
		}
		return resp
	})
}

// handleListGroups asks every shard this broker has (loaded or loading):
// a shard still loading makes the answer COORDINATOR_LOAD_IN_PROGRESS
// with the groups of the others, as Kafka 3.9 answers.
func handleListGroups(ctx *RequestContext, req *kmsg.ListGroupsRequest) Reply {
	gc := groupsOf(ctx)
	var parts []groupPart
	if gc != nil {
		for p := range gc.Partitions() {
			parts = append(parts, groupPart{onPartition: true, partition: p, op: replyWith(func(s *group.Shard, _ group.OpContext) kmsg.Response {
				resp := kmsg.NewPtrListGroupsResponse()
				resp.Groups = s.ListGroups(req.StatesFilter, req.TypesFilter)
				return resp
			})})
		}
	}
	return groupFanOut(ctx, parts, func(resps []kmsg.Response, codes []int16) kmsg.Response {
		resp := req.ResponseKind().(*kmsg.ListGroupsResponse)
		resp.Groups = []kmsg.ListGroupsResponseGroup{}
		for i := range parts {
			switch codes[i] {
			case 0:
				resp.Groups = append(resp.Groups, resps[i].(*kmsg.ListGroupsResponse).Groups...)
			case kerr.CoordinatorLoadInProgress.Code:
				resp.ErrorCode = codes[i]
			}
		}
		slices.SortFunc(resp.Groups, func(a, b kmsg.ListGroupsResponseGroup) int {
			switch {
			case a.Group < b.Group:
				return -1
			case a.Group > b.Group:
				return 1
			}
			return 0
		})
		return resp
	})
}

func handleDeleteGroups(ctx *RequestContext, req *kmsg.DeleteGroupsRequest) Reply {
	parts := make([]groupPart, len(req.Groups))
	for i, id := range req.Groups {
		parts[i] = groupPart{group: id, op: func(s *group.Shard, oc group.OpContext) group.Result {
			return s.DeleteGroups(oc, []string{id})
		}}
	}
	return groupFanOut(ctx, parts, func(resps []kmsg.Response, codes []int16) kmsg.Response {
		resp := req.ResponseKind().(*kmsg.DeleteGroupsResponse)
		for i, id := range req.Groups {
			if codes[i] != 0 {
				resp.Groups = append(resp.Groups, kmsg.DeleteGroupsResponseGroup{Group: id, ErrorCode: codes[i]})
				continue
			}
			resp.Groups = append(resp.Groups, resps[i].(*kmsg.DeleteGroupsResponse).Groups...)
		}
		return resp
	})
}
