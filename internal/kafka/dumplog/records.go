package dumplog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"strings"
	"syscall"
)

// Reading a log segment as FileRecords and FileLogInputStream do: batches
// found by their 17-byte header (offset, size, partition leader epoch,
// magic), the rest of a batch read only when printed, records decoded as
// DefaultRecord does, with Kafka's exception texts.

const (
	logOverhead         = 12 // offset + size
	headerSizeUpToMagic = 17
	recordOverheadV0    = 14 // LegacyRecord.RECORD_OVERHEAD_V0: the smallest size accepted
	v2HeaderSize        = 61 // DefaultRecordBatch.RECORD_BATCH_OVERHEAD
	maxInt32            = math.MaxInt32
)

// segment is an open file, read with ReadAt.
type segment struct {
	r    io.ReaderAt
	file javaFile
	size int64
}

// readFully reads len(buf) bytes at pos; short means the file ended first.
func (s *segment) readFully(buf []byte, pos int64) (short bool, err error) {
	n, err := s.r.ReadAt(buf, pos)
	if n == len(buf) {
		return false, nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		return true, nil
	}
	return false, err
}

// ioMessage is the text of the IOException the JVM reports for a failed
// read: the C library's message for the errno, as in "Is a directory".
func ioMessage(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		msg := errno.Error()
		return strings.ToUpper(msg[:1]) + msg[1:]
	}
	return err.Error()
}

// fileRecords is a FileRecords: the whole file, or a slice of it.
type fileRecords struct {
	seg        *segment
	start, end int
	isSlice    bool
	size       int
}

func openFileRecords(seg *segment) (*fileRecords, *JavaException) {
	if seg.size > maxInt32 {
		return nil, jex(exKafka, "The size of segment %s (%d) is larger than the maximum allowed segment size of %d",
			seg.file, seg.size, maxInt32)
	}
	return &fileRecords{seg: seg, start: 0, end: maxInt32, size: int(seg.size)}, nil
}

func (fr *fileRecords) String() string {
	return fmt.Sprintf("FileRecords(size=%d, file=%s, start=%d, end=%d)", fr.size, fr.seg.file, fr.start, fr.end)
}

// slice is FileRecords.slice(position, size).
func (fr *fileRecords) slice(position, size int) (*fileRecords, *JavaException) {
	cur := fr.size
	if position < 0 {
		return nil, jex(exIllegalArgument, "Invalid position: %d in read from %s", position, fr)
	}
	if position > cur-fr.start {
		return nil, jex(exIllegalArgument, "Slice from position %d exceeds end position of %s", position, fr)
	}
	if size < 0 {
		return nil, jex(exIllegalArgument, "Invalid size: %d in read from %s", size, fr)
	}
	end := int64(fr.start) + int64(position) + int64(size)
	if end > maxInt32 { // Java's int overflow wraps negative
		end = -1
	}
	if end < 0 || end > int64(fr.start+cur) {
		end = int64(fr.start + cur)
	}
	avail := int(end) - (fr.start + position)
	s := fr.start + position
	return &fileRecords{seg: fr.seg, start: s, end: s + avail, isSlice: true, size: avail}, nil
}

func (fr *fileRecords) batches() *batchIter {
	end := fr.size
	if fr.isSlice {
		end = fr.end
	}
	return &batchIter{fr: fr, pos: fr.start, end: end}
}

// each is `for (batch <- records.batches.asScala)`; fn ends the loop early
// by returning stop.
func (fr *fileRecords) each(fn func(b *fileBatch) (stop bool, err *JavaException)) *JavaException {
	it := fr.batches()
	for {
		b, err := it.next()
		if err != nil || b == nil {
			return err
		}
		if stop, err := fn(b); stop || err != nil {
			return err
		}
	}
}

type batchIter struct {
	fr       *fileRecords
	pos, end int
}

// next is FileLogInputStream.nextBatch: nil at the end, which includes a
// last batch that does not fit before end.
func (it *batchIter) next() (*fileBatch, *JavaException) {
	if it.pos >= it.end-headerSizeUpToMagic {
		return nil, nil
	}
	var h [headerSizeUpToMagic]byte
	short, err := it.fr.seg.readFully(h[:], int64(it.pos))
	if err != nil {
		return nil, jex(exKafka, "java.io.IOException: %s", ioMessage(err))
	}
	if short {
		return nil, jex(exCorruptRecord, "Unexpected EOF while attempting to read the next batch")
	}
	offset := int64(binary.BigEndian.Uint64(h[0:]))
	size := int32(binary.BigEndian.Uint32(h[8:]))
	if size < recordOverheadV0 {
		return nil, jex(exCorruptRecord, "Found record size %d smaller than minimum record overhead (%d) in file %s.",
			size, recordOverheadV0, it.fr.seg.file)
	}
	if int64(it.pos) > int64(it.end)-logOverhead-int64(size) {
		return nil, nil
	}
	b := &fileBatch{fr: it.fr, offset: offset, magic: int8(h[16]), position: it.pos, batchSize: size}
	it.pos += b.sizeInBytes()
	return b, nil
}

// fileBatch is a FileChannelRecordBatch: the header is read on first use
// (61 bytes for magic 2, whatever the batch's size), the whole batch when
// its records or validity are asked for.
type fileBatch struct {
	fr        *fileRecords
	offset    int64
	magic     int8
	position  int
	batchSize int32
	header    []byte
	full      []byte
}

func (b *fileBatch) sizeInBytes() int { return logOverhead + int(b.batchSize) }

func (b *fileBatch) load(n int, what string) ([]byte, *JavaException) {
	buf := make([]byte, n)
	short, err := b.fr.seg.readFully(buf, int64(b.position))
	if err != nil || short {
		return nil, jex(exKafka, "Failed to load record batch at position %d from %s", b.position, b.fr)
	}
	_ = what
	return buf, nil
}

func (b *fileBatch) loadHeader() ([]byte, *JavaException) {
	if b.full != nil {
		return b.full, nil
	}
	if b.header == nil {
		n := v2HeaderSize
		if b.magic < 2 {
			n = logOverhead + legacyHeaderSize(b.magic)
		}
		h, err := b.load(n, "record batch header")
		if err != nil {
			return nil, err
		}
		b.header = h
	}
	return b.header, nil
}

func (b *fileBatch) loadFull() ([]byte, *JavaException) {
	if b.full == nil {
		if b.sizeInBytes() > int(b.fr.seg.size) {
			return nil, jex(exKafka, "Failed to load record batch at position %d from %s", b.position, b.fr)
		}
		f, err := b.load(b.sizeInBytes(), "full record batch")
		if err != nil {
			return nil, err
		}
		b.full, b.header = f, nil
	}
	return b.full, nil
}

// v2 views over a header (which may be the full batch). A header shorter
// than a field is the IndexOutOfBoundsException Java's ByteBuffer throws.
func getInt64(h []byte, off int) (int64, *JavaException) {
	if off+8 > len(h) {
		return 0, jexNull(exIndexOutOfBounds)
	}
	return int64(binary.BigEndian.Uint64(h[off:])), nil
}

func getInt32(h []byte, off int) (int32, *JavaException) {
	if off+4 > len(h) {
		return 0, jexNull(exIndexOutOfBounds)
	}
	return int32(binary.BigEndian.Uint32(h[off:])), nil
}

func getInt16(h []byte, off int) (int16, *JavaException) {
	if off+2 > len(h) {
		return 0, jexNull(exIndexOutOfBounds)
	}
	return int16(binary.BigEndian.Uint16(h[off:])), nil
}

// v2Header is the batch header fields DumpLogSegments prints.
type v2Header struct {
	baseOffset, lastOffset                     int64
	count                                      int32
	baseSequence, lastSequence                 int32
	producerID                                 int64
	producerEpoch                              int16
	partitionLeaderEpoch                       int32
	attributes                                 byte // only the low byte counts
	baseTimestamp, maxTimestamp                int64
	crc                                        uint32
	isTransactional, isControl, hasDeleteHoriz bool
	lastOffsetDelta                            int32
}

func parseV2Header(h []byte, baseOffset int64) (*v2Header, *JavaException) {
	if len(h) < v2HeaderSize {
		return nil, jexNull(exIndexOutOfBounds)
	}
	be := binary.BigEndian
	v := &v2Header{
		baseOffset:           baseOffset,
		partitionLeaderEpoch: int32(be.Uint32(h[12:])),
		crc:                  be.Uint32(h[17:]),
		attributes:           h[22],
		lastOffsetDelta:      int32(be.Uint32(h[23:])),
		baseTimestamp:        int64(be.Uint64(h[27:])),
		maxTimestamp:         int64(be.Uint64(h[35:])),
		producerID:           int64(be.Uint64(h[43:])),
		producerEpoch:        int16(be.Uint16(h[51:])),
		baseSequence:         int32(be.Uint32(h[53:])),
		count:                int32(be.Uint32(h[57:])),
	}
	// DefaultFileChannelRecordBatch.lastOffset reads the header's own base
	// offset, while baseOffset is the one the file stream saw: the same bytes.
	v.lastOffset = int64(be.Uint64(h[0:])) + int64(v.lastOffsetDelta)
	v.lastSequence = lastSequence(v.baseSequence, v.lastOffsetDelta)
	v.isTransactional = v.attributes&0x10 != 0
	v.isControl = v.attributes&0x20 != 0
	v.hasDeleteHoriz = v.attributes&0x40 != 0
	return v, nil
}

func (v *v2Header) timestampType() string {
	if v.attributes&0x08 != 0 {
		return "LogAppendTime"
	}
	return "CreateTime"
}

func (v *v2Header) deleteHorizon() string {
	if v.hasDeleteHoriz {
		return fmt.Sprintf("OptionalLong[%d]", v.baseTimestamp)
	}
	return "OptionalLong.empty"
}

func lastSequence(base, delta int32) int32 {
	if base == -1 {
		return -1
	}
	return incrementSequence(base, delta)
}

// incrementSequence is DefaultRecordBatch.incrementSequence (wrapping at
// Integer.MAX_VALUE to 0).
func incrementSequence(seq, inc int32) int32 {
	if seq > math.MaxInt32-inc {
		return inc - (math.MaxInt32 - seq) - 1
	}
	return seq + inc
}

// decrementSequence is DefaultRecordBatch.decrementSequence.
func decrementSequence(seq, dec int32) int32 {
	if seq < dec {
		return math.MaxInt32 - (dec - seq) + 1
	}
	return seq - dec
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// v2IsValid is DefaultRecordBatch.isValid: a size covering the header and
// a stored CRC-32C equal to the one computed over bytes [21, size).
func v2IsValid(full []byte) bool {
	return len(full) >= v2HeaderSize &&
		crc32.Checksum(full[21:], castagnoli) == binary.BigEndian.Uint32(full[17:])
}

// codecName is CompressionType.forId(id).name.
func codecName(id byte) (string, *JavaException) {
	switch id {
	case 0:
		return "none", nil
	case 1:
		return "gzip", nil
	case 2:
		return "snappy", nil
	case 3:
		return "lz4", nil
	case 4:
		return "zstd", nil
	}
	return "", jex(exIllegalArgument, "Unknown compression type id: %d", id)
}

// record is one decoded record.
type logRecord struct {
	offset, timestamp int64
	sequence          int32
	key, value        []byte // nil is null
	headerKeys        []string
	// legacy records only
	legacyValid bool
	legacyCRC   uint32
}

func (r *logRecord) keySize() int {
	if r.key == nil {
		return -1
	}
	return len(r.key)
}

func (r *logRecord) valueSize() int {
	if r.value == nil {
		return -1
	}
	return len(r.value)
}

// Decompress inflates a batch's records section (codec 1-4).
type Decompress func(codec byte, data []byte) ([]byte, error)

// forEachV2Record is `for (record <- batch.asScala)` on a magic 2 batch:
// uncompressed records are decoded one by one (so those before a corrupt
// one are handled), compressed batches are fully decoded first, as
// DefaultRecordBatch.iterator() does.
func forEachV2Record(full []byte, inflate Decompress, fn func(*logRecord) *JavaException) *JavaException {
	if len(full) < v2HeaderSize {
		return jexNull(exIndexOutOfBounds)
	}
	h, _ := parseV2Header(full, int64(binary.BigEndian.Uint64(full)))
	if h.count == 0 {
		return nil
	}
	if h.count < 0 {
		return jex(exInvalidRecord, "Found invalid record count %d in magic v%d batch", h.count, full[16])
	}
	var logAppendTime *int64
	if h.attributes&0x08 != 0 {
		t := h.maxTimestamp
		logAppendTime = &t
	}
	ctx := recordCtx{baseOffset: h.baseOffset, baseTimestamp: h.baseTimestamp, baseSequence: h.baseSequence, logAppendTime: logAppendTime}
	codec := h.attributes & 0x07
	if codec == 0 {
		cur := &cursor{b: full, pos: v2HeaderSize}
		for i := int32(0); i < h.count; i++ {
			r, err := readRecordFromBuffer(cur, ctx)
			if err != nil {
				return err
			}
			if i == h.count-1 && cur.remaining() > 0 {
				return jex(exInvalidRecord, "Incorrect declared batch size, records still remaining in file")
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}
	if _, err := codecName(codec); err != nil {
		return err
	}
	data, derr := inflate(codec, full[v2HeaderSize:])
	if derr != nil {
		return asJava(derr)
	}
	stream := &cursor{b: data}
	recs := make([]*logRecord, 0, min(int(h.count), len(data)))
	for i := int32(0); i < h.count; i++ {
		r, err := readRecordFromStream(stream, ctx)
		if err != nil {
			return err
		}
		recs = append(recs, r)
		if i == h.count-1 && stream.remaining() > 0 {
			return jex(exInvalidRecord, "Incorrect declared batch size, records still remaining in file")
		}
	}
	for _, r := range recs {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

type recordCtx struct {
	baseOffset, baseTimestamp int64
	baseSequence              int32
	logAppendTime             *int64
}

// cursor is a ByteBuffer position over b.
type cursor struct {
	b   []byte
	pos int
}

func (c *cursor) remaining() int { return len(c.b) - c.pos }

var errUnderflow = jexNull(exBufferUnderflow)

func (c *cursor) byte1() (byte, *JavaException) {
	if c.pos >= len(c.b) {
		return 0, errUnderflow
	}
	c.pos++
	return c.b[c.pos-1], nil
}

func (c *cursor) int16() (int16, *JavaException) {
	if c.remaining() < 2 {
		return 0, errUnderflow
	}
	c.pos += 2
	return int16(binary.BigEndian.Uint16(c.b[c.pos-2:])), nil
}

func (c *cursor) int32() (int32, *JavaException) {
	if c.remaining() < 4 {
		return 0, errUnderflow
	}
	c.pos += 4
	return int32(binary.BigEndian.Uint32(c.b[c.pos-4:])), nil
}

func (c *cursor) int64() (int64, *JavaException) {
	if c.remaining() < 8 {
		return 0, errUnderflow
	}
	c.pos += 8
	return int64(binary.BigEndian.Uint64(c.b[c.pos-8:])), nil
}

// uvarint is ByteUtils.readUnsignedVarint(ByteBuffer).
func (c *cursor) uvarint() (int32, *JavaException) {
	var result int32
	for i := 0; i < 5; i++ {
		t, err := c.byte1()
		if err != nil {
			return 0, err
		}
		tmp := int8(t)
		if i == 4 {
			result |= int32(tmp) << 28
			if tmp < 0 {
				return 0, jex(exIllegalArgument, "Varint is too long, the most significant bit in the 5th byte is set, converted value: %x", uint32(result))
			}
			return result, nil
		}
		if tmp >= 0 {
			return result | int32(tmp)<<(7*i), nil
		}
		result |= int32(tmp&127) << (7 * i)
	}
	return result, nil
}

func (c *cursor) varint() (int32, *JavaException) {
	v, err := c.uvarint()
	if err != nil {
		return 0, err
	}
	return int32(uint32(v)>>1) ^ -(v & 1), nil
}

func (c *cursor) varlong() (int64, *JavaException) {
	var value int64
	shift := 0
	for {
		t, err := c.byte1()
		if err != nil {
			return 0, err
		}
		b := int64(int8(t))
		if b&0x80 == 0 {
			value |= b << shift
			break
		}
		value |= (b & 0x7f) << shift
		shift += 7
		if shift > 63 {
			return 0, jex(exIllegalArgument, "Varlong is too long, most significant bit in the 10th byte is set, converted value: %x", uint64(value))
		}
	}
	return int64(uint64(value)>>1) ^ -(value & 1), nil
}

// bytes is Utils.readBytes(buffer, size): null for a negative size.
func (c *cursor) bytes(n int32) ([]byte, *JavaException) {
	if n < 0 {
		return nil, nil
	}
	if int(n) > c.remaining() {
		return nil, jex(exIllegalArgument, "newLimit > capacity: (%d > %d)", n, c.remaining())
	}
	c.pos += int(n)
	return c.b[c.pos-int(n) : c.pos : c.pos], nil
}

// readRecordFromBuffer is DefaultRecord.readFrom(ByteBuffer) inside the
// uncompressed iterator.
func readRecordFromBuffer(c *cursor, ctx recordCtx) (*logRecord, *JavaException) {
	size, err := c.varint()
	if err != nil {
		if err == errUnderflow {
			return nil, jex(exInvalidRecord, "Incorrect declared batch size, premature EOF reached")
		}
		return nil, err
	}
	return readRecordBody(c, size, ctx)
}

// readRecordFromStream is DefaultRecord.readFrom(InputStream) inside the
// compressed iterator: the body is copied into its own buffer first.
func readRecordFromStream(s *cursor, ctx recordCtx) (*logRecord, *JavaException) {
	premature := jex(exInvalidRecord, "Incorrect declared batch size, premature EOF reached")
	var raw int32
	for i := 0; i < 5; i++ {
		tmp := int8(-1) // InputStream.read() at the end is -1
		if s.pos < len(s.b) {
			tmp = int8(s.b[s.pos])
			s.pos++
		}
		if i == 4 {
			raw |= int32(tmp) << 28
			if tmp < 0 {
				return nil, premature
			}
			break
		}
		if tmp >= 0 {
			raw |= int32(tmp) << (7 * i)
			break
		}
		raw |= int32(tmp&127) << (7 * i)
	}
	size := int32(uint32(raw)>>1) ^ -(raw & 1)
	if size < 0 {
		return nil, premature // ByteBuffer.allocate(negative)
	}
	if int(size) > s.remaining() {
		s.pos = len(s.b)
		return nil, jex(exInvalidRecord, "Invalid record size: expected %d bytes in record payload, but the record payload reached EOF.", size)
	}
	body := &cursor{b: s.b[s.pos : s.pos+int(size) : s.pos+int(size)]}
	s.pos += int(size)
	return readRecordBody(body, size, ctx)
}

// readRecordBody is the private DefaultRecord.readFrom(buffer, size, ...).
func readRecordBody(c *cursor, size int32, ctx recordCtx) (*logRecord, *JavaException) {
	if int64(c.remaining()) < int64(size) {
		return nil, jex(exInvalidRecord, "Invalid record size: expected %d bytes in record payload, but instead the buffer has only %d remaining bytes.", size, c.remaining())
	}
	r, err := readRecordFields(c, size, ctx)
	if err != nil && (err == errUnderflow || err.Class == exIllegalArgument) {
		return nil, jex(exInvalidRecord, "Found invalid record structure")
	}
	return r, err
}

func readRecordFields(c *cursor, size int32, ctx recordCtx) (*logRecord, *JavaException) {
	start := c.pos
	if _, err := c.byte1(); err != nil { // attributes: unused
		return nil, err
	}
	tsDelta, err := c.varlong()
	if err != nil {
		return nil, err
	}
	r := &logRecord{timestamp: ctx.baseTimestamp + tsDelta}
	if ctx.logAppendTime != nil {
		r.timestamp = *ctx.logAppendTime
	}
	offDelta, err := c.varint()
	if err != nil {
		return nil, err
	}
	r.offset = ctx.baseOffset + int64(offDelta)
	r.sequence = -1
	if ctx.baseSequence >= 0 {
		r.sequence = incrementSequence(ctx.baseSequence, offDelta)
	}
	ks, err := c.varint()
	if err != nil {
		return nil, err
	}
	if r.key, err = c.bytes(ks); err != nil {
		return nil, err
	}
	vs, err := c.varint()
	if err != nil {
		return nil, err
	}
	if r.value, err = c.bytes(vs); err != nil {
		return nil, err
	}
	n, err := c.varint()
	if err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, jex(exInvalidRecord, "Found invalid number of record headers %d", n)
	}
	if int(n) > c.remaining() {
		return nil, jex(exInvalidRecord, "Found invalid number of record headers. %d is larger than the remaining size of the buffer", n)
	}
	r.headerKeys = make([]string, 0, n)
	for i := int32(0); i < n; i++ {
		hk, err := c.varint()
		if err != nil {
			return nil, err
		}
		if hk < 0 {
			return nil, jex(exInvalidRecord, "Invalid negative header key size %d", hk)
		}
		k, err := c.bytes(hk)
		if err != nil {
			return nil, err
		}
		hv, err := c.varint()
		if err != nil {
			return nil, err
		}
		if _, err := c.bytes(hv); err != nil {
			return nil, err
		}
		r.headerKeys = append(r.headerKeys, javaString(k))
	}
	if read := c.pos - start; int64(read) != int64(size) {
		return nil, jex(exInvalidRecord, "Invalid record size: expected to read %d bytes in record payload, but instead read %d", size, read)
	}
	return r, nil
}
