package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxRequestSize is socket.request.max.bytes's default (100 MiB).
const DefaultMaxRequestSize = 104857600

// initialChunk is how much of a frame's buffer is allocated before its
// bytes arrive; the buffer then doubles as they do.
const initialChunk = 64 << 10

var (
	// ErrFrameTooLarge: a frame's size is above the configured maximum.
	ErrFrameTooLarge = errors.New("wire: frame larger than socket.request.max.bytes")
	// ErrNegativeSize: a frame's size prefix is negative.
	ErrNegativeSize = errors.New("wire: negative frame size")
)

// FrameReader reads size-prefixed frames from a stream.
type FrameReader struct {
	r    io.Reader
	max  int32
	hdr  [4]byte
	pool *FramePool
}

// SetPool makes Next take the buffers of large frames from p (nil: always
// allocate). Such a frame may then share memory with one given back to p
// earlier: the caller must Put a frame back only once it is done with it.
func (fr *FrameReader) SetPool(p *FramePool) { fr.pool = p }

// NewFrameReader reads frames of at most max bytes (size prefix excluded)
// from r; max <= 0 means DefaultMaxRequestSize. Wrap r in a bufio.Reader
// to read pipelined small frames with few system calls.
func NewFrameReader(r io.Reader, max int32) *FrameReader {
	if max <= 0 {
		max = DefaultMaxRequestSize
	}
	return &FrameReader{r: r, max: max}
}

// Next reads the next frame and returns its payload (without the size
// prefix) in a new buffer owned by the caller. It returns io.EOF when the
// stream ends cleanly between frames, io.ErrUnexpectedEOF inside one, and
// ErrNegativeSize or ErrFrameTooLarge (having read only the 4-byte prefix)
// for a size the broker refuses: Kafka closes the connection then.
func (fr *FrameReader) Next() ([]byte, error) {
	if _, err := io.ReadFull(fr.r, fr.hdr[:]); err != nil {
		return nil, err
	}
	size := int32(binary.BigEndian.Uint32(fr.hdr[:]))
	switch {
	case size < 0:
		return nil, fmt.Errorf("%w: %d", ErrNegativeSize, size)
	case size > fr.max:
		return nil, fmt.Errorf("%w: %d > %d", ErrFrameTooLarge, size, fr.max)
	}
	if fr.pool != nil {
		if buf := fr.pool.get(int(size)); buf != nil {
			// Already allocated: no amplification to guard against.
			if _, err := io.ReadFull(fr.r, buf); err != nil {
				fr.pool.Put(buf)
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return nil, err
			}
			return buf, nil
		}
		return readGrowing(fr.r, int(size), capFor)
	}
	return readGrowing(fr.r, int(size), nil)
}

// readGrowing reads exactly size bytes into a buffer that starts small
// and doubles as bytes arrive, so a peer announcing a large frame and then
// sending little makes the broker allocate little.
func readGrowing(r io.Reader, size int, capFor func(int) int) ([]byte, error) {
	buf := make([]byte, min(size, initialChunk))
	n := 0
	for {
		m, err := io.ReadFull(r, buf[n:])
		n += m
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if n == size {
			return buf, nil
		}
		next := min(size, 2*len(buf))
		var grown []byte
		if next == size && capFor != nil {
			grown = make([]byte, size, capFor(size)) // the last step: poolable
		} else {
			grown = make([]byte, next)
		}
		copy(grown, buf[:n])
		buf = grown
	}
}
