package vfs

import (
	"bytes"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// fileOps is a tiny script language for crash scenarios, one op per field:
//
//	mkdir:P  create:P  write:P:DATA  at:P:OFF:DATA  trunc:P:N  sync:P
//	syncdir:P  rename:P:Q  remove:P
//
// write appends through a fresh handle; sync opens and syncs.
func script(t *testing.T, fsys FS, ops string) {
	t.Helper()
	for _, op := range strings.Fields(ops) {
		a := strings.Split(op, ":")
		var err error
		switch a[0] {
		case "mkdir":
			err = fsys.MkdirAll(a[1], 0o755)
		case "syncdir":
			err = fsys.SyncDir(a[1])
		case "rename":
			err = fsys.Rename(a[1], a[2])
		case "remove":
			err = fsys.Remove(a[1])
		default:
			err = fileOp1(fsys, a)
		}
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
	}
}

func fileOp1(fsys FS, a []string) error {
	open := fsys.OpenReadWrite
	if a[0] == "create" {
		open = fsys.Create
	}
	f, err := open(a[1])
	if err != nil {
		return err
	}
	defer f.Close()
	switch a[0] {
	case "write":
		if _, err = f.Seek(0, 2); err == nil {
			_, err = f.Write([]byte(a[2]))
		}
	case "at":
		_, err = f.WriteAt([]byte(a[3]), int64(a[2][0]-'0'))
	case "trunc":
		err = f.Truncate(int64(a[2][0] - '0'))
	case "sync":
		err = f.Sync()
	}
	return err
}

func TestCrashCloneStrict(t *testing.T) {
	const base = "mkdir:/d syncdir:/ create:/d/f write:/d/f:old sync:/d/f syncdir:/d "
	tests := []struct {
		name, ops string
		want      map[string]string
	}{
		{"synced data survives", base, map[string]string{"d/": "", "d/f": "old"}},
		{"unsynced append is dropped", base + "write:/d/f:new", map[string]string{"d/": "", "d/f": "old"}},
		{"unsynced overwrite is dropped", base + "at:/d/f:0:OL", map[string]string{"d/": "", "d/f": "old"}},
		{"unsynced truncation reverts", base + "trunc:/d/f:1 create:/d/f", map[string]string{"d/": "", "d/f": "old"}},
		{"synced truncation holds", base + "trunc:/d/f:1 sync:/d/f", map[string]string{"d/": "", "d/f": "o"}},
		{"never synced data is empty", base + "create:/d/g write:/d/g:x syncdir:/d",
			map[string]string{"d/": "", "d/f": "old", "d/g": ""}},
		{"synced file in unsynced dir vanishes", base + "create:/d/g write:/d/g:x sync:/d/g",
			map[string]string{"d/": "", "d/f": "old"}},
		{"unsynced removal reverts", base + "remove:/d/f", map[string]string{"d/": "", "d/f": "old"}},
		{"synced removal holds", base + "remove:/d/f syncdir:/d", map[string]string{"d/": ""}},
		{"dir never entered in its parent vanishes", "mkdir:/a/b create:/a/b/f sync:/a/b/f syncdir:/a/b syncdir:/a",
			map[string]string{}},
		{"rename without SyncDir reverts", base + "create:/d/t write:/d/t:new sync:/d/t rename:/d/t:/d/f",
			map[string]string{"d/": "", "d/f": "old"}},
		{"rename with SyncDir holds", base + "create:/d/t write:/d/t:new sync:/d/t rename:/d/t:/d/f syncdir:/d",
			map[string]string{"d/": "", "d/f": "new"}},
		{"rename keeps the synced inode", base + "rename:/d/f:/d/g syncdir:/d write:/d/g:!",
			map[string]string{"d/": "", "d/g": "old"}},
		{"cross-dir rename, only target synced: both names", base + "mkdir:/e syncdir:/ rename:/d/f:/e/f syncdir:/e",
			map[string]string{"d/": "", "d/f": "old", "e/": "", "e/f": "old"}},
		{"cross-dir rename, only source synced: neither", base + "mkdir:/e syncdir:/ rename:/d/f:/e/f syncdir:/d",
			map[string]string{"d/": "", "e/": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewCrashableMem()
			script(t, m, tt.ops)
			before := dump(t, m, "/")
			c := m.CrashClone()
			if got := dump(t, c, "/"); !maps.Equal(got, tt.want) {
				t.Fatalf("after crash %v, want %v", got, tt.want)
			}
			if got := dump(t, m, "/"); !maps.Equal(got, before) {
				t.Fatalf("CrashClone changed the original: %v, was %v", got, before)
			}
			// The clone is all durable, and independent of the original.
			script(t, m, "mkdir:/x create:/y")
			if got := dump(t, c.CrashClone(), "/"); !maps.Equal(got, tt.want) {
				t.Fatalf("second crash %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCrashCloneHardLinkStaysOneFile(t *testing.T) {
	m := NewCrashableMem()
	script(t, m, "mkdir:/d mkdir:/e syncdir:/ create:/d/f syncdir:/d rename:/d/f:/e/f syncdir:/e")
	c := m.CrashClone()
	script(t, c, "write:/d/f:shared")
	if got := readFile(t, c, "/e/f"); got != "shared" {
		t.Fatalf("the other name holds %q", got)
	}
}

// TestCrashCloneRandomNeverInvents drives one file through random writes,
// truncations and syncs, and checks every random crash against what each
// byte could hold: its value at the last Sync, or a value written since.
func TestCrashCloneRandomNeverInvents(t *testing.T) {
	var sawSynced, sawCurrent, sawOther int
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 7))
		m := NewCrashableMem()
		f, err := m.Create("/f")
		must(t, err)
		must(t, m.SyncDir("/"))
		var cur, synced []byte
		var could []map[byte]bool // per position: values since the last Sync
		set := func(p int, v byte) {
			for len(could) <= p {
				could = append(could, map[byte]bool{})
			}
			could[p][v] = true
		}
		for i := range 4 + rng.IntN(12) {
			v := byte(i + 1) // every write has its own byte value
			switch r := rng.IntN(10); {
			case r < 2:
				must(t, f.Sync())
				synced, could = append([]byte(nil), cur...), nil
				for p, b := range cur {
					set(p, b)
				}
			case r < 3:
				n := rng.IntN(len(cur) + 8)
				must(t, f.Truncate(int64(n)))
				for p := len(cur); p < n; p++ {
					set(p, 0)
				}
			default:
				off, n := rng.IntN(len(cur)+3), 1+rng.IntN(6)
				_, err := f.WriteAt(bytes.Repeat([]byte{v}, n), int64(off))
				must(t, err)
				for p := len(cur); p < off; p++ {
					set(p, 0)
				}
				for p := off; p < off+n; p++ {
					set(p, v)
				}
			}
			cur = []byte(readFile(t, m, "/f"))
		}
		strict := readFile(t, m.CrashClone(), "/f")
		if strict != string(synced) {
			t.Fatalf("seed %d: strict crash %q, synced %q", seed, strict, synced)
		}
		got := readFile(t, m.CrashCloneWith(CrashCloneCfg{UnsyncedDataPercent: 100, RNG: rng}), "/f")
		for p := range len(got) {
			if p >= len(could) || !could[p][got[p]] {
				t.Fatalf("seed %d: byte %d is %d, never written (synced %v, now %v, crash %v)",
					seed, p, got[p], synced, cur, []byte(got))
			}
		}
		switch got {
		case string(synced):
			sawSynced++
		case string(cur):
			sawCurrent++
		default:
			sawOther++
		}
	}
	if sawSynced == 0 || sawCurrent == 0 || sawOther == 0 {
		t.Fatalf("random crashes not spread: synced %d, current %d, other %d", sawSynced, sawCurrent, sawOther)
	}
}

// TestCrashCloneRandomDirKeepsPrefix checks that unsynced directory changes
// survive as a prefix, and that a rename is never half done within a directory.
func TestCrashCloneRandomDirKeepsPrefix(t *testing.T) {
	m := NewCrashableMem()
	script(t, m, "create:/f write:/f:old sync:/f create:/t write:/t:new sync:/t syncdir:/ "+
		"rename:/t:/f create:/a create:/b create:/c")
	seen := map[string]bool{}
	for seed := range uint64(100) {
		cfg := CrashCloneCfg{UnsyncedDirPercent: 100, RNG: rand.New(rand.NewPCG(seed, 1))}
		got := dump(t, m.CrashCloneWith(cfg), "/")
		key := strings.Join(slices.Sorted(maps.Keys(got)), " ") + " f=" + got["f"]
		seen[key] = true
		switch key {
		case "f t f=old", "f f=new", "a f f=new", "a b f f=new", "a b c f f=new":
		default:
			t.Fatalf("seed %d: impossible crash state %q", seed, key)
		}
	}
	if len(seen) != 5 {
		t.Fatalf("saw only %v", seen)
	}
}
