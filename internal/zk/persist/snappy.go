package persist

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
)

// ".snappy" snapshots are snappy-java's stream format (SnappyOutputStream),
// not the framing format of the snappy project:
//
//	+------------------------------------------------------------+
//	| magic  0x82 "SNAPPY" 0x00   (8 bytes)                       |
//	| int    version 1, int compatible version 1                 |
//	+------------------------------------------------------------+
//	| int    n, then n bytes: one raw snappy block (at most 32   |
//	|        KiB uncompressed when snappy-java writes it)         |
//	| ...    (a magic header may start a concatenated stream)    |
//	+------------------------------------------------------------+
//
// The block codec below is the snappy format (varint length, then literal
// and copy elements); the encoder is a plain greedy matcher, enough for
// snapshots, which are rarely written compressed.

var snappyMagic = []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0}

const (
	snappyHeaderSize = 16
	snappyBlockSize  = 32 << 10 // SnappyOutputStream.DEFAULT_BLOCK_SIZE
	// snappyMaxRatio bounds a block's decoded size by its encoded size: a
	// 3-byte copy element yields at most 64 bytes.
	snappyMaxRatio = 32
)

var errSnappy = errors.New("persist: corrupt snappy stream")

// snappyReader decodes a snappy-java stream.
type snappyReader struct {
	r      io.Reader
	remain int64 // compressed bytes left, bounding each block; -1 unknown
	comp   []byte
	out    []byte
	pos    int
	header bool
}

func newSnappyReader(r io.Reader, size int64) *snappyReader {
	return &snappyReader{r: r, remain: size}
}

func (s *snappyReader) readFull(p []byte) error {
	switch {
	case s.remain == 0:
		return io.EOF
	case s.remain > 0 && int64(len(p)) > s.remain:
		return errSnappy
	}
	if _, err := io.ReadFull(s.r, p); err != nil {
		if err == io.ErrUnexpectedEOF {
			return errSnappy
		}
		return err
	}
	if s.remain >= 0 {
		s.remain -= int64(len(p))
	}
	return nil
}

func (s *snappyReader) Read(p []byte) (int, error) {
	for s.pos == len(s.out) {
		if err := s.nextBlock(); err != nil {
			return 0, err
		}
	}
	n := copy(p, s.out[s.pos:])
	s.pos += n
	return n, nil
}

func (s *snappyReader) nextBlock() error {
	var h [snappyHeaderSize]byte
	if !s.header {
		if err := s.readFull(h[:]); err != nil {
			if err == io.EOF {
				return errSnappy
			}
			return err
		}
		if !bytes.Equal(h[:8], snappyMagic) {
			return errSnappy
		}
		s.header = true
	}
	if err := s.readFull(h[:4]); err != nil {
		return err // io.EOF here is the end of the stream
	}
	if h[0] == snappyMagic[0] { // a concatenated stream's header
		if err := s.readFull(h[4:]); err != nil || !bytes.Equal(h[:8], snappyMagic) {
			return errSnappy
		}
		return nil
	}
	n := int64(binary.BigEndian.Uint32(h[:4]))
	if n == 0 || (s.remain >= 0 && n > s.remain) {
		return errSnappy
	}
	if int64(cap(s.comp)) < n {
		s.comp = make([]byte, n)
	}
	s.comp = s.comp[:n]
	if err := s.readFull(s.comp); err != nil {
		if err == io.EOF {
			return errSnappy
		}
		return err
	}
	out, err := snappyDecode(s.out[:0], s.comp)
	if err != nil {
		return err
	}
	s.out, s.pos = out, 0
	return nil
}

// snappyDecode decodes one snappy block, appending to dst.
func snappyDecode(dst, src []byte) ([]byte, error) {
	dlen, n := binary.Uvarint(src)
	if n <= 0 || dlen > uint64(len(src))*snappyMaxRatio+snappyMaxRatio {
		return nil, errSnappy
	}
	src = src[n:]
	base := len(dst)
	dst = dst[:base]
	if cap(dst)-base < int(dlen) {
		dst = append(make([]byte, 0, base+int(dlen)), dst...)
	}
	for len(src) > 0 {
		tag := src[0]
		var length, offset int
		switch tag & 3 {
		case 0: // literal
			length = int(tag >> 2)
			src = src[1:]
			if length >= 60 {
				k := length - 59 // 1..4 little-endian length bytes
				if len(src) < k {
					return nil, errSnappy
				}
				length = 0
				for i := k - 1; i >= 0; i-- {
					length = length<<8 | int(src[i])
				}
				src = src[k:]
			}
			length++
			if length <= 0 || length > len(src) || uint64(len(dst)-base+length) > dlen {
				return nil, errSnappy
			}
			dst = append(dst, src[:length]...)
			src = src[length:]
			continue
		case 1:
			if len(src) < 2 {
				return nil, errSnappy
			}
			length = 4 + int(tag>>2&7)
			offset = int(tag>>5)<<8 | int(src[1])
			src = src[2:]
		case 2:
			if len(src) < 3 {
				return nil, errSnappy
			}
			length = 1 + int(tag>>2)
			offset = int(binary.LittleEndian.Uint16(src[1:]))
			src = src[3:]
		case 3:
			if len(src) < 5 {
				return nil, errSnappy
			}
			length = 1 + int(tag>>2)
			offset = int(binary.LittleEndian.Uint32(src[1:]))
			src = src[5:]
		}
		if offset <= 0 || offset > len(dst)-base || uint64(len(dst)-base+length) > dlen {
			return nil, errSnappy
		}
		for i := 0; i < length; i++ { // copies may overlap their own output
			dst = append(dst, dst[len(dst)-offset])
		}
	}
	if uint64(len(dst)-base) != dlen {
		return nil, errSnappy
	}
	return dst, nil
}

// snappyWriter encodes a snappy-java stream, one block per 32 KiB.
type snappyWriter struct {
	w     io.Writer
	in    []byte
	out   []byte
	wrote bool
	err   error
}

func newSnappyWriter(w io.Writer) *snappyWriter { return &snappyWriter{w: w} }

func (s *snappyWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && s.err == nil {
		k := min(len(p), snappyBlockSize-len(s.in))
		s.in = append(s.in, p[:k]...)
		p = p[k:]
		if len(s.in) == snappyBlockSize {
			s.block()
		}
	}
	if s.err != nil {
		return 0, s.err
	}
	return n, nil
}

// Close writes the last block; it does not close the underlying writer.
func (s *snappyWriter) Close() error {
	if len(s.in) > 0 || !s.wrote {
		s.block()
	}
	return s.err
}

func (s *snappyWriter) block() {
	s.out = s.out[:0]
	if !s.wrote {
		s.out = append(s.out, snappyMagic...)
		s.out = binary.BigEndian.AppendUint32(s.out, 1)
		s.out = binary.BigEndian.AppendUint32(s.out, 1)
		s.wrote = true
	}
	if len(s.in) > 0 {
		at := len(s.out)
		s.out = append(s.out, 0, 0, 0, 0)
		s.out = snappyEncode(s.out, s.in)
		binary.BigEndian.PutUint32(s.out[at:], uint32(len(s.out)-at-4))
	}
	if s.err == nil {
		_, s.err = s.w.Write(s.out)
	}
	s.in = s.in[:0]
}

// snappyEncode encodes src as one snappy block, appending to dst. Matches of
// at least 4 bytes within 64 KiB become copy elements.
func snappyEncode(dst, src []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(src)))
	var table [1 << 12]int32 // hash of 4 bytes -> position+1
	hash := func(i int) uint32 { return binary.LittleEndian.Uint32(src[i:]) * 0x1e35a7bd >> 20 }
	lit := 0
	for i := 0; i+4 <= len(src); {
		h := hash(i)
		cand := int(table[h]) - 1
		table[h] = int32(i + 1)
		if cand < 0 || i-cand >= 1<<16 || binary.LittleEndian.Uint32(src[cand:]) != binary.LittleEndian.Uint32(src[i:]) {
			i++
			continue
		}
		dst = snappyLiteral(dst, src[lit:i])
		n := 4
		for i+n < len(src) && src[cand+n] == src[i+n] {
			n++
		}
		for rest := n; rest > 0; {
			k := min(rest, 64)
			dst = append(dst, byte((k-1)<<2|2), byte(i-cand), byte((i-cand)>>8))
			rest -= k
		}
		i += n
		lit = i
	}
	return snappyLiteral(dst, src[lit:])
}

func snappyLiteral(dst, lit []byte) []byte {
	if len(lit) == 0 {
		return dst
	}
	switch n := len(lit) - 1; {
	case n < 60:
		dst = append(dst, byte(n<<2))
	case n < 1<<8:
		dst = append(dst, 60<<2, byte(n))
	case n < 1<<16:
		dst = append(dst, 61<<2, byte(n), byte(n>>8))
	case n < 1<<24:
		dst = append(dst, 62<<2, byte(n), byte(n>>8), byte(n>>16))
	default:
		dst = append(dst, 63<<2, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	}
	return append(dst, lit...)
}
