package broker

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/meta"
	"github.com/wharf-project/wharf/internal/kafka/partition"
	"github.com/wharf-project/wharf/internal/kafka/record"
)

// Produce v0-v11 are Kafka 3.9's: v10 adds the current leader of a
// partition answered NOT_LEADER_OR_FOLLOWER (KIP-951), v11 only the
// TRANSACTION_ABORTABLE error, which a broker without transactions never
// sends. v0-v2 stay registered: librdkafka compresses only when the
// broker advertises Produce v2 or more, as Kafka 2.8 does.
func init() { Register(0, 0, 11, Typed(handleProduce)) }

// adminClientID is AdminUtils.AdminClientId: the one client id allowed to
// write to the internal topics through Produce.
const adminClientID = "__admin_client"

// txnUnsupportedMessage explains the refusal of transactional records.
const txnUnsupportedMessage = "Transactional Id authorization failed: this broker has no transaction coordinator; " +
	"transactional producers are not supported (idempotent producers are)"

// handleProduce is KafkaApis.handleProduceRequest:
//
//   - Transactional batches are refused with
//     TRANSACTIONAL_ID_AUTHORIZATION_FAILED on every partition: Wharf has
//     no transaction coordinator to commit or abort them, and that is
//     what Kafka answers a producer that may not use its transactional id
//     (clients fail at once with a clear error instead of retrying).
//   - A partition absent from the metadata is UNKNOWN_TOPIC_OR_PARTITION.
//   - Each partition must hold exactly one v2 batch (ProduceRequest.
//     validateRecords, LogValidator): none or more than one, or a v3+
//     batch of magic 0/1, is INVALID_RECORD; zstd before v7
//     UNSUPPORTED_COMPRESSION_TYPE; a header that does not parse
//     CORRUPT_MESSAGE. Bytes after the batch that do not make a batch are
//     ignored, as Kafka trims them. v0-v2 messages of magic 0/1 are
//     UNSUPPORTED_FOR_MESSAGE_FORMAT (Kafka up-converts them; every client
//     named in the requirements sends v2 batches).
//   - The rest is appended by the replica manager: acks 1 and 0 answer
//     after the local append, acks=all once the high watermark covers the
//     batch (or REQUEST_TIMED_OUT after timeout_ms), without holding the
//     connection; other acks are INVALID_REQUIRED_ACKS.
//   - acks=0 is never answered; when a partition failed the connection is
//     closed instead, so that the client notices and refreshes its metadata.
//   - Meters: TotalProduceRequests per partition appended to,
//     BytesIn/MessagesIn for what was appended, FailedProduceRequests and
//     BytesRejected as ReplicaManager.appendToLocalLog marks them.
func handleProduce(ctx *RequestContext, req *kmsg.ProduceRequest) Reply {
	b := ctx.Broker.(*Broker)
	if hasTransactionalRecords(req) {
		ctx.Log().Info("refusing transactional produce: transactions are not supported", "client", ctx.ClientID,
			"transactionalId", nullableString(req.TransactionID))
		return produceErrorReply(req, kerr.TransactionalIDAuthorizationFailed.Code, txnUnsupportedMessage)
	}
	op := &produceOp{b: b, req: req, snap: b.Meta.Snapshot(), listener: b.listenerName(ctx)}
	var parts []partition.AppendPartition
	for i := range req.Topics {
		t := &req.Topics[i]
		for j := range t.Partitions {
			p := &t.Partitions[j]
			e := op.entry(t.Topic, p.Partition)
			switch batch, code := produceBatch(req.Version, p.Records); {
			case !hasPartition(op.snap, t.Topic, p.Partition):
				e.code = kerr.UnknownTopicOrPartition.Code
			case code != 0:
				e.code = code
			default:
				e.code, e.batch = 0, batch
			}
		}
	}
	for _, e := range op.entries {
		if e.batch != nil {
			e.append = len(parts)
			parts = append(parts, partition.AppendPartition{
				TopicPartition: partition.TopicPartition{Topic: e.topic, Partition: e.partition}, Records: e.batch})
		}
	}
	var ar asyncReply
	b.Replicas.AppendRecords(partition.AppendRequest{
		Acks:                  req.Acks,
		TimeoutMs:             req.TimeoutMillis,
		Origin:                partition.OriginClient,
		InternalTopicsAllowed: ctx.ClientID == adminClientID,
		Partitions:            parts,
	}, func(rs []partition.AppendResult) { ar.complete(op.reply(ctx, rs)) })
	return ar.reply()
}

// produceOp is one produce request on its way.
type produceOp struct {
	b        *Broker
	req      *kmsg.ProduceRequest
	snap     *meta.Snapshot
	listener string
	entries  []*produceEntry // one per partition, in request order
	index    map[partition.TopicPartition]*produceEntry
}

// produceEntry is one partition of the request: refused (code), or its
// batch appended (append: its index in the append request).
type produceEntry struct {
	topic     string
	partition int32
	code      int16
	batch     []byte
	append    int
	result    partition.AppendResult
}

// entry returns the partition's entry; a partition named twice keeps its
// first place and its last records (Kafka's request maps).
func (op *produceOp) entry(topic string, p int32) *produceEntry {
	tp := partition.TopicPartition{Topic: topic, Partition: p}
	if e := op.index[tp]; e != nil {
		e.code, e.batch = 0, nil
		return e
	}
	if op.index == nil {
		op.index = map[partition.TopicPartition]*produceEntry{}
	}
	e := &produceEntry{topic: topic, partition: p, append: -1}
	op.index[tp] = e
	op.entries = append(op.entries, e)
	return e
}

// reply builds the response from the append results (sendResponseCallback).
func (op *produceOp) reply(ctx *RequestContext, results []partition.AppendResult) Reply {
	v := op.req.Version
	validAcks := op.req.Acks == -1 || op.req.Acks == 0 || op.req.Acks == 1
	resp := op.req.ResponseKind().(*kmsg.ProduceResponse)
	var failed []string
	var brokers map[int32]meta.Node
	for _, e := range op.entries {
		kp := kmsg.NewProduceResponseTopicPartition()
		kp.Partition, kp.ErrorCode, kp.BaseOffset = e.partition, e.code, -1
		if e.append >= 0 {
			r := results[e.append]
			kp.ErrorCode, kp.BaseOffset, kp.LogAppendTime, kp.LogStartOffset = r.ErrorCode, r.BaseOffset, r.LogAppendTime, r.LogStartOffset
			if v >= 8 {
				if r.ErrorMessage != "" {
					kp.ErrorMessage = &r.ErrorMessage
				}
				for _, re := range r.RecordErrors {
					er := kmsg.NewProduceResponseTopicPartitionErrorRecord()
					er.RelativeOffset = int32(re.Index)
					if re.Message != "" {
						er.ErrorMessage = &re.Message
					}
					kp.ErrorRecords = append(kp.ErrorRecords, er)
				}
			}
			if validAcks {
				op.meter(e, r)
			}
		}
		if kp.ErrorCode != 0 {
			failed = append(failed, fmt.Sprintf("%s-%d -> %s", e.topic, e.partition, errorName(kp.ErrorCode)))
			if v >= 10 && kp.ErrorCode == kerr.NotLeaderForPartition.Code {
				tp := partition.TopicPartition{Topic: e.topic, Partition: e.partition}
				leader, epoch, node, ok := op.b.leaderHint(op.snap, tp, op.listener)
				kp.CurrentLeader.LeaderID, kp.CurrentLeader.LeaderEpoch = leader, epoch
				if ok {
					if brokers == nil {
						brokers = map[int32]meta.Node{}
					}
					brokers[node.ID] = node
				}
			}
		}
		if k := len(resp.Topics); k == 0 || resp.Topics[k-1].Topic != e.topic {
			rt := kmsg.NewProduceResponseTopic()
			rt.Topic = e.topic
			resp.Topics = append(resp.Topics, rt)
		}
		rt := &resp.Topics[len(resp.Topics)-1]
		rt.Partitions = append(rt.Partitions, kp)
	}
	if op.req.Acks == 0 {
		if len(failed) == 0 {
			return NoResponse()
		}
		ctx.Log().Info("Closing connection due to error during produce request with ack=0", "correlationId", ctx.CorrelationID,
			"client", ctx.ClientID, "errors", strings.Join(failed, ", "))
		return CloseConnection(fmt.Errorf("broker: produce with acks=0 failed: %s", strings.Join(failed, ", ")))
	}
	for _, n := range brokers {
		rb := kmsg.NewProduceResponseBroker()
		rb.NodeID, rb.Host, rb.Port, rb.Rack = n.ID, n.Host, n.Port, n.Rack
		resp.Brokers = append(resp.Brokers, rb)
	}
	return Respond(resp)
}

// meter marks a partition's append as ReplicaManager.appendToLocalLog
// does: every partition handed to the log is a produce request; a batch
// appended (a base offset, even if acks=all then timed out) counts its
// bytes and messages; a failure other than those Kafka expects
// (unknown partition, not leader, too large, corrupt, storage, internal
// topic) is a failed produce request; a batch too large is rejected bytes.
func (op *produceOp) meter(e *produceEntry, r partition.AppendResult) {
	ts := op.b.topicStats(e.topic)
	ts.ProduceRequest()
	if r.BaseOffset >= 0 {
		ts.BytesIn(int64(len(e.batch)))
		ts.MessagesIn(int64(record.Batch(e.batch).LastOffsetDelta()) + 1)
		return
	}
	switch r.ErrorCode {
	case kerr.MessageTooLarge.Code, kerr.RecordListTooLarge.Code:
		ts.BytesRejected(int64(len(e.batch)))
	case kerr.UnknownTopicOrPartition.Code, kerr.NotLeaderForPartition.Code, kerr.CorruptMessage.Code,
		kerr.KafkaStorageError.Code, kerr.InvalidTopicException.Code:
	default:
		ts.FailedProduceRequest()
	}
}

// produceBatch is ProduceRequest.validateRecords with the log's rule of
// one v2 batch per partition: the batch (trailing bytes that make no
// batch cut off), or the error code.
func produceBatch(version int16, records []byte) ([]byte, int16) {
	size, magic, code := nextBatchHeader(records)
	switch {
	case code != 0:
		return nil, code
	case size < 0:
		return nil, kerr.InvalidRecord.Code // no batch at all
	case magic != record.MagicV2 && version >= 3:
		return nil, kerr.InvalidRecord.Code
	case magic != record.MagicV2:
		return nil, kerr.UnsupportedForMessageFormat.Code
	case record.Batch(records).Compression() == record.CompressionZstd && version < 7:
		return nil, kerr.UnsupportedCompressionType.Code
	}
	nextSize, _, code := nextBatchHeader(records[size:])
	switch {
	case code != 0:
		return nil, code
	case nextSize >= 0:
		return nil, kerr.InvalidRecord.Code // more than one batch
	}
	return records[:size], 0
}

// nextBatchHeader is ByteBufferLogInputStream.nextBatchSize: the size and
// magic of the batch at the start of b, size -1 when b holds no whole
// batch, or CORRUPT_MESSAGE for a size or magic no batch can have.
func nextBatchHeader(b []byte) (size int, magic int8, code int16) {
	const sizeOffset, magicOffset, minRecordOverhead = 8, 16, 14 // LegacyRecord.RECORD_OVERHEAD_V0
	if len(b) < record.LogOverhead {
		return -1, 0, 0
	}
	n := int64(int32(binary.BigEndian.Uint32(b[sizeOffset:])))
	if n < minRecordOverhead {
		return -1, 0, kerr.CorruptMessage.Code
	}
	if len(b) <= magicOffset {
		return -1, 0, 0
	}
	magic = int8(b[magicOffset])
	if magic < 0 || magic > record.MagicV2 {
		return -1, 0, kerr.CorruptMessage.Code
	}
	if n+record.LogOverhead > int64(len(b)) {
		return -1, magic, 0
	}
	if magic == record.MagicV2 && n+record.LogOverhead < record.HeaderSize {
		return -1, 0, kerr.CorruptMessage.Code
	}
	return int(n + record.LogOverhead), magic, 0
}

// hasTransactionalRecords is RequestUtils.hasTransactionalRecords: some
// partition's first batch is transactional.
func hasTransactionalRecords(req *kmsg.ProduceRequest) bool {
	for i := range req.Topics {
		for _, p := range req.Topics[i].Partitions {
			size, magic, code := nextBatchHeader(p.Records)
			if code == 0 && size > 0 && magic == record.MagicV2 && record.Batch(p.Records[:size]).IsTransactional() {
				return true
			}
		}
	}
	return false
}

// produceErrorReply is ProduceRequest.getErrorResponse: every partition
// with the error (and its message, v8+), or, for acks=0, a closed
// connection.
func produceErrorReply(req *kmsg.ProduceRequest, code int16, msg string) Reply {
	if req.Acks == 0 {
		return CloseConnection(fmt.Errorf("broker: produce with acks=0 refused: %s", msg))
	}
	resp := req.ResponseKind().(*kmsg.ProduceResponse)
	for i := range req.Topics {
		t := &req.Topics[i]
		rt := kmsg.NewProduceResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			kp := kmsg.NewProduceResponseTopicPartition()
			kp.Partition, kp.ErrorCode, kp.BaseOffset = p.Partition, code, -1
			if req.Version >= 8 {
				kp.ErrorMessage = &msg
			}
			rt.Partitions = append(rt.Partitions, kp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return Respond(resp)
}

// errorName is a Kafka error code's name, for logs.
func errorName(code int16) string {
	if err := kerr.ErrorForCode(code); err != nil {
		if ke, ok := err.(*kerr.Error); ok {
			return ke.Message
		}
		return err.Error()
	}
	return "NONE"
}
