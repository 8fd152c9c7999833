package dumplog

import (
	"encoding/binary"
	"hash/crc32"
)

// Message formats v0 and v1 (before Kafka 0.11), which old segments can
// still hold. A legacy "batch" is one record, whose value holds further
// records when it is compressed:
//
//	offset int64 | size int32 | crc uint32 | magic int8 | attributes int8 |
//	[timestamp int64, v1 only] | keyLength int32 | key | valueLength int32 | value
//
// The CRC is CRC-32 (IEEE) from the magic byte to the end.

// legacyHeaderSize is LegacyRecord.headerSize; an invalid magic gives a
// size that makes loading fail, as Java's IllegalArgumentException does.
func legacyHeaderSize(magic int8) int {
	if magic == 0 {
		return 6
	}
	return 14
}

// legacyRecord is a LegacyRecord over its bytes (from the crc on).
type legacyRecord []byte

func (r legacyRecord) magic() int8      { return int8(r[4]) }
func (r legacyRecord) attributes() byte { return r[5] }
func (r legacyRecord) crc() uint32      { return binary.BigEndian.Uint32(r) }
func (r legacyRecord) valid() bool {
	return len(r) >= recordOverheadV0 && crc32.ChecksumIEEE(r[4:]) == r.crc()
}

func (r legacyRecord) timestamp() int64 {
	if r.magic() == 0 {
		return -1
	}
	return int64(binary.BigEndian.Uint64(r[6:]))
}

func legacyTimestampType(r legacyRecord) string {
	switch {
	case r.magic() == 0:
		return "NoTimestampType"
	case r.attributes()&0x08 == 0:
		return "CreateTime"
	}
	return "LogAppendTime"
}

func checkLegacyMagic(m int8) *JavaException {
	if m != 0 && m != 1 {
		return jex(exIllegalArgument, "Invalid magic used in LegacyRecord: %d", m)
	}
	return nil
}

// keyValue reads the size-delimited key and value (null for length -1).
func (r legacyRecord) keyValue() (key, value []byte, err *JavaException) {
	c := &cursor{b: r, pos: 4 + 2}
	if r.magic() == 1 {
		c.pos += 8
	}
	read := func() ([]byte, *JavaException) {
		n, err := c.int32()
		if err != nil {
			return nil, jexNull(exIndexOutOfBounds)
		}
		b, e := c.bytes(n)
		if e != nil {
			return nil, e
		}
		if b != nil && len(b) == 0 {
			b = []byte{}
		}
		return b, nil
	}
	if key, err = read(); err != nil {
		return nil, nil, err
	}
	value, err = read()
	return key, value, err
}

func (d *dumper) printLegacyBatchLevel(b *fileBatch, h []byte, position int) *JavaException {
	if err := checkLegacyMagic(b.magic); err != nil {
		return err
	}
	r := legacyRecord(h[logOverhead:])
	d.printf("offset: %d", b.offset)
	codec, err := codecName(r.attributes() & 0x07)
	if err != nil {
		return err
	}
	full, err := b.loadFull()
	if err != nil {
		return err
	}
	d.printf(" position: %d %s: %d size: %d magic: %d compresscodec: %s crc: %d isvalid: %t\n",
		position, legacyTimestampType(r), r.timestamp(), b.sizeInBytes(), b.magic, codec, r.crc(),
		legacyRecord(full[logOverhead:]).valid())
	return nil
}

// forEachLegacyRecord is AbstractLegacyRecordBatch.iterator: the record
// itself, or the records inside a compressed wrapper (DeepRecordsIterator).
func forEachLegacyRecord(full []byte, inflate Decompress, fn func(*logRecord) *JavaException) *JavaException {
	offset := int64(binary.BigEndian.Uint64(full))
	outer := legacyRecord(full[logOverhead:])
	if err := checkLegacyMagic(outer.magic()); err != nil {
		return err
	}
	codec := outer.attributes() & 0x07
	if codec == 0 {
		r, err := legacyToRecord(offset, outer, nil)
		if err != nil {
			return err
		}
		return fn(r)
	}
	if codec == 4 {
		return jex(exInvalidRecord, "Invalid wrapper compressionType found in legacy deep record iterator %d", outer.magic())
	}
	_, value, err := outer.keyValue()
	if err != nil {
		return err
	}
	if value == nil {
		return jex(exInvalidRecord, "Found invalid compressed record set with null value (magic = %d)", outer.magic())
	}
	data, derr := inflate(codec, value)
	if derr != nil {
		return asJava(derr)
	}
	type inner struct {
		offset int64
		rec    legacyRecord
	}
	var inners []inner
	for c := (&cursor{b: data}); c.remaining() >= logOverhead; {
		off, _ := c.int64()
		size, _ := c.int32()
		if size < recordOverheadV0 {
			return jex(exCorruptRecord, "Record size is less than the minimum record overhead (%d)", recordOverheadV0)
		}
		if int(size) > c.remaining() {
			break
		}
		c.pos += int(size)
		inners = append(inners, inner{off, legacyRecord(c.b[c.pos-int(size) : c.pos])})
	}
	if len(inners) == 0 {
		return jex(exInvalidRecord, "Found invalid compressed record set with no inner records")
	}
	base := int64(-1)
	if outer.magic() == 1 {
		base = 0
		if offset != 0 {
			last := inners[len(inners)-1].offset
			if offset < last {
				return jex(exInvalidRecord, "Found invalid wrapper offset in compressed v1 message set, wrapper offset '%d' is less than the last inner message offset '%d' and it is not zero", offset, last)
			}
			base = offset - last
		}
	}
	var wrapperTime *int64
	if outer.magic() == 1 && outer.attributes()&0x08 != 0 {
		t := outer.timestamp()
		wrapperTime = &t
	}
	for _, in := range inners {
		off := in.offset
		if base >= 0 {
			off += base
		}
		if err := checkLegacyMagic(in.rec.magic()); err != nil {
			return err
		}
		if in.rec.attributes()&0x07 != 0 {
			return jex(exInvalidRecord, "Inner messages must not be compressed")
		}
		var wt *int64
		if in.rec.magic() == 1 {
			wt = wrapperTime
		}
		r, err := legacyToRecord(off, in.rec, wt)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func legacyToRecord(offset int64, lr legacyRecord, logAppendTime *int64) (*logRecord, *JavaException) {
	key, value, err := lr.keyValue()
	if err != nil {
		return nil, err
	}
	r := &logRecord{offset: offset, timestamp: lr.timestamp(), sequence: -1, key: key, value: value,
		legacyValid: lr.valid(), legacyCRC: lr.crc()}
	if logAppendTime != nil {
		r.timestamp = *logAppendTime
	}
	return r, nil
}
