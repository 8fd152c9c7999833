package broker

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/controller"
	"github.com/wharf-project/wharf/internal/kafka/zkdata"
)

// Metadata v0-v12 are Kafka 3.9's; v13 (Kafka 4.0, KIP-1102) only adds a
// top-level error code for REBOOTSTRAP_REQUIRED, which a ZooKeeper-mode
// broker never sends.
func init() { Register(3, 0, 13, Typed(handleMetadata)) }

// handleMetadata is KafkaApis.handleTopicMetadataRequest (Kafka 2.8, with
// Kafka 3.x's topics by id, v12+):
//
//   - All topics: a null list (v1+) or an empty one (v0). Otherwise the
//     named topics (each once), or at v12+, when any entry carries a topic
//     id, the topics of those ids (names then ignored, as Kafka does);
//     an unknown id is UNKNOWN_TOPIC_ID with a null name.
//   - A topic that does not exist is auto-created when the request allows
//     it (v4+; always before) and auto.create.topics.enable is on, and is
//     then LEADER_NOT_AVAILABLE; otherwise UNKNOWN_TOPIC_OR_PARTITION, or
//     INVALID_TOPIC_EXCEPTION for an illegal name.
//   - Brokers, leaders and replicas are the endpoints of the listener the
//     request came in on; v0 leaves out replicas without it and flags
//     REPLICA_NOT_AVAILABLE, v6+ reports a leader without it as
//     LISTENER_NOT_FOUND (meta.Snapshot.TopicMetadata).
//   - Authorized operations (v8+) are every supported operation when asked
//     (there is no authorizer), -2147483648 when not.
//   - A null name before v12, or a topic id before v12, makes the whole
//     request INVALID_REQUEST (MetadataRequest.getErrorResponse).
//
// Topics come in Kafka's grouping: unknown ids, then the existing topics
// (in request order; by name for all topics), then the missing ones.
func handleMetadata(ctx *RequestContext, req *kmsg.MetadataRequest) Reply {
	b := ctx.Broker.(*Broker)
	v := req.Version
	allTopics := req.Topics == nil || (v == 0 && len(req.Topics) == 0)
	useIDs := false
	if !allTopics {
		for _, t := range req.Topics {
			switch {
			case t.Topic == nil && v < 12:
				return metadataRequestError(ctx, req, fmt.Sprintf("Topic name can not be null for version %d", v))
			case t.TopicID != zeroTopicID && v < 12:
				return metadataRequestError(ctx, req, fmt.Sprintf("Topic IDs are not supported in requests for version %d", v))
			case t.TopicID != zeroTopicID:
				useIDs = true
			}
		}
		if !useIDs {
			for _, t := range req.Topics {
				if t.Topic == nil {
					// Kafka fails with a NullPointerException here.
					return metadataRequestError(ctx, req, "Topic name can not be null unless a topic ID is given")
				}
			}
		}
	}

	snap := b.Meta.Snapshot()
	listener := b.listenerName(ctx)
	resp := req.ResponseKind().(*kmsg.MetadataResponse)

	var unknownIDs []kmsg.MetadataResponseTopic
	var names []string
	seen := map[string]bool{}
	addName := func(n string) {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	switch {
	case allTopics:
		names = snap.TopicNames()
	case useIDs:
		seenID := map[[16]byte]bool{}
		for _, t := range req.Topics {
			if t.TopicID == zeroTopicID || seenID[t.TopicID] {
				continue
			}
			seenID[t.TopicID] = true
			if tp, ok := snap.TopicByID(zkdata.UUID(t.TopicID)); ok {
				addName(tp.Name)
				continue
			}
			u := kmsg.NewMetadataResponseTopic()
			u.ErrorCode = kerr.UnknownTopicID.Code
			u.TopicID = t.TopicID
			u.Partitions = []kmsg.MetadataResponseTopicPartition{}
			unknownIDs = append(unknownIDs, u)
		}
	default:
		for _, t := range req.Topics {
			addName(*t.Topic)
		}
	}

	topics := snap.TopicMetadata(names, listener, v == 0, v >= 6)
	if !allTopics && len(topics) < len(names) {
		missing := snap.NonExistingTopics(names)
		allowAuto := req.AllowAutoTopicCreation || v < 4 // the field's default is true
		if cfg := b.currentConfig(); allowAuto && cfg != nil && cfg.AutoCreateTopicsEnable {
			topics = append(topics, b.AutoCreateTopics(ctx, missing)...)
		} else {
			for _, n := range missing {
				code := kerr.UnknownTopicOrPartition.Code
				if controller.ValidateTopicName(n) != "" {
					code = kerr.InvalidTopicException.Code
				}
				topics = append(topics, metadataTopicError(n, code))
			}
		}
	}
	if v >= 8 && req.IncludeTopicAuthorizedOperations {
		for i := range topics {
			topics[i].AuthorizedOperations = topicAuthorizedOperations
		}
	}
	if v >= 8 && v <= 10 && req.IncludeClusterAuthorizedOperations {
		resp.AuthorizedOperations = clusterAuthorizedOperations
	}
	resp.Topics = append(unknownIDs, topics...)

	for _, n := range snap.Nodes(listener) {
		mb := kmsg.NewMetadataResponseBroker()
		mb.NodeID, mb.Host, mb.Port, mb.Rack = n.ID, n.Host, n.Port, n.Rack
		resp.Brokers = append(resp.Brokers, mb)
	}
	if id, ok := b.clusterIDOf(snap); ok {
		resp.ClusterID = &id
	}
	resp.ControllerID = snap.ControllerID()
	return Respond(resp)
}

// zeroTopicID is Uuid.ZERO_UUID, "no topic id".
var zeroTopicID [16]byte

// metadataRequestError is MetadataRequest.getErrorResponse for an
// InvalidRequestException: every requested topic (a null name as "")
// with INVALID_REQUEST, no brokers, no controller, no cluster id.
func metadataRequestError(ctx *RequestContext, req *kmsg.MetadataRequest, msg string) Reply {
	ctx.Log().Info("Error when handling request: "+msg, "api", "Metadata", "version", req.Version, "client", ctx.ClientID)
	resp := req.ResponseKind().(*kmsg.MetadataResponse)
	for _, t := range req.Topics {
		name := ""
		if t.Topic != nil {
			name = *t.Topic
		}
		mt := kmsg.NewMetadataResponseTopic()
		mt.Topic, mt.TopicID = &name, t.TopicID
		mt.ErrorCode = kerr.InvalidRequest.Code
		mt.Partitions = []kmsg.MetadataResponseTopicPartition{}
		resp.Topics = append(resp.Topics, mt)
	}
	return Respond(resp)
}
