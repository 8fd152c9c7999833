package record

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrBuild reports a Builder used the way MemoryRecordsBuilder refuses with
// IllegalArgumentException.
var ErrBuild = errors.New("record: invalid batch construction")

// NoProducerEpoch is RecordBatch.NO_PRODUCER_EPOCH.
const NoProducerEpoch = int16(-1)

// Builder writes one v2 batch as MemoryRecordsBuilder does: for the same
// input and no compression the bytes are identical to Kafka's.
//
// Records are encoded as they are appended; Build compresses them and
// writes the header. The first error latches: later calls return it.
type Builder struct {
	baseOffset    int64
	codec         Compression
	level         int
	tsType        TimestampType
	logAppendTime int64
	producerID    int64
	producerEpoch int16
	baseSequence  int32
	transactional bool
	control       bool
	leaderEpoch   int32
	deleteHorizon int64

	records       []byte // encoded, uncompressed
	count         int32
	lastOffset    int64
	override      int64
	hasOverride   bool
	baseTimestamp int64
	hasBaseTS     bool
	maxTimestamp  int64
	err           error
}

// NewBuilder starts a batch at baseOffset compressed with c, with Kafka's
// defaults: CreateTime, no producer id, epoch or sequence, no partition
// leader epoch, not transactional, not control, no delete horizon.
func NewBuilder(baseOffset int64, c Compression) *Builder {
	bl := &Builder{
		baseOffset:    baseOffset,
		codec:         c,
		logAppendTime: NoTimestamp,
		producerID:    NoProducerID,
		producerEpoch: NoProducerEpoch,
		baseSequence:  NoSequence,
		leaderEpoch:   NoPartitionLeaderEpoch,
		deleteHorizon: NoTimestamp,
		maxTimestamp:  NoTimestamp,
	}
	if c < CompressionNone || c > CompressionZstd {
		bl.err = fmt.Errorf("%w: codec id %d", ErrCompression, c)
	}
	return bl
}

// SetCompressionLevel sets the codec level (0: the codec's default).
func (bl *Builder) SetCompressionLevel(level int) *Builder { bl.level = level; return bl }

// SetLogAppendTime makes the batch LogAppendTime with max timestamp ms.
func (bl *Builder) SetLogAppendTime(ms int64) *Builder {
	bl.tsType, bl.logAppendTime = LogAppendTime, ms
	return bl
}

// SetProducer sets the producer id, epoch and base sequence.
func (bl *Builder) SetProducer(id int64, epoch int16, baseSequence int32) *Builder {
	bl.producerID, bl.producerEpoch, bl.baseSequence = id, epoch, baseSequence
	return bl
}

// SetTransactional sets the transactional flag.
func (bl *Builder) SetTransactional(t bool) *Builder { bl.transactional = t; return bl }

// SetControl makes the batch a control batch: only control records (and
// copied records) may then be appended.
func (bl *Builder) SetControl(c bool) *Builder { bl.control = c; return bl }

// SetPartitionLeaderEpoch sets the partition leader epoch.
func (bl *Builder) SetPartitionLeaderEpoch(e int32) *Builder { bl.leaderEpoch = e; return bl }

// SetDeleteHorizon sets the delete horizon (ms >= 0): the base timestamp
// becomes ms and attributes bit 6 is set. It must precede the first append.
func (bl *Builder) SetDeleteHorizon(ms int64) *Builder {
	if bl.count > 0 {
		bl.fail("the delete horizon must be set before records are appended")
		return bl
	}
	bl.deleteHorizon = ms
	if ms >= 0 {
		bl.baseTimestamp, bl.hasBaseTS = ms, true
	}
	return bl
}

// OverrideLastOffset sets the batch's last offset regardless of the
// records appended (MemoryRecordsBuilder.overrideLastOffset: the cleaner
// keeps a compacted batch's last offset so its last sequence survives).
// It applies at Build; call it after the last append.
func (bl *Builder) OverrideLastOffset(o int64) *Builder {
	bl.override, bl.hasOverride = o, true
	return bl
}

// Count returns how many records have been appended.
func (bl *Builder) Count() int32 { return bl.count }

// UncompressedSize is the header plus the records appended so far.
func (bl *Builder) UncompressedSize() int { return HeaderSize + len(bl.records) }

// Err returns the latched error.
func (bl *Builder) Err() error { return bl.err }

func (bl *Builder) fail(format string, args ...any) error {
	if bl.err == nil {
		bl.err = fmt.Errorf("%w: "+format, append([]any{ErrBuild}, args...)...)
	}
	return bl.err
}

func (bl *Builder) nextOffset() int64 {
	if bl.count == 0 {
		return bl.baseOffset
	}
	return bl.lastOffset + 1
}

// Append adds a record at the next offset. A nil key or value is null; a
// header with a nil Value has a null value.
func (bl *Builder) Append(ts int64, key, value []byte, headers ...Header) error {
	return bl.AppendWithOffset(bl.nextOffset(), ts, key, value, headers...)
}

// AppendWithOffset adds a record at offset, which must exceed the last.
func (bl *Builder) AppendWithOffset(offset, ts int64, key, value []byte, headers ...Header) error {
	if bl.control {
		return bl.fail("Control records can only be appended to control batches")
	}
	return bl.add(offset, ts, key, value, headers, -1, nil)
}

// AppendRecord copies a decoded record at offset, keeping its timestamp,
// key, value and headers; it may be a control record (the cleaner's and
// Rebuild's MemoryRecordsBuilder.append(Record)).
func (bl *Builder) AppendRecord(offset int64, r *Record) error {
	return bl.add(offset, r.Timestamp, r.Key, r.Value, nil, r.NumHeaders, r.headers)
}

// AppendControlRecord adds a control record of type t at the next offset;
// the batch must be a control batch.
func (bl *Builder) AppendControlRecord(ts int64, t ControlType, value []byte) error {
	if !bl.control {
		return bl.fail("Control records can only be appended to control batches")
	}
	if t == ControlUnknown {
		return bl.fail("Cannot serialize UNKNOWN control record type")
	}
	return bl.add(bl.nextOffset(), ts, ControlKey(t), value, nil, -1, nil)
}

// AppendEndTxnMarker adds a COMMIT or ABORT marker (the transaction
// coordinator's MemoryRecordsBuilder.appendEndTxnMarker). The batch must be
// a transactional control batch with a producer id.
func (bl *Builder) AppendEndTxnMarker(ts int64, commit bool, coordinatorEpoch int32) error {
	if bl.producerID == NoProducerID {
		return bl.fail("End transaction marker requires a valid producerId")
	}
	if !bl.transactional {
		return bl.fail("End transaction marker depends on batch transactional flag being enabled")
	}
	t := ControlAbort
	if commit {
		t = ControlCommit
	}
	return bl.AppendControlRecord(ts, t, EndTxnMarkerValue(coordinatorEpoch))
}

// add encodes one record. Headers come either as a list or already
// encoded (numRaw >= 0, raw).
func (bl *Builder) add(offset, ts int64, key, value []byte, headers []Header, numRaw int, raw []byte) error {
	if bl.err != nil {
		return bl.err
	}
	if bl.count > 0 && offset <= bl.lastOffset {
		return bl.fail("Illegal offset %d following previous offset %d (Offsets must increase monotonically).", offset, bl.lastOffset)
	}
	if ts < 0 && ts != NoTimestamp {
		return bl.fail("Invalid negative timestamp %d", ts)
	}
	if bl.count == maxInt32 {
		return bl.fail("Maximum number of records per batch exceeded, max records: %d", maxInt32)
	}
	if offset-bl.baseOffset > maxInt32 {
		return bl.fail("Maximum offset delta exceeded, base offset: %d, last offset: %d", bl.baseOffset, offset)
	}
	for _, h := range headers {
		if h.Key == nil {
			return bl.fail("Invalid null header key found in headers")
		}
	}
	if !bl.hasBaseTS {
		bl.baseTimestamp, bl.hasBaseTS = ts, true
	}
	offsetDelta := int32(offset - bl.baseOffset)
	tsDelta := ts - bl.baseTimestamp

	body := 1 + sizeOfVarint(offsetDelta) + sizeOfVarlong(tsDelta) + sizeOfBytesField(key) + sizeOfBytesField(value)
	if numRaw >= 0 {
		body += sizeOfVarint(int32(numRaw)) + len(raw)
	} else {
		body += sizeOfVarint(int32(len(headers)))
		for _, h := range headers {
			body += sizeOfBytesField(h.Key) + sizeOfBytesField(h.Value)
		}
	}
	b := grow(bl.records, sizeOfVarint(int32(body))+body)
	b = appendVarint(b, int32(body))
	b = append(b, 0) // attributes: none are used
	b = appendVarlong(b, tsDelta)
	b = appendVarint(b, offsetDelta)
	b = appendBytesField(b, key)
	b = appendBytesField(b, value)
	if numRaw >= 0 {
		b = appendVarint(b, int32(numRaw))
		b = append(b, raw...)
	} else {
		b = appendVarint(b, int32(len(headers)))
		for _, h := range headers {
			b = appendBytesField(b, h.Key)
			b = appendBytesField(b, h.Value)
		}
	}
	bl.records = b
	bl.count++
	bl.lastOffset = offset
	if ts > bl.maxTimestamp {
		bl.maxTimestamp = ts
	}
	return nil
}

func sizeOfBytesField(b []byte) int {
	if b == nil {
		return 1
	}
	return sizeOfVarint(int32(len(b))) + len(b)
}

func appendBytesField(dst, b []byte) []byte {
	if b == nil {
		return appendVarint(dst, -1)
	}
	return append(appendVarint(dst, int32(len(b))), b...)
}

// Build returns the batch, or nil when no record was appended (Kafka's
// MemoryRecords.EMPTY).
func (bl *Builder) Build() (Batch, error) {
	out, err := bl.AppendTo(nil)
	if err != nil || len(out) == 0 {
		return nil, err
	}
	return Batch(out), nil
}

// AppendTo appends the batch to dst (nothing when no record was appended);
// the batch is the returned slice from len(dst) on.
func (bl *Builder) AppendTo(dst []byte) ([]byte, error) {
	if bl.err != nil {
		return dst, bl.err
	}
	if bl.transactional && bl.producerID == NoProducerID {
		return dst, bl.fail("Cannot write transactional messages without a valid producer ID")
	}
	if bl.producerID != NoProducerID {
		if bl.producerEpoch == NoProducerEpoch {
			return dst, bl.fail("Invalid negative producer epoch")
		}
		if bl.baseSequence < 0 && !bl.control {
			return dst, bl.fail("Invalid negative sequence number used")
		}
	}
	if bl.count == 0 {
		return dst, nil
	}
	start := len(dst)
	out := grow(dst, HeaderSize+len(bl.records))
	out, err := Compress(out[:start+HeaderSize], bl.codec, bl.level, bl.records)
	if err != nil {
		return dst, fmt.Errorf("%w: %v", ErrBuild, err)
	}
	b := Batch(out[start:])
	maxTS := bl.maxTimestamp
	if bl.tsType == LogAppendTime {
		maxTS = bl.logAppendTime
	}
	attrs := int16(bl.codec)
	if bl.tsType == LogAppendTime {
		attrs |= TimestampTypeMask
	}
	if bl.transactional {
		attrs |= TransactionalMask
	}
	if bl.control {
		attrs |= ControlMask
	}
	if bl.deleteHorizon >= 0 {
		attrs |= DeleteHorizonMask
	}
	last := bl.lastOffset
	if bl.hasOverride {
		last = bl.override
	}
	writeHeader(b, header{
		baseOffset: bl.baseOffset, lastOffsetDelta: int32(last - bl.baseOffset),
		leaderEpoch: bl.leaderEpoch, attributes: attrs,
		baseTimestamp: bl.baseTimestamp, maxTimestamp: maxTS,
		producerID: bl.producerID, producerEpoch: bl.producerEpoch, baseSequence: bl.baseSequence,
		count: bl.count,
	})
	return out, nil
}

// header is the fields DefaultRecordBatch.writeHeader writes.
type header struct {
	baseOffset      int64
	lastOffsetDelta int32
	leaderEpoch     int32
	attributes      int16
	baseTimestamp   int64
	maxTimestamp    int64
	producerID      int64
	producerEpoch   int16
	baseSequence    int32
	count           int32
}

// writeHeader fills the first HeaderSize bytes of b (whose length is the
// whole batch) and the CRC.
func writeHeader(b Batch, h header) {
	be := binary.BigEndian
	be.PutUint64(b[offsetBaseOffset:], uint64(h.baseOffset))
	be.PutUint32(b[offsetLength:], uint32(len(b)-LogOverhead))
	be.PutUint32(b[offsetLeaderEpoch:], uint32(h.leaderEpoch))
	b[offsetMagic] = MagicV2
	be.PutUint16(b[offsetAttributes:], uint16(h.attributes))
	be.PutUint32(b[offsetLastDelta:], uint32(h.lastOffsetDelta))
	be.PutUint64(b[offsetBaseTimestamp:], uint64(h.baseTimestamp))
	be.PutUint64(b[offsetMaxTimestamp:], uint64(h.maxTimestamp))
	be.PutUint64(b[offsetProducerID:], uint64(h.producerID))
	be.PutUint16(b[offsetProducerEpoch:], uint16(h.producerEpoch))
	be.PutUint32(b[offsetBaseSequence:], uint32(h.baseSequence))
	be.PutUint32(b[offsetRecordCount:], uint32(h.count))
	be.PutUint32(b[offsetCRC:], b.ComputeCRC())
}

// EmptyFrom returns a batch with no records that keeps src's offsets,
// producer state, leader epoch, timestamp type, max timestamp and flags
// (DefaultRecordBatch.writeEmptyHeader): what the cleaner writes when it
// removes every record of a batch whose producer state must survive.
func EmptyFrom(src Batch) Batch {
	var attrs int16
	if src.IsLogAppendTime() {
		attrs |= TimestampTypeMask
	}
	if src.IsTransactional() {
		attrs |= TransactionalMask
	}
	if src.IsControl() {
		attrs |= ControlMask
	}
	b := Batch(make([]byte, HeaderSize))
	writeHeader(b, header{
		baseOffset: src.BaseOffset(), lastOffsetDelta: src.LastOffsetDelta(),
		leaderEpoch: src.PartitionLeaderEpoch(), attributes: attrs,
		baseTimestamp: NoTimestamp, maxTimestamp: src.MaxTimestamp(),
		producerID: src.ProducerID(), producerEpoch: src.ProducerEpoch(), baseSequence: src.BaseSequence(),
	})
	return b
}

// Rebuild re-encodes a batch that Validate marked NeedsRebuild, as
// LogValidator.buildRecordsAndAssignOffsets does: records at consecutive
// offsets from 0 with their timestamps, keys, values and headers; the
// topic's codec (opts.TargetCompression when opts.Recompress, else the
// batch's) and timestamp type (LogAppendTime: max timestamp opts.Now); the
// producer id, epoch, base sequence and transactional flag kept. Unlike
// Kafka it also keeps the control flag (Kafka never rebuilds control
// batches: the coordinator writes them uncompressed). The returned Summary
// is for the new batch; assign offsets with its Assign.
func Rebuild(b Batch, opts ValidateOptions) (Batch, Summary, error) {
	data, err := b.RecordData(nil, opts.MaxUncompressed)
	if err != nil {
		return nil, Summary{}, err
	}
	target := b.Compression()
	if opts.Recompress {
		target = opts.TargetCompression
	}
	bl := NewBuilder(0, target).
		SetProducer(b.ProducerID(), b.ProducerEpoch(), b.BaseSequence()).
		SetTransactional(b.IsTransactional()).
		SetControl(b.IsControl())
	if opts.TimestampType == LogAppendTime {
		bl.SetLogAppendTime(opts.Now)
	}
	it := b.Iter(data)
	var r Record
	for it.Next(&r) {
		if err := bl.AppendRecord(bl.nextOffset(), &r); err != nil {
			return nil, Summary{}, err
		}
	}
	if err := it.Err(); err != nil {
		return nil, Summary{}, err
	}
	nb, err := bl.Build()
	if err != nil {
		return nil, Summary{}, err
	}
	if nb == nil {
		return nil, Summary{}, fmt.Errorf("%w: batch has no records to rebuild", ErrInvalid)
	}
	s := Summary{
		Size:               len(nb),
		Compression:        target,
		Count:              bl.count,
		LastOffsetDelta:    nb.LastOffsetDelta(),
		TimestampType:      opts.TimestampType,
		MaxTimestamp:       nb.MaxTimestamp(),
		FirstTimestamp:     nb.BaseTimestamp(),
		RecordsChecked:     true,
		OffsetsConsecutive: true,
		UncompressedBytes:  bl.UncompressedSize(),
	}
	s.maxAtLast = opts.TimestampType == LogAppendTime || s.MaxTimestamp != NoTimestamp
	if opts.TimestampType == LogAppendTime {
		s.FirstTimestamp = opts.Now
	}
	return nb, s, nil
}
