package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"sync"

	"github.com/pierrec/lz4/v4"
)

// LZ4 as Kafka frames it (Lz4BlockOutputStream / Lz4BlockInputStream, the
// former KafkaLZ4Block*Stream): the LZ4 frame format v1.5.1.
//
//	magic       uint32 LE  0x184D2204
//	FLG         byte       version 01, block independence 1, reserved 0,
//	                       bit 4 block checksum, bit 3 content size, bit 2 content checksum
//	BD          byte       bits 4-6 block max size 4..7 (64 KiB .. 4 MiB), rest 0
//	contentSize uint64 LE  when FLG bit 3 (skipped)
//	HC          byte       (xxh32(FLG .. contentSize, 0) >> 8) & 0xff
//	blocks      uint32 LE size (high bit: stored uncompressed), data,
//	            uint32 LE xxh32(data) when FLG bit 4
//	end mark    uint32 0, then a content checksum (not verified) when FLG bit 2
//
// Kafka writes FLG 0x60, BD 0x40 (64 KiB blocks), no checksums. Its reader
// reads one frame and ignores anything after the end mark. For magic 0
// Kafka computed HC over the magic as well (KAFKA-3160); that quirk is only
// ever enabled for magic 0 and does not apply to the v2 batches stored here.

const (
	lz4Magic        = 0x184D2204
	lz4Uncompressed = 0x80000000
	lz4BlockSize    = 64 << 10 // BLOCKSIZE_64KB, what Kafka writes
	lz4FLG          = 0x60     // version 01, independent blocks
	lz4BD           = 0x40     // 64 KiB
	lz4DefaultLevel = 9
)

var (
	errLZ4EOS        = errors.New("Stream ended prematurely")
	errLZ4Magic      = errors.New("Stream unsupported (invalid magic bytes)")
	errLZ4BlockHash  = errors.New("Block checksum mismatch")
	errLZ4HeaderHash = errors.New("Stream frame descriptor corrupted")
)

var lz4Scratch = sync.Pool{New: func() any { b := make([]byte, 0, lz4BlockSize); return &b }}

// lz4Decompress appends the frame's content to dst, at most limit bytes in
// all.
func lz4Decompress(dst, src []byte, limit int) ([]byte, error) {
	if len(src) < 6 {
		return dst, errLZ4EOS
	}
	if binary.LittleEndian.Uint32(src) != lz4Magic {
		return dst, errLZ4Magic
	}
	flg, bd := src[4], src[5]
	switch {
	case flg&0x03 != 0:
		return dst, errors.New("Reserved bits must be 0")
	case flg&0x20 == 0:
		return dst, errors.New("Dependent block stream is unsupported")
	case flg>>6 != 1:
		return dst, fmt.Errorf("Version %d is unsupported", flg>>6)
	case bd&0x0f != 0:
		return dst, errors.New("Reserved2 field must be 0")
	case bd&0x80 != 0:
		return dst, errors.New("Reserved3 field must be 0")
	}
	bsv := int(bd>>4) & 7
	if bsv < 4 {
		return dst, errors.New("Block size value must be between 4 and 7")
	}
	maxBlock := 1 << (2*bsv + 8)
	blockChecksum := flg&0x10 != 0
	contentChecksum := flg&0x04 != 0
	p := 6
	if flg&0x08 != 0 {
		if len(src)-p < 8 {
			return dst, errLZ4EOS
		}
		p += 8
	}
	if p >= len(src) {
		return dst, errLZ4EOS
	}
	if byte(xxh32(src[4:p], 0)>>8) != src[p] {
		return dst, errLZ4HeaderHash
	}
	p++
	for {
		if len(src)-p < 4 {
			return dst, errLZ4EOS
		}
		word := binary.LittleEndian.Uint32(src[p:])
		p += 4
		size := int(word &^ lz4Uncompressed)
		if size == 0 {
			if contentChecksum && len(src)-p < 4 {
				return dst, errLZ4EOS
			}
			return dst, nil
		}
		if size > maxBlock {
			return dst, fmt.Errorf("Block size %d exceeded max: %d", size, maxBlock)
		}
		if len(src)-p < size {
			return dst, errLZ4EOS
		}
		block := src[p : p+size]
		p += size
		if blockChecksum {
			if len(src)-p < 4 {
				return dst, errLZ4EOS
			}
			if xxh32(block, 0) != binary.LittleEndian.Uint32(src[p:]) {
				return dst, errLZ4BlockHash
			}
			p += 4
		}
		room := limit - len(dst)
		if word&lz4Uncompressed != 0 {
			if size > room {
				return dst, ErrTooLarge
			}
			dst = append(dst, block...)
			continue
		}
		var err error
		if dst, err = lz4Block(dst, block, maxBlock, room); err != nil {
			return dst, err
		}
	}
}

// lz4Block decompresses one block of at most maxBlock bytes onto dst,
// refusing output beyond room.
func lz4Block(dst, block []byte, maxBlock, room int) ([]byte, error) {
	if room >= maxBlock {
		dst = grow(dst, maxBlock)
		n, err := lz4.UncompressBlock(block, dst[len(dst):len(dst)+maxBlock])
		if err != nil {
			return dst, err
		}
		return dst[:len(dst)+n], nil
	}
	// Not enough budget for a whole block: decompress aside and check.
	sp := lz4Scratch.Get().(*[]byte)
	defer lz4Scratch.Put(sp)
	s := grow((*sp)[:0], maxBlock)[:maxBlock]
	*sp = s[:0]
	n, err := lz4.UncompressBlock(block, s)
	if err != nil {
		return dst, err
	}
	if n > room {
		return dst, ErrTooLarge
	}
	return append(dst, s[:n]...), nil
}

// lz4Compress appends src as a Kafka LZ4 frame.
func lz4Compress(dst, src []byte, level int) ([]byte, error) {
	dst = binary.LittleEndian.AppendUint32(dst, lz4Magic)
	dst = append(dst, lz4FLG, lz4BD, byte(xxh32([]byte{lz4FLG, lz4BD}, 0)>>8))
	var hc *lz4.CompressorHC
	var fast *lz4.Compressor
	if level == 0 || level == lz4DefaultLevel {
		fast = lz4Compressors.Get().(*lz4.Compressor)
		defer lz4Compressors.Put(fast)
	} else {
		hc = &lz4.CompressorHC{Level: lz4.CompressionLevel(1 << (8 + min(max(level, 1), 9)))}
	}
	for len(src) > 0 {
		chunk := src[:min(len(src), lz4BlockSize)]
		src = src[len(chunk):]
		at := len(dst)
		dst = grow(dst, 4+lz4.CompressBlockBound(len(chunk)))
		out := dst[at+4 : at+4+lz4.CompressBlockBound(len(chunk))]
		var n int
		var err error
		if fast != nil {
			n, err = fast.CompressBlock(chunk, out)
		} else {
			n, err = hc.CompressBlock(chunk, out)
		}
		if err != nil {
			return dst[:at], err
		}
		if n == 0 || n >= len(chunk) { // incompressible: store it
			dst = binary.LittleEndian.AppendUint32(dst[:at], uint32(len(chunk))|lz4Uncompressed)
			dst = append(dst, chunk...)
			continue
		}
		binary.LittleEndian.PutUint32(dst[at:at+4], uint32(n))
		dst = dst[:at+4+n]
	}
	return binary.LittleEndian.AppendUint32(dst, 0), nil
}

var lz4Compressors = sync.Pool{New: func() any { return new(lz4.Compressor) }}

// grow returns b with room for n more bytes.
func grow(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b
	}
	nb := make([]byte, len(b), len(b)+max(n, cap(b)))
	copy(nb, b)
	return nb
}

// xxh32 is XXH32, which the LZ4 frame uses for its checksums.
func xxh32(b []byte, seed uint32) uint32 {
	const (
		p1 = 2654435761
		p2 = 2246822519
		p3 = 3266489917
		p4 = 668265263
		p5 = 374761393
	)
	round := func(acc, in uint32) uint32 {
		return bits.RotateLeft32(acc+in*p2, 13) * p1
	}
	n := len(b)
	var h uint32
	if n >= 16 {
		v1, v2, v3, v4 := seed+p1+p2, seed+p2, seed, seed-p1
		for len(b) >= 16 {
			v1 = round(v1, binary.LittleEndian.Uint32(b))
			v2 = round(v2, binary.LittleEndian.Uint32(b[4:]))
			v3 = round(v3, binary.LittleEndian.Uint32(b[8:]))
			v4 = round(v4, binary.LittleEndian.Uint32(b[12:]))
			b = b[16:]
		}
		h = bits.RotateLeft32(v1, 1) + bits.RotateLeft32(v2, 7) + bits.RotateLeft32(v3, 12) + bits.RotateLeft32(v4, 18)
	} else {
		h = seed + p5
	}
	h += uint32(n)
	for len(b) >= 4 {
		h = bits.RotateLeft32(h+binary.LittleEndian.Uint32(b)*p3, 17) * p4
		b = b[4:]
	}
	for _, c := range b {
		h = bits.RotateLeft32(h+uint32(c)*p5, 11) * p1
	}
	h ^= h >> 15
	h *= p2
	h ^= h >> 13
	h *= p3
	h ^= h >> 16
	return h
}
