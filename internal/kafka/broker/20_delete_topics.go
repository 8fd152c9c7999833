package broker

import (
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/meta"
	"github.com/wharf-project/wharf/internal/kafka/zkdata"
)

// DeleteTopics v0-v6 (v6, Kafka 2.8's KIP-516, deletes by topic id).
func init() { Register(20, 0, 6, Typed(handleDeleteTopics)) }

// handleDeleteTopics is KafkaApis.handleDeleteTopicsRequest with
// ZkAdminManager.deleteTopics (Kafka 2.8 and 3.9 alike):
//
//   - Only the active controller deletes; another broker answers
//     NOT_CONTROLLER. With delete.topic.enable=false every topic is
//     TOPIC_DELETION_DISABLED (INVALID_REQUEST before v3, which predates
//     that code).
//   - v6 names a topic or gives its id: both at once refuse the whole
//     request (INVALID_REQUEST for every entry); an id the metadata cache
//     does not know is UNKNOWN_TOPIC_ID; a name it does not know is
//     UNKNOWN_TOPIC_OR_PARTITION. A resolved id answers with its name.
//   - The Admin marks the rest under /admin/delete_topics (a topic already
//     marked is fine), then the handler waits up to timeout_ms for them to
//     leave the metadata cache; those still there are REQUEST_TIMED_OUT
//     (at once when timeout_ms <= 0).
//
// Kafka's ZooKeeper-mode handler sets codes only; Wharf adds a message
// where it differs from Kafka (an entry with neither name nor id, which
// Kafka reports as TOPIC_AUTHORIZATION_FAILED, is INVALID_REQUEST here,
// as Kafka's KRaft controller answers).
func handleDeleteTopics(ctx *RequestContext, req *kmsg.DeleteTopicsRequest) Reply {
	b := ctx.Broker.(*Broker)
	v := req.Version
	resp := req.ResponseKind().(*kmsg.DeleteTopicsResponse)
	in := req.Topics
	if v < 6 {
		in = make([]kmsg.DeleteTopicsRequestTopic, len(req.TopicNames))
		for i := range req.TopicNames {
			in[i].Topic = &req.TopicNames[i]
		}
	}
	resp.Topics = make([]kmsg.DeleteTopicsResponseTopic, len(in))
	for i, t := range in {
		r := kmsg.NewDeleteTopicsResponseTopic()
		r.Topic, r.TopicID = t.Topic, t.TopicID
		resp.Topics[i] = r
	}
	setAll := func(code int16) Reply {
		for i := range resp.Topics {
			resp.Topics[i].ErrorCode = code
		}
		return Respond(resp)
	}
	if !b.controllerActive() {
		return setAll(kerr.NotController.Code)
	}
	if cfg := b.currentConfig(); cfg != nil && !cfg.DeleteTopicEnable {
		return setAll(deletionDisabledCode(v))
	}
	for _, t := range in {
		if t.Topic != nil && t.TopicID != zeroTopicID {
			ctx.Log().Info("Error when handling request: Topic name and topic ID can not both be specified.", "api", "DeleteTopics", "client", ctx.ClientID)
			return setAll(kerr.InvalidRequest.Code)
		}
	}

	snap := b.Meta.Snapshot()
	var toDelete []string
	queued := map[string]bool{}
	for i := range resp.Topics {
		r := &resp.Topics[i]
		if r.TopicID != zeroTopicID {
			tp, ok := snap.TopicByID(zkdata.UUID(r.TopicID))
			if !ok {
				r.ErrorCode = kerr.UnknownTopicID.Code
				continue
			}
			name := tp.Name
			r.Topic = &name
		}
		switch {
		case r.Topic == nil:
			msg := "Neither topic name nor id were specified."
			r.ErrorCode, r.ErrorMessage = kerr.InvalidRequest.Code, &msg
		case !snap.Contains(*r.Topic):
			r.ErrorCode = kerr.UnknownTopicOrPartition.Code
		case !queued[*r.Topic]:
			queued[*r.Topic] = true
			toDelete = append(toDelete, *r.Topic)
		}
	}
	if len(toDelete) == 0 {
		return Respond(resp)
	}

	opctx, cancel := opContext(ctx, adminOpTimeout)
	defer cancel()
	codes := map[string]int16{}
	var pending []string
	for _, res := range b.Admin.DeleteTopics(opctx, toDelete) {
		code := res.ErrorCode
		switch code {
		case 0:
			pending = append(pending, res.Name)
		case kerr.TopicDeletionDisabled.Code:
			code = deletionDisabledCode(v)
		default:
			logAdminFailure(ctx, "delete topic request", res.Name, code, res.ErrorMessage)
		}
		codes[res.Name] = code
	}
	if len(pending) > 0 {
		gone := func(s *meta.Snapshot) bool {
			for _, t := range pending {
				if s.Contains(t) {
					return false
				}
			}
			return true
		}
		if req.TimeoutMillis > 0 {
			b.waitMetadata(ctx, time.Duration(req.TimeoutMillis)*time.Millisecond, gone)
		}
		snap = b.Meta.Snapshot()
		for _, t := range pending {
			if req.TimeoutMillis <= 0 || snap.Contains(t) {
				codes[t] = kerr.RequestTimedOut.Code
			}
		}
	}
	for i := range resp.Topics {
		r := &resp.Topics[i]
		if r.ErrorCode != 0 || r.Topic == nil {
			continue
		}
		if code, ok := codes[*r.Topic]; ok {
			r.ErrorCode = code
		}
	}
	return Respond(resp)
}

// deletionDisabledCode is the answer to a deletion with
// delete.topic.enable=false: TOPIC_DELETION_DISABLED from v3 on.
func deletionDisabledCode(version int16) int16 {
	if version < 3 {
		return kerr.InvalidRequest.Code
	}
	return kerr.TopicDeletionDisabled.Code
}
