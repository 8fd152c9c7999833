package record

// Kafka's zig-zag varints (ByteUtils.readVarint / readVarlong), with the
// Java readers' edge cases: a varint stops after 5 bytes and a varlong after
// 10; the last byte's bits that do not fit are dropped rather than refused,
// and only a continuation bit on that last byte is an error.

// readUvarint32 decodes an unsigned varint of at most 5 bytes from b. n is
// the number of bytes read, or 0 when b ends first or the 5th byte carries a
// continuation bit.
func readUvarint32(b []byte) (v uint32, n int) {
	var shift uint
	for i := 0; i < 5; i++ {
		if i >= len(b) {
			return 0, 0
		}
		c := b[i]
		if i == 4 {
			if c >= 0x80 {
				return 0, 0
			}
			return v | uint32(c)<<28, 5
		}
		v |= uint32(c&0x7f) << shift
		if c < 0x80 {
			return v, i + 1
		}
		shift += 7
	}
	return 0, 0 // unreachable
}

// readVarint decodes a zig-zag varint (int32); one-byte values stay
// inline.
func readVarint(b []byte) (int32, int) {
	if len(b) != 0 && b[0] < 0x80 {
		return int32(b[0]>>1) ^ -int32(b[0]&1), 1
	}
	u, n := readUvarint32(b)
	return int32(u>>1) ^ -int32(u&1), n
}

// readVarlong decodes a zig-zag varlong (int64) of at most 10 bytes.
func readVarlong(b []byte) (int64, int) {
	if len(b) != 0 && b[0] < 0x80 {
		return int64(b[0]>>1) ^ -int64(b[0]&1), 1
	}
	return readVarlongSlow(b)
}

func readVarlongSlow(b []byte) (int64, int) {
	var u uint64
	var shift uint
	for i := 0; i < 10; i++ {
		if i >= len(b) {
			return 0, 0
		}
		c := b[i]
		if i == 9 {
			if c >= 0x80 {
				return 0, 0
			}
			u |= uint64(c) << 63
			return int64(u>>1) ^ -int64(u&1), 10
		}
		u |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return int64(u>>1) ^ -int64(u&1), i + 1
		}
		shift += 7
	}
	return 0, 0 // unreachable
}

// appendVarint appends v zig-zag encoded.
func appendVarint(dst []byte, v int32) []byte {
	return appendUvarint(dst, uint64(uint32(v<<1)^uint32(v>>31)))
}

// appendVarlong appends v zig-zag encoded.
func appendVarlong(dst []byte, v int64) []byte {
	return appendUvarint(dst, uint64(v<<1)^uint64(v>>63))
}

func appendUvarint(dst []byte, u uint64) []byte {
	for u >= 0x80 {
		dst = append(dst, byte(u)|0x80)
		u >>= 7
	}
	return append(dst, byte(u))
}

// sizeOfVarint is ByteUtils.sizeOfVarint.
func sizeOfVarint(v int32) int {
	return sizeOfUvarint(uint64(uint32(v<<1) ^ uint32(v>>31)))
}

// sizeOfVarlong is ByteUtils.sizeOfVarlong.
func sizeOfVarlong(v int64) int {
	return sizeOfUvarint(uint64(v<<1) ^ uint64(v>>63))
}

func sizeOfUvarint(u uint64) int {
	n := 1
	for u >= 0x80 {
		u >>= 7
		n++
	}
	return n
}
