package persist

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/wharf-project/wharf/internal/vfs"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

func TestSnapshotRoundTrip(t *testing.T) {
	for _, comp := range []string{CompressionNone, CompressionGzip, CompressionSnappy} {
		for _, lastZxid := range []bool{false, true} {
			for _, n := range []int{0, 1, 500} {
				fs := vfs.NewMem()
				sl, err := Open(fs, "/data", "", Options{SnapshotCompression: comp, SerializeLastProcessedZxid: lastZxid})
				if err != nil {
					t.Fatal(err)
				}
				want := testSnapshot(n)
				name, err := sl.WriteSnapshot(0x1234, want)
				if err != nil {
					t.Fatal(err)
				}
				if wantName := SnapshotName(0x1234, comp); name != wantName {
					t.Errorf("name %q, want %q", name, wantName)
				}
				got, zxid, err := sl.ReadSnapshot(name)
				if err != nil {
					t.Fatalf("%s lastZxid=%v n=%d: %v", comp, lastZxid, n, err)
				}
				if zxid != 0x1234 || !reflect.DeepEqual(got, want) {
					t.Errorf("%s lastZxid=%v n=%d: read back differs", comp, lastZxid, n)
				}
				_, lz, err := readSnapshotFile(fs, sl.SnapDir(), name, false)
				if err != nil || (lz != nil) != lastZxid || lz != nil && *lz != 0x1234 {
					t.Errorf("%s: lastProcessedZxid block %v, %v", comp, lz, err)
				}
				if names, _ := fs.List(sl.SnapDir()); !slices.Equal(names, []string{name}) {
					t.Errorf("directory holds %q", names)
				}
			}
		}
	}
}

// TestSnapshotWithoutDigest: a nil digest is written as ZooKeeper writes
// "none" (zxid 0) and read back as nil; a snapshot of ZooKeeper before 3.6,
// with no digest block at all, reads too.
func TestSnapshotWithoutDigest(t *testing.T) {
	d := testSnapshot(3)
	d.Digest = nil
	var buf bytes.Buffer
	if err := encodeSnapshot(&buf, d, nil); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// The block is there: zxid 0, version 2, digest 0, then a seal.
	tail := b[len(b)-(8+4+8)-(8+4+1):]
	if !bytes.Equal(tail[:20], []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0}) {
		t.Errorf("empty digest block % x", tail[:20])
	}
	got, _, err := decodeSnapshot(bytes.NewReader(b), int64(len(b)), true)
	if err != nil || !reflect.DeepEqual(got, d) {
		t.Fatalf("read back: %v", err)
	}
	old := b[:len(b)-len(tail)] // up to the first seal: a 3.5 snapshot
	got, _, err = decodeSnapshot(bytes.NewReader(old), int64(len(old)), true)
	if err != nil || !reflect.DeepEqual(got, d) {
		t.Fatalf("pre-3.6 snapshot: %v", err)
	}
}

// TestSnapshotHexDigest reads digest version 1, whose value is a hex string.
func TestSnapshotHexDigest(t *testing.T) {
	d := testSnapshot(2)
	d.Digest = nil
	var buf bytes.Buffer
	if err := encodeSnapshot(&buf, d, nil); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	b = b[:len(b)-(8+4+8)-(8+4+1)]
	e := jute.NewEncoder(b)
	e.Long(7)
	e.Int(1)
	e.String("ab12")
	sum := adlerOf(e.Bytes())
	e.Long(int64(sum))
	e.String("/")
	got, _, err := decodeSnapshot(bytes.NewReader(e.Bytes()), int64(e.Len()), true)
	if err != nil || got.Digest == nil || *got.Digest != (jute.ZxidDigest{Zxid: 7, DigestVersion: 1, Digest: 0xab12}) {
		t.Fatalf("digest %+v, %v", got, err)
	}
	d.Digest = &jute.ZxidDigest{Zxid: 7, DigestVersion: 1}
	if err := encodeSnapshot(&bytes.Buffer{}, d, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("writing digest version 1: %v", err)
	}
}

func TestSnapshotRefusesRootSlash(t *testing.T) {
	d := testSnapshot(1)
	d.Nodes[0].Path = "/"
	if err := encodeSnapshot(&bytes.Buffer{}, d, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("root written as \"/\": %v", err)
	}
	if err := encodeSnapshot(&bytes.Buffer{}, nil, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("nil data: %v", err)
	}
}

// TestSnapshotDamage flips every byte and cuts at every length: the read
// either fails with ErrCorrupt or returns exactly what was written (a flip
// in a seal's "/" is not checked, as in ZooKeeper).
func TestSnapshotDamage(t *testing.T) {
	for _, comp := range []string{CompressionNone, CompressionGzip, CompressionSnappy} {
		fs := vfs.NewMem()
		sl, err := Open(fs, "/data", "", Options{SnapshotCompression: comp, SerializeLastProcessedZxid: true})
		if err != nil {
			t.Fatal(err)
		}
		want := testSnapshot(4)
		name, err := sl.WriteSnapshot(9, want)
		if err != nil {
			t.Fatal(err)
		}
		orig, _ := vfs.ReadFile(fs, sl.SnapDir()+"/"+name)
		noDigest := *want
		noDigest.Digest = nil
		check := func(what string, b []byte) {
			if err := vfs.WriteFileAtomic(fs, sl.SnapDir()+"/"+name, b); err != nil {
				t.Fatal(err)
			}
			got, _, err := sl.ReadSnapshot(name)
			// Cut right after the first seal, a snapshot reads as one of
			// ZooKeeper before 3.6, without a digest: the format cannot
			// tell them apart.
			if err == nil && !reflect.DeepEqual(got, want) && (what != "cut" || !reflect.DeepEqual(got, &noDigest)) {
				t.Fatalf("%s %s: read wrong data without error", comp, what)
			}
			if err != nil && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("%s %s: %v is not ErrCorrupt", comp, what, err)
			}
		}
		for i := range orig {
			b := slices.Clone(orig)
			b[i] ^= 0x41
			check("flip", b)
		}
		for n := range len(orig) - 1 {
			check("cut", orig[:n])
		}
	}
}

func adlerOf(b []byte) uint32 {
	s := newSealWriter(&bytes.Buffer{})
	s.sum.Write(b)
	return s.sum.Sum32()
}

func TestSnapshotLooksValid(t *testing.T) {
	fs := vfs.NewMem()
	dir := "/d"
	put := func(name string, b []byte) {
		if err := vfs.WriteFileAtomic(fs, dir+"/"+name, b); err != nil {
			t.Fatal(err)
		}
	}
	fs.MkdirAll(dir, 0o755)
	put("snapshot.1", []byte{1, 2, 3, 4, 5, 0, 0, 0, 1, '/'})
	put("snapshot.2", []byte{0, 0, 0, 1, '/'})
	put("snapshot.3", []byte{1, 2, 3, 4, 5, 6, 0, 0, 0, 1, 'x'})
	put("snapshot.4.gz", []byte{0x1f, 0x8b, 8})
	put("snapshot.5.gz", []byte{0x1f})
	put("snapshot.6.snappy", append(slices.Clone(snappyMagic), 0, 0, 0, 1))
	put("snapshot.7.snappy", []byte("SNAPPY"))
	put("snapshot.x", []byte{1, 2, 3, 4, 5, 0, 0, 0, 1, '/'})
	for name, want := range map[string]bool{
		"snapshot.1": true, "snapshot.2": false, "snapshot.3": false,
		"snapshot.4.gz": true, "snapshot.5.gz": false,
		"snapshot.6.snappy": true, "snapshot.7.snappy": false, "snapshot.x": false,
	} {
		if got, err := snapshotLooksValid(fs, dir, name); err != nil || got != want {
			t.Errorf("%s: %v, %v", name, got, err)
		}
	}
}

func TestSnappyCodec(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	inputs := [][]byte{nil, []byte("a"), bytes.Repeat([]byte("abcd"), 20000), make([]byte, 100000)}
	random := make([]byte, 70000)
	for i := range random {
		random[i] = byte(rng.IntN(4))
	}
	inputs = append(inputs, random)
	for _, in := range inputs {
		var buf bytes.Buffer
		w := newSnappyWriter(&buf)
		if _, err := w.Write(in); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if len(in) > 1000 && &in[0] != &random[0] && buf.Len() > len(in)/10 {
			t.Errorf("%d bytes compressed to %d", len(in), buf.Len())
		}
		got, err := readAllSnappy(buf.Bytes())
		if err != nil || !bytes.Equal(got, in) {
			t.Errorf("round trip of %d bytes: %v", len(in), err)
		}
		// Two streams back to back read as one.
		two := append(slices.Clone(buf.Bytes()), buf.Bytes()...)
		if got, err := readAllSnappy(two); err != nil || !bytes.Equal(got, append(slices.Clone(in), in...)) {
			t.Errorf("concatenated: %v", err)
		}
	}
	for _, bad := range [][]byte{
		{0xff},                  // bad varint
		{5, 0x00},               // literal past the end
		{5, 0x01 << 2, 'a'},     // short of the declared length
		{4, 0x00, 'a', 0x05, 9}, // copy offset beyond the output
		{200, 1, 0x01, 0x00},    // declared length far beyond the ratio
	} {
		if _, err := snappyDecode(nil, bad); err == nil {
			t.Errorf("% x decoded", bad)
		}
	}
}

func readAllSnappy(b []byte) ([]byte, error) {
	var out bytes.Buffer
	_, err := out.ReadFrom(newSnappyReader(bytes.NewReader(b), int64(len(b))))
	return out.Bytes(), err
}
