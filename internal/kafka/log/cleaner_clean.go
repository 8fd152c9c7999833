package log

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"sync"

	"github.com/wharf-project/wharf/internal/kafka/record"
)

// CleanerStats describes one cleaning of one log (Kafka's CleanerStats).
type CleanerStats struct {
	Partition TopicPartition
	// FirstDirtyOffset and EndOffset bound the dirty section cleaned:
	// EndOffset is the new first dirty offset.
	FirstDirtyOffset, EndOffset int64
	// StartMs, MapDoneMs and EndMs are the clock's time at the start, once
	// the offset map was built, and at the end.
	StartMs, MapDoneMs, EndMs int64
	// MapBytesRead and MapMessagesRead are what building the offset map read.
	MapBytesRead, MapMessagesRead int64
	// BytesRead and MessagesRead are what recopying read; BytesWritten and
	// MessagesWritten what it kept.
	BytesRead, BytesWritten       int64
	MessagesRead, MessagesWritten int64
	// InvalidMessagesRead counts records without a key, which compaction
	// drops.
	InvalidMessagesRead int64
	// UnreadableBatches counts batches whose records could not be decoded
	// (or rebuilt): they are kept whole and their keys stay out of the map.
	UnreadableBatches int64
	// BufferUtilization is the share of the offset map's slots used.
	BufferUtilization float64
}

// ElapsedMs is how long the cleaning took by the clock.
func (s CleanerStats) ElapsedMs() int64 { return s.EndMs - s.StartMs }

// cleanerWorker is one cleaner thread's state (Kafka's Cleaner): its offset
// map and buffers, reused from one cleaning to the next.
type cleanerWorker struct {
	busy       sync.Mutex // held by the goroutine using the worker
	id         int
	offsets    *offsetMap
	loadFactor float64
	ioBufSize  int
	maxIOBuf   int
	expiryMs   int64
	throttle   *throttler
	clock      Clock
	logger     *slog.Logger

	// Per cleaning.
	ctx       context.Context // done when the cleaning is aborted or the cleaner stops
	stats     *CleanerStats
	producers map[int64]producerLast
	readBuf   []byte
	writeBuf  []byte
	decomp    []byte
	keep      []bool
	pending   int64 // bytes read or written, not yet throttled
}

func newCleanerWorker(id int, cfg CleanerConfig, th *throttler, clock Clock, logger *slog.Logger) *cleanerWorker {
	return &cleanerWorker{
		id:         id,
		offsets:    newOffsetMap(cfg.offsetMapSlots()),
		loadFactor: cfg.DedupeBufferLoadFactor,
		ioBufSize:  cfg.ioBufferSize(),
		maxIOBuf:   max(cfg.MaxMessageSize, cfg.ioBufferSize()),
		expiryMs:   cfg.ProducerIDExpirationMs,
		throttle:   th,
		clock:      clock,
		logger:     logger.With("cleaner", id),
		producers:  map[int64]producerLast{},
	}
}

// logToClean is a log chosen for cleaning and what the choice measured
// (Kafka's LogToClean).
type logToClean struct {
	tp                     TopicPartition
	log                    *Log
	firstDirtyOffset       int64
	firstUncleanableOffset int64 // a segment's base offset
	cleanBytes             int64
	cleanableBytes         int64
	needCompactionNow      bool
}

func newLogToClean(tp TopicPartition, l *Log, firstDirty, uncleanable int64, needNow bool) logToClean {
	segs := l.Segments()
	c := logToClean{tp: tp, log: l, firstDirtyOffset: firstDirty, needCompactionNow: needNow}
	for _, s := range segmentsInRange(segs, -1, firstDirty) {
		c.cleanBytes += s.Size()
	}
	c.firstUncleanableOffset, c.cleanableBytes = calculateCleanableBytes(segs, firstDirty, uncleanable)
	return c
}

func (c logToClean) totalBytes() int64 { return c.cleanBytes + c.cleanableBytes }

// cleanableRatio is the dirty share of the log (NaN for an empty one).
func (c logToClean) cleanableRatio() float64 {
	return float64(c.cleanableBytes) / float64(c.totalBytes())
}

// clean cleans the log from its first dirty offset up to its first
// uncleanable offset, or as far as the offset map reaches
// (Cleaner.doClean), and returns the new first dirty offset.
func (w *cleanerWorker) clean(ctx context.Context, c logToClean, now int64) (int64, CleanerStats, error) {
	stats := CleanerStats{Partition: c.tp, FirstDirtyOffset: c.firstDirtyOffset, StartMs: w.clock.NowMs()}
	w.ctx, w.stats, w.pending = ctx, &stats, 0
	defer w.restoreBuffers()
	l := c.log
	cfg := l.Config()
	if err := w.buildOffsetMap(l, c.firstDirtyOffset, c.firstUncleanableOffset); err != nil {
		return 0, stats, err
	}
	end := max(w.offsets.latestOffset()+1, c.firstDirtyOffset)
	stats.MapDoneMs = w.clock.NowMs()
	if err := w.findActiveProducers(l, now); err != nil {
		return 0, stats, err
	}
	segs := l.Segments()
	segs = segmentsInRange(segs[:len(segs)-1], 0, end)
	for _, group := range groupSegmentsBySize(segs, int64(cfg.SegmentBytes), int64(cfg.SegmentIndexBytes), c.firstUncleanableOffset) {
		if err := w.cleanSegments(l, group, now, cfg.DeleteRetentionMs); err != nil {
			return 0, stats, err
		}
	}
	if err := w.flushThrottle(); err != nil {
		return 0, stats, err
	}
	stats.BufferUtilization = w.offsets.utilization()
	stats.EndOffset = end
	stats.EndMs = w.clock.NowMs()
	return end, stats, nil
}

// done returns why the cleaning must stop, if it must.
func (w *cleanerWorker) done() error {
	if w.ctx.Err() != nil {
		return context.Cause(w.ctx)
	}
	return nil
}

// account adds I/O for the throttler, which is asked once enough has
// accumulated (the walk's natural chunk).
func (w *cleanerWorker) account(n int) error {
	w.pending += int64(n)
	if w.pending < int64(w.ioBufSize) {
		return w.done()
	}
	return w.flushThrottle()
}

func (w *cleanerWorker) flushThrottle() error {
	n := w.pending
	w.pending = 0
	if err := w.throttle.throttle(w.ctx, n); err != nil {
		return err
	}
	return w.done()
}

// restoreBuffers drops buffers grown past their usual size.
func (w *cleanerWorker) restoreBuffers() {
	if cap(w.readBuf) > w.maxIOBuf || w.readBuf == nil {
		w.readBuf = make([]byte, w.ioBufSize)
	}
	if cap(w.writeBuf) > w.maxIOBuf {
		w.writeBuf = nil
	}
	if cap(w.decomp) > w.maxIOBuf {
		w.decomp = nil
	}
	w.stats, w.ctx = nil, nil
}

// buildOffsetMap maps every key of the dirty section [start, end) to its
// last offset there, stopping when the map holds as many keys as its load
// factor allows (Cleaner.buildOffsetMap). The map's latest offset is then
// the last offset the map speaks for.
func (w *cleanerWorker) buildOffsetMap(l *Log, start, end int64) error {
	w.offsets.clear()
	if w.readBuf == nil {
		w.readBuf = make([]byte, w.ioBufSize)
	}
	segs := l.Segments()
	dirty := segmentsInRange(segs[:len(segs)-1], start, end)
	limit := int(float64(w.offsets.slots()) * w.loadFactor)
	for i, s := range dirty {
		next := end
		if i+1 < len(dirty) {
			next = dirty[i+1].BaseOffset()
		}
		if err := w.done(); err != nil {
			return err
		}
		full, err := w.buildOffsetMapForSegment(s, start, next, limit)
		if err != nil || full {
			return err
		}
	}
	return nil
}

// errMapFull stops a segment walk when the offset map is full.
var errMapFull = errors.New("log: offset map full")

func (w *cleanerWorker) buildOffsetMapForSegment(s *Segment, start, next int64, limit int) (full bool, err error) {
	pos, err := s.cleanerStartPosition(start)
	if err != nil {
		return false, err
	}
	w.readBuf, err = s.cleanerBatches(pos, w.readBuf, func(b record.Batch, _ int64) error {
		w.stats.MapBytesRead += int64(len(b))
		if err := w.account(len(b)); err != nil {
			return err
		}
		switch {
		case b.IsControl():
			w.stats.MapMessagesRead++
		case b.IsTransactional():
			// Not mapped: whether it was aborted is unknown (no
			// transaction index), so it must not hide older records.
			w.stats.MapMessagesRead += int64(b.RecordCount())
		default:
			if w.mapBatch(b, start, limit) {
				return errMapFull
			}
		}
		if b.LastOffset() >= start {
			w.offsets.updateLatestOffset(b.LastOffset())
		}
		return nil
	})
	if errors.Is(err, errMapFull) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	// Offsets may be missing at the segment's end: the map speaks for
	// them too.
	w.offsets.updateLatestOffset(next - 1)
	return false, nil
}

// mapBatch puts the keys of b's records at or above start in the map and
// reports whether the map filled up first.
func (w *cleanerWorker) mapBatch(b record.Batch, start int64, limit int) bool {
	data, ok := w.recordData(b)
	if !ok {
		return false
	}
	it := b.Iter(data)
	var r record.Record
	for it.Next(&r) {
		if r.HasKey() && r.Offset >= start {
			if w.offsets.size() >= limit {
				return true
			}
			if w.offsets.put(r.Key, r.Offset) != nil {
				return true
			}
		}
		w.stats.MapMessagesRead++
	}
	if it.Err() != nil {
		// Keys already mapped point into a batch the recopy keeps whole.
		w.stats.UnreadableBatches++
	}
	return false
}

// recordData returns b's records uncompressed, reusing the worker's
// buffer; ok is false (and the batch counted unreadable) when they cannot
// be decompressed within record.DefaultMaxUncompressed.
func (w *cleanerWorker) recordData(b record.Batch) ([]byte, bool) {
	data, err := b.RecordData(w.decomp, 0)
	if err != nil {
		w.stats.UnreadableBatches++
		return nil, false
	}
	if b.Compression() != record.CompressionNone {
		w.decomp = data
	}
	return data, true
}

// producerLast is what the cleaner knows of a producer from the log: the
// last offset of its last data batch and its last batch's max timestamp.
type producerLast struct {
	lastDataOffset int64
	lastTimestamp  int64
}

// findActiveProducers finds each producer's last data batch in the whole
// log, from the batch headers, keeping the producers that are still
// active: their last batch is less than producer.id.expiration.ms old
// (what Kafka's producer state manager knows as lastRecordsOfActiveProducers).
func (w *cleanerWorker) findActiveProducers(l *Log, now int64) error {
	clear(w.producers)
	for _, s := range l.Segments() {
		err := s.cleanerHeaders(func(hdr record.Batch) error {
			if !hdr.HasProducerID() {
				return nil
			}
			p, ok := w.producers[hdr.ProducerID()]
			if !ok {
				p.lastDataOffset = -1
			}
			p.lastTimestamp = hdr.MaxTimestamp()
			if !hdr.IsControl() {
				p.lastDataOffset = hdr.LastOffset()
			}
			w.producers[hdr.ProducerID()] = p
			return nil
		})
		if err != nil {
			return err
		}
		if err := w.done(); err != nil {
			return err
		}
	}
	for id, p := range w.producers {
		if p.lastTimestamp < 0 || now-p.lastTimestamp >= w.expiryMs {
			delete(w.producers, id)
		}
	}
	return nil
}

// cleanSegments recopies a group of segments into one cleaned segment and
// swaps it in for them (Cleaner.cleanSegments).
func (w *cleanerWorker) cleanSegments(l *Log, group []*Segment, now, deleteRetentionMs int64) (err error) {
	if err := l.cleanerWritable(); err != nil {
		return err
	}
	cleaned, err := l.NewCleanedSegment(group[0].BaseOffset())
	if err != nil {
		return err
	}
	defer func() {
		if err != nil && cleaned.stillCleaned() {
			_ = cleaned.Discard()
		}
	}()
	horizon := now + deleteRetentionMs
	if deleteRetentionMs > math.MaxInt64-now {
		horizon = math.MaxInt64
	}
	f := batchFilter{now: now, newHorizon: horizon}
	w.writeBuf = w.writeBuf[:0]
	for _, s := range group {
		w.readBuf, err = s.cleanerBatches(0, w.readBuf, func(b record.Batch, _ int64) error {
			w.stats.BytesRead += int64(len(b))
			if err := w.account(len(b)); err != nil {
				return err
			}
			before := len(w.writeBuf)
			w.filterBatch(b, &f)
			w.stats.BytesWritten += int64(len(w.writeBuf) - before)
			if len(w.writeBuf) >= w.ioBufSize {
				return w.writeOut(cleaned)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if err := w.writeOut(cleaned); err != nil {
		return err
	}
	if err := cleaned.Seal(); err != nil {
		return err
	}
	if err := w.done(); err != nil {
		return err
	}
	w.logger.Debug("swapping in a cleaned segment", "partition", w.stats.Partition, "base", cleaned.BaseOffset(),
		"replacing", len(group), "size", cleaned.Size())
	return l.ReplaceSegments([]*Segment{cleaned}, group)
}

// writeOut appends the write buffer to the cleaned segment.
func (w *cleanerWorker) writeOut(dst *Segment) error {
	if len(w.writeBuf) == 0 {
		return nil
	}
	if err := dst.AppendBatches(w.writeBuf); err != nil {
		return err
	}
	n := len(w.writeBuf)
	w.writeBuf = w.writeBuf[:0]
	return w.account(n)
}

// segmentsInRange returns the segments holding offsets in [from, to)
// (LogSegments.values(from, to)): from the one containing from (or the
// first) to the last starting below to.
func segmentsInRange(segs []*Segment, from, to int64) []*Segment {
	if from >= to || len(segs) == 0 {
		return nil
	}
	i := max(floorSegment(segs, from), 0)
	j := i
	for j < len(segs) && segs[j].BaseOffset() < to {
		j++
	}
	return segs[i:j]
}

// groupSegmentsBySize groups consecutive segments whose sizes and index
// sizes add up to at most maxSize and maxIndexSize and whose offsets span
// fewer than 2^31, each group to be recopied into one segment
// (Cleaner.groupSegmentsBySize). An empty segment joins any group.
func groupSegmentsBySize(segs []*Segment, maxSize, maxIndexSize, firstUncleanable int64) [][]*Segment {
	var groups [][]*Segment
	for len(segs) > 0 {
		first := segs[0]
		size := first.Size()
		oiSize, tiSize := first.cleanerIndexSizes()
		n := 1
		for n < len(segs) {
			s := segs[n]
			oi, ti := s.cleanerIndexSizes()
			lastOffset := firstUncleanable - 1
			if n+1 < len(segs) {
				lastOffset = segs[n+1].BaseOffset() - 1
			}
			if size+s.Size() > maxSize || oiSize+oi > maxIndexSize || tiSize+ti > maxIndexSize ||
				(s.Size() != 0 && lastOffset-first.BaseOffset() > math.MaxInt32) {
				break
			}
			size, oiSize, tiSize = size+s.Size(), oiSize+oi, tiSize+ti
			n++
		}
		groups = append(groups, segs[:n:n])
		segs = segs[n:]
	}
	return groups
}
