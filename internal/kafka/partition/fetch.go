package partition

import (
	"fmt"
	"math"
	"sync"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/replica"
)

// Isolation levels of a fetch or ListOffsets.
const (
	ReadUncommitted int8 = 0
	ReadCommitted   int8 = 1
)

// ConsumerReplicaID is a consumer's replica id; DebuggingReplicaID asks
// ListOffsets to bypass the leader and isolation rules.
const (
	ConsumerReplicaID  int32 = -1
	DebuggingReplicaID int32 = -2
)

// FetchRequest is a fetch's work (ReplicaManager.fetchMessages).
type FetchRequest struct {
	// ReplicaID is -1 for a consumer, the follower's broker id for a
	// follower (which reads up to the log end and reports its position).
	ReplicaID int32
	// MaxWaitMs is how long to wait for MinBytes; <= 0 answers at once.
	MaxWaitMs int32
	MinBytes  int32
	// MaxBytes caps the response (v3+; the handler passes MaxInt32 for
	// older versions).
	MaxBytes int32
	// HardMaxBytesLimit is set for fetch v0-v2: no batch is returned
	// whole beyond the limits, and a cut batch is returned cut.
	HardMaxBytesLimit bool
	// Isolation bounds a consumer's reads: ReadUncommitted by the high
	// watermark, ReadCommitted by the last stable offset.
	Isolation int8
	// ClientMetadata is set for consumer fetches v11+ (KIP-392): they may
	// be served by a follower. Older consumers must fetch from the leader.
	ClientMetadata bool
	Partitions     []FetchPartition
}

// FetchPartition is one partition of a fetch.
type FetchPartition struct {
	TopicPartition
	FetchOffset int64
	// LogStartOffset is a follower's log start offset (-1 for consumers).
	LogStartOffset int64
	MaxBytes       int32
	// CurrentLeaderEpoch fences stale clients (KIP-320); -1: none.
	CurrentLeaderEpoch int32
	// LastFetchedEpoch is a follower's last fetched epoch (v12+); -1: none.
	LastFetchedEpoch int32
}

// FetchResult is one partition's answer.
type FetchResult struct {
	TopicPartition
	ErrorCode        int16
	Err              error
	HighWatermark    int64
	LastStableOffset int64
	LogStartOffset   int64
	// Records is the data: Records.Region is a range of a segment file to
	// send with sendfile (or copy with AppendTo). It pins the file: call
	// Release once sent, also when it is empty.
	Records log.FetchData
	// DivergingEpoch, for a follower whose log diverged, is where the
	// leader's copy of its last fetched epoch ends; no records then.
	DivergingEpoch       *replica.EpochEndOffset
	PreferredReadReplica int32
}

// Release releases the result's file region.
func (r *FetchResult) Release() { r.Records.Release() }

// ReleaseAll releases every result's file region.
func ReleaseAll(results []FetchResult) {
	for i := range results {
		results[i].Release()
	}
}

type fetchIsolation int8

const (
	fetchLogEnd fetchIsolation = iota
	fetchHighWatermark
	fetchTxnCommitted
)

func (req *FetchRequest) isolation() fetchIsolation {
	switch {
	case req.ReplicaID >= 0:
		return fetchLogEnd
	case req.Isolation == ReadCommitted:
		return fetchTxnCommitted
	}
	return fetchHighWatermark
}

func (req *FetchRequest) onlyFromLeader() bool {
	return req.ReplicaID >= 0 || !req.ClientMetadata
}

// FetchMessages reads the partitions and calls done once with each
// partition's result, in request order: at once when MaxWaitMs <= 0, when
// MinBytes are available, or on any error or diverging epoch; else when
// appends (a consumer: high watermark advances) bring MinBytes, or after
// MaxWaitMs with whatever there is (long polling). The first partition
// with data returns at least one whole batch even beyond MaxBytes and
// its partition's MaxBytes (KIP-74), unless HardMaxBytesLimit. done may
// run on any goroutine, possibly before FetchMessages returns; it must not
// block, and must release the regions.
func (rm *ReplicaManager) FetchMessages(req FetchRequest, done func([]FetchResult)) {
	results, starts := rm.readFromLocalLog(&req, true)
	var readable int64
	errs, diverging := false, false
	for i := range results {
		readable += results[i].Records.Region.Len
		errs = errs || results[i].ErrorCode != 0
		diverging = diverging || results[i].DivergingEpoch != nil
	}
	if req.MaxWaitMs <= 0 || len(req.Partitions) == 0 || readable >= int64(req.MinBytes) || errs || diverging || rm.closed.Load() {
		done(results)
		return
	}
	ReleaseAll(results)
	keys := make([]TopicPartition, len(req.Partitions))
	for i, fp := range req.Partitions {
		keys[i] = fp.TopicPartition
	}
	for _, tp := range keys {
		// Records appended but not yet fsynced become visible with the
		// flush: a waiting fetch does not wait for a lazy one.
		if p, ok := rm.Partition(tp); ok {
			p.flushIfBehind()
		}
	}
	op := &delayedFetch{rm: rm, req: req, starts: starts, done: done}
	rm.watch(rm.fetchPurgatory, op, req.MaxWaitMs, keys)
}

// Fetch is FetchMessages waiting for its answer.
func (rm *ReplicaManager) Fetch(req FetchRequest) []FetchResult {
	ch := make(chan []FetchResult, 1)
	rm.FetchMessages(req, func(r []FetchResult) { ch <- r })
	return <-ch
}

// readFromLocalLog reads every partition of req within the response's and
// the partitions' byte limits (ReplicaManager.readFromLocalLog); starts
// locates each fetch offset in its log (Offset -1 after an error). A
// follower's first read also records its position (updateFollowerFetchState).
func (rm *ReplicaManager) readFromLocalLog(req *FetchRequest, recordFollower bool) ([]FetchResult, []log.OffsetMetadata) {
	results := make([]FetchResult, len(req.Partitions))
	starts := make([]log.OffsetMetadata, len(req.Partitions))
	limit := int64(req.MaxBytes)
	if req.MaxBytes < 0 {
		limit = math.MaxInt32
	}
	minOne := !req.HardMaxBytesLimit
	for i, fp := range req.Partitions {
		maxBytes := max(min(int64(fp.MaxBytes), limit), 0)
		res, start, leo := rm.readPartition(req, fp, int(maxBytes), minOne)
		if res.ErrorCode == 0 && res.DivergingEpoch == nil && recordFollower && req.ReplicaID >= 0 {
			rm.recordFollowerFetch(req.ReplicaID, fp, leo, &res)
		}
		n := res.Records.Region.Len
		if n > 0 {
			minOne = false
		}
		limit = max(0, limit-n)
		results[i], starts[i] = res, start
	}
	return results, starts
}

func failedRead(tp TopicPartition, err error) (FetchResult, log.OffsetMetadata, int64) {
	return FetchResult{TopicPartition: tp, ErrorCode: ErrorCode(err), Err: err, HighWatermark: -1, LastStableOffset: -1,
		LogStartOffset: -1, PreferredReadReplica: -1}, log.OffsetMetadata{Offset: -1}, -1
}

// readPartition is Partition.readRecords with the fetch's rules. It
// returns the result, where the fetch offset lies, and the log end offset
// the read saw.
func (rm *ReplicaManager) readPartition(req *FetchRequest, fp FetchPartition, maxBytes int, minOne bool) (FetchResult, log.OffsetMetadata, int64) {
	p, err := rm.getPartition(fp.TopicPartition)
	if err != nil {
		return failedRead(fp.TopicPartition, err)
	}
	p.mu.Lock()
	l, bounds, err := p.readBoundsLocked(fp.CurrentLeaderEpoch, req.onlyFromLeader())
	if err != nil {
		p.mu.Unlock()
		return failedRead(fp.TopicPartition, err)
	}
	res := FetchResult{TopicPartition: fp.TopicPartition, HighWatermark: bounds.hw, LastStableOffset: bounds.lso,
		LogStartOffset: bounds.logStart, PreferredReadReplica: -1}
	if fp.LastFetchedEpoch >= 0 {
		epoch, end, ok := l.EndOffsetForEpoch(fp.LastFetchedEpoch)
		switch {
		case !ok:
			err = fmt.Errorf("%w: could not determine the end offset of the last fetched epoch %d", log.ErrOffsetOutOfRange, fp.LastFetchedEpoch)
		case fp.FetchOffset < bounds.logStart:
			err = fmt.Errorf("%w: offset %d is below the log start offset %d", log.ErrOffsetOutOfRange, fp.FetchOffset, bounds.logStart)
		case replica.Diverging(fp.LastFetchedEpoch, fp.FetchOffset, replica.EpochEndOffset{LeaderEpoch: epoch, EndOffset: end}):
			p.mu.Unlock()
			res.DivergingEpoch = &replica.EpochEndOffset{LeaderEpoch: epoch, EndOffset: end}
			return res, log.OffsetMetadata{Offset: fp.FetchOffset}, bounds.leo
		}
		if err != nil {
			p.mu.Unlock()
			return failedRead(fp.TopicPartition, err)
		}
	}
	p.mu.Unlock()
	bound := bounds.hw
	switch req.isolation() {
	case fetchLogEnd:
		bound = bounds.leo
	case fetchTxnCommitted:
		bound = bounds.lso
	}
	fd, err := l.Read(fp.FetchOffset, maxBytes, bound, minOne)
	if err != nil {
		return failedRead(fp.TopicPartition, err)
	}
	if fd.FirstBatchIncomplete && !req.HardMaxBytesLimit {
		// fetch v3+: a cut batch is sent as nothing; the client asks again
		// with a larger size or fails with RecordTooLargeException.
		fd.Release()
		fd = log.FetchData{Start: fd.Start}
	}
	res.Records = fd
	return res, fd.Start, bounds.leo
}

type readBounds struct {
	hw, lso, leo, logStart int64
}

// readBoundsLocked checks the epoch and role a read needs and snapshots
// the offsets that bound it: the log end offset is read before the read
// itself, so appends after it do not keep a follower out of the ISR.
func (p *Partition) readBoundsLocked(currentEpoch int32, onlyLeader bool) (*log.Log, readBounds, error) {
	if p.log == nil {
		return nil, readBounds{}, fmt.Errorf("%w: no log for %s on broker %d", ErrNotLeaderOrFollower, p.tp, p.rm.cfg.BrokerID)
	}
	if err := p.st.CheckLeaderEpoch(currentEpoch); err != nil {
		return nil, readBounds{}, err
	}
	if onlyLeader && !p.st.IsLeader() {
		return nil, readBounds{}, fmt.Errorf("%w: %s is not led by broker %d", ErrNotLeaderOrFollower, p.tp, p.rm.cfg.BrokerID)
	}
	b := readBounds{hw: p.st.HighWatermark(), lso: p.lastStableLocked(), leo: p.log.LogEndOffset(), logStart: p.log.LogStartOffset()}
	return p.log, b, nil
}

// recordFollowerFetch records a follower's position on the leader. A
// replica the assignment does not name gets no data.
func (rm *ReplicaManager) recordFollowerFetch(id int32, fp FetchPartition, leaderLEO int64, res *FetchResult) {
	p, ok := rm.Partition(fp.TopicPartition)
	if !ok {
		return
	}
	p.mu.Lock()
	var eff replica.Effects
	known := false
	if p.st != nil {
		// A follower makes its log durable before fetching past it:
		// its fetch offset is its durable offset.
		eff, known = p.st.FollowerFetched(id, replica.FollowerFetch{FetchOffset: fp.FetchOffset, DurableOffset: fp.FetchOffset,
			LogStartOffset: fp.LogStartOffset, LeaderEndOffset: leaderLEO}, rm.clock.NowMs())
	}
	p.mu.Unlock()
	if !known {
		res.Records.Release()
		res.Records = log.FetchData{Start: res.Records.Start}
		return
	}
	p.applyEffects(eff)
}

// delayedFetch is a fetch waiting for MinBytes (DelayedFetch).
type delayedFetch struct {
	opBase
	rm     *ReplicaManager
	mu     sync.Mutex
	req    FetchRequest
	starts []log.OffsetMetadata
	done   func([]FetchResult)
}

// ready is DelayedFetch.tryComplete: complete when a partition left this
// broker or its leadership or epoch changed, when a fetch offset is no
// longer in the last segment that the bound is in (a roll or a
// truncation), when a follower's log diverged, or when MinBytes lie
// between the fetch offsets and the bounds.
func (d *delayedFetch) ready() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	var accumulated int64
	for i, fp := range d.req.Partitions {
		start := d.starts[i]
		if start.Offset < 0 {
			continue
		}
		p, err := d.rm.getPartition(fp.TopicPartition)
		if err != nil {
			return true
		}
		end, diverged, err := p.fetchEnd(&d.req, fp)
		if err != nil || diverged {
			return true
		}
		if end.Offset != start.Offset {
			switch {
			case end.SegmentBase < start.SegmentBase, start.SegmentBase < end.SegmentBase:
				return true
			case start.Offset < end.Offset:
				accumulated += min(end.Position-start.Position, int64(fp.MaxBytes))
			}
		}
	}
	return accumulated >= int64(d.req.MinBytes)
}

// fetchEnd locates the bound a fetch reads up to, and whether a follower
// fetching at fp diverges now.
func (p *Partition) fetchEnd(req *FetchRequest, fp FetchPartition) (log.OffsetMetadata, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l, bounds, err := p.readBoundsLocked(fp.CurrentLeaderEpoch, req.onlyFromLeader())
	if err != nil {
		return log.OffsetMetadata{}, false, err
	}
	if fp.LastFetchedEpoch >= 0 {
		epoch, end, ok := l.EndOffsetForEpoch(fp.LastFetchedEpoch)
		if !ok || replica.Diverging(fp.LastFetchedEpoch, fp.FetchOffset, replica.EpochEndOffset{LeaderEpoch: epoch, EndOffset: end}) {
			return log.OffsetMetadata{}, true, nil
		}
	}
	switch req.isolation() {
	case fetchLogEnd:
		return l.LogEndOffsetMetadata(), false, nil
	case fetchTxnCommitted:
		if bounds.lso != bounds.hw {
			fd, err := l.Read(bounds.lso, 0, bounds.lso, false)
			fd.Release()
			return fd.Start, false, err
		}
	}
	meta, err := p.hwMetadataLocked()
	return meta, false, err
}

func (d *delayedFetch) expired() {}

func (d *delayedFetch) complete() {
	results, _ := d.rm.readFromLocalLog(&d.req, false)
	d.done(results)
}
