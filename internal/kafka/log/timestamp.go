package log

import (
	"github.com/wharf-project/wharf/internal/kafka/record"
)

// The special timestamps of ListOffsets (ListOffsetsRequest).
const (
	LatestTimestamp        int64 = -1 // the log end offset
	EarliestTimestamp      int64 = -2 // the log start offset
	MaxTimestamp           int64 = -3 // the record with the largest timestamp
	EarliestLocalTimestamp int64 = -4 // the local log start offset (the log start offset here)
	LatestTieredTimestamp  int64 = -5 // the highest tiered offset: none here
)

// TimestampAndOffset answers ListOffsets (FileRecords.TimestampAndOffset).
type TimestampAndOffset struct {
	Timestamp   int64 // NoTimestamp for the special timestamps
	Offset      int64
	LeaderEpoch int32 // the epoch the offset was written in; -1 when unknown
}

// FetchOffsetByTimestamp is UnifiedLog.fetchOffsetByTimestamp: for a
// timestamp, the first record whose timestamp is >= it (found in the first
// segment whose largest timestamp is >= it: the time index narrows the
// scan); or one of the special timestamps above. found is false when no
// record qualifies (the broker answers with offset -1).
func (l *Log) FetchOffsetByTimestamp(ts int64) (res TimestampAndOffset, found bool, err error) {
	none := TimestampAndOffset{Timestamp: record.NoTimestamp, Offset: -1, LeaderEpoch: -1}
	switch ts {
	case EarliestTimestamp:
		start := l.LogStartOffset()
		epoch := int32(-1)
		if e, ok := l.epochs.EarliestEntry(); ok && e.StartOffset <= start {
			epoch = e.Epoch
		}
		return TimestampAndOffset{record.NoTimestamp, start, epoch}, true, nil
	case EarliestLocalTimestamp:
		start := l.LogStartOffset()
		epoch := int32(-1)
		if e, ok := l.epochs.EpochForOffset(start); ok {
			epoch = e
		}
		return TimestampAndOffset{record.NoTimestamp, start, epoch}, true, nil
	case LatestTimestamp:
		epoch := int32(-1)
		if e, ok := l.epochs.LatestEpoch(); ok {
			epoch = e
		}
		return TimestampAndOffset{record.NoTimestamp, l.LogEndOffset(), epoch}, true, nil
	case LatestTieredTimestamp:
		return none, true, nil
	case MaxTimestamp:
		return l.maxTimestampOffset()
	}
	startOffset := l.LogStartOffset()
	for _, s := range *l.segs.Load() {
		if s.LargestTimestamp() >= ts {
			return s.findOffsetByTimestamp(ts, startOffset)
		}
	}
	return none, false, nil
}

// maxTimestampOffset finds the record holding the log's largest timestamp.
func (l *Log) maxTimestampOffset() (TimestampAndOffset, bool, error) {
	segs := *l.segs.Load()
	best := segs[0]
	bestTs := best.MaxTimestampSoFar()
	for _, s := range segs[1:] {
		if ts := s.MaxTimestampSoFar(); ts.Timestamp > bestTs.Timestamp {
			best, bestTs = s, ts
		}
	}
	e, err := best.oi.lookup(bestTs.Offset)
	if err != nil {
		return TimestampAndOffset{}, false, err
	}
	var res TimestampAndOffset
	found := false
	err = best.Batches(e.Position, func(b record.Batch, _ int64) (bool, error) {
		if b.MaxTimestamp() != bestTs.Timestamp {
			return true, nil
		}
		off, ok, err := offsetOfMaxTimestamp(b)
		if err != nil || !ok {
			return false, err
		}
		res, found = TimestampAndOffset{b.MaxTimestamp(), off, epochOrNone(b)}, true
		return false, nil
	})
	return res, found, err
}

// findOffsetByTimestamp is LogSegment.findOffsetByTimestamp: the first
// record at or after startingOffset whose timestamp is >= ts.
func (s *Segment) findOffsetByTimestamp(ts, startingOffset int64) (TimestampAndOffset, bool, error) {
	te, err := s.ti.lookup(ts)
	if err != nil {
		return TimestampAndOffset{}, false, err
	}
	e, err := s.oi.lookup(max(te.Offset, startingOffset))
	if err != nil {
		return TimestampAndOffset{}, false, err
	}
	var res TimestampAndOffset
	found := false
	err = s.Batches(e.Position, func(b record.Batch, _ int64) (bool, error) {
		if b.MaxTimestamp() < ts || b.LastOffset() < startingOffset {
			return true, nil
		}
		off, rts, ok, err := firstRecordAtOrAfter(b, ts, startingOffset)
		if err != nil || !ok {
			return err == nil, err
		}
		res, found = TimestampAndOffset{rts, off, epochOrNone(b)}, true
		return false, nil
	})
	return res, found, err
}

func epochOrNone(b record.Batch) int32 {
	if e := b.PartitionLeaderEpoch(); e >= 0 {
		return e
	}
	return -1
}

// firstRecordAtOrAfter returns the offset and timestamp of b's first record
// whose timestamp is >= ts and offset >= minOffset
// (FileRecords.searchForTimestamp's inner loop).
func firstRecordAtOrAfter(b record.Batch, ts, minOffset int64) (offset, timestamp int64, ok bool, err error) {
	err = eachRecord(b, func(r *record.Record) bool {
		if r.Timestamp >= ts && r.Offset >= minOffset {
			offset, timestamp, ok = r.Offset, r.Timestamp, true
			return false
		}
		return true
	})
	return offset, timestamp, ok, err
}

// offsetOfMaxTimestamp is RecordBatch.offsetOfMaxTimestamp: the first
// record whose timestamp is the batch's max timestamp.
func offsetOfMaxTimestamp(b record.Batch) (offset int64, ok bool, err error) {
	maxTs := b.MaxTimestamp()
	err = eachRecord(b, func(r *record.Record) bool {
		if r.Timestamp == maxTs {
			offset, ok = r.Offset, true
			return false
		}
		return true
	})
	return offset, ok, err
}

// eachRecord decodes b's records (decompressing them) and calls fn for each
// until it returns false.
func eachRecord(b record.Batch, fn func(*record.Record) bool) error {
	data, err := b.RecordData(nil, 0)
	if err != nil {
		return err
	}
	it := b.Iter(data)
	var r record.Record
	for it.Next(&r) {
		if !fn(&r) {
			return nil
		}
	}
	return it.Err()
}
