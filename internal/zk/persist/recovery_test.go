package persist

import (
	"errors"
	"slices"
	"testing"

	"github.com/wharf-project/wharf/internal/vfs"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

const testDir = "/data/" + versionDir

var testOpts = Options{PreAllocSize: 4 << 10}

// newLogDir returns a filesystem with snapshot 0 and one log file per span
// of zxids [from, to], written by Wharf.
func newLogDir(t *testing.T, spans ...[2]int64) vfs.FS {
	t.Helper()
	fs := vfs.NewMem()
	sl := openRestored(t, fs, testOpts)
	if _, err := sl.WriteSnapshot(0, testSnapshot(0)); err != nil {
		t.Fatal(err)
	}
	for _, sp := range spans {
		sl.TxnLog().lastZxid = sp[0] - 1 // spans may skip zxids
		appendTxns(t, sl.TxnLog(), sp[0], sp[1])
		if err := sl.TxnLog().Roll(); err != nil {
			t.Fatal(err)
		}
	}
	if err := sl.Close(); err != nil {
		t.Fatal(err)
	}
	return fs
}

// entryOffsets returns the offset of each entry of a log file, and the end
// of the last one.
func entryOffsets(t *testing.T, fs vfs.FS, name string) []int64 {
	t.Helper()
	seg, err := openSegment(fs, testDir, namedFile{name: name, zxid: ZxidFromName(name, logPrefix)})
	if err != nil {
		t.Fatal(err)
	}
	defer seg.close()
	offs := []int64{seg.off}
	for {
		_, end, err := seg.next()
		if err != nil {
			t.Fatal(err)
		}
		if end != endNone {
			return offs
		}
		offs = append(offs, seg.off)
	}
}

// patch writes b at off in a file.
func patch(t *testing.T, fs vfs.FS, name string, off int64, b []byte) {
	t.Helper()
	f, err := fs.OpenReadWrite(testDir + "/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func resize(t *testing.T, fs vfs.FS, name string, size int64) {
	t.Helper()
	f, err := fs.OpenReadWrite(testDir + "/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
}

// TestTornTailOfNewestFile damages the newest log file in every way a
// crash (or worse) can, then checks Restore keeps exactly the entries before
// the damage, cuts the file there, and that appending and restoring again
// work.
func TestTornTailOfNewestFile(t *testing.T) {
	const name = "log.15" // zxids 0x15 to 0x28
	cases := []struct {
		name   string
		damage func(fs vfs.FS, offs []int64)
		keep   int64 // last zxid kept
		cut    bool  // the file is cut after it
	}{
		{"cut mid-entry header", func(fs vfs.FS, o []int64) { resize(t, fs, name, o[5]+5) }, 0x19, true},
		{"cut mid-entry data", func(fs vfs.FS, o []int64) { resize(t, fs, name, o[5]+20) }, 0x19, true},
		{"cut before EOR", func(fs vfs.FS, o []int64) { resize(t, fs, name, o[6]-1) }, 0x19, true},
		{"bad checksum", func(fs vfs.FS, o []int64) { patch(t, fs, name, o[5]+3, []byte{0xee}) }, 0x19, true},
		{"bad data", func(fs vfs.FS, o []int64) { patch(t, fs, name, o[5]+40, []byte{0xee}) }, 0x19, true},
		{"missing EOR", func(fs vfs.FS, o []int64) { patch(t, fs, name, o[6]-1, []byte{0}) }, 0x19, true},
		{"huge length", func(fs vfs.FS, o []int64) { patch(t, fs, name, o[5]+8, []byte{0x7f, 0, 0, 0}) }, 0x19, true},
		{"negative length", func(fs vfs.FS, o []int64) { patch(t, fs, name, o[5]+8, []byte{0xff, 0xff, 0, 1}) }, 0x19, true},
		{"checksum then zero length", func(fs vfs.FS, o []int64) { patch(t, fs, name, o[5]+8, []byte{0, 0, 0, 0}) }, 0x19, true},
		{"zeroed entry header", func(fs vfs.FS, o []int64) { patch(t, fs, name, o[5], make([]byte, 12)) }, 0x19, false},
		{"garbage after the last entry", func(fs vfs.FS, o []int64) { patch(t, fs, name, o[len(o)-1], []byte("garbage")) }, 0x28, true},
		{"first entry torn", func(fs vfs.FS, o []int64) { resize(t, fs, name, o[0]+3) }, 0x14, true},
		{"intact", func(vfs.FS, []int64) {}, 0x28, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := newLogDir(t, [2]int64{1, 0x14}, [2]int64{0x15, 0x28})
			offs := entryOffsets(t, fs, name)
			c.damage(fs, offs)
			sizeBefore := fileSize(t, fs, testDir+"/"+name)
			sl, last, zxids, err := restoreZxids(t, fs, testOpts)
			if err != nil || last != c.keep || !slices.Equal(zxids, seq(1, c.keep)) {
				t.Fatalf("restore: last 0x%x, %v, %v", last, zxids, err)
			}
			size := fileSize(t, fs, testDir+"/"+name)
			if want := offs[c.keep-0x14]; c.cut && size != want {
				t.Errorf("file cut at %d, want %d", size, want)
			} else if !c.cut && size != sizeBefore {
				t.Errorf("file size changed from %d to %d", sizeBefore, size)
			}
			// Appending continues in a new file, named by the next zxid.
			appendTxns(t, sl.TxnLog(), c.keep+1, 0x30)
			if f := sl.TxnLog().CurrentFile(); f != LogName(c.keep+1) {
				t.Errorf("appending to %s", f)
			}
			sl.Close()
			for range 2 {
				sl, last, zxids, err := restoreZxids(t, fs, testOpts)
				if err != nil || last != 0x30 || !slices.Equal(zxids, seq(1, 0x30)) {
					t.Fatalf("restore after append: last 0x%x, %v, %v", last, zxids, err)
				}
				sl.Close()
			}
		})
	}
}

// TestTornHeaderOfNewestFile: a log file whose header did not make it is
// removed, unless data follows the damaged header.
func TestTornHeaderOfNewestFile(t *testing.T) {
	for _, c := range []struct {
		name    string
		content []byte
		err     error
	}{
		{"empty", nil, nil},
		{"partial header", []byte{0x5a, 0x4b}, nil},
		{"zeros", make([]byte, 4096), nil},
		{"bad magic, data after", append(make([]byte, 16), []byte("entries")...), ErrCorrupt},
	} {
		t.Run(c.name, func(t *testing.T) {
			fs := newLogDir(t, [2]int64{1, 0x14})
			if err := vfs.WriteFileAtomic(fs, testDir+"/log.15", c.content); err != nil {
				t.Fatal(err)
			}
			sl, last, zxids, err := restoreZxids(t, fs, testOpts)
			if !errors.Is(err, c.err) {
				t.Fatalf("restore: %v, want %v", err, c.err)
			}
			if err != nil {
				return
			}
			defer sl.Close()
			if last != 0x14 || !slices.Equal(zxids, seq(1, 0x14)) {
				t.Errorf("restore: last 0x%x, %v", last, zxids)
			}
			if names := logNames(t, fs); !slices.Equal(names, []string{"log.1"}) {
				t.Errorf("files %q", names)
			}
		})
	}
}

// TestDamageInOlderFile: in a file followed by others, a torn tail is
// accepted only where it provably hides no committed txn.
func TestDamageInOlderFile(t *testing.T) {
	const older = "log.1"
	cases := []struct {
		name   string
		spans  [][2]int64
		damage func(fs vfs.FS, offs []int64)
		want   []int64
		err    error
	}{
		{
			name:   "bad entry with entries after it",
			spans:  [][2]int64{{1, 0x14}, {0x15, 0x20}},
			damage: func(fs vfs.FS, o []int64) { patch(t, fs, older, o[4]+30, []byte{0xee}) },
			err:    ErrCorrupt,
		},
		{
			name:  "torn tail, the next file starts again after it (a ZooKeeper restart)",
			spans: [][2]int64{{1, 0x14}, {0x12, 0x20}},
			damage: func(fs vfs.FS, o []int64) {
				patch(t, fs, older, o[0x11]+20, make([]byte, int(o[0x14]-o[0x11]-20)))
			},
			want: seq(1, 0x20),
		},
		{
			name:  "garbage after a bad entry, the next file starts again after it",
			spans: [][2]int64{{1, 0x14}, {0x12, 0x20}},
			damage: func(fs vfs.FS, o []int64) {
				patch(t, fs, older, o[0x11]+3, []byte{0xee})
			},
			want: seq(1, 0x20),
		},
		{
			name:  "torn tail before a new epoch",
			spans: [][2]int64{{1, 0x14}, {1<<32 | 1, 1<<32 | 5}},
			damage: func(fs vfs.FS, o []int64) {
				patch(t, fs, older, o[0x11]+20, make([]byte, int(o[0x14]-o[0x11]-20)))
			},
			want: append(seq(1, 0x11), seq(1<<32|1, 1<<32|5)...),
		},
		{
			name:  "torn tail and txns missing in the same epoch",
			spans: [][2]int64{{1, 0x14}, {0x14, 0x20}},
			damage: func(fs vfs.FS, o []int64) {
				patch(t, fs, older, o[0x11]+20, make([]byte, int(o[0x14]-o[0x11]-20)))
			},
			err: ErrCorrupt, // 0x12 and 0x13 are gone
		},
		{
			name:  "bad entry with data after it, txns missing",
			spans: [][2]int64{{1, 0x14}, {0x15, 0x20}},
			damage: func(fs vfs.FS, o []int64) {
				patch(t, fs, older, o[0x13]+3, []byte{0xee})
			},
			err: ErrCorrupt,
		},
		{
			name:   "a middle log file deleted",
			spans:  [][2]int64{{1, 0x10}, {0x11, 0x20}, {0x21, 0x30}},
			damage: func(fs vfs.FS, _ []int64) { fs.Remove(testDir + "/log.11") },
			err:    ErrCorrupt,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := newLogDir(t, c.spans...)
			c.damage(fs, entryOffsets(t, fs, older))
			got, err := readRestored(t, fs)
			if !errors.Is(err, c.err) || c.err == nil && !slices.Equal(got, c.want) {
				t.Errorf("got %x, %v; want %x, %v", got, err, c.want, c.err)
			}
		})
	}
}

// readRestored restores and returns the replayed zxids, checking content.
func readRestored(t *testing.T, fs vfs.FS) ([]int64, error) {
	t.Helper()
	sl, err := Open(fs, "/data", "/data", testOpts)
	if err != nil {
		t.Fatal(err)
	}
	defer sl.Close()
	var zxids []int64
	_, _, _, err = sl.Restore(func(h *jute.TxnHeader, rec jute.Record, dg *jute.TxnDigest) error {
		e := jute.NewEncoder(nil)
		jute.EncodeTxn(e, h, rec, dg)
		if string(e.Bytes()) != string(testTxnBytes(h.Zxid)) {
			t.Fatalf("txn 0x%x differs", h.Zxid)
		}
		zxids = append(zxids, h.Zxid)
		return nil
	})
	return zxids, err
}

func TestTruncateTo(t *testing.T) {
	spans := [][2]int64{{1, 0x10}, {0x11, 0x20}, {0x21, 0x30}}
	for _, c := range []struct {
		name  string
		zxid  int64
		snaps []int64 // snapshots written before
		logs  []string
		left  []string // snapshots left
	}{
		{"mid-file", 0x18, []int64{0x10, 0x19}, []string{"log.1", "log.11"}, []string{"snapshot.0", "snapshot.10"}},
		{"end of a file", 0x20, nil, []string{"log.1", "log.11"}, []string{"snapshot.0"}},
		{"first txn of a file", 0x21, nil, []string{"log.1", "log.11", "log.21"}, []string{"snapshot.0"}},
		{"past the end", 0x40, nil, []string{"log.1", "log.11", "log.21"}, []string{"snapshot.0"}},
		{"everything", 0, nil, nil, []string{"snapshot.0"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			fs := newLogDir(t, spans...)
			sl, err := Open(fs, "/data", "/data", testOpts)
			if err != nil {
				t.Fatal(err)
			}
			for _, z := range c.snaps {
				if _, err := sl.WriteSnapshot(z, testSnapshot(3)); err != nil {
					t.Fatal(err)
				}
			}
			if err := sl.TruncateTo(c.zxid); err != nil {
				t.Fatal(err)
			}
			kept := min(c.zxid, 0x30)
			if sl.TxnLog().LastZxid() != kept {
				t.Errorf("last zxid 0x%x", sl.TxnLog().LastZxid())
			}
			if names := logNames(t, fs); !slices.Equal(names, c.logs) {
				t.Errorf("logs %q, want %q", names, c.logs)
			}
			snaps, _ := sl.Snapshots()
			if slices.Sort(snaps); !slices.Equal(snaps, c.left) {
				t.Errorf("snapshots %q, want %q", snaps, c.left)
			}
			var from int64
			for _, n := range c.left {
				from = max(from, ZxidFromName(n, snapPrefix)+1)
			}
			appendTxns(t, sl.TxnLog(), kept+1, 0x38)
			sl.Close()
			got, err := readRestored(t, fs)
			if err != nil || !slices.Equal(got, seq(from, 0x38)) {
				t.Errorf("after truncate and append: %x, %v", got, err)
			}
		})
	}
}
