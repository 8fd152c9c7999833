package partition

import (
	"errors"
	"fmt"
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/kafka/replica"
)

// AppendRequest is a produce request's work (ReplicaManager.appendRecords).
type AppendRequest struct {
	// Acks is -1 (all), 0 or 1; anything else is INVALID_REQUIRED_ACKS.
	Acks int16
	// TimeoutMs bounds the wait of an acks=all append.
	TimeoutMs int32
	Origin    Origin
	// InternalTopicsAllowed lets the coordinators (and admin clients
	// flagged so) write to __consumer_offsets and __transaction_state.
	InternalTopicsAllowed bool
	Partitions            []AppendPartition
}

// AppendPartition is one partition's records: a produce request carries
// exactly one v2 batch per partition (the Produce handler checks that, as
// ProduceRequest.validateRecords does, before calling in).
type AppendPartition struct {
	TopicPartition
	Records []byte
}

// AppendResult is one partition's answer (ProduceResponse's partition).
type AppendResult struct {
	TopicPartition
	ErrorCode int16
	// ErrorMessage is set for record validation failures (v8+'s
	// error_message), with RecordErrors naming the records.
	ErrorMessage string
	RecordErrors []record.RecordError
	// BaseOffset is the batch's first offset (-1 on error). A retried
	// duplicate gets its original offset.
	BaseOffset int64
	// LogAppendTime is the time stamped on the batch for LogAppendTime
	// topics, -1 otherwise (a duplicate carries its original max
	// timestamp, as Kafka's answer does).
	LogAppendTime  int64
	LogStartOffset int64
	// Err is the error behind ErrorCode, for logs.
	Err error
}

func isInternalTopic(topic string) bool {
	return topic == "__consumer_offsets" || topic == "__transaction_state"
}

// AppendRecords appends to the leader partitions and calls done once with
// each partition's result, in request order: at once for acks 0 and 1
// (after the local append), and for acks=all when the high watermark
// covers every appended batch (with durability, after the group-commit
// fsync of every ISR member), or with REQUEST_TIMED_OUT after TimeoutMs.
// done may run on the calling goroutine before AppendRecords returns, or
// later on another one; it must not block. records are modified in place
// (offsets, leader epoch) and must not be reused until done runs.
func (rm *ReplicaManager) AppendRecords(req AppendRequest, done func([]AppendResult)) {
	results := make([]AppendResult, len(req.Partitions))
	if req.Acks != -1 && req.Acks != 0 && req.Acks != 1 {
		for i, part := range req.Partitions {
			results[i] = unknownAppend(part.TopicPartition, ErrInvalidRequiredAcks)
		}
		done(results)
		return
	}
	var op *delayedProduce
	if req.Acks == -1 {
		op = &delayedProduce{rm: rm, results: results, done: done}
	}
	var keys []TopicPartition
	for i, part := range req.Partitions {
		tp := part.TopicPartition
		if rm.closed.Load() {
			results[i] = unknownAppend(tp, ErrClosed)
			continue
		}
		if isInternalTopic(tp.Topic) && !req.InternalTopicsAllowed {
			results[i] = unknownAppend(tp, ErrInvalidTopic)
			continue
		}
		p, err := rm.getPartition(tp)
		if err != nil {
			results[i] = unknownAppend(tp, err)
			continue
		}
		res := p.appendToLeader(part.Records, req.Origin, req.Acks)
		results[i] = toAppendResult(tp, res)
		if res.err == nil && op != nil {
			// Pending until the HW covers it; REQUEST_TIMED_OUT unless it does.
			results[i].ErrorCode = kerr.RequestTimedOut.Code
			op.pending = append(op.pending, i)
			op.required = append(op.required, res.info.LastOffset+1)
			keys = append(keys, tp)
		}
	}
	if op == nil || len(op.pending) == 0 {
		done(results)
		return
	}
	rm.watch(rm.producePurgatory, op, req.TimeoutMs, keys)
}

// Append is AppendRecords waiting for its answer.
func (rm *ReplicaManager) Append(req AppendRequest) []AppendResult {
	ch := make(chan []AppendResult, 1)
	rm.AppendRecords(req, func(r []AppendResult) { ch <- r })
	return <-ch
}

// unknownAppend is a result with Kafka's UnknownLogAppendInfo.
func unknownAppend(tp TopicPartition, err error) AppendResult {
	return AppendResult{TopicPartition: tp, ErrorCode: ErrorCode(err), BaseOffset: -1, LogAppendTime: record.NoTimestamp,
		LogStartOffset: -1, Err: err}
}

func toAppendResult(tp TopicPartition, res appendResult) AppendResult {
	if res.err == nil {
		return AppendResult{TopicPartition: tp, BaseOffset: res.info.FirstOffset, LogAppendTime: res.info.LogAppendTime,
			LogStartOffset: res.info.LogStartOffset}
	}
	if knownAppendError(res.err) {
		return unknownAppend(tp, res.err)
	}
	r := AppendResult{TopicPartition: tp, ErrorCode: ErrorCode(res.err), BaseOffset: -1, LogAppendTime: record.NoTimestamp,
		LogStartOffset: res.info.LogStartOffset, Err: res.err}
	var ve *record.ValidationError
	if errors.As(res.err, &ve) {
		r.ErrorMessage, r.RecordErrors = ve.Message, ve.Records
	}
	return r
}

// delayedProduce is an acks=all produce waiting for its partitions' high
// watermarks (DelayedProduce).
type delayedProduce struct {
	opBase
	rm       *ReplicaManager
	mu       sync.Mutex
	pending  []int   // indexes of results still waiting
	required []int64 // the offset each must reach, by position in pending
	results  []AppendResult
	done     func([]AppendResult)
}

// ready settles each waiting partition that left leadership (its error),
// or whose HW reached the batch (no error, or
// NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below
// min.insync.replicas meanwhile).
func (d *delayedProduce) ready() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	keep, req := d.pending[:0], d.required[:0]
	for j, i := range d.pending {
		res := &d.results[i]
		p, err := d.rm.getPartition(res.TopicPartition)
		if err != nil {
			res.ErrorCode, res.Err = ErrorCode(err), err
			continue
		}
		switch p.ackStatus(d.required[j]) {
		case replica.AckDone:
			res.ErrorCode, res.Err = 0, nil
		case replica.AckNotEnoughAfterAppend:
			res.ErrorCode, res.Err = kerr.NotEnoughReplicasAfterAppend.Code, kerr.NotEnoughReplicasAfterAppend
		case replica.AckNotLeader:
			res.ErrorCode, res.Err = kerr.NotLeaderForPartition.Code, ErrNotLeaderOrFollower
		default:
			keep, req = append(keep, i), append(req, d.required[j])
		}
	}
	d.pending, d.required = keep, req
	return len(d.pending) == 0
}

func (d *delayedProduce) expired() {}

func (d *delayedProduce) complete() {
	d.mu.Lock()
	results := d.results
	d.mu.Unlock()
	d.done(results)
}

func (p *Partition) ackStatus(required int64) replica.AckStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.st == nil {
		return replica.AckNotLeader
	}
	return p.st.CheckEnoughReplicasReachOffset(required, p.rm.minISR(p.tp.Topic))
}

func (r AppendResult) String() string {
	return fmt.Sprintf("%s: error %d base %d appendTime %d logStart %d (%v)", r.TopicPartition, r.ErrorCode, r.BaseOffset,
		r.LogAppendTime, r.LogStartOffset, r.Err)
}
