package wire

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/vfs"
)

func apiVersionsFrame(corr int32) *Frame {
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.Version = 3
	resp.ApiKeys = []kmsg.ApiVersionsResponseApiKey{{ApiKey: 18, MaxVersion: 4}}
	return ResponseFrame(corr, resp)
}

// Frames written over TCP arrive byte for byte; regions of real files go
// with sendfile, regions of in-memory files are copied.
func TestWriterOverTCPUsesSendfileForRealFiles(t *testing.T) {
	server, client := tcpPair(t)
	content := string(bytes.Repeat([]byte("0123456789abcdef"), 40000)) // 640 KB
	disk := osFile(t, content)
	_, mem := memFile(t, content)

	var want []byte
	frames := []*Frame{apiVersionsFrame(1)}
	for i, file := range []vfs.File{disk, mem, disk} {
		f := NewFrame(int32(i+2), false)
		f.AppendBytes([]byte("head"))
		f.AppendRegion(Region{File: file, Pos: 3, Len: int64(len(content) - 10)})
		f.AppendBytes([]byte("tail"))
		frames = append(frames, f)
	}
	frames = append(frames, apiVersionsFrame(9))
	for _, f := range frames {
		b, err := f.AppendTo(nil)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, b...)
	}

	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(client)
		got <- b
	}()
	w := NewWriter(server)
	for _, f := range frames {
		if err := w.Write(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	server.CloseWrite()
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("received %d bytes, want %d (equal prefix %d)", len(b), len(want), commonPrefix(b, want))
	}
	st := w.Stats()
	region := int64(len(content) - 10)
	if st.SendfileBytes != 2*region || st.CopiedBytes != region || st.Bytes != int64(len(want)) {
		t.Fatalf("stats %+v, want sendfile %d copied %d total %d", st, 2*region, region, len(want))
	}
}

func commonPrefix(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func TestWriterToAPlainWriterCopiesRegions(t *testing.T) {
	disk := osFile(t, "abcdefgh")
	var buf bytes.Buffer
	w := NewWriter(&buf)
	f := NewFrame(3, false)
	f.AppendRegion(Region{File: disk, Pos: 2, Len: 4})
	if err := w.Write(f); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if want := []byte{0, 0, 0, 8, 0, 0, 0, 3, 'c', 'd', 'e', 'f'}; !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("wrote %q", buf.Bytes())
	}
	if st := w.Stats(); st.CopiedBytes != 4 || st.SendfileBytes != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// A region that reads short (its file truncated under it) breaks the
// connection: the size prefix promised bytes that do not exist.
func TestWriterShortRegionFailsAndReleases(t *testing.T) {
	for _, name := range []string{"sendfile", "copy"} {
		t.Run(name, func(t *testing.T) {
			server, client := tcpPair(t)
			go io.Copy(io.Discard, client)
			file := osFile(t, "0123456789")
			if name == "copy" {
				_, file = memFile(t, "0123456789")
			}
			released := 0
			f := NewFrame(1, false)
			f.AppendRegion(Region{File: file, Pos: 5, Len: 10, Release: func() { released++ }})
			w := NewWriter(server)
			if err := w.Write(f); !errors.Is(err, ErrRegionShort) {
				t.Fatalf("err %v, want ErrRegionShort", err)
			}
			if released != 1 {
				t.Fatalf("released %d", released)
			}
			if err := w.Write(apiVersionsFrame(2)); err == nil {
				t.Fatal("a broken writer accepted another frame")
			}
		})
	}
}

func TestWriterFlushesLargeBatchesByItself(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	f := NewFrame(1, false)
	f.AppendBytes(make([]byte, flushThreshold))
	if err := w.Write(f); err != nil {
		t.Fatal(err)
	}
	if w.Buffered() != 0 || buf.Len() != flushThreshold+8 {
		t.Fatalf("buffered %d, written %d", w.Buffered(), buf.Len())
	}
}
