package wire

import (
	"io"
	"strings"
	"testing"

	"github.com/wharf-project/wharf/internal/vfs"
)

// BenchmarkWriterRegion sends a 1 MiB region over loopback TCP from a real
// file with sendfile, from the same file read into memory and written, and
// from an in-memory file. (On loopback the receiver copies every byte
// anyway and shares the CPUs: the gain of sendfile shows better on a NIC.)
func BenchmarkWriterRegion(b *testing.B) {
	content := strings.Repeat("x", 1<<20)
	for _, tc := range []struct {
		name string
		file func(b *testing.B) vfs.File
	}{
		{"sendfile", func(b *testing.B) vfs.File { return osFile(b, content) }},
		{"pread+write", func(b *testing.B) vfs.File { return noFdFile{osFile(b, content)} }},
		{"memory", func(b *testing.B) vfs.File { _, f := memFile(b, content); return f }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			file := tc.file(b)
			server, client := tcpPair(b)
			go io.Copy(io.Discard, client)
			w := NewWriter(server)
			b.SetBytes(int64(len(content)))
			for b.Loop() {
				f := NewFrame(1, false)
				f.AppendRegion(Region{File: file, Len: int64(len(content))})
				if err := w.Write(f); err != nil {
					b.Fatal(err)
				}
			}
			server.Close()
		})
	}
}

// noFdFile hides a file's descriptor, forcing the copy path.
type noFdFile struct{ vfs.File }

func (noFdFile) Fd() uintptr { return noFd }
