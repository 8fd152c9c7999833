package broker

import (
	"math"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/meta"
	"github.com/wharf-project/wharf/internal/kafka/partition"
	"github.com/wharf-project/wharf/internal/kafka/wire"
	"github.com/wharf-project/wharf/internal/kafka/zkdata"
)

// Fetch v0-v17 are Kafka 3.9's. v13+ name topics by id; v15 moves the
// replica id into ReplicaState; v16 adds the current leader of a partition
// answered NOT_LEADER_OR_FOLLOWER or FENCED_LEADER_EPOCH (KIP-951); v17
// only adds the follower's directory id (KRaft), which is ignored. v0-v2
// stay registered: librdkafka compresses only when the broker advertises
// Fetch v2 or more, as Kafka 2.8 does.
func init() { Register(1, 0, 17, Typed(handleFetch)) }

// handleFetch is KafkaApis.handleFetchRequest:
//
//   - The fetch session (fetch_session.go) decides which partitions are
//     read: the request's (sessionless, full) or the session's
//     (incremental); a session error answers at once with the error and
//     no partitions.
//   - A partition whose topic id is unknown is UNKNOWN_TOPIC_ID (v13+), one
//     absent from the metadata UNKNOWN_TOPIC_OR_PARTITION; these come last
//     in the response, as in Kafka.
//   - The others are read by the replica manager, which waits up to
//     max_wait_ms for min_bytes (capped at the response limit) in its
//     purgatory: the reply is a Pending, the connection keeps reading.
//   - The response limit is min(max_bytes, fetch.max.bytes); v0-v2 have no
//     max_bytes (Integer.MAX_VALUE) and a hard limit: no batch beyond the
//     limits, a cut batch is sent cut. v3+ return at least one whole batch
//     (KIP-74) from the first partition with data.
//   - Record data goes from the segment files to the socket (sendfile).
//   - KAFKA_STORAGE_ERROR is NOT_LEADER_OR_FOLLOWER for v0-v5; a topic with
//     compression.type zstd is UNSUPPORTED_COMPRESSION_TYPE for v0-v9.
//   - A consumer of v0-v3 gets the stored v2 batches as they are (Kafka
//     down-converts them to magic 0/1; modern clients of old versions,
//     librdkafka, kafka-python, Sarama, franz-go, read batches by their
//     magic byte), or UNSUPPORTED_VERSION when the topic sets
//     message.downconversion.enable=false, as Kafka answers then.
//   - aborted_transactions is null, and an empty list for a read_committed
//     consumer's partitions without an error (no transaction is ever
//     aborted here); preferred_read_replica is -1.
func handleFetch(ctx *RequestContext, req *kmsg.FetchRequest) Reply {
	b := ctx.Broker.(*Broker)
	v := req.Version
	snap := b.Meta.Snapshot()
	replicaID := req.ReplicaID
	if v >= 15 {
		replicaID = req.ReplicaState.ID
	}
	op := &fetchOp{b: b, v: v, snap: snap, follower: replicaID >= 0, listener: b.listenerName(ctx), usesIDs: v >= 13}
	if v >= 4 && !op.follower {
		op.isolation = req.IsolationLevel
	}
	data, forget := fetchRequestData(req, snap, op.usesIDs)
	op.fc = b.fetchSessions().newContext(req.SessionID, req.SessionEpoch, op.usesIDs, op.follower, data, forget, b.nowMs())
	if op.fc.kind == fetchSessionError {
		ctx.Log().Debug("fetch session error", "sessionId", req.SessionID, "epoch", req.SessionEpoch, "error", op.fc.errorCode)
		return op.reply(nil)
	}
	parts := op.fc.partitions(func(id [16]byte) (string, bool) {
		t, ok := snap.TopicByID(zkdata.UUID(id))
		if !ok {
			return "", false
		}
		return t.Name, true
	})
	op.byKey = make(map[fetchKey]fetchPartition, len(parts))
	var reads []partition.FetchPartition
	for _, fp := range parts {
		op.byKey[keyOf(&fp, op.usesIDs)] = fp
		switch {
		case op.usesIDs && fp.topic == "":
			op.erroneous = append(op.erroneous, erroneousFetch{fp, kerr.UnknownTopicID.Code})
		case !hasPartition(snap, fp.topic, fp.partition):
			op.erroneous = append(op.erroneous, erroneousFetch{fp, kerr.UnknownTopicOrPartition.Code})
		default:
			op.reads = append(op.reads, fp)
			reads = append(reads, partition.FetchPartition{
				TopicPartition:     partition.TopicPartition{Topic: fp.topic, Partition: fp.partition},
				FetchOffset:        fp.fetchOffset,
				LogStartOffset:     fp.logStartOffset,
				MaxBytes:           fp.maxBytes,
				CurrentLeaderEpoch: fp.currentLeaderEpoch,
				LastFetchedEpoch:   fp.lastFetchedEpoch,
			})
			if !op.follower {
				b.topicStats(fp.topic).FetchRequest()
			}
		}
	}
	if len(reads) == 0 {
		return op.reply(nil)
	}
	maxBytes := int32(math.MaxInt32)
	if v >= 3 {
		maxBytes = req.MaxBytes
	}
	if cfg := b.currentConfig(); cfg != nil && cfg.FetchMaxBytes > 0 {
		maxBytes = min(maxBytes, cfg.FetchMaxBytes)
	}
	var ar asyncReply
	b.Replicas.FetchMessages(partition.FetchRequest{
		ReplicaID:         replicaID,
		MaxWaitMs:         req.MaxWaitMillis,
		MinBytes:          min(req.MinBytes, maxBytes),
		MaxBytes:          maxBytes,
		HardMaxBytesLimit: v <= 2,
		Isolation:         op.isolation,
		ClientMetadata:    v >= 11 && !op.follower,
		Partitions:        reads,
	}, func(rs []partition.FetchResult) { ar.complete(op.reply(rs)) })
	return ar.reply()
}

func hasPartition(snap *meta.Snapshot, topic string, p int32) bool {
	_, ok := snap.Partition(topic, p)
	return ok
}

// fetchRequestData lists the request's partitions, each once (a partition
// named twice keeps its first place and its last parameters, as Kafka's
// LinkedHashMap does), and its forgotten partitions (v7+). In v13+ topics
// are named by id; an id unknown here leaves the name empty.
func fetchRequestData(req *kmsg.FetchRequest, snap *meta.Snapshot, usesIDs bool) (data, forget []fetchPartition) {
	name := func(topic string, id [16]byte) string {
		if !usesIDs {
			return topic
		}
		if t, ok := snap.TopicByID(zkdata.UUID(id)); ok {
			return t.Name
		}
		return ""
	}
	idx := map[fetchKey]int{}
	for i := range req.Topics {
		t := &req.Topics[i]
		var id [16]byte
		if usesIDs {
			id = t.TopicID
		}
		topic := name(t.Topic, id)
		for j := range t.Partitions {
			p := &t.Partitions[j]
			fp := fetchPartition{topicID: id, topic: topic, partition: p.Partition, fetchOffset: p.FetchOffset,
				logStartOffset: p.LogStartOffset, maxBytes: p.PartitionMaxBytes, currentLeaderEpoch: p.CurrentLeaderEpoch,
				lastFetchedEpoch: p.LastFetchedEpoch}
			k := keyOf(&fp, usesIDs)
			if at, dup := idx[k]; dup {
				data[at] = fp
				continue
			}
			idx[k] = len(data)
			data = append(data, fp)
		}
	}
	for i := range req.ForgottenTopics {
		t := &req.ForgottenTopics[i]
		var id [16]byte
		if usesIDs {
			id = t.TopicID
		}
		topic := name(t.Topic, id)
		for _, p := range t.Partitions {
			forget = append(forget, fetchPartition{topicID: id, topic: topic, partition: p})
		}
	}
	return data, forget
}

// fetchOp is one fetch request on its way: what was asked and what the
// response is built from.
type fetchOp struct {
	b         *Broker
	v         int16
	snap      *meta.Snapshot
	follower  bool
	isolation int8
	listener  string
	usesIDs   bool
	fc        *fetchContext
	byKey     map[fetchKey]fetchPartition
	reads     []fetchPartition // read by the replica manager, in order
	erroneous []erroneousFetch // refused before reading
}

type erroneousFetch struct {
	fp   fetchPartition
	code int16
}

// fetchPart is one partition of the response under construction.
type fetchPart struct {
	fp      fetchPartition
	kp      kmsg.FetchResponseTopicPartition
	records partition.FetchResult // its region is the partition's data (Len 0: none)
}

// reply builds the response (processResponseCallback): the read results
// in order, then the refused partitions; the session keeps what it needs
// and, for an incremental session, drops the partitions with nothing new;
// the regions of what is sent are spliced into the response.
func (op *fetchOp) reply(results []partition.FetchResult) Reply {
	parts := make([]fetchPart, 0, len(results)+len(op.erroneous))
	var brokers map[int32]meta.Node
	for i := range results {
		r := &results[i]
		fp := op.reads[i]
		kp := kmsg.NewFetchResponseTopicPartition()
		kp.Partition = fp.partition
		kp.ErrorCode = r.ErrorCode
		if kp.ErrorCode == kerr.KafkaStorageError.Code && op.v <= 5 {
			kp.ErrorCode = kerr.NotLeaderForPartition.Code
		}
		kp.HighWatermark, kp.LastStableOffset, kp.LogStartOffset = r.HighWatermark, r.LastStableOffset, r.LogStartOffset
		kp.PreferredReadReplica = r.PreferredReadReplica
		if r.ErrorCode == 0 && !op.follower && op.isolation == partition.ReadCommitted {
			kp.AbortedTransactions = []kmsg.FetchResponseTopicPartitionAbortedTransaction{}
		}
		if d := r.DivergingEpoch; d != nil {
			kp.DivergingEpoch.Epoch, kp.DivergingEpoch.EndOffset = d.LeaderEpoch, d.EndOffset
		}
		if op.v >= 16 && (kp.ErrorCode == kerr.NotLeaderForPartition.Code || kp.ErrorCode == kerr.FencedLeaderEpoch.Code) {
			leader, epoch, node, ok := op.b.leaderHint(op.snap, r.TopicPartition, op.listener)
			kp.CurrentLeader.LeaderID, kp.CurrentLeader.LeaderEpoch = leader, epoch
			if ok {
				if brokers == nil {
					brokers = map[int32]meta.Node{}
				}
				brokers[node.ID] = node
			}
		}
		if r.ErrorCode != 0 && !knownFetchError(r.ErrorCode) && !op.follower {
			op.b.topicStats(fp.topic).FailedFetchRequest()
		}
		parts = append(parts, fetchPart{fp: fp, kp: kp, records: *r})
	}
	for _, e := range op.erroneous {
		parts = append(parts, fetchPart{fp: e.fp, kp: fetchErrorPartition(e.fp.partition, e.code)})
	}

	outs := make([]fetchOutcome, len(parts))
	for i := range parts {
		pt := &parts[i]
		outs[i] = fetchOutcome{key: keyOf(&pt.fp, op.usesIDs), recordsLen: pt.records.Records.Region.Len,
			highWatermark: pt.kp.HighWatermark, logStartOffset: pt.kp.LogStartOffset, errorCode: pt.kp.ErrorCode,
			preferredReplica: pt.kp.PreferredReadReplica, diverging: pt.kp.DivergingEpoch.Epoch >= 0}
	}
	code, sessionID, keep := op.fc.respond(outs, op.byKey, op.b.nowMs())

	resp := kmsg.NewPtrFetchResponse()
	resp.Version, resp.ErrorCode, resp.SessionID = op.v, code, sessionID
	var sp *wire.Splicer
	for i := range parts {
		pt := &parts[i]
		if !keep[i] {
			pt.records.Release()
			continue
		}
		op.convert(pt)
		n := pt.records.Records.Region.Len
		if n > 0 {
			if sp == nil {
				sp = &wire.Splicer{}
			}
			pt.kp.RecordBatches = sp.Placeholder(FileRegion(pt.records.Records.Region))
			if op.follower {
				op.b.replicationBytesOut(n)
			} else {
				op.b.topicStats(pt.fp.topic).BytesOut(n)
			}
		} else {
			pt.records.Release()
			pt.kp.RecordBatches = []byte{}
		}
		// Consecutive partitions of one topic share its entry (FetchResponse.toMessage).
		if k := len(resp.Topics); k == 0 || resp.Topics[k-1].Topic != pt.fp.topic || resp.Topics[k-1].TopicID != pt.fp.topicID {
			rt := kmsg.NewFetchResponseTopic()
			rt.Topic, rt.TopicID = pt.fp.topic, pt.fp.topicID
			resp.Topics = append(resp.Topics, rt)
		}
		rt := &resp.Topics[len(resp.Topics)-1]
		rt.Partitions = append(rt.Partitions, pt.kp)
	}
	for _, n := range brokers {
		rb := kmsg.NewFetchResponseBroker()
		rb.NodeID, rb.Host, rb.Port, rb.Rack = n.ID, n.Host, n.Port, n.Rack
		resp.Brokers = append(resp.Brokers, rb)
	}
	if sp == nil {
		return Respond(resp)
	}
	return RespondSpliced(resp, sp)
}

// convert is maybeConvertFetchedData: the checks Kafka makes before
// sending a partition's records to a client of an older version. A
// refused partition's data is dropped.
func (op *fetchOp) convert(pt *fetchPart) {
	if op.v >= 10 || pt.fp.topic == "" {
		return
	}
	p, ok := op.b.Replicas.Partition(partition.TopicPartition{Topic: pt.fp.topic, Partition: pt.fp.partition})
	if !ok {
		return // no log here: Kafka has no log config to go by
	}
	l := p.Log()
	if l == nil {
		return
	}
	code := int16(0)
	switch {
	case l.Config().CompressionType == "zstd":
		code = kerr.UnsupportedCompressionType.Code
	case op.v <= 3 && !op.follower && !op.b.downConversionEnabled(pt.fp.topic):
		code = kerr.UnsupportedVersion.Code
	}
	if code != 0 {
		pt.records.Release()
		pt.records = partition.FetchResult{}
		pt.kp = fetchErrorPartition(pt.fp.partition, code)
	}
}

// downConversionEnabled is the topic's message.downconversion.enable.
func (b *Broker) downConversionEnabled(topic string) bool {
	if b.Configs == nil {
		return true
	}
	tc, err := b.TopicConfig(topic)
	return err != nil || tc.MessageDownConversionEnable
}

// fetchErrorPartition is FetchResponse.partitionResponse: an error and no data.
func fetchErrorPartition(p int32, code int16) kmsg.FetchResponseTopicPartition {
	kp := kmsg.NewFetchResponseTopicPartition()
	kp.Partition, kp.ErrorCode = p, code
	kp.HighWatermark, kp.LastStableOffset, kp.LogStartOffset = -1, -1, -1
	kp.PreferredReadReplica = -1
	return kp
}

// knownFetchError: errors of a partition read that Kafka does not count
// as a failed fetch (ReplicaManager.readFromLocalLog).
func knownFetchError(code int16) bool {
	switch code {
	case kerr.UnknownTopicOrPartition.Code, kerr.NotLeaderForPartition.Code, kerr.UnknownLeaderEpoch.Code,
		kerr.FencedLeaderEpoch.Code, kerr.ReplicaNotAvailable.Code, kerr.KafkaStorageError.Code, kerr.OffsetOutOfRange.Code:
		return true
	}
	return false
}
