package record

import (
	"errors"
	"fmt"
)

// A record inside a batch (DefaultRecord), after the batch's records have
// been decompressed:
//
//	length          varint   bytes that follow
//	attributes      int8     unused, written as 0
//	timestampDelta  varlong  from the batch's base timestamp
//	offsetDelta     varint   from the batch's base offset
//	keyLength       varint   -1 (any negative) = null key
//	key             bytes
//	valueLength     varint   -1 (any negative) = null value
//	value           bytes
//	headerCount     varint   >= 0
//	headers         [keyLength varint (>= 0), key, valueLength varint (< 0 = null), value]

// MaxRecordOverhead is DefaultRecord.MAX_RECORD_OVERHEAD: a record's size
// without key, value and headers is at most this many bytes.
const MaxRecordOverhead = 21

// Record is a view of one record. Key, Value and the headers alias the
// bytes the iterator walks (the batch itself, or its decompressed records):
// copy them to keep them beyond that buffer's life.
type Record struct {
	Attributes     int8
	TimestampDelta int64
	OffsetDelta    int32
	// Offset is the batch's base offset plus OffsetDelta.
	Offset int64
	// Timestamp is the base timestamp plus TimestampDelta, or the batch's
	// max timestamp when the batch is LogAppendTime (DefaultRecord.readFrom).
	Timestamp int64
	// Sequence is the batch's base sequence plus OffsetDelta (wrapping), or
	// NoSequence when the batch has none.
	Sequence int32
	// Size is the record's encoded size including its length prefix
	// (Record.sizeInBytes).
	Size int
	// Key is nil for a null key; an empty key is a non-nil empty slice.
	Key []byte
	// Value is nil for a null value (a tombstone).
	Value []byte
	// NumHeaders is how many headers Headers yields.
	NumHeaders int
	headers    []byte
}

// HasKey reports whether the key is not null.
func (r *Record) HasKey() bool { return r.Key != nil }

// HasValue reports whether the value is not null.
func (r *Record) HasValue() bool { return r.Value != nil }

// Headers returns an iterator over the record's headers.
func (r *Record) Headers() HeaderIter { return HeaderIter{b: r.headers, n: r.NumHeaders} }

// AppendHeaders appends the record's headers to dst.
func (r *Record) AppendHeaders(dst []Header) []Header {
	it := r.Headers()
	for h, ok := it.Next(); ok; h, ok = it.Next() {
		dst = append(dst, h)
	}
	return dst
}

// String is DefaultRecord.toString.
func (r *Record) String() string {
	return fmt.Sprintf("DefaultRecord(offset=%d, timestamp=%d, key=%d bytes, value=%d bytes)",
		r.Offset, r.Timestamp, len(r.Key), len(r.Value))
}

// Header is one record header. Key is a UTF-8 string in Kafka; Value is nil
// for a null value.
type Header struct {
	Key   []byte
	Value []byte
}

// HeaderIter walks headers that the record iterator has already checked.
type HeaderIter struct {
	b []byte
	n int
}

// Next returns the next header.
func (it *HeaderIter) Next() (Header, bool) {
	if it.n <= 0 {
		return Header{}, false
	}
	it.n--
	var h Header
	var ok bool
	h.Key, it.b, ok = readBytesField(it.b)
	if !ok {
		it.n = 0
		return Header{}, false
	}
	h.Value, it.b, ok = readBytesField(it.b)
	if !ok {
		it.n = 0
		return Header{}, false
	}
	return h, true
}

// readBytesField reads a varint length and that many bytes; a negative
// length is null (Utils.readBytes).
func readBytesField(b []byte) (field, rest []byte, ok bool) {
	l, n := readVarint(b)
	if n == 0 {
		return nil, b, false
	}
	b = b[n:]
	if l < 0 {
		return nil, b, true
	}
	if int(l) > len(b) {
		return nil, b, false
	}
	return b[:l:l], b[l:], true
}

// errStructure is what DefaultRecord.readFrom reports for any field that
// runs past the record.
var errStructure = errors.New("Found invalid record structure")

// parseRecord decodes the record body b (everything after the length
// varint) into r's field-level members, validating it as
// DefaultRecord.readFrom does.
func parseRecord(b []byte, r *Record) error {
	size := len(b)
	if size < 1 {
		return errStructure
	}
	r.Attributes = int8(b[0])
	p := 1
	var n int
	r.TimestampDelta, n = readVarlong(b[p:])
	if n == 0 {
		return errStructure
	}
	p += n
	r.OffsetDelta, n = readVarint(b[p:])
	if n == 0 {
		return errStructure
	}
	p += n
	var rest []byte
	var ok bool
	if r.Key, rest, ok = readBytesField(b[p:]); !ok {
		return errStructure
	}
	if r.Value, rest, ok = readBytesField(rest); !ok {
		return errStructure
	}
	count, n := readVarint(rest)
	if n == 0 {
		return errStructure
	}
	rest = rest[n:]
	if count < 0 {
		return fmt.Errorf("Found invalid number of record headers %d", count)
	}
	if int(count) > len(rest) {
		return fmt.Errorf("Found invalid number of record headers. %d is larger than the remaining size of the buffer", count)
	}
	headers := rest
	for i := int32(0); i < count; i++ {
		kl, n := readVarint(rest)
		if n == 0 {
			return errStructure
		}
		if kl < 0 {
			return fmt.Errorf("Invalid negative header key size %d", kl)
		}
		rest = rest[n:]
		if int(kl) > len(rest) {
			return errStructure
		}
		rest = rest[kl:]
		if _, rest, ok = readBytesField(rest); !ok {
			return errStructure
		}
	}
	if len(rest) != 0 {
		return fmt.Errorf("Invalid record size: expected to read %d bytes in record payload, but instead read %d",
			size, size-len(rest))
	}
	r.NumHeaders = int(count)
	r.headers = headers[: len(headers)-len(rest) : len(headers)-len(rest)]
	return nil
}

// RecordIter walks the records of one batch, as DefaultRecordBatch's
// RecordIterator does: exactly RecordCount records, then nothing may remain.
// It does not allocate.
type RecordIter struct {
	data          []byte
	pos           int
	left          int32
	baseOffset    int64
	baseTimestamp int64
	baseSequence  int32
	logAppendTime int64
	isLAT         bool
	err           error
}

// Iter returns an iterator over b's records held in data: b.Records() for
// an uncompressed batch, the output of b.RecordData for any batch.
func (b Batch) Iter(data []byte) RecordIter {
	it := RecordIter{
		data:          data,
		left:          b.RecordCount(),
		baseOffset:    b.BaseOffset(),
		baseTimestamp: b.BaseTimestamp(),
		baseSequence:  b.BaseSequence(),
		isLAT:         b.IsLogAppendTime(),
		logAppendTime: b.MaxTimestamp(),
	}
	if it.left < 0 {
		it.err = fmt.Errorf("%w: Found invalid record count %d in magic v2 batch", ErrInvalid, it.left)
	}
	return it
}

// Next decodes the next record into r. It returns false at the end or on
// an error (see Err).
func (it *RecordIter) Next(r *Record) bool {
	if it.err != nil || it.left <= 0 {
		return false
	}
	rest := it.data[it.pos:]
	size, n := readVarint(rest)
	if n == 0 {
		it.err = fmt.Errorf("%w: Incorrect declared batch size, premature EOF reached", ErrInvalid)
		return false
	}
	rest = rest[n:]
	if size < 0 || int(size) > len(rest) {
		it.err = fmt.Errorf("%w: Invalid record size: expected %d bytes in record payload, but instead the buffer has only %d remaining bytes.",
			ErrInvalid, size, len(rest))
		return false
	}
	if err := parseRecord(rest[:size], r); err != nil {
		it.err = fmt.Errorf("%w: %v", ErrInvalid, err)
		return false
	}
	r.Size = n + int(size)
	it.pos += r.Size
	r.Offset = it.baseOffset + int64(r.OffsetDelta)
	if it.isLAT {
		r.Timestamp = it.logAppendTime
	} else {
		r.Timestamp = it.baseTimestamp + r.TimestampDelta
	}
	r.Sequence = NoSequence
	if it.baseSequence >= 0 {
		r.Sequence = incrementSequence(it.baseSequence, r.OffsetDelta)
	}
	it.left--
	if it.left == 0 && it.pos != len(it.data) {
		it.err = fmt.Errorf("%w: Incorrect declared batch size, records still remaining in file", ErrInvalid)
		return false
	}
	return true
}

// Err returns what stopped the iteration early, if anything: ErrInvalid
// with Kafka's InvalidRecordException message.
func (it *RecordIter) Err() error { return it.err }

// Remaining returns how many records are still to come.
func (it *RecordIter) Remaining() int32 { return it.left }

// incrementSequence is DefaultRecordBatch.incrementSequence.
func incrementSequence(seq, inc int32) int32 {
	if seq > maxInt32-inc {
		return inc - (maxInt32 - seq) - 1
	}
	return seq + inc
}

const maxInt32 = 1<<31 - 1
