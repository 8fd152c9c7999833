package broker

import (
	"net"
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/group"
	"github.com/wharf-project/wharf/internal/kafka/groupcoord"
	"github.com/wharf-project/wharf/internal/kafka/meta"
	"github.com/wharf-project/wharf/internal/kafka/zkdata"
)

// The group APIs' plumbing: each request (or each group of a batched
// request) runs as an operation on the shard of its group's
// __consumer_offsets partition (groupcoord), whose reply arrives later —
// once the records it wrote are durable, or, for a JoinGroup or SyncGroup
// that waits for the other members, when the rebalance completes.

// opContext is what the shard knows about a request.
func groupOpContext(ctx *RequestContext) group.OpContext {
	return group.OpContext{Version: ctx.Version, ClientID: ctx.ClientID, ClientHost: clientHost(ctx)}
}

// clientHost is the peer's address as Kafka prints an InetAddress:
// "/127.0.0.1".
func clientHost(ctx *RequestContext) string {
	if ctx.Conn == nil || ctx.Conn.RemoteAddr == nil {
		return "/127.0.0.1"
	}
	host, _, err := net.SplitHostPort(ctx.Conn.RemoteAddr.String())
	if err != nil {
		host = ctx.Conn.RemoteAddr.String()
	}
	return "/" + host
}

// groups is the broker's group coordinator, nil when it has none.
func groupsOf(ctx *RequestContext) *groupcoord.Coordinator {
	if b, ok := ctx.Broker.(*Broker); ok && b != nil {
		return b.Groups
	}
	return nil
}

// groupOp runs op on the shard of groupID and answers with its reply; if
// this broker cannot serve the group, fail builds the answer from the
// error code (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS,
// COORDINATOR_NOT_AVAILABLE).
func groupOp(ctx *RequestContext, groupID string, fail func(code int16) kmsg.Response, op groupcoord.Op) Reply {
	return groupOpThen(ctx, groupID, op, func(resp kmsg.Response, code int16) kmsg.Response {
		if code != 0 {
			return fail(code)
		}
		return resp
	})
}

// groupOpThen runs op on the shard of groupID; answer builds the response
// from the operation's reply (code 0) or, if this broker cannot serve the
// group, from the error code (resp nil).
func groupOpThen(ctx *RequestContext, groupID string, op groupcoord.Op, answer func(resp kmsg.Response, code int16) kmsg.Response) Reply {
	gc := groupsOf(ctx)
	if gc == nil {
		return Respond(answer(nil, kerr.CoordinatorNotAvailable.Code))
	}
	p := NewPending()
	code := gc.Do(groupID, groupOpContext(ctx), func(resp kmsg.Response) { p.Complete(Respond(answer(resp, 0))) }, op)
	if code != 0 {
		return Respond(answer(nil, code))
	}
	return p.Reply()
}

// groupPart is one part of a batched group request: the shard operation
// and the group whose shard runs it (or, with onPartition, the partition).
type groupPart struct {
	group       string
	onPartition bool // run on partition's shard (ListGroups visits each)
	partition   int32
	op          groupcoord.Op
}

// eachGroup is one part per group id, each reading the group's shard.
func eachGroup(ids []string, read func(s *group.Shard, id string) kmsg.Response) []groupPart {
	parts := make([]groupPart, len(ids))
	for i, id := range ids {
		parts[i] = groupPart{group: id, op: replyWith(func(s *group.Shard, _ group.OpContext) kmsg.Response { return read(s, id) })}
	}
	return parts
}

// groupFanOut runs each part on its shard and calls merge with each
// part's response in order (nil for a part that got an error code, whose
// code is in codes) once all have answered.
func groupFanOut(ctx *RequestContext, parts []groupPart, merge func(resps []kmsg.Response, codes []int16) kmsg.Response) Reply {
	gc := groupsOf(ctx)
	resps := make([]kmsg.Response, len(parts))
	codes := make([]int16, len(parts))
	if gc == nil || len(parts) == 0 {
		for i := range codes {
			codes[i] = kerr.CoordinatorNotAvailable.Code
		}
		return Respond(merge(resps, codes))
	}
	p := NewPending()
	var mu sync.Mutex
	left := len(parts)
	finish := func() {
		left--
		if left == 0 {
			p.Complete(Respond(merge(resps, codes)))
		}
	}
	oc := groupOpContext(ctx)
	for i, part := range parts {
		reply := func(resp kmsg.Response) {
			mu.Lock()
			defer mu.Unlock()
			resps[i] = resp
			finish()
		}
		var code int16
		if part.onPartition {
			code = gc.DoPartition(part.partition, oc, reply, part.op)
		} else {
			code = gc.Do(part.group, oc, reply, part.op)
		}
		if code != 0 {
			mu.Lock()
			codes[i] = code
			finish()
			mu.Unlock()
		}
	}
	return p.Reply()
}

// replyWith is an operation that reads the shard and answers at once
// (behind the shard's earlier appends).
func replyWith(read func(s *group.Shard, ctx group.OpContext) kmsg.Response) groupcoord.Op {
	return func(s *group.Shard, ctx group.OpContext) group.Result {
		return group.Result{Replies: []group.Reply{{To: ctx.Responder, Resp: read(s, ctx)}}}
	}
}

// groupAuthorizedOperations is what DescribeGroups v3+ reports when asked:
// every operation on a group (READ, DELETE, DESCRIBE) — this broker has
// no authorizer.
const groupAuthorizedOperations = 1<<3 | 1<<6 | 1<<8

// notRequestedAuthorizedOperations is Integer.MIN_VALUE, the answer when
// the operations were not asked for.
const notRequestedAuthorizedOperations = -2147483648

// authorizedOperations is a described group's authorized operations:
// every operation when they were asked for and the group was described
// (error code 0), Integer.MIN_VALUE otherwise.
func authorizedOperations(asked bool, code int16) int32 {
	if asked && code == 0 {
		return groupAuthorizedOperations
	}
	return notRequestedAuthorizedOperations
}

// metaTopics is the group coordinator's view of one metadata snapshot:
// the topics KIP-848 groups subscribe to and are assigned from (internal
// topics excluded, as from a regex subscription in Kafka).
type metaTopics struct{ snap *meta.Snapshot }

func (m metaTopics) TopicByName(name string) ([16]byte, int32, bool) {
	t, ok := m.snap.Topic(name)
	if !ok || t.Internal {
		return [16]byte{}, 0, false
	}
	return [16]byte(t.ID), int32(len(t.Partitions)), true
}

func (m metaTopics) TopicByID(id [16]byte) (string, int32, bool) {
	t, ok := m.snap.TopicByID(zkdata.UUID(id))
	if !ok || t.Internal {
		return "", 0, false
	}
	return t.Name, int32(len(t.Partitions)), true
}

func (m metaTopics) Names() []string {
	var out []string
	for _, n := range m.snap.TopicNames() {
		if !meta.IsInternal(n) {
			out = append(out, n)
		}
	}
	return out
}
