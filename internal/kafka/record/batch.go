package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// The v2 batch header (DefaultRecordBatch):
//
//	 0  baseOffset            int64
//	 8  batchLength           int32   bytes after this field: size = batchLength + 12
//	12  partitionLeaderEpoch  int32
//	16  magic                 int8    = 2
//	17  crc                   uint32  CRC-32C of bytes [21, size)
//	21  attributes            int16   bits 0-2 compression, 3 timestamp type,
//	                                  4 transactional, 5 control, 6 delete horizon
//	23  lastOffsetDelta       int32
//	27  baseTimestamp         int64   (the delete horizon when bit 6 is set)
//	35  maxTimestamp          int64
//	43  producerId            int64
//	51  producerEpoch         int16
//	53  baseSequence          int32
//	57  recordCount           int32
//	61  records…
const (
	offsetBaseOffset       = 0
	offsetLength           = 8
	offsetLeaderEpoch      = 12
	offsetMagic            = 16
	offsetCRC              = 17
	offsetAttributes       = 21
	offsetLastDelta        = 23
	offsetBaseTimestamp    = 27
	offsetMaxTimestamp     = 35
	offsetProducerID       = 43
	offsetProducerEpoch    = 51
	offsetBaseSequence     = 53
	offsetRecordCount      = 57
	HeaderSize             = 61 // RECORD_BATCH_OVERHEAD
	LogOverhead            = 12 // baseOffset + batchLength: what precedes the length-counted part
	MagicV2                = 2
	NoTimestamp            = int64(-1)
	NoProducerID           = int64(-1)
	NoSequence             = int32(-1)
	NoPartitionLeaderEpoch = int32(-1)
)

// Attribute bits.
const (
	CompressionMask   = 0x07
	TimestampTypeMask = 0x08
	TransactionalMask = 0x10
	ControlMask       = 0x20
	DeleteHorizonMask = 0x40
)

// Compression codecs (attributes bits 0-2).
type Compression int8

const (
	CompressionNone   Compression = 0
	CompressionGzip   Compression = 1
	CompressionSnappy Compression = 2
	CompressionLZ4    Compression = 3
	CompressionZstd   Compression = 4
)

func (c Compression) String() string {
	switch c {
	case CompressionNone:
		return "none"
	case CompressionGzip:
		return "gzip"
	case CompressionSnappy:
		return "snappy"
	case CompressionLZ4:
		return "lz4"
	case CompressionZstd:
		return "zstd"
	}
	return fmt.Sprintf("unknown(%d)", int8(c))
}

// Errors a batch can fail validation with. Each maps to a Kafka error code
// (CORRUPT_MESSAGE, INVALID_RECORD, UNSUPPORTED_FOR_MESSAGE_FORMAT, ...), which
// the broker chooses.
var (
	ErrCorrupt          = errors.New("record: corrupt batch")             // CorruptRecordException: size, CRC
	ErrInvalid          = errors.New("record: invalid batch")             // InvalidRecordException: counts, offsets
	ErrUnsupportedMagic = errors.New("record: unsupported magic")         // only magic 2 is stored
	ErrTimestamp        = errors.New("record: invalid timestamp")         // InvalidTimestampException
	ErrCompression      = errors.New("record: unsupported compression")   // codec id > 4
	ErrTooLarge         = errors.New("record: batch larger than allowed") // RecordTooLargeException
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Batch is a view over one record batch. It aliases the bytes it was parsed
// from: setters write into them.
type Batch []byte

// Parse returns the batch at the start of b without validating its CRC, and
// the number of bytes it occupies. It fails only when b is too short to hold
// the header or the length the header claims, or the length is below the
// header size.
func Parse(b []byte) (Batch, int, error) {
	if len(b) < LogOverhead {
		return nil, 0, fmt.Errorf("%w: %d bytes is less than a batch header", ErrCorrupt, len(b))
	}
	n := int64(int32(binary.BigEndian.Uint32(b[offsetLength:]))) + LogOverhead
	if n < HeaderSize {
		return nil, 0, fmt.Errorf("%w: batch size %d is smaller than the minimum %d", ErrCorrupt, n, HeaderSize)
	}
	if n > int64(len(b)) {
		return nil, 0, fmt.Errorf("%w: batch size %d exceeds the %d bytes available", ErrCorrupt, n, len(b))
	}
	return Batch(b[:n]), int(n), nil
}

// SizeOf reads the total size a batch header at the start of b claims, or -1
// when fewer than LogOverhead bytes are given.
func SizeOf(b []byte) int64 {
	if len(b) < LogOverhead {
		return -1
	}
	return int64(int32(binary.BigEndian.Uint32(b[offsetLength:]))) + LogOverhead
}

func (b Batch) Size() int         { return len(b) }
func (b Batch) BaseOffset() int64 { return int64(binary.BigEndian.Uint64(b[offsetBaseOffset:])) }
func (b Batch) PartitionLeaderEpoch() int32 {
	return int32(binary.BigEndian.Uint32(b[offsetLeaderEpoch:]))
}
func (b Batch) Magic() int8              { return int8(b[offsetMagic]) }
func (b Batch) CRC() uint32              { return binary.BigEndian.Uint32(b[offsetCRC:]) }
func (b Batch) Attributes() int16        { return int16(binary.BigEndian.Uint16(b[offsetAttributes:])) }
func (b Batch) LastOffsetDelta() int32   { return int32(binary.BigEndian.Uint32(b[offsetLastDelta:])) }
func (b Batch) BaseTimestamp() int64     { return int64(binary.BigEndian.Uint64(b[offsetBaseTimestamp:])) }
func (b Batch) MaxTimestamp() int64      { return int64(binary.BigEndian.Uint64(b[offsetMaxTimestamp:])) }
func (b Batch) ProducerID() int64        { return int64(binary.BigEndian.Uint64(b[offsetProducerID:])) }
func (b Batch) ProducerEpoch() int16     { return int16(binary.BigEndian.Uint16(b[offsetProducerEpoch:])) }
func (b Batch) BaseSequence() int32      { return int32(binary.BigEndian.Uint32(b[offsetBaseSequence:])) }
func (b Batch) RecordCount() int32       { return int32(binary.BigEndian.Uint32(b[offsetRecordCount:])) }
func (b Batch) LastOffset() int64        { return b.BaseOffset() + int64(b.LastOffsetDelta()) }
func (b Batch) NextOffset() int64        { return b.LastOffset() + 1 }
func (b Batch) Compression() Compression { return Compression(b.Attributes() & CompressionMask) }
func (b Batch) IsLogAppendTime() bool    { return b.Attributes()&TimestampTypeMask != 0 }
func (b Batch) IsTransactional() bool    { return b.Attributes()&TransactionalMask != 0 }
func (b Batch) IsControl() bool          { return b.Attributes()&ControlMask != 0 }
func (b Batch) HasDeleteHorizon() bool   { return b.Attributes()&DeleteHorizonMask != 0 }
func (b Batch) HasProducerID() bool      { return b.ProducerID() != NoProducerID }

// LastSequence is DefaultRecordBatch.lastSequence: baseSequence plus the
// offset delta, wrapping at int32 max as Kafka's sequences do.
func (b Batch) LastSequence() int32 {
	base := b.BaseSequence()
	if base == NoSequence {
		return NoSequence
	}
	return int32((int64(base) + int64(b.LastOffsetDelta())) % (1 << 31))
}

// ComputeCRC is the CRC-32C of bytes [21, size).
func (b Batch) ComputeCRC() uint32 { return crc32.Checksum(b[offsetAttributes:], castagnoli) }

// CRCValid reports whether the stored CRC matches.
func (b Batch) CRCValid() bool { return b.ComputeCRC() == b.CRC() }

// SetBaseOffset rewrites the base offset (outside the CRC).
func (b Batch) SetBaseOffset(o int64) { binary.BigEndian.PutUint64(b[offsetBaseOffset:], uint64(o)) }

// SetPartitionLeaderEpoch rewrites the leader epoch (outside the CRC).
func (b Batch) SetPartitionLeaderEpoch(e int32) {
	binary.BigEndian.PutUint32(b[offsetLeaderEpoch:], uint32(e))
}

// SetLogAppendTime marks the batch LogAppendTime with max timestamp ts and
// recomputes the CRC (DefaultRecordBatch.setMaxTimestamp).
func (b Batch) SetLogAppendTime(ts int64) { b.SetMaxTimestamp(LogAppendTime, ts) }

// SetMaxTimestamp is DefaultRecordBatch.setMaxTimestamp: it sets the
// timestamp type and the max timestamp and recomputes the CRC, unless the
// batch already says exactly that.
func (b Batch) SetMaxTimestamp(t TimestampType, ts int64) {
	if b.TimestampType() == t && b.MaxTimestamp() == ts {
		return
	}
	// Kafka recomputes the attributes from what it knows, so unknown bits
	// (7 and the high byte) are cleared.
	attrs := b.Attributes() & (CompressionMask | TransactionalMask | ControlMask | DeleteHorizonMask)
	if t == LogAppendTime {
		attrs |= TimestampTypeMask
	}
	binary.BigEndian.PutUint16(b[offsetAttributes:], uint16(attrs))
	binary.BigEndian.PutUint64(b[offsetMaxTimestamp:], uint64(ts))
	binary.BigEndian.PutUint32(b[offsetCRC:], b.ComputeCRC())
}

// Records returns the bytes after the header: the records, compressed or not.
func (b Batch) Records() []byte { return b[HeaderSize:] }

// ValidateHeader is DefaultRecordBatch.ensureValid plus the header checks of
// LogValidator.validateBatch that need no decompression: size, magic, CRC,
// a positive record count equal to lastOffsetDelta+1, a known codec.
func (b Batch) ValidateHeader() error {
	if len(b) < HeaderSize {
		return fmt.Errorf("%w: batch size %d is smaller than the minimum allowed overhead %d", ErrCorrupt, len(b), HeaderSize)
	}
	if m := b.Magic(); m != MagicV2 {
		return fmt.Errorf("%w: %d (only magic 2 batches are stored)", ErrUnsupportedMagic, m)
	}
	if !b.CRCValid() {
		return fmt.Errorf("%w: stored crc = %d, computed crc = %d", ErrCorrupt, b.CRC(), b.ComputeCRC())
	}
	count := int64(b.RecordCount())
	fromOffsets := int64(b.LastOffsetDelta()) + 1
	switch {
	case fromOffsets <= 0:
		return fmt.Errorf("%w: batch has an invalid offset range: [%d, %d]", ErrInvalid, b.BaseOffset(), b.LastOffset())
	case count <= 0:
		return fmt.Errorf("%w: invalid record count %d", ErrInvalid, count)
	case count != fromOffsets:
		return fmt.Errorf("%w: inconsistent batch offset range [%d, %d] and count of records %d",
			ErrInvalid, b.BaseOffset(), b.LastOffset(), count)
	}
	if c := b.Compression(); c > CompressionZstd {
		return fmt.Errorf("%w: codec id %d", ErrCompression, c)
	}
	return nil
}

// Iterator walks the batches of a byte slice (a fetch response, a produce
// request's records, a log segment read into memory).
type Iterator struct {
	b   []byte
	off int
	err error
}

// Iterate returns an iterator over the batches in b.
func Iterate(b []byte) *Iterator { return &Iterator{b: b} }

// Next returns the next batch and its position in the slice; ok is false at
// the end or on a malformed batch (see Err). A trailing partial batch ends
// the iteration with ErrCorrupt.
func (it *Iterator) Next() (batch Batch, pos int, ok bool) {
	if it.err != nil || it.off >= len(it.b) {
		return nil, 0, false
	}
	bt, n, err := Parse(it.b[it.off:])
	if err != nil {
		it.err = err
		return nil, 0, false
	}
	pos = it.off
	it.off += n
	return bt, pos, true
}

// Err returns what ended the iteration early, if anything.
func (it *Iterator) Err() error { return it.err }

// Offset returns how many bytes the iteration has consumed.
func (it *Iterator) Offset() int { return it.off }
