package wire

import (
	"math/bits"
	"sync"
)

// Frame buffers of at least minPooled bytes can be recycled, in classes of
// powers of two up to maxPooled; smaller frames are cheap to allocate.
const (
	minPooledShift = 16 // 64 KiB
	maxPooledShift = 27 // 128 MiB, above DefaultMaxRequestSize
	minPooled      = 1 << minPooledShift
)

// FramePool recycles the buffers of large request frames (produce
// requests of megabytes), which would otherwise each be allocated, zeroed
// and collected. A FrameReader given a pool (SetPool) takes buffers from
// it; the owner of a frame gives the buffer back with Put once nothing
// refers to it any more — for a decoded request, once its handler has
// answered, since kmsg's []byte fields alias the frame. A frame never put
// back is simply collected. The zero value is ready; it is safe for
// concurrent use, and the garbage collector empties it when idle.
type FramePool struct {
	classes [maxPooledShift - minPooledShift + 1]sync.Pool // of *[]byte with cap 1<<(minPooledShift+i)
}

// classOf is the class whose buffers hold n bytes (n >= minPooled), or -1.
func classOf(n int) int {
	shift := bits.Len(uint(n - 1)) // ceil(log2 n)
	if shift > maxPooledShift {
		return -1
	}
	return max(shift, minPooledShift) - minPooledShift
}

// capFor is the capacity a pooled buffer for n bytes is allocated with.
func capFor(n int) int {
	if c := classOf(n); n >= minPooled && c >= 0 {
		return 1 << (c + minPooledShift)
	}
	return n
}

// get returns a recycled buffer of len n, or nil when none is free.
func (p *FramePool) get(n int) []byte {
	c := classOf(n)
	if n < minPooled || c < 0 {
		return nil
	}
	if bp, _ := p.classes[c].Get().(*[]byte); bp != nil {
		return (*bp)[:n]
	}
	return nil
}

// Put gives a frame's buffer back for reuse. Only buffers the pool's
// readers allocated (a power-of-two capacity of 64 KiB or more) are kept;
// others are left to the garbage collector. The caller must not touch b,
// or anything decoded from it, afterwards.
func (p *FramePool) Put(b []byte) {
	n := cap(b)
	if p == nil || n < minPooled || n&(n-1) != 0 {
		return
	}
	c := classOf(n)
	if c < 0 {
		return
	}
	b = b[:n]
	p.classes[c].Put(&b)
}
