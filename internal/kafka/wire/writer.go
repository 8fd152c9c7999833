package wire

import (
	"io"
	"net"
	"syscall"
)

// flushThreshold is how many buffered bytes make Write flush by itself.
const flushThreshold = 256 << 10

// copyChunk is the buffer for regions that cannot be sent with sendfile.
const copyChunk = 64 << 10

// noFd is vfs.File.Fd's answer for a file without a descriptor.
const noFd = ^uintptr(0)

// Writer writes frames to a connection: byte chunks gathered and written
// with one writev per flush, file regions with sendfile when the
// destination is a socket and the file has a descriptor (sendfile with an
// explicit offset, so concurrent readers of one descriptor never share a
// file position), and by reading the file otherwise. A Writer is used by
// one goroutine; after an error it refuses every later write.
type Writer struct {
	w       io.Writer
	raw     syscall.RawConn
	vec     net.Buffers
	vecLen  int
	scratch []byte
	err     error
	stats   WriterStats
}

// WriterStats counts a Writer's bytes.
type WriterStats struct {
	Bytes         int64 // every byte written
	SendfileBytes int64 // region bytes sent with sendfile
	CopiedBytes   int64 // region bytes read into memory and written
}

// NewWriter writes to w. If w is a syscall.Conn (a *net.TCPConn), regions
// go out with sendfile, which honours w's write deadline.
func NewWriter(w io.Writer) *Writer {
	wr := &Writer{w: w}
	if sc, ok := w.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			wr.raw = raw
		}
	}
	return wr
}

// Write queues f and sends its regions; bytes may stay buffered until
// Flush. Write takes f: it releases it whatever happens.
func (w *Writer) Write(f *Frame) error {
	defer f.Release()
	if w.err != nil {
		return w.err
	}
	if err := f.Err(); err != nil {
		return err // nothing written: the connection is still usable
	}
	for _, p := range f.parts {
		if p.region.File == nil {
			w.vec = append(w.vec, p.b)
			w.vecLen += len(p.b)
			continue
		}
		if err := w.Flush(); err != nil {
			return err
		}
		if err := w.sendRegion(p.region); err != nil {
			w.err = err
			return err
		}
	}
	if w.vecLen >= flushThreshold {
		return w.Flush()
	}
	return nil
}

// Buffered is the number of bytes waiting for Flush.
func (w *Writer) Buffered() int { return w.vecLen }

// Stats returns the byte counts so far.
func (w *Writer) Stats() WriterStats { return w.stats }

// Flush writes the buffered bytes.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if w.vecLen == 0 {
		return nil
	}
	v := w.vec
	n, err := v.WriteTo(w.w)
	w.stats.Bytes += n
	clear(w.vec)
	w.vec, w.vecLen = w.vec[:0], 0
	if err != nil {
		w.err = err
	}
	return err
}

func (w *Writer) sendRegion(r Region) error {
	if w.raw != nil {
		if fd := r.File.Fd(); fd != noFd {
			n, handled, err := sendfile(w.raw, fd, r.Pos, r.Len)
			w.stats.SendfileBytes += n
			w.stats.Bytes += n
			if handled {
				return err
			}
			r.Pos, r.Len = r.Pos+n, r.Len-n
		}
	}
	return w.copyRegion(r)
}

// copyRegion sends a region through memory: in-memory files, and
// destinations that are not sockets.
func (w *Writer) copyRegion(r Region) error {
	if w.scratch == nil {
		w.scratch = make([]byte, copyChunk)
	}
	for r.Len > 0 {
		b := w.scratch[:min(r.Len, int64(len(w.scratch)))]
		if err := readRegion(Region{File: r.File, Pos: r.Pos}, b); err != nil {
			return err
		}
		n, err := w.w.Write(b)
		w.stats.Bytes += int64(n)
		w.stats.CopiedBytes += int64(n)
		if err != nil {
			return err
		}
		r.Pos, r.Len = r.Pos+int64(n), r.Len-int64(n)
	}
	return nil
}
