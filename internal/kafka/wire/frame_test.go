package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"testing"
	"testing/iotest"
)

func sized(payload []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(payload))), payload...)
}

// countingReader counts the bytes taken from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestFrameReaderReadsConsecutiveFrames(t *testing.T) {
	payloads := [][]byte{{}, []byte("a"), bytes.Repeat([]byte("xyz"), 50000), []byte("last")}
	var stream []byte
	for _, p := range payloads {
		stream = append(stream, sized(p)...)
	}
	for name, r := range map[string]io.Reader{
		"whole":        bytes.NewReader(stream),
		"byte by byte": iotest.OneByteReader(bytes.NewReader(stream)),
		"half":         iotest.HalfReader(bytes.NewReader(stream)),
	} {
		t.Run(name, func(t *testing.T) {
			fr := NewFrameReader(r, 0)
			for i, want := range payloads {
				got, err := fr.Next()
				if err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("frame %d: %d bytes, want %d", i, len(got), len(want))
				}
			}
			if _, err := fr.Next(); err != io.EOF {
				t.Fatalf("after the last frame: %v, want io.EOF", err)
			}
		})
	}
}

func TestFrameReaderFramesDoNotShareBuffers(t *testing.T) {
	fr := NewFrameReader(bytes.NewReader(append(sized([]byte("one")), sized([]byte("two"))...)), 0)
	a, _ := fr.Next()
	b, _ := fr.Next()
	if string(a) != "one" || string(b) != "two" {
		t.Fatalf("got %q %q", a, b)
	}
}

func TestFrameReaderRefusesBadSizesAfterReadingOnlyThePrefix(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int32
		max  int32
		want error
	}{
		{"negative", -1, 100, ErrNegativeSize},
		{"most negative", -1 << 31, 100, ErrNegativeSize},
		{"one over", 101, 100, ErrFrameTooLarge},
		{"over default", DefaultMaxRequestSize + 1, 0, ErrFrameTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stream := binary.BigEndian.AppendUint32(nil, uint32(tc.size))
			stream = append(stream, make([]byte, 200)...)
			cr := &countingReader{r: iotest.OneByteReader(bytes.NewReader(stream))}
			_, err := NewFrameReader(cr, tc.max).Next()
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if cr.n != 4 {
				t.Fatalf("read %d bytes, want only the 4-byte size", cr.n)
			}
		})
	}
	// Exactly the maximum is allowed, as in Kafka (size > max is refused).
	got, err := NewFrameReader(bytes.NewReader(sized(make([]byte, 100))), 100).Next()
	if err != nil || len(got) != 100 {
		t.Fatalf("frame of exactly max: %d bytes, %v", len(got), err)
	}
}

func TestFrameReaderTruncatedStreams(t *testing.T) {
	for _, stream := range [][]byte{{0}, {0, 0, 0}, {0, 0, 0, 5, 1, 2}} {
		if _, err := NewFrameReader(bytes.NewReader(stream), 0).Next(); err != io.ErrUnexpectedEOF {
			t.Errorf("%x: %v, want io.ErrUnexpectedEOF", stream, err)
		}
	}
}

// A peer that announces a huge frame and sends a few bytes makes the
// reader allocate about what it sent, not what it announced.
func TestFrameReaderAllocatesWithArrivingBytes(t *testing.T) {
	stream := binary.BigEndian.AppendUint32(nil, DefaultMaxRequestSize)
	stream = append(stream, make([]byte, 300<<10)...)
	fr := NewFrameReader(bytes.NewReader(stream), 0)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := fr.Next()
	runtime.ReadMemStats(&after)
	if err != io.ErrUnexpectedEOF {
		t.Fatalf("err %v", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4*(300<<10)+2*initialChunk {
		t.Fatalf("allocated %d bytes for 300 KiB received", alloc)
	}
}
