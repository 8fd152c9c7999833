package persist

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"hash/adler32"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"testing"

	"github.com/wharf-project/wharf/internal/vfs"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// fuzzLogSeeds returns log files to start from: Wharf's and ZooKeeper's.
func fuzzLogSeeds(f *testing.F) [][]byte {
	fs := vfs.NewMem()
	sl := openRestored(f, fs, Options{PreAllocSize: 512})
	appendTxns(f, sl.TxnLog(), 1, 12)
	sl.Close()
	b, err := vfs.ReadFile(fs, "/data/version-2/log.1")
	if err != nil {
		f.Fatal(err)
	}
	seeds := [][]byte{b, b[:100], b[:16], {}}
	if g, err := os.ReadFile(filepath.Join(goldenDir, "log.1")); err == nil {
		seeds = append(seeds, g[:2000])
	}
	return seeds
}

// validEntries parses a log file the simplest way: the payloads of the
// entries up to the first one whose framing or checksum is wrong.
func validEntries(b []byte) [][]byte {
	if len(b) < 16 || binary.BigEndian.Uint32(b) != uint32(jute.TxnLogMagic) {
		return nil
	}
	var out [][]byte
	for off := 16; off+12 <= len(b); {
		crc := binary.BigEndian.Uint64(b[off:])
		n := int(int32(binary.BigEndian.Uint32(b[off+8:])))
		if n <= 0 || off+12+n+1 > len(b) || b[off+12+n] != 'B' || crc != uint64(adler32.Checksum(b[off+12:off+12+n])) {
			break
		}
		out = append(out, b[off+12:off+12+n])
		off += 12 + n + 1
	}
	return out
}

// FuzzReadTxnLog reads arbitrary bytes as the only log file: no panic, and
// every txn returned is one whose checksum and framing are right, in order;
// then Restore repairs the file and reads the same txns again.
func FuzzReadTxnLog(f *testing.F) {
	for _, s := range fuzzLogSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fs := vfs.NewMem()
		if err := fs.MkdirAll(testDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := vfs.WriteFileAtomic(fs, testDir+"/log.1", b); err != nil {
			t.Fatal(err)
		}
		want := validEntries(b)
		read := func() [][]byte {
			it, err := ReadTxns(fs, testDir, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer it.Close()
			var got [][]byte
			for it.Next() {
				got = append(got, bytes.Clone(it.Entry().Raw))
			}
			if it.Err() == nil && len(got) != len(want) {
				t.Fatalf("read %d txns, the file has %d valid entries", len(got), len(want))
			}
			return got
		}
		got := read()
		for i, raw := range got {
			if i >= len(want) || !bytes.Equal(raw, want[i]) {
				t.Fatalf("txn %d is not the file's entry %d", i, i)
			}
		}
		_, _, _, err := restoreZxidsAny(fs)
		if err != nil {
			return // an undecodable txn, or a damaged header with data after it
		}
		if again := read(); !reflect.DeepEqual(again, got) {
			t.Fatalf("after repair: %d txns, before %d", len(again), len(got))
		}
	})
}

// restoreZxidsAny restores /data trusting an absent snapshot, applying
// nothing.
func restoreZxidsAny(fs vfs.FS) (*jute.SnapshotData, int64, int64, error) {
	sl, err := Open(fs, "/data", "/data", Options{PreAllocSize: 512, TrustEmptySnapshot: true})
	if err != nil {
		return nil, 0, 0, err
	}
	defer sl.Close()
	return sl.Restore(func(*jute.TxnHeader, jute.Record, *jute.TxnDigest) error { return nil })
}

// FuzzReadSnapshot decodes arbitrary bytes as a snapshot: no panic, and what
// decodes re-encodes to a snapshot that decodes the same. (Allocation bounds
// are TestDecodeAllocationBounded's: measuring them here would stop the
// world on every input.)
func FuzzReadSnapshot(f *testing.F) {
	var buf bytes.Buffer
	if err := encodeSnapshot(&buf, testSnapshot(5), nil); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:40])
	if g, err := os.ReadFile(filepath.Join(goldenDir, "snapshot.19")); err == nil {
		f.Add(g)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		data, _, err := decodeSnapshot(bytes.NewReader(b), int64(len(b)), true)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := encodeSnapshot(&out, data, nil); err != nil {
			return // e.g. a node named "/" cannot be written back
		}
		again, _, err := decodeSnapshot(bytes.NewReader(out.Bytes()), int64(out.Len()), true)
		if err != nil || !reflect.DeepEqual(again, data) {
			t.Fatalf("re-encoded snapshot reads back differently: %v", err)
		}
	})
}

// FuzzSnappy decodes arbitrary bytes as a snappy-java stream: no panic,
// and what decodes is what snappyDecode of each block gives.
func FuzzSnappy(f *testing.F) {
	var buf bytes.Buffer
	w := newSnappyWriter(&buf)
	w.Write(bytes.Repeat([]byte("zookeeper "), 5000))
	w.Close()
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:30])
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := readAllSnappy(b)
		if err == nil && len(out) > snappyMaxRatio*len(b)+snappyMaxRatio {
			t.Fatalf("%d bytes decoded to %d", len(b), len(out))
		}
		if _, err := snappyDecode(nil, b); err == nil {
			// A raw block that decodes must encode and decode back.
			dec, _ := snappyDecode(nil, b)
			if again, err := snappyDecode(nil, snappyEncode(nil, dec)); err != nil || !bytes.Equal(again, dec) {
				t.Fatalf("re-encoded block differs: %v", err)
			}
		}
	})
}

// TestDecodeAllocationBounded feeds decoders lengths and counts far beyond
// their input: they must fail without allocating for them.
func TestDecodeAllocationBounded(t *testing.T) {
	hdr := func() *jute.Encoder {
		e := jute.NewEncoder(nil)
		(&jute.FileHeader{Magic: jute.SnapshotMagic, Version: 2, DBID: -1}).Encode(e)
		return e
	}
	plain := map[string][]byte{}
	e := hdr()
	e.Int(0x7fffffff) // sessions
	plain["session count"] = e.Bytes()
	e = hdr()
	e.Int(0)
	e.Int(1)
	e.Long(1)
	e.Int(0x7fffffff) // ACLs of entry 1
	plain["ACL count"] = e.Bytes()
	e = hdr()
	e.Int(0)
	e.Int(0)
	e.Int(0x7ffffff0) // path length
	plain["path length"] = e.Bytes()
	e = hdr()
	e.Int(0)
	e.Int(0)
	e.String("")
	e.Int(0x7ffffff0) // data length
	plain["data length"] = e.Bytes()

	for name, b := range plain {
		n := allocated(func() {
			if _, _, err := decodeSnapshot(bytes.NewReader(b), int64(len(b)), true); err == nil {
				t.Errorf("%s: decoded", name)
			}
		})
		if n > 1<<20 {
			t.Errorf("%s: allocated %d bytes", name, n)
		}
		// Compressed, the stream's length is unknown: buffers grow only
		// with the bytes that arrive.
		var gz bytes.Buffer
		w := gzip.NewWriter(&gz)
		w.Write(b)
		w.Close()
		n = allocated(func() {
			r, _ := gzip.NewReader(bytes.NewReader(gz.Bytes()))
			if _, _, err := decodeSnapshot(r, -1, true); err == nil {
				t.Errorf("%s, gzip: decoded", name)
			}
		})
		if n > 1<<20 {
			t.Errorf("%s, gzip: allocated %d bytes", name, n)
		}
	}
	// A snappy block claiming 1 GiB from a few bytes.
	block := binary.AppendUvarint(nil, 1<<30)
	block = append(block, 0, 'x')
	stream := append(slices.Clone(snappyMagic), 0, 0, 0, 1, 0, 0, 0, 1)
	stream = binary.BigEndian.AppendUint32(stream, uint32(len(block)))
	stream = append(stream, block...)
	n := allocated(func() {
		if _, err := readAllSnappy(stream); err == nil {
			t.Error("snappy bomb decoded")
		}
	})
	if n > 1<<20 {
		t.Errorf("snappy: allocated %d bytes", n)
	}
}

// allocated runs fn and returns the bytes it allocated.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
