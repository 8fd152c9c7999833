package record

import (
	"fmt"
	"math"
	"strings"
	"sync"
)

// TimestampType is a batch's (and a topic's message.timestamp.type).
type TimestampType int8

const (
	CreateTime    TimestampType = 0
	LogAppendTime TimestampType = 1
)

func (t TimestampType) String() string {
	if t == LogAppendTime {
		return "LogAppendTime"
	}
	return "CreateTime"
}

// TimestampType returns the batch's timestamp type (attributes bit 3).
func (b Batch) TimestampType() TimestampType {
	if b.IsLogAppendTime() {
		return LogAppendTime
	}
	return CreateTime
}

// Origin says who appends a batch, which decides how much Validate checks
// (Kafka's AppendOrigin).
type Origin int8

const (
	// OriginClient: a produce request. Everything LogValidator checks.
	OriginClient Origin = iota
	// OriginCoordinator: the group or transaction coordinator. Records are
	// still walked, but the batch-level client checks (base offset 0,
	// count/offset consistency, no control batches, sequence) are skipped.
	OriginCoordinator
	// OriginReplication: a follower's fetch, or log recovery. Only what
	// UnifiedLog.analyzeAndValidateRecords checks: size, magic, CRC, codec.
	// Records are not walked and the record count is not compared with the
	// offsets, because compacted batches legitimately have fewer records
	// than their offset range, down to none.
	OriginReplication
)

// ValidateOptions is the topic configuration and context a validation needs.
// Start from DefaultValidateOptions: the zero timestamp bounds mean
// "exactly now".
type ValidateOptions struct {
	Origin Origin
	// Partition names the partition in messages ("topic-0"); empty leaves
	// the " in topic partition ..." suffix out.
	Partition string
	// MaxBatchSize is max.message.bytes; <= 0 means no limit. Replication
	// ignores it, as Kafka's follower append does.
	MaxBatchSize int
	// MaxUncompressed bounds decompression (0: DefaultMaxUncompressed).
	MaxUncompressed int
	// Compacted is cleanup.policy containing compact: every record needs a key.
	Compacted bool
	// TimestampType is message.timestamp.type.
	TimestampType TimestampType
	// Now is the broker's clock in ms: the LogAppendTime written and the
	// reference for CreateTime bounds.
	Now int64
	// TimestampBeforeMaxMs and TimestampAfterMaxMs are
	// message.timestamp.before.max.ms and message.timestamp.after.max.ms.
	TimestampBeforeMaxMs int64
	TimestampAfterMaxMs  int64
	// Recompress is true when the topic's compression.type names a codec
	// (TargetCompression) rather than "producer".
	Recompress        bool
	TargetCompression Compression
	// SkipCompressedRecords allows the fast path for compressed client
	// batches: no decompression, the header trusted for the count and the
	// max timestamp. It is taken only when no per-record rule can fail —
	// the topic is not compacted, its timestamps are LogAppendTime or
	// unbounded (both limits math.MaxInt64), and no recompression is
	// configured. What it gives up is what Kafka's walk still catches there:
	// a producer that encoded its records wrong (the CRC only proves the
	// bytes are the producer's), non-consecutive offset deltas, and a
	// dishonest header max timestamp under CreateTime.
	SkipCompressedRecords bool
}

// DefaultValidateOptions returns Kafka 3.9's defaults: a client append,
// max.message.bytes 1048588, CreateTime, both timestamp bounds unlimited.
func DefaultValidateOptions(now int64) ValidateOptions {
	return ValidateOptions{
		MaxBatchSize:         1048588,
		Now:                  now,
		TimestampBeforeMaxMs: math.MaxInt64,
		TimestampAfterMaxMs:  math.MaxInt64,
	}
}

// Summary is what the append path needs from a validated batch.
type Summary struct {
	Size        int
	Compression Compression
	// Count is the number of records: those walked, or the header's count
	// when records were not walked.
	Count           int32
	LastOffsetDelta int32
	// TimestampType and MaxTimestamp are what the batch header must say
	// once appended (Assign writes them): the topic's type, and the max
	// record timestamp (CreateTime) or Now (LogAppendTime). MaxTimestamp is
	// also LogValidator's maxTimestampMs, for the time index.
	TimestampType TimestampType
	MaxTimestamp  int64
	// FirstTimestamp is the first record's timestamp as it will read once
	// assigned (Now under LogAppendTime; the base timestamp when records
	// were not walked).
	FirstTimestamp int64
	// RecordsChecked is false when the records were not walked
	// (OriginReplication, or the SkipCompressedRecords fast path).
	RecordsChecked bool
	// OffsetsConsecutive: every record's offset delta equals its index
	// (false when the records were not walked). Kafka does not look at
	// this for uncompressed batches.
	OffsetsConsecutive bool
	// NeedsRebuild: Kafka would not append this batch as is but re-encode it
	// (Rebuild): compressed records whose offsets are not 0..n-1, or a
	// topic codec other than the batch's.
	NeedsRebuild bool
	// UncompressedBytes is the header plus the records before compression
	// (RecordValidationStats.temporaryMemoryBytes); 0 when the records were
	// not walked.
	UncompressedBytes int
	maxAtLast         bool
}

// ShallowOffsetOfMaxTimestamp is LogValidator's shallowOffsetOfMaxTimestamp
// given the batch's last offset once assigned: that offset, or -1 when no
// record carries a timestamp.
func (s Summary) ShallowOffsetOfMaxTimestamp(lastOffset int64) int64 {
	if s.maxAtLast {
		return lastOffset
	}
	return -1
}

// Assign does LogValidator's in-place offset assignment: the batch's last
// offset becomes nextOffset+Count-1, its leader epoch leaderEpoch, its
// timestamp type and max timestamp those of s (the CRC is recomputed only
// if they change). It returns the last offset.
func (s Summary) Assign(b Batch, nextOffset int64, leaderEpoch int32) int64 {
	last := nextOffset + int64(s.Count) - 1
	b.SetBaseOffset(last - int64(b.LastOffsetDelta()))
	b.SetPartitionLeaderEpoch(leaderEpoch)
	b.SetMaxTimestamp(s.TimestampType, s.MaxTimestamp)
	return last
}

// RecordError is one rejected record: ProduceResponse's RecordError.
type RecordError struct {
	Index   int
	Message string
}

func (e RecordError) String() string {
	return fmt.Sprintf("RecordError(batchIndex=%d, message='%s')", e.Index, e.Message)
}

// ValidationError is Kafka's RecordValidationException: one or more
// records were rejected. Err is ErrTimestamp when any record failed for its
// timestamp, else ErrInvalid. Message is the produce response's
// error_message, Records its record_errors.
type ValidationError struct {
	Err     error
	Message string
	Records []RecordError
}

func (e *ValidationError) Error() string { return e.Err.Error() + ": " + e.Message }
func (e *ValidationError) Unwrap() error { return e.Err }

// TimestampInRange is LogValidator.recordHasInvalidTimestamp negated, with
// Java's wrapping arithmetic.
func TimestampInRange(ts, now, beforeMaxMs, afterMaxMs int64) bool {
	diff := now - ts
	return !(diff > beforeMaxMs || -1*diff > afterMaxMs)
}

// CheckTimestamp returns ErrTimestamp with Kafka's message when ts, the
// timestamp of the record at offset, is outside the CreateTime bounds.
func CheckTimestamp(ts, offset, now, beforeMaxMs, afterMaxMs int64) error {
	if TimestampInRange(ts, now, beforeMaxMs, afterMaxMs) {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrTimestamp, timestampMessage(ts, offset, now, beforeMaxMs, afterMaxMs))
}

func timestampMessage(ts, offset, now, before, after int64) string {
	return fmt.Sprintf("Timestamp %d of message with offset %d is out of range. The timestamp should be within [%d, %d]",
		ts, offset, now-before, now+after)
}

func (o *ValidateOptions) inPartition() string {
	if o.Partition == "" {
		return ""
	}
	return " in topic partition " + o.Partition
}

var scratchPool sync.Pool // *[]byte, decompression buffers

const maxPooledScratch = 16 << 20

// Validate checks b as Kafka's append path does (UnifiedLog's
// analyzeAndValidateRecords, then LogValidator for v2), without modifying
// it. Errors: ErrCorrupt (size, CRC, undecodable compression), ErrTooLarge
// (max.message.bytes, decompression bound), ErrUnsupportedMagic,
// ErrCompression, ErrInvalid (batch header rules and record structure, with
// Kafka's messages), or a *ValidationError for rejected records (ErrInvalid
// or ErrTimestamp). After it succeeds the caller assigns offsets with
// Summary.Assign, or re-encodes with Rebuild when NeedsRebuild.
func Validate(b Batch, opts ValidateOptions) (Summary, error) {
	if len(b) < HeaderSize {
		return Summary{}, fmt.Errorf("%w: Record batch is corrupt (the size %d is smaller than the minimum allowed overhead %d)",
			ErrCorrupt, len(b), HeaderSize)
	}
	if m := b.Magic(); m != MagicV2 {
		return Summary{}, fmt.Errorf("%w: %d (only magic 2 batches are stored)", ErrUnsupportedMagic, m)
	}
	if opts.Origin == OriginClient && b.BaseOffset() != 0 {
		return Summary{}, fmt.Errorf("%w: The baseOffset of the record batch in the append to %s should be 0, but it is %d",
			ErrInvalid, opts.Partition, b.BaseOffset())
	}
	if opts.Origin != OriginReplication && opts.MaxBatchSize > 0 && len(b) > opts.MaxBatchSize {
		return Summary{}, fmt.Errorf("%w: The record batch size in the append to %s is %d bytes which exceeds the maximum configured value of %d.",
			ErrTooLarge, opts.Partition, len(b), opts.MaxBatchSize)
	}
	if !b.CRCValid() {
		return Summary{}, fmt.Errorf("%w: Record is corrupt (stored crc = %d)%s.", ErrCorrupt, b.CRC(), opts.inPartition())
	}
	c := b.Compression()
	if c > CompressionZstd {
		return Summary{}, fmt.Errorf("%w: Unknown compression type id: %d", ErrCompression, c)
	}
	s := Summary{
		Size:            len(b),
		Compression:     c,
		Count:           b.RecordCount(),
		LastOffsetDelta: b.LastOffsetDelta(),
		TimestampType:   b.TimestampType(),
		MaxTimestamp:    b.MaxTimestamp(),
		FirstTimestamp:  b.BaseTimestamp(),
	}
	if opts.Origin == OriginReplication {
		s.maxAtLast = s.MaxTimestamp > NoTimestamp
		return s, nil
	}
	if err := validateBatch(b, &opts); err != nil {
		return Summary{}, err
	}
	target := c
	if opts.Recompress {
		target = opts.TargetCompression
	}
	s.TimestampType = opts.TimestampType
	compressedPath := c != CompressionNone || target != CompressionNone
	inPlace := !compressedPath || c == target || (c == CompressionNone && b.IsControl())
	if c != CompressionNone && inPlace && opts.SkipCompressedRecords && !opts.Compacted && !b.IsLogAppendTime() &&
		(opts.TimestampType == LogAppendTime ||
			(opts.TimestampBeforeMaxMs == math.MaxInt64 && opts.TimestampAfterMaxMs == math.MaxInt64)) {
		return shallowClientSummary(s, &opts), nil
	}
	var data []byte
	if c == CompressionNone {
		data = b.Records()
	} else {
		sp, _ := scratchPool.Get().(*[]byte)
		if sp == nil {
			sp = new([]byte)
		}
		var err error
		data, err = Decompress((*sp)[:0], c, b.Records(), opts.MaxUncompressed)
		if cap(data) <= maxPooledScratch {
			*sp = data[:0]
			defer scratchPool.Put(sp)
		}
		if err != nil {
			return Summary{}, err
		}
	}
	// Kafka's skipKeyValueIterator, used for compressed in-place batches,
	// yields PartialDefaultRecords, which its messages show.
	w := walker{opts: opts, batch: b, partial: c != CompressionNone && inPlace}
	if err := w.walk(data); err != nil {
		return Summary{}, err
	}
	s.RecordsChecked = true
	s.Count = w.count
	s.FirstTimestamp = w.first
	s.OffsetsConsecutive = w.consecutive
	s.UncompressedBytes = HeaderSize + w.bytes
	// A batch without records (possible only from a coordinator) has
	// nothing to re-encode.
	s.NeedsRebuild = compressedPath && w.count > 0 && (!inPlace || !w.consecutive || b.BaseOffset() != 0)
	switch {
	case opts.TimestampType == LogAppendTime:
		s.MaxTimestamp, s.FirstTimestamp, s.maxAtLast = opts.Now, opts.Now, true
	case compressedPath:
		s.MaxTimestamp, s.maxAtLast = w.max, !s.NeedsRebuild || w.max != NoTimestamp
	default:
		s.MaxTimestamp, s.maxAtLast = w.max, w.max > NoTimestamp
	}
	return s, nil
}

// shallowClientSummary is the SkipCompressedRecords fast path: the header
// stands in for the records.
func shallowClientSummary(s Summary, opts *ValidateOptions) Summary {
	s.maxAtLast = true // Kafka's compressed in-place path reports the last offset
	if opts.TimestampType == LogAppendTime {
		s.MaxTimestamp, s.FirstTimestamp = opts.Now, opts.Now
	}
	return s
}

// validateBatch is LogValidator.validateBatch for v2.
func validateBatch(b Batch, opts *ValidateOptions) error {
	if opts.Origin != OriginClient {
		return nil
	}
	fromOffsets := int64(b.LastOffsetDelta()) + 1
	count := int64(b.RecordCount())
	switch {
	case fromOffsets <= 0:
		return fmt.Errorf("%w: Batch has an invalid offset range: [%d, %d]%s", ErrInvalid, b.BaseOffset(), b.LastOffset(), opts.inPartition())
	case count <= 0:
		return fmt.Errorf("%w: Invalid reported count for record batch: %d%s", ErrInvalid, count, opts.inPartition())
	case count != fromOffsets:
		return fmt.Errorf("%w: Inconsistent batch offset range [%d, %d] and count of records %d%s",
			ErrInvalid, b.BaseOffset(), b.LastOffset(), count, opts.inPartition())
	case b.IsControl():
		return fmt.Errorf("%w: Clients are not allowed to write control records%s", ErrInvalid, opts.inPartition())
	case b.HasProducerID() && b.BaseSequence() < 0:
		return fmt.Errorf("%w: Invalid sequence number %d in record batch with producerId %d%s",
			ErrInvalid, b.BaseSequence(), b.ProducerID(), opts.inPartition())
	}
	return nil
}

// walker walks a batch's records for Validate.
type walker struct {
	opts        ValidateOptions
	batch       Batch
	partial     bool // Kafka's skipKeyValueIterator: records print as PartialDefaultRecord
	count       int32
	first, max  int64
	bytes       int
	consecutive bool
	errs        []RecordError
	tsErr       bool
}

func (w *walker) walk(data []byte) error {
	it := w.batch.Iter(data)
	w.first, w.max, w.consecutive = NoTimestamp, NoTimestamp, true
	opts := &w.opts
	checkTS := opts.TimestampType == CreateTime
	batchLAT := w.batch.IsLogAppendTime()
	var r Record
	for it.Next(&r) {
		i := int(w.count)
		if w.count == 0 {
			w.first = r.Timestamp
		}
		if r.Timestamp > w.max {
			w.max = r.Timestamp
		}
		if int(r.OffsetDelta) != i {
			w.consecutive = false
		}
		w.bytes += r.Size
		w.count++
		switch {
		case opts.Compacted && r.Key == nil:
			w.errs = append(w.errs, RecordError{i, "Compacted topic cannot accept message without key" + opts.inPartition()})
		case checkTS && r.Timestamp != NoTimestamp:
			if !TimestampInRange(r.Timestamp, opts.Now, opts.TimestampBeforeMaxMs, opts.TimestampAfterMaxMs) {
				w.tsErr = true
				w.errs = append(w.errs, RecordError{i, timestampMessage(r.Timestamp, r.Offset, opts.Now,
					opts.TimestampBeforeMaxMs, opts.TimestampAfterMaxMs)})
			}
		case batchLAT:
			w.tsErr = true
			w.errs = append(w.errs, RecordError{i, "Invalid timestamp type in message " + w.describe(&r) +
				". Producer should not set timestamp type to LogAppendTime."})
		}
	}
	if err := it.Err(); err != nil {
		return err
	}
	if len(w.errs) == 0 {
		return nil
	}
	if w.tsErr {
		return &ValidationError{Err: ErrTimestamp, Message: "One or more records have been rejected due to invalid timestamp", Records: w.errs}
	}
	shown := make([]string, 0, 3)
	for _, e := range w.errs[:min(3, len(w.errs))] {
		shown = append(shown, e.String())
	}
	return &ValidationError{
		Err: ErrInvalid,
		Message: fmt.Sprintf("One or more records have been rejected due to %d record errors in total, and only showing the first three errors at most: [%s]",
			len(w.errs), strings.Join(shown, ", ")),
		Records: w.errs,
	}
}

// describe is the record's toString as LogValidator's iterator yields it.
func (w *walker) describe(r *Record) string {
	if !w.partial {
		return r.String()
	}
	ks, vs := len(r.Key), len(r.Value)
	if r.Key == nil {
		ks = -1
	}
	if r.Value == nil {
		vs = -1
	}
	return fmt.Sprintf("PartialDefaultRecord(offset=%d, timestamp=%d, key=%d bytes, value=%d bytes)", r.Offset, r.Timestamp, ks, vs)
}
