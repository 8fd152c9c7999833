package log

import (
	"errors"
	"fmt"

	"github.com/wharf-project/wharf/internal/kafka/record"
)

// Origin says who appends on the leader path (Kafka's AppendOrigin).
type Origin int8

const (
	// OriginClient is a produce request: batches must have base offset 0.
	OriginClient Origin = iota
	// OriginCoordinator is the group or transaction coordinator writing
	// its own records.
	OriginCoordinator
)

// AppendInfo describes an append (LogAppendInfo).
type AppendInfo struct {
	FirstOffset int64 // the first batch's base offset; -1 when nothing was appended
	LastOffset  int64 // the last batch's last offset; -1 when nothing was appended
	// MaxTimestamp is the largest batch max timestamp (NoTimestamp if none),
	// and OffsetOfMaxTimestamp the last offset of the first batch holding
	// it (Kafka's shallowOffsetOfMaxTimestamp).
	MaxTimestamp         int64
	OffsetOfMaxTimestamp int64
	// LogAppendTime is the time stamped on the batches when the topic uses
	// LogAppendTime, else NoTimestamp.
	LogAppendTime   int64
	LogStartOffset  int64 // the log start offset at the time of the append
	RecordCount     int64 // records appended (sum of the batches' record counts)
	Batches         int   // batches appended
	ValidBytes      int   // bytes appended
	LastLeaderEpoch int32 // the last batch's partition leader epoch
}

func emptyAppendInfo(logStart int64) AppendInfo {
	return AppendInfo{FirstOffset: -1, LastOffset: -1, MaxTimestamp: record.NoTimestamp,
		OffsetOfMaxTimestamp: -1, LogAppendTime: record.NoTimestamp, LogStartOffset: logStart,
		LastLeaderEpoch: record.NoPartitionLeaderEpoch}
}

// AppendAsLeader appends records, a concatenation of v2 batches as a
// producer (or a coordinator) sent them, assigning offsets from the log end
// offset (UnifiedLog.appendAsLeader). Every batch is validated first, as
// Kafka's LogValidator does (record.Validate): size against
// max.message.bytes (ErrRecordTooLarge), header and CRC (ErrCorruptRecord),
// records and timestamps (ErrInvalidRecord, wrapping the record package's
// error; errors.As finds a *record.ValidationError with the record
// errors), base offset 0 for OriginClient. Any failure appends nothing.
//
// The batches are then modified in place in records (Summary.Assign): base
// offset, partition leader epoch, and the timestamp type and max timestamp
// the topic's message.timestamp.type calls for (the CRC is recomputed only
// when they change). A batch Kafka would re-encode (compressed records
// whose offsets are not 0..n-1, or a topic compression.type other than the
// producer's codec) is re-encoded into a new buffer. Everything is written
// with one write.
//
// Kafka's produce path accepts exactly one batch per partition; enforcing
// that is the broker's job, the log takes any number.
//
// When flush.messages is reached the append flushes before returning.
func (l *Log) AppendAsLeader(records []byte, leaderEpoch int32, origin Origin) (AppendInfo, error) {
	cfg := l.cfgp.Load()
	now := l.opts.Clock.NowMs()
	var scratch [4]leaderBatch
	batches, recs, err := l.prepareLeader(records, origin, cfg, now, scratch[:0])
	if err != nil {
		return emptyAppendInfo(l.LogStartOffset()), err
	}
	info, err := l.appendLeader(recs, batches, leaderEpoch, now)
	if err != nil {
		return info, err
	}
	return info, l.maybeFlushByCount()
}

// leaderBatch is a validated batch and what validation found.
type leaderBatch struct {
	b record.Batch
	s record.Summary
}

// validateOptions is the record validation the topic's config asks for.
func (l *Log) validateOptions(cfg *Config, origin Origin, now int64) record.ValidateOptions {
	o := record.ValidateOptions{
		Origin:               record.OriginClient,
		Partition:            l.name,
		Compacted:            cfg.CleanupPolicy.Compact(),
		TimestampType:        record.TimestampType(cfg.MessageTimestampType),
		Now:                  now,
		TimestampBeforeMaxMs: cfg.MessageTimestampBeforeMaxMs,
		TimestampAfterMaxMs:  cfg.MessageTimestampAfterMaxMs,
	}
	if origin == OriginCoordinator {
		o.Origin = record.OriginCoordinator
	}
	if c, ok := targetCompression(cfg.CompressionType); ok {
		o.Recompress, o.TargetCompression = true, c
	}
	return o
}

// targetCompression maps compression.type to a codec; ok is false for
// "producer" (keep the producer's).
func targetCompression(t string) (record.Compression, bool) {
	switch t {
	case "uncompressed":
		return record.CompressionNone, true
	case "gzip":
		return record.CompressionGzip, true
	case "snappy":
		return record.CompressionSnappy, true
	case "lz4":
		return record.CompressionLZ4, true
	case "zstd":
		return record.CompressionZstd, true
	}
	return 0, false
}

// prepareLeader validates every batch of a leader append, outside the
// log's lock, re-encoding those that need it. It returns the batches and
// the bytes to write (records itself unless a batch was re-encoded).
func (l *Log) prepareLeader(records []byte, origin Origin, cfg *Config, now int64, batches []leaderBatch) ([]leaderBatch, []byte, error) {
	if len(records) == 0 {
		return nil, nil, fmt.Errorf("%w: no record batch to append", ErrInvalidRecord)
	}
	opts := l.validateOptions(cfg, origin, now)
	rebuilt := false
	it := record.Iterate(records)
	for {
		b, _, ok := it.Next()
		if !ok {
			break
		}
		if origin == OriginClient && b.BaseOffset() != 0 {
			return nil, nil, fmt.Errorf("%w: the base offset of the record batch in the append to %s should be 0, but it is %d",
				ErrInvalidRecord, l.tp, b.BaseOffset())
		}
		if err := checkBatchSize(len(b), cfg); err != nil {
			return nil, nil, err
		}
		sum, err := record.Validate(b, opts)
		if err != nil {
			return nil, nil, classify(err)
		}
		if sum.NeedsRebuild {
			if b, sum, err = record.Rebuild(b, opts); err != nil {
				return nil, nil, classify(err)
			}
			if err := checkBatchSize(len(b), cfg); err != nil {
				return nil, nil, err
			}
			rebuilt = true
		}
		batches = append(batches, leaderBatch{b, sum})
	}
	if err := it.Err(); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrCorruptRecord, err)
	}
	if !rebuilt {
		return batches, records, nil
	}
	n := 0
	for _, lb := range batches {
		n += len(lb.b)
	}
	out := make([]byte, 0, n)
	for i := range batches {
		off := len(out)
		out = append(out, batches[i].b...)
		batches[i].b = record.Batch(out[off:])
	}
	return batches, out, nil
}

// checkBatchSize is max.message.bytes (RecordTooLargeException).
func checkBatchSize(size int, cfg *Config) error {
	if size > int(cfg.MaxMessageBytes) {
		return fmt.Errorf("%w: the record batch size is %d bytes which exceeds the maximum configured value of %d",
			ErrRecordTooLarge, size, cfg.MaxMessageBytes)
	}
	return nil
}

// classify wraps a record package error in the log's sentinel for it.
func classify(err error) error {
	switch {
	case errors.Is(err, record.ErrCorrupt):
		return fmt.Errorf("%w: %w", ErrCorruptRecord, err)
	case errors.Is(err, record.ErrTooLarge):
		return fmt.Errorf("%w: %w", ErrRecordTooLarge, err)
	}
	return fmt.Errorf("%w: %w", ErrInvalidRecord, err)
}

func (l *Log) appendLeader(recs []byte, batches []leaderBatch, leaderEpoch int32, now int64) (AppendInfo, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	info := emptyAppendInfo(l.logStart.Load())
	if err := l.writableLocked(); err != nil {
		return info, err
	}
	cfg := l.cfgp.Load()
	if len(recs) > int(cfg.SegmentBytes) {
		return info, fmt.Errorf("%w: %d bytes in append exceed segment.bytes %d",
			ErrRecordBatchTooLarge, len(recs), cfg.SegmentBytes)
	}
	next := l.logEnd.Load()
	info.FirstOffset = next
	info.LastLeaderEpoch = leaderEpoch
	for _, lb := range batches {
		last := lb.s.Assign(lb.b, next, leaderEpoch)
		if lb.b.BaseOffset() < next {
			// Only a coordinator batch whose record count disagrees with
			// its offset delta can get here.
			return info, fmt.Errorf("%w: batch with %d records and last offset delta %d",
				ErrInvalidRecord, lb.s.Count, lb.b.LastOffsetDelta())
		}
		if ts := lb.b.MaxTimestamp(); ts > info.MaxTimestamp {
			info.MaxTimestamp, info.OffsetOfMaxTimestamp = ts, lb.s.ShallowOffsetOfMaxTimestamp(last)
		}
		info.RecordCount += int64(lb.s.Count)
		next = last + 1
	}
	info.LastOffset = next - 1
	info.Batches = len(batches)
	info.ValidBytes = len(recs)
	if cfg.MessageTimestampType == LogAppendTime {
		info.LogAppendTime = now
		info.MaxTimestamp, info.OffsetOfMaxTimestamp = now, info.LastOffset
	}
	if leaderEpoch >= 0 {
		if err := l.epochs.Assign(leaderEpoch, info.FirstOffset); err != nil {
			return info, l.failLocked(err)
		}
	}
	return info, l.writeLocked(recs, info, now)
}

// AppendAsFollower appends batches replicated from the leader, keeping
// their offsets and epochs (UnifiedLog.appendAsFollower). Each batch is
// checked as a stored batch (size, magic, CRC, codec); offsets must increase
// across batches (ErrOffsetsOutOfOrder) and the first must not be below the
// log end offset (ErrUnexpectedAppendOffset); gaps are allowed (compacted
// topics). A partial batch at the end of records (a fetch response cut at
// its size limit) is ignored, as Kafka's batch iterator does.
func (l *Log) AppendAsFollower(records []byte) (AppendInfo, error) {
	info := emptyAppendInfo(l.LogStartOffset())
	valid := 0
	it := record.Iterate(records)
	for {
		b, _, ok := it.Next()
		if !ok {
			break
		}
		if err := checkStored(b); err != nil {
			return info, classify(err)
		}
		if c := b.Compression(); c > record.CompressionZstd {
			return info, fmt.Errorf("%w: unknown compression type id %d", ErrInvalidRecord, c)
		}
		if info.Batches > 0 && b.BaseOffset() <= info.LastOffset {
			return info, fmt.Errorf("%w: batch [%d, %d] follows offset %d",
				ErrOffsetsOutOfOrder, b.BaseOffset(), b.LastOffset(), info.LastOffset)
		}
		if info.Batches == 0 {
			info.FirstOffset = b.BaseOffset()
		}
		if b.MaxTimestamp() > info.MaxTimestamp {
			info.MaxTimestamp, info.OffsetOfMaxTimestamp = b.MaxTimestamp(), b.LastOffset()
		}
		info.LastOffset = b.LastOffset()
		info.LastLeaderEpoch = b.PartitionLeaderEpoch()
		info.RecordCount += int64(b.RecordCount())
		info.Batches++
		valid += len(b)
	}
	if valid == 0 {
		return info, nil
	}
	info.ValidBytes = valid
	if err := l.appendFollower(records[:valid], &info); err != nil {
		return info, err
	}
	return info, l.maybeFlushByCount()
}

// checkStored is the check every stored batch passes: what Kafka's
// DefaultRecordBatch.ensureValid checks (size, CRC), plus magic 2 and a
// non-negative last offset delta, without which offsets would not increase.
// Record counts are not checked: a compacted batch may hold fewer records
// than its offset range, even none.
func checkStored(b record.Batch) error {
	switch {
	case len(b) < record.HeaderSize:
		return fmt.Errorf("%w: batch size %d is smaller than the minimum allowed overhead %d", record.ErrCorrupt, len(b), record.HeaderSize)
	case b.Magic() != record.MagicV2:
		return fmt.Errorf("%w: %d (only magic 2 batches are stored)", record.ErrUnsupportedMagic, b.Magic())
	case !b.CRCValid():
		return fmt.Errorf("%w: stored crc = %d, computed crc = %d", record.ErrCorrupt, b.CRC(), b.ComputeCRC())
	case b.LastOffsetDelta() < 0:
		return fmt.Errorf("%w: negative last offset delta %d", record.ErrInvalid, b.LastOffsetDelta())
	}
	return nil
}

func (l *Log) appendFollower(records []byte, info *AppendInfo) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.writableLocked(); err != nil {
		return err
	}
	info.LogStartOffset = l.logStart.Load()
	if leo := l.logEnd.Load(); info.FirstOffset < leo {
		return fmt.Errorf("%w: first offset %d is less than the next offset %d (last offset in append %d)",
			ErrUnexpectedAppendOffset, info.FirstOffset, leo, info.LastOffset)
	}
	cfg := l.cfgp.Load()
	if len(records) > int(cfg.SegmentBytes) {
		return fmt.Errorf("%w: %d bytes in append exceed segment.bytes %d",
			ErrRecordBatchTooLarge, len(records), cfg.SegmentBytes)
	}
	it := record.Iterate(records)
	for {
		b, _, ok := it.Next()
		if !ok {
			break
		}
		if e := b.PartitionLeaderEpoch(); e >= 0 {
			if err := l.epochs.Assign(e, b.BaseOffset()); err != nil {
				return l.failLocked(err)
			}
		}
	}
	return l.writeLocked(records, *info, l.opts.Clock.NowMs())
}

// writeLocked rolls if needed, writes the batches to the active segment and
// publishes the new end.
func (l *Log) writeLocked(records []byte, info AppendInfo, now int64) error {
	seg, err := l.maybeRollLocked(int64(len(records)), info, now)
	if err != nil {
		return err
	}
	if !seg.canConvertToRelativeOffset(info.LastOffset) {
		// maybeRoll rolled to the first offset; an append spanning more
		// than 2^31 offsets fits no segment.
		return fmt.Errorf("%w: offsets [%d, %d] do not fit one segment", ErrInvalidRecord, info.FirstOffset, info.LastOffset)
	}
	old := seg.size.Load()
	newSize, written, err := seg.append(records)
	if err != nil {
		// Nothing was published. A failed write is undone and the log
		// stays usable; a failure after it (indexing) is not.
		if !written && seg.log.Truncate(old) == nil {
			return fmt.Errorf("%w: %w", ErrStorage, err)
		}
		return l.failLocked(err)
	}
	seg.size.Store(newSize)
	l.logEnd.Store(info.LastOffset + 1)
	return nil
}

// maybeFlushByCount flushes when flush.messages offsets are unflushed.
func (l *Log) maybeFlushByCount() error {
	if l.UnflushedMessages() >= l.cfgp.Load().FlushMessages {
		return l.Flush(l.LogEndOffset())
	}
	return nil
}
