package wire

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"
)

func TestFramePoolClasses(t *testing.T) {
	for _, tc := range []struct{ n, cap int }{
		{1, 1}, {minPooled - 1, minPooled - 1}, {minPooled, minPooled}, {minPooled + 1, 2 * minPooled},
		{3 << 20, 4 << 20}, {DefaultMaxRequestSize, 128 << 20}, {1<<maxPooledShift + 1, 1<<maxPooledShift + 1},
	} {
		if got := capFor(tc.n); got != tc.cap {
			t.Errorf("capFor(%d) = %d, want %d", tc.n, got, tc.cap)
		}
	}
	var p FramePool
	p.Put(make([]byte, 100))         // too small: dropped
	p.Put(make([]byte, minPooled+1)) // not a class size: dropped
	var nilPool *FramePool
	nilPool.Put(make([]byte, minPooled)) // no pool: nothing happens
	if b := p.get(minPooled + 1); b != nil {
		t.Fatalf("got a buffer of cap %d from an empty class", cap(b))
	}
}

// Frames read through a pool come out whole and equal to what was sent,
// whether their buffer is new or recycled, and a buffer given back is
// taken again for a frame of its class.
func TestFrameReaderRecyclesPooledFrames(t *testing.T) {
	var stream []byte
	var want [][]byte
	for i := range 40 {
		payload := bytes.Repeat([]byte{byte(i)}, 300<<10+i)
		want = append(want, payload)
		stream = append(stream, sized(payload)...)
	}
	small := []byte("a small frame")
	stream = append(stream, sized(small)...)
	var pool FramePool
	fr := NewFrameReader(bytes.NewReader(stream), 0)
	fr.SetPool(&pool)
	seen := map[*byte]bool{}
	reused := 0
	for i, w := range want {
		got, err := fr.Next()
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if !bytes.Equal(got, w) {
			t.Fatalf("frame %d differs", i)
		}
		if cap(got) != 512<<10 {
			t.Fatalf("frame %d: cap %d, want the class's 512 KiB", i, cap(got))
		}
		if seen[&got[:1][0]] {
			reused++
		}
		seen[&got[:1][0]] = true
		pool.Put(got)
	}
	if reused == 0 { // sync.Pool may drop some (always some under -race), not all
		t.Error("no buffer was reused")
	}
	got, err := fr.Next()
	if err != nil || !bytes.Equal(got, small) || cap(got) != len(small) {
		t.Fatalf("small frame: %q cap %d, %v", got, cap(got), err)
	}
	if _, err := fr.Next(); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
}

// A truncated frame is an error whether its buffer came from the pool or
// not.
func TestFrameReaderPooledTruncated(t *testing.T) {
	var pool FramePool
	for range 10 {
		pool.Put(make([]byte, 1<<20))
	}
	stream := binary.BigEndian.AppendUint32(nil, 1<<20)
	stream = append(stream, make([]byte, 5000)...)
	fr := NewFrameReader(bytes.NewReader(stream), 0)
	fr.SetPool(&pool)
	if _, err := fr.Next(); err != io.ErrUnexpectedEOF {
		t.Fatalf("err %v, want io.ErrUnexpectedEOF", err)
	}
}
