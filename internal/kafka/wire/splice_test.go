package wire

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func fetchResponse(version int16, batches ...[]byte) *kmsg.FetchResponse {
	resp := kmsg.NewPtrFetchResponse()
	resp.Version = version
	topic := kmsg.FetchResponseTopic{Topic: "t"}
	for i, b := range batches {
		p := kmsg.NewFetchResponseTopicPartition()
		p.Partition = int32(i)
		p.HighWatermark = 100 + int64(i)
		p.RecordBatches = b
		topic.Partitions = append(topic.Partitions, p)
	}
	resp.Topics = []kmsg.FetchResponseTopic{topic}
	return resp
}

// The spliced frame is byte for byte the frame of the same response with
// the regions' bytes inline, in every Fetch version, flexible or not.
func TestSplicerMatchesInlineEncoding(t *testing.T) {
	disk := osFile(t, "DISK-RECORDS-0123456789")
	_, mem := memFile(t, "memory-records")
	for _, version := range []int16{0, 4, 11, 12, 13, 16} {
		t.Run(fmt.Sprint("v", version), func(t *testing.T) {
			released := map[string]int{}
			rel := func(name string) func() { return func() { released[name]++ } }
			var sp Splicer
			spliced := fetchResponse(version,
				sp.Placeholder(Region{File: disk, Pos: 5, Len: 7, Release: rel("disk")}),
				[]byte("inline"),
				sp.Placeholder(Region{File: mem, Pos: 0, Len: 6, Release: rel("mem")}, Region{File: disk, Pos: 0, Len: 4, Release: rel("disk2")}),
				sp.Placeholder(), // no regions: a zero-length field, not a null one
			)
			f, err := sp.Frame(99, spliced)
			if err != nil {
				t.Fatal(err)
			}
			if f.Regions() != 3 {
				t.Fatalf("%d regions", f.Regions())
			}
			got, err := f.AppendTo(nil)
			if err != nil {
				t.Fatal(err)
			}
			want := AppendResponse(nil, 99, fetchResponse(version, []byte("RECORDS"), []byte("inline"), []byte("memoryDISK"), []byte{}))
			if !bytes.Equal(got, want) {
				t.Fatalf("spliced\n%x\nwant\n%x", got, want)
			}
			if f.Len() != int64(len(want)) {
				t.Fatalf("Len %d, want %d", f.Len(), len(want))
			}
			f.Release()
			if released["disk"] != 1 || released["mem"] != 1 || released["disk2"] != 1 {
				t.Fatalf("released %v", released)
			}
		})
	}
}

func TestSplicerMissingPlaceholderReleasesEverything(t *testing.T) {
	_, mem := memFile(t, "abc")
	released := 0
	var sp Splicer
	used := sp.Placeholder(Region{File: mem, Len: 3, Release: func() { released++ }})
	sp.Placeholder(Region{File: mem, Len: 3, Release: func() { released++ }}) // never put in the response
	_, err := sp.Frame(1, fetchResponse(4, used))
	if !errors.Is(err, ErrPlaceholder) {
		t.Fatalf("err %v", err)
	}
	if released != 2 {
		t.Fatalf("released %d regions, want 2", released)
	}
}

func TestSplicerDuplicatedPlaceholderIsNotSplicedTwice(t *testing.T) {
	_, mem := memFile(t, "abc")
	var sp Splicer
	ph := sp.Placeholder(Region{File: mem, Len: 3})
	f, err := sp.Frame(1, fetchResponse(4, ph, ph))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := f.AppendTo(nil)
	// The second copy stays as 16 opaque bytes: only the first is spliced.
	if want := AppendResponse(nil, 1, fetchResponse(4, []byte("abc"), ph)); !bytes.Equal(got, want) {
		t.Fatalf("got %x\nwant %x", got, want)
	}
}

func TestSplicerRelease(t *testing.T) {
	_, mem := memFile(t, "abc")
	released := 0
	var sp Splicer
	sp.Placeholder(Region{File: mem, Len: 3, Release: func() { released++ }})
	sp.Release()
	sp.Release()
	if released != 1 {
		t.Fatalf("released %d", released)
	}
}
