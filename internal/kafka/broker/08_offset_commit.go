package broker

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/group"
	"github.com/wharf-project/wharf/internal/kafka/meta"
)

// OffsetCommit v0-9, OffsetFetch v0-9 and OffsetDelete v0 (Kafka 3.9's
// ranges; v10's topic ids are not served). Offsets live in
// __consumer_offsets at every version: Kafka 2.8 still kept v0 commits in
// ZooKeeper, which no client in use relies on.
func init() {
	Register(8, 0, 9, Typed(handleOffsetCommit))
	Register(9, 0, 9, Typed(handleOffsetFetch))
	Register(47, 0, 0, Typed(handleOffsetDelete))
}

// unknownParts are the partitions of a request the metadata cache does
// not know: KafkaApis answers them UNKNOWN_TOPIC_OR_PARTITION before the
// coordinator sees the request.
type unknownParts map[string]map[int32]bool

func (u unknownParts) has(topic string, p int32) bool { return u[topic][p] }

// splitKnown keeps, of a request's topics, the partitions the metadata
// cache knows (a topic left with none is dropped) and returns the others.
func splitKnown[T, P any](ctx *RequestContext, topics []T, parts func(T) (string, []P), id func(P) int32, with func(T, []P) T) ([]T, unknownParts) {
	var snap *meta.Snapshot
	if b, _ := ctx.Broker.(*Broker); b != nil && b.Meta != nil {
		snap = b.Meta.Snapshot()
	}
	known := func(topic string, p int32) bool {
		if snap == nil || topic == meta.TransactionStateTopic {
			return false
		}
		_, ok := snap.Partition(topic, p)
		return ok
	}
	var kept []T
	unknown := unknownParts{}
	for _, t := range topics {
		name, ps := parts(t)
		var keep []P
		for _, p := range ps {
			if known(name, id(p)) {
				keep = append(keep, p)
				continue
			}
			if unknown[name] == nil {
				unknown[name] = map[int32]bool{}
			}
			unknown[name][id(p)] = true
		}
		if len(keep) > 0 {
			kept = append(kept, with(t, keep))
		}
	}
	return kept, unknown
}

func handleOffsetCommit(ctx *RequestContext, req *kmsg.OffsetCommitRequest) Reply {
	// The shard gets the known partitions; the answer lists every
	// partition of the request in its order.
	sub := *req
	var unknown unknownParts
	sub.Topics, unknown = splitKnown(ctx, req.Topics,
		func(t kmsg.OffsetCommitRequestTopic) (string, []kmsg.OffsetCommitRequestTopicPartition) {
			return t.Topic, t.Partitions
		},
		func(p kmsg.OffsetCommitRequestTopicPartition) int32 { return p.Partition },
		func(t kmsg.OffsetCommitRequestTopic, ps []kmsg.OffsetCommitRequestTopicPartition) kmsg.OffsetCommitRequestTopic {
			t.Partitions = ps
			return t
		})
	answer := func(codeOf func(topic string, p int32) int16) kmsg.Response {
		resp := req.ResponseKind().(*kmsg.OffsetCommitResponse)
		for _, t := range req.Topics {
			rt := kmsg.NewOffsetCommitResponseTopic()
			rt.Topic = t.Topic
			for _, p := range t.Partitions {
				rp := kmsg.NewOffsetCommitResponseTopicPartition()
				rp.Partition = p.Partition
				if unknown.has(t.Topic, p.Partition) {
					rp.ErrorCode = kerr.UnknownTopicOrPartition.Code
				} else {
					rp.ErrorCode = codeOf(t.Topic, p.Partition)
				}
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp
	}
	if len(sub.Topics) == 0 {
		return Respond(answer(func(string, int32) int16 { return 0 }))
	}
	return groupOpThen(ctx, req.Group,
		func(s *group.Shard, oc group.OpContext) group.Result { return s.OffsetCommit(oc, &sub) },
		func(resp kmsg.Response, code int16) kmsg.Response {
			if code != 0 {
				return answer(func(string, int32) int16 { return code })
			}
			got := map[string]map[int32]int16{}
			for _, t := range resp.(*kmsg.OffsetCommitResponse).Topics {
				if got[t.Topic] == nil {
					got[t.Topic] = map[int32]int16{}
				}
				for _, p := range t.Partitions {
					got[t.Topic][p.Partition] = p.ErrorCode
				}
			}
			return answer(func(topic string, p int32) int16 { return got[topic][p] })
		})
}

func handleOffsetFetch(ctx *RequestContext, req *kmsg.OffsetFetchRequest) Reply {
	if req.Version >= 8 {
		parts := make([]groupPart, len(req.Groups))
		for i, g := range req.Groups {
			parts[i] = groupPart{group: g.Group, op: replyWith(func(s *group.Shard, _ group.OpContext) kmsg.Response {
				resp := kmsg.NewPtrOffsetFetchResponse()
				resp.Groups = []kmsg.OffsetFetchResponseGroup{s.FetchOffsets(g, req.RequireStable)}
				return resp
			})}
		}
		return groupFanOut(ctx, parts, func(resps []kmsg.Response, codes []int16) kmsg.Response {
			resp := req.ResponseKind().(*kmsg.OffsetFetchResponse)
			for i, g := range req.Groups {
				if codes[i] != 0 {
					rg := kmsg.NewOffsetFetchResponseGroup()
					rg.Group, rg.ErrorCode = g.Group, codes[i]
					resp.Groups = append(resp.Groups, rg)
					continue
				}
				resp.Groups = append(resp.Groups, resps[i].(*kmsg.OffsetFetchResponse).Groups[0])
			}
			return resp
		})
	}
	// v0-7: one group, its topics at the top level.
	one := kmsg.OffsetFetchRequestGroup{Group: req.Group}
	if req.Topics != nil {
		one.Topics = []kmsg.OffsetFetchRequestGroupTopic{}
		for _, t := range req.Topics {
			one.Topics = append(one.Topics, kmsg.OffsetFetchRequestGroupTopic{Topic: t.Topic, Partitions: t.Partitions})
		}
	}
	toOld := func(g kmsg.OffsetFetchResponseGroup) kmsg.Response {
		resp := req.ResponseKind().(*kmsg.OffsetFetchResponse)
		resp.ErrorCode = g.ErrorCode
		for _, t := range g.Topics {
			rt := kmsg.NewOffsetFetchResponseTopic()
			rt.Topic = t.Topic
			for _, p := range t.Partitions {
				rp := kmsg.NewOffsetFetchResponseTopicPartition()
				rp.Partition, rp.Offset, rp.LeaderEpoch, rp.Metadata, rp.ErrorCode = p.Partition, p.Offset, p.LeaderEpoch, p.Metadata, p.ErrorCode
				if req.Version < 2 && g.ErrorCode != 0 {
					rp.ErrorCode = g.ErrorCode // v0-1 have no top-level error
				}
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp
	}
	return groupOp(ctx, req.Group, func(code int16) kmsg.Response {
		g := kmsg.OffsetFetchResponseGroup{Group: req.Group, ErrorCode: code}
		for _, t := range one.Topics { // v0-1: the error on each partition asked for
			rt := kmsg.OffsetFetchResponseGroupTopic{Topic: t.Topic}
			for _, p := range t.Partitions {
				rt.Partitions = append(rt.Partitions, kmsg.OffsetFetchResponseGroupTopicPartition{Partition: p, Offset: -1, LeaderEpoch: -1, ErrorCode: code})
			}
			g.Topics = append(g.Topics, rt)
		}
		return toOld(g)
	}, replyWith(func(s *group.Shard, _ group.OpContext) kmsg.Response {
		return toOld(s.FetchOffsets(one, req.RequireStable))
	}))
}

func handleOffsetDelete(ctx *RequestContext, req *kmsg.OffsetDeleteRequest) Reply {
	sub := *req
	var unknown unknownParts
	sub.Topics, unknown = splitKnown(ctx, req.Topics,
		func(t kmsg.OffsetDeleteRequestTopic) (string, []kmsg.OffsetDeleteRequestTopicPartition) {
			return t.Topic, t.Partitions
		},
		func(p kmsg.OffsetDeleteRequestTopicPartition) int32 { return p.Partition },
		func(t kmsg.OffsetDeleteRequestTopic, ps []kmsg.OffsetDeleteRequestTopicPartition) kmsg.OffsetDeleteRequestTopic {
			t.Partitions = ps
			return t
		})
	return groupOpThen(ctx, req.Group,
		func(s *group.Shard, oc group.OpContext) group.Result { return s.OffsetDelete(oc, &sub) },
		func(shardResp kmsg.Response, code int16) kmsg.Response {
			resp := req.ResponseKind().(*kmsg.OffsetDeleteResponse)
			if code != 0 {
				resp.ErrorCode = code
				return resp
			}
			got := shardResp.(*kmsg.OffsetDeleteResponse)
			resp.ErrorCode = got.ErrorCode
			if got.ErrorCode != 0 {
				return resp
			}
			codeOf := map[string]map[int32]int16{}
			for _, t := range got.Topics {
				codeOf[t.Topic] = map[int32]int16{}
				for _, p := range t.Partitions {
					codeOf[t.Topic][p.Partition] = p.ErrorCode
				}
			}
			for _, t := range req.Topics {
				rt := kmsg.NewOffsetDeleteResponseTopic()
				rt.Topic = t.Topic
				for _, p := range t.Partitions {
					rp := kmsg.NewOffsetDeleteResponseTopicPartition()
					rp.Partition = p.Partition
					if unknown.has(t.Topic, p.Partition) {
						rp.ErrorCode = kerr.UnknownTopicOrPartition.Code
					} else {
						rp.ErrorCode = codeOf[t.Topic][p.Partition]
					}
					rt.Partitions = append(rt.Partitions, rp)
				}
				resp.Topics = append(resp.Topics, rt)
			}
			return resp
		})
}
