package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/wire/wiretest"
)

// fuzzMax is the frame limit in the fuzz targets.
const fuzzMax = 1 << 20

// bodyAmplification bounds what kmsg allocates per input byte: it sizes
// an array by its announced length (checked against the bytes left, one
// byte per element), so an element's Go size over its smallest encoding
// is the factor.
const bodyAmplification = 160

// seedFrames are client frames of every request kmsg knows, at every
// version, with default field values.
func seedFrames() [][]byte {
	var out [][]byte
	for key := int16(0); key <= kmsg.MaxKey; key++ {
		req := kmsg.RequestForKey(key)
		if req == nil {
			continue
		}
		for v := int16(0); v <= req.MaxVersion(); v++ {
			req.SetVersion(v)
			if key == 7 && v == 0 {
				continue // kmsg's formatter does not write ControlledShutdown v0's body
			}
			out = append(out, clientFrame(req, int32(v), strp("fuzz")))
		}
	}
	return out
}

func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func readAll(r io.Reader) ([][]byte, error) {
	fr := NewFrameReader(r, fuzzMax)
	var frames [][]byte
	for {
		f, err := fr.Next()
		if err != nil {
			return frames, err
		}
		frames = append(frames, f)
	}
}

// FuzzReadFrame: any stream, read whole or a byte at a time, gives the
// same frames and the same error, and costs memory in proportion to the
// bytes it holds, never to the sizes it announces.
func FuzzReadFrame(f *testing.F) {
	for _, fr := range seedFrames()[:20] {
		f.Add(sized(fr))
	}
	f.Add(binary.BigEndian.AppendUint32(nil, fuzzMax))
	f.Add(binary.BigEndian.AppendUint32(nil, fuzzMax+1))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add(append(sized([]byte("abc")), 0, 0))
	f.Fuzz(func(t *testing.T, stream []byte) {
		var whole [][]byte
		var werr error
		alloc := allocated(func() { whole, werr = readAll(bytes.NewReader(stream)) })
		if limit := 4*uint64(len(stream)) + 2*initialChunk + 64<<10; alloc > limit {
			t.Fatalf("allocated %d bytes reading %d (limit %d)", alloc, len(stream), limit)
		}
		split, serr := readAll(iotest.OneByteReader(bytes.NewReader(stream)))
		if (werr == nil) != (serr == nil) || (werr != nil && werr.Error() != serr.Error()) {
			t.Fatalf("whole: %v, byte by byte: %v", werr, serr)
		}
		if len(whole) != len(split) {
			t.Fatalf("whole: %d frames, byte by byte: %d", len(whole), len(split))
		}
		total := 0
		for i := range whole {
			if !bytes.Equal(whole[i], split[i]) {
				t.Fatalf("frame %d differs", i)
			}
			total += 4 + len(whole[i])
		}
		if werr == io.EOF && total != len(stream) {
			t.Fatalf("clean EOF after %d of %d bytes", total, len(stream))
		}
		if errors.Is(werr, ErrFrameTooLarge) || errors.Is(werr, ErrNegativeSize) {
			size := int32(binary.BigEndian.Uint32(stream[total:]))
			if size >= 0 && size <= fuzzMax {
				t.Fatalf("refused size %d: %v", size, werr)
			}
		}
	})
}

// FuzzParseRequest: any frame parses or fails with one of the package's
// errors, never panics (the decoders' recover would hide a panic, so it is
// checked for), allocates in proportion to its size, and a body that
// decodes re-encodes to bytes that decode to the same bytes again.
func FuzzParseRequest(f *testing.F) {
	for _, fr := range seedFrames() {
		f.Add(fr)
	}
	f.Add([]byte{0, 7, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2})
	f.Fuzz(func(t *testing.T, frame []byte) {
		if wiretest.MayLoopOnTagsFrame(frame) {
			t.Skip("kmsg spins on an oversized tag count (see wiretest.MayLoopOnTags)")
		}
		var err error
		var req *Request
		alloc := allocated(func() {
			req, err = ParseRequest(frame)
			if err == nil {
				err = req.Decode()
			}
		})
		if limit := bodyAmplification*uint64(len(frame)) + 64<<10; alloc > limit {
			t.Fatalf("allocated %d bytes for a %d-byte frame (limit %d)", alloc, len(frame), limit)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidHeader) && !errors.Is(err, ErrUnknownKey) && !errors.Is(err, ErrInvalidRequest) {
				t.Fatalf("unexpected error %v", err)
			}
			if strings.Contains(err.Error(), "decoder panic") {
				t.Fatal(err)
			}
		} else {
			once := req.Body.AppendTo(nil)
			again := kmsg.RequestForKey(req.Key)
			again.SetVersion(req.Version)
			if err := again.ReadFrom(once); err != nil {
				t.Fatalf("%s v%d: re-encoded body does not decode: %v", kmsg.NameForKey(req.Key), req.Version, err)
			}
			if twice := again.AppendTo(nil); !bytes.Equal(once, twice) {
				t.Fatalf("%s v%d: re-encoding is not stable:\n%x\n%x", kmsg.NameForKey(req.Key), req.Version, once, twice)
			}
		}
		// Every prefix of a short frame fails cleanly too.
		if len(frame) <= 128 {
			for n := range frame {
				if r, err := ParseRequest(frame[:n]); err == nil {
					if err := r.Decode(); err != nil && strings.Contains(err.Error(), "decoder panic") {
						t.Fatal(err)
					}
				}
			}
		}
	})
}
