package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/snappy"
)

// Snappy as Kafka's Java client writes it: snappy-java's SnappyOutputStream
// (the "xerial" framing).
//
//	magic    8 bytes  0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00
//	version  int32 BE  1
//	compat   int32 BE  1
//	chunks   int32 BE compressed length, then a raw snappy block of at most
//	         32 KiB of input
//
// Kafka reads it with snappy-java's SnappyInputStream (1.1.10.x), which also
// accepts:
//   - input that is shorter than 16 bytes or does not start with the magic:
//     the whole input is one raw snappy block (what librdkafka and franz-go
//     send);
//   - a second header in place of a chunk length (concatenated streams);
//     a header whose magic is wrong there ends the stream;
//   - 1 to 3 trailing bytes too short for a chunk length, which are ignored.
//
// Blocks are decoded strictly (no s2 extensions), as the C++ library that
// snappy-java wraps does.

var xerialMagic = []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0}

const (
	xerialHeaderLen = 16
	xerialBlockSize = 32 << 10
	xerialMaxChunk  = 512 << 20 // SnappyInputStream.MAX_CHUNK_SIZE
)

// xerialMagicHead is the magic's first four bytes read as a chunk length.
var xerialMagicHead = binary.BigEndian.Uint32(xerialMagic)

func snappyDecompress(dst, src []byte, limit int) ([]byte, error) {
	if len(src) == 0 {
		return dst, errors.New("Cannot decompress empty stream")
	}
	if len(src) < xerialHeaderLen || !bytes.Equal(src[:len(xerialMagic)], xerialMagic) {
		return snappyBlock(dst, src, limit)
	}
	p := xerialHeaderLen
	for len(src)-p >= 4 {
		word := binary.BigEndian.Uint32(src[p:])
		p += 4
		if word == xerialMagicHead {
			if len(src)-p < xerialHeaderLen-4 {
				return dst, errors.New("Insufficient header size in a concatenated block")
			}
			h := src[p-4 : p-4+xerialHeaderLen]
			p += xerialHeaderLen - 4
			if !bytes.Equal(h[:len(xerialMagic)], xerialMagic) {
				return dst, nil
			}
			if v := int32(binary.BigEndian.Uint32(h[8:])); v < 1 {
				return dst, fmt.Errorf("Compressed with an incompatible codec version %d. At least version 1 is required", v)
			}
			continue
		}
		size := int32(word)
		if size < 0 {
			return dst, fmt.Errorf("chunkSize is too big or negative : %d", size)
		}
		if size > xerialMaxChunk {
			return dst, fmt.Errorf("Received chunkSize %d is greater than max configured chunk size %d", size, xerialMaxChunk)
		}
		if len(src)-p < int(size) {
			return dst, errors.New("failed to read chunk")
		}
		var err error
		if dst, err = snappyBlock(dst, src[p:p+int(size)], limit); err != nil {
			return dst, err
		}
		p += int(size)
	}
	return dst, nil
}

// snappyBlock appends one raw snappy block's content, checking its declared
// length against the budget before allocating.
func snappyBlock(dst, block []byte, limit int) ([]byte, error) {
	n, err := snappy.DecodedLen(block)
	if err != nil {
		return dst, err
	}
	if n > limit-len(dst) {
		return dst, ErrTooLarge
	}
	dst = grow(dst, n)
	out, err := snappy.DecodeStrict(dst[len(dst):len(dst)+n], block)
	if err != nil {
		return dst, err
	}
	if len(out) != n {
		return dst, fmt.Errorf("expected %d bytes, but decompressed chunk has %d bytes", n, len(out))
	}
	return dst[:len(dst)+n], nil
}

func snappyCompress(dst, src []byte) []byte {
	dst = append(dst, xerialMagic...)
	dst = binary.BigEndian.AppendUint32(dst, 1)
	dst = binary.BigEndian.AppendUint32(dst, 1)
	for len(src) > 0 {
		chunk := src[:min(len(src), xerialBlockSize)]
		src = src[len(chunk):]
		at := len(dst)
		dst = grow(dst, 4+s2.MaxEncodedLen(len(chunk)))
		enc := s2.EncodeSnappy(dst[at+4:cap(dst)], chunk)
		binary.BigEndian.PutUint32(dst[at:at+4], uint32(len(enc)))
		dst = dst[:at+4+len(enc)]
	}
	return dst
}
