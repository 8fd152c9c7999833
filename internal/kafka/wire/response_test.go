package wire

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// readResponse parses a response frame as a client does: the header by
// the response's rule, then the body with kmsg.
func readResponse(t *testing.T, frame []byte, resp kmsg.Response) int32 {
	t.Helper()
	if got := int(binary.BigEndian.Uint32(frame)); got != len(frame)-4 {
		t.Fatalf("size prefix %d, frame has %d bytes after it", got, len(frame)-4)
	}
	corr := int32(binary.BigEndian.Uint32(frame[4:]))
	body := frame[8:]
	if ResponseHeaderTagged(resp) {
		if body[0] != 0 {
			t.Fatalf("header tag byte %#x", body[0])
		}
		body = body[1:]
	}
	if err := resp.ReadFrom(body); err != nil {
		t.Fatalf("body: %v", err)
	}
	return corr
}

func TestResponseHeaderTagByte(t *testing.T) {
	for _, tc := range []struct {
		key, version int16
		tagged       bool
	}{
		{18, 0, false}, {18, 3, false}, {18, 4, false}, // ApiVersions: always header v0
		{3, 8, false}, {3, 9, true}, {1, 11, false}, {1, 12, true}, {0, 9, true},
	} {
		resp := kmsg.ResponseForKey(tc.key)
		resp.SetVersion(tc.version)
		frame := AppendResponse(nil, 42, resp)
		bare := resp.AppendTo(nil)
		extra := 0
		if tc.tagged {
			extra = 1
		}
		if len(frame) != 8+extra+len(bare) || !bytes.Equal(frame[8+extra:], bare) {
			t.Errorf("key %d v%d: frame %x, body %x, tagged %v", tc.key, tc.version, frame, bare, tc.tagged)
		}
		if ResponseHeaderTagged(resp) != tc.tagged {
			t.Errorf("key %d v%d: ResponseHeaderTagged %v", tc.key, tc.version, !tc.tagged)
		}
	}
}

func TestResponseFrameRoundTrips(t *testing.T) {
	resp := kmsg.NewPtrMetadataResponse()
	resp.Version = 9
	resp.Brokers = []kmsg.MetadataResponseBroker{{NodeID: 1, Host: "h", Port: 9092}}
	f := ResponseFrame(-5, resp)
	b, err := f.AppendTo(nil)
	if err != nil {
		t.Fatal(err)
	}
	got := kmsg.NewPtrMetadataResponse()
	got.Version = 9
	if corr := readResponse(t, b, got); corr != -5 {
		t.Fatalf("correlation id %d", corr)
	}
	if len(got.Brokers) != 1 || got.Brokers[0].Host != "h" || f.Len() != int64(len(b)) || f.MemLen() != int64(len(b)) {
		t.Fatalf("decoded %+v, len %d mem %d", got, f.Len(), f.MemLen())
	}
}

func TestFrameFromPartsPatchesSizeAndReleasesOnce(t *testing.T) {
	_, file := memFile(t, "0123456789")
	released := 0
	f := NewFrame(7, true)
	f.AppendBytes([]byte("ab"))
	f.AppendRegion(Region{File: file, Pos: 2, Len: 5, Release: func() { released++ }})
	f.AppendRegion(Region{File: file, Pos: 0, Len: 0, Release: func() { released++ }}) // empty: released at once
	f.AppendBytes(nil)
	f.AppendBytes([]byte("z"))
	b, err := f.AppendTo(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0, 0, 0, 13, 0, 0, 0, 7, 0, 'a', 'b', '2', '3', '4', '5', '6', 'z'}
	if !bytes.Equal(b, want) || f.Len() != int64(len(want)) || f.MemLen() != 12 || f.Regions() != 1 {
		t.Fatalf("frame %q (len %d mem %d regions %d), want %q", b, f.Len(), f.MemLen(), f.Regions(), want)
	}
	if released != 1 {
		t.Fatalf("empty region released %d times", released)
	}
	f.Release()
	f.Release()
	if released != 2 {
		t.Fatalf("released %d times, want 2", released)
	}
}
