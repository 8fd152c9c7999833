package partition

import (
	"fmt"
	"path/filepath"
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/kafka/replica"
)

// ListOffsetsPartition is one partition of a ListOffsets request.
type ListOffsetsPartition struct {
	TopicPartition
	// Timestamp is a time in ms, or log.LatestTimestamp (-1),
	// EarliestTimestamp (-2), MaxTimestamp (-3), EarliestLocalTimestamp (-4).
	Timestamp          int64
	CurrentLeaderEpoch int32 // -1: none
}

// ListOffsetsResult is one partition's answer; Offset -1 and Timestamp -1
// when no record qualifies (no error then, as Kafka answers).
type ListOffsetsResult struct {
	TopicPartition
	ErrorCode   int16
	Err         error
	Timestamp   int64
	Offset      int64
	LeaderEpoch int32
}

// ListOffsets answers one partition of ListOffsets
// (Partition.fetchOffsetForTimestamp, Kafka 3.9's rules). A consumer
// (replicaID -1) reads from the leader and only sees offsets below its
// isolation's bound (the high watermark, or the last stable offset); the
// latest offset is that bound. Other replica ids see up to the log end;
// DebuggingReplicaID may ask a follower. Right after a leader change,
// while the high watermark lags the new epoch's start, a consumer asking
// for the latest offset (or a timestamp beyond the bound) gets
// OFFSET_NOT_AVAILABLE.
func (rm *ReplicaManager) ListOffsets(replicaID int32, isolation int8, lp ListOffsetsPartition) ListOffsetsResult {
	res := ListOffsetsResult{TopicPartition: lp.TopicPartition, Timestamp: record.NoTimestamp, Offset: -1, LeaderEpoch: -1}
	fail := func(err error) ListOffsetsResult {
		res.ErrorCode, res.Err = ErrorCode(err), err
		return res
	}
	p, err := rm.getPartition(lp.TopicPartition)
	if err != nil {
		return fail(err)
	}
	client := replicaID == ConsumerReplicaID
	p.mu.Lock()
	l, b, err := p.readBoundsLocked(lp.CurrentLeaderEpoch, replicaID != DebuggingReplicaID)
	if err != nil {
		p.mu.Unlock()
		return fail(err)
	}
	leaderEpoch := p.st.LeaderEpoch()
	lagging := client && p.st.EpochStartOffset() > b.hw
	p.mu.Unlock()
	lastFetchable := b.leo
	if client {
		lastFetchable = b.hw
		if isolation == ReadCommitted {
			lastFetchable = b.lso
		}
	}
	notAvailable := fmt.Errorf("%w: partition %s high watermark %d", ErrOffsetNotAvailable, lp.TopicPartition, b.hw)
	switch lp.Timestamp {
	case log.LatestTimestamp:
		if lagging {
			return fail(notAvailable)
		}
		res.Offset, res.LeaderEpoch = lastFetchable, leaderEpoch
		return res
	case log.EarliestTimestamp, log.EarliestLocalTimestamp:
		found, ok, err := l.FetchOffsetByTimestamp(lp.Timestamp)
		if err != nil {
			return fail(err)
		}
		if ok {
			res.Timestamp, res.Offset, res.LeaderEpoch = found.Timestamp, found.Offset, found.LeaderEpoch
		}
		return res
	}
	found, ok, err := l.FetchOffsetByTimestamp(lp.Timestamp)
	if err != nil {
		return fail(err)
	}
	if ok && found.Offset < lastFetchable {
		res.Timestamp, res.Offset, res.LeaderEpoch = found.Timestamp, found.Offset, found.LeaderEpoch
		return res
	}
	if lagging {
		return fail(notAvailable)
	}
	return res
}

// EpochEndOffsetResult answers one partition of OffsetForLeaderEpoch.
type EpochEndOffsetResult struct {
	TopicPartition
	ErrorCode   int16
	Err         error
	LeaderEpoch int32 // -1 (UNDEFINED_EPOCH) when unknown
	EndOffset   int64 // -1 (UNDEFINED_EPOCH_OFFSET) when unknown
}

// OffsetForLeaderEpoch answers one partition of OffsetForLeaderEpoch
// (Partition.lastOffsetForLeaderEpoch), on the leader only: the largest
// epoch at or below leaderEpoch that the log knows and where it ends (the
// next epoch's start, or the log end offset for the latest epoch), or
// (-1, -1) without an error when the log cannot tell.
func (rm *ReplicaManager) OffsetForLeaderEpoch(tp TopicPartition, currentLeaderEpoch, leaderEpoch int32) EpochEndOffsetResult {
	res := EpochEndOffsetResult{TopicPartition: tp, LeaderEpoch: replica.UndefinedEpoch, EndOffset: replica.UndefinedEpochOffset}
	p, err := rm.getPartition(tp)
	if err == nil {
		p.mu.Lock()
		var l *log.Log
		if l, _, err = p.readBoundsLocked(currentLeaderEpoch, true); err == nil {
			if epoch, end, ok := l.EndOffsetForEpoch(leaderEpoch); ok {
				res.LeaderEpoch, res.EndOffset = epoch, end
			}
		}
		p.mu.Unlock()
	}
	if err != nil {
		res.ErrorCode, res.Err = ErrorCode(err), err
	}
	return res
}

// DeleteRecordsPartition is one partition of DeleteRecords: delete every
// record below Offset (-1: below the high watermark).
type DeleteRecordsPartition struct {
	TopicPartition
	Offset int64
}

// DeleteRecordsResult is one partition's answer.
type DeleteRecordsResult struct {
	TopicPartition
	ErrorCode    int16
	Err          error
	LowWatermark int64
}

// DeleteRecords moves the leaders' log start offsets up
// (ReplicaManager.deleteRecords, Partition.deleteRecordsOnLeader) and
// calls done once every partition's low watermark (the smallest log start
// offset among the live replicas) reached its offset, or after timeoutMs
// with REQUEST_TIMED_OUT; with no followers that is at once. The offset
// may not pass the high watermark (OFFSET_OUT_OF_RANGE); a topic without
// cleanup.policy delete answers POLICY_VIOLATION, an internal topic
// INVALID_TOPIC_EXCEPTION.
func (rm *ReplicaManager) DeleteRecords(timeoutMs int32, parts []DeleteRecordsPartition, done func([]DeleteRecordsResult)) {
	results := make([]DeleteRecordsResult, len(parts))
	op := &delayedDelete{rm: rm, results: results, done: done}
	var keys []TopicPartition
	for i, dp := range parts {
		results[i] = DeleteRecordsResult{TopicPartition: dp.TopicPartition, LowWatermark: -1}
		requested, lw, err := rm.deleteRecordsOnLeader(dp)
		if err != nil {
			results[i].ErrorCode, results[i].Err = ErrorCode(err), err
			continue
		}
		results[i].LowWatermark = lw
		if lw < requested {
			results[i].ErrorCode = kerr.RequestTimedOut.Code
			op.pending = append(op.pending, i)
			op.requested = append(op.requested, requested)
			keys = append(keys, dp.TopicPartition)
		}
	}
	if len(op.pending) == 0 {
		done(results)
		return
	}
	rm.watch(rm.deletePurgatory, op, timeoutMs, keys)
}

func (rm *ReplicaManager) deleteRecordsOnLeader(dp DeleteRecordsPartition) (requested, lowWatermark int64, err error) {
	if isInternalTopic(dp.Topic) {
		return 0, 0, fmt.Errorf("%w: cannot delete records of internal topic %s", ErrInvalidTopic, dp.Topic)
	}
	p, err := rm.getPartition(dp.TopicPartition)
	if err != nil {
		return 0, 0, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.log == nil || !p.st.IsLeader() {
		return 0, 0, fmt.Errorf("%w: leader not local for partition %s", ErrNotLeaderOrFollower, dp.TopicPartition)
	}
	l := p.log
	if !l.Config().CleanupPolicy.Delete() {
		return 0, 0, fmt.Errorf("%w: partition %s", ErrPolicyViolation, dp.TopicPartition)
	}
	offset := dp.Offset
	if offset == -1 {
		offset = p.st.HighWatermark()
	}
	if offset < 0 {
		return 0, 0, fmt.Errorf("%w: the offset %d for partition %s is not valid", log.ErrOffsetOutOfRange, offset, dp.TopicPartition)
	}
	moved, err := l.IncrementLogStartOffset(offset, p.st.HighWatermark())
	if err != nil {
		return 0, 0, err
	}
	if moved {
		p.ps.OnLogStartOffsetIncremented(offset)
		p.st.LocalLogUpdated(p.localLogLocked(), rm.clock.NowMs())
	}
	return offset, p.st.LowWatermark(rm.brokerAlive), nil
}

// delayedDelete is a DeleteRecords waiting for low watermarks
// (DelayedDeleteRecords).
type delayedDelete struct {
	opBase
	rm        *ReplicaManager
	mu        sync.Mutex
	pending   []int
	requested []int64
	results   []DeleteRecordsResult
	done      func([]DeleteRecordsResult)
}

func (d *delayedDelete) ready() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	keep, req := d.pending[:0], d.requested[:0]
	for j, i := range d.pending {
		res := &d.results[i]
		p, err := d.rm.getPartition(res.TopicPartition)
		if err != nil {
			res.ErrorCode, res.Err, res.LowWatermark = ErrorCode(err), err, -1
			continue
		}
		lw, leader := p.lowWatermark()
		switch {
		case !leader:
			res.ErrorCode, res.Err, res.LowWatermark = kerr.NotLeaderForPartition.Code, ErrNotLeaderOrFollower, -1
		case lw >= d.requested[j]:
			res.ErrorCode, res.Err, res.LowWatermark = 0, nil, lw
		default:
			res.LowWatermark = lw
			keep, req = append(keep, i), append(req, d.requested[j])
		}
	}
	d.pending, d.requested = keep, req
	return len(d.pending) == 0
}

func (d *delayedDelete) expired() {}

func (d *delayedDelete) complete() {
	d.mu.Lock()
	results := d.results
	d.mu.Unlock()
	d.done(results)
}

func (p *Partition) lowWatermark() (int64, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.st == nil || !p.st.IsLeader() {
		return -1, false
	}
	return p.st.LowWatermark(p.rm.brokerAlive), true
}

// LogDirDescription is one log directory of DescribeLogDirs.
type LogDirDescription struct {
	Path       string
	ErrorCode  int16 // KAFKA_STORAGE_ERROR when offline
	Partitions []LogDirPartition
}

// LogDirPartition is one partition's log in a directory.
type LogDirPartition struct {
	TopicPartition
	Size      int64
	OffsetLag int64 // max(HW - log end, 0) for a current log; 0 here for a future log
	IsFuture  bool
}

// DescribeLogDirs describes every configured log directory
// (ReplicaManager.describeLogDirs) with the logs in it that want accepts
// (all when want is nil).
func (rm *ReplicaManager) DescribeLogDirs(want func(TopicPartition) bool) []LogDirDescription {
	byDir := map[string][]LogDirPartition{}
	for _, l := range rm.logs.AllLogs() {
		tp := l.TopicPartition()
		if want != nil && !want(tp) {
			continue
		}
		dir := filepath.Dir(l.Dir())
		lp := LogDirPartition{TopicPartition: tp, Size: l.Size(), IsFuture: l.DirKind() == log.DirFuture}
		if !lp.IsFuture {
			lp.OffsetLag = -1
			if hw, ok := rm.HighWatermark(tp); ok {
				lp.OffsetLag = max(hw-l.LogEndOffset(), 0)
			}
		}
		byDir[dir] = append(byDir[dir], lp)
	}
	var out []LogDirDescription
	for _, dir := range rm.logs.LogDirs() {
		d := LogDirDescription{Path: dir}
		if !rm.logs.IsLogDirOnline(dir) {
			d.ErrorCode = kerr.KafkaStorageError.Code
		} else {
			d.Partitions = byDir[filepath.Clean(dir)]
		}
		out = append(out, d)
	}
	return out
}
