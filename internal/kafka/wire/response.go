package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/vfs"
)

var (
	// ErrRegionShort: a file region ends before its length (the file was
	// truncated or deleted under it). The frame's size was already sent,
	// so the connection cannot be used any more.
	ErrRegionShort = errors.New("wire: file region reads short")
	// ErrFrameOverflow: a response would exceed the int32 size prefix.
	ErrFrameOverflow = errors.New("wire: response larger than 2 GiB")
)

// Region is a byte range of a file sent as part of a response: with
// sendfile when the file has a descriptor and the destination is a socket,
// by reading it otherwise (in-memory files). internal/kafka/log's
// FileRegion converts to it as Region{File: r.File, Pos: r.Pos, Len: r.Len,
// Release: r.Release}.
type Region struct {
	File     vfs.File
	Pos, Len int64
	// Release, if not nil, is called once the region is sent or dropped.
	Release func()
}

// ResponseHeaderTagged reports whether resp's header carries the tagged
// fields byte: when resp is flexible, except for ApiVersions (KIP-511).
func ResponseHeaderTagged(resp kmsg.Response) bool {
	return resp.IsFlexible() && resp.Key() != 18
}

// AppendResponse appends resp, at its current version, as a complete frame:
// size, correlation id, the header's tag byte if any, and the body.
func AppendResponse(dst []byte, correlationID int32, resp kmsg.Response) []byte {
	start := len(dst)
	dst = appendHeader(dst, correlationID, ResponseHeaderTagged(resp))
	dst = resp.AppendTo(dst)
	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start-4))
	return dst
}

func appendHeader(dst []byte, correlationID int32, tagged bool) []byte {
	dst = binary.BigEndian.AppendUint32(dst, 0) // size, patched by the caller
	dst = binary.BigEndian.AppendUint32(dst, uint32(correlationID))
	if tagged {
		dst = append(dst, 0)
	}
	return dst
}

// Frame is a response on its way to the socket: byte chunks and file
// regions, the first chunk starting with the size prefix. The Writer that
// a Frame is given to releases it; otherwise call Release.
type Frame struct {
	parts    []part
	size     int64 // bytes on the wire, size prefix included
	mem      int64 // bytes held in memory
	released bool
}

type part struct {
	b      []byte
	region Region // File != nil for a region
}

// ResponseFrame encodes resp, at its current version, as a frame of one
// chunk.
func ResponseFrame(correlationID int32, resp kmsg.Response) *Frame {
	b := AppendResponse(nil, correlationID, resp)
	return &Frame{parts: []part{{b: b}}, size: int64(len(b)), mem: int64(len(b))}
}

// NewFrame starts a frame from its header; append the body with
// AppendBytes and AppendRegion. tagged is ResponseHeaderTagged of the
// response the body encodes.
func NewFrame(correlationID int32, tagged bool) *Frame {
	f := &Frame{}
	f.AppendBytes(appendHeader(make([]byte, 0, 9), correlationID, tagged))
	return f
}

// AppendBytes appends a chunk; the frame keeps b, which must not change.
func (f *Frame) AppendBytes(b []byte) {
	if len(b) == 0 {
		return
	}
	f.parts = append(f.parts, part{b: b})
	f.size += int64(len(b))
	f.mem += int64(len(b))
	f.patchSize()
}

// AppendRegion appends a file region; the frame releases it.
func (f *Frame) AppendRegion(r Region) {
	if r.Len <= 0 {
		if r.Release != nil {
			r.Release()
		}
		return
	}
	f.parts = append(f.parts, part{region: r})
	f.size += r.Len
	f.patchSize()
}

// patchSize keeps the size prefix (the first chunk's first 4 bytes)
// current; a size beyond int32 is caught by Err.
func (f *Frame) patchSize() {
	if len(f.parts) > 0 && len(f.parts[0].b) >= 4 && f.size-4 <= math.MaxInt32 {
		binary.BigEndian.PutUint32(f.parts[0].b, uint32(f.size-4))
	}
}

// Len is the frame's size on the wire, size prefix included.
func (f *Frame) Len() int64 { return f.size }

// MemLen is the bytes the frame holds in memory (regions excluded).
func (f *Frame) MemLen() int64 { return f.mem }

// Regions is the number of file regions in the frame.
func (f *Frame) Regions() int {
	n := 0
	for _, p := range f.parts {
		if p.region.File != nil {
			n++
		}
	}
	return n
}

// Err reports a frame that cannot be sent.
func (f *Frame) Err() error {
	if f.size-4 > math.MaxInt32 {
		return fmt.Errorf("%w: %d bytes", ErrFrameOverflow, f.size)
	}
	return nil
}

// Release releases the frame's regions; later calls do nothing.
func (f *Frame) Release() {
	if f == nil || f.released {
		return
	}
	f.released = true
	for _, p := range f.parts {
		if p.region.Release != nil {
			p.region.Release()
		}
	}
	f.parts = nil
}

// AppendTo appends the whole frame to dst, reading its regions: for tests
// and for destinations that need the bytes in memory.
func (f *Frame) AppendTo(dst []byte) ([]byte, error) {
	for _, p := range f.parts {
		if p.region.File == nil {
			dst = append(dst, p.b...)
			continue
		}
		start := len(dst)
		dst = append(dst, make([]byte, p.region.Len)...)
		if err := readRegion(p.region, dst[start:]); err != nil {
			return dst[:start], err
		}
	}
	return dst, nil
}

// readRegion fills b from r.File at r.Pos.
func readRegion(r Region, b []byte) error {
	n, err := r.File.ReadAt(b, r.Pos)
	if n == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		return fmt.Errorf("%w: [%d, %d) read %d bytes", ErrRegionShort, r.Pos, r.Pos+int64(len(b)), n)
	}
	return fmt.Errorf("wire: reading region [%d, %d): %w", r.Pos, r.Pos+int64(len(b)), err)
}
