package persist

import (
	"errors"
	"fmt"
	iofs "io/fs"
	"reflect"
	"slices"
	"testing"

	"github.com/wharf-project/wharf/internal/vfs"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

func TestRestoreEmpty(t *testing.T) {
	fs := vfs.NewMem()
	sl, err := Open(fs, "/data", "/logs", testOpts)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"/data/version-2", "/logs/version-2"} {
		if fi, err := fs.Stat(d); err != nil || !fi.IsDir() {
			t.Errorf("%s not created: %v", d, err)
		}
	}
	snap, snapZxid, last, err := sl.Restore(func(*jute.TxnHeader, jute.Record, *jute.TxnDigest) error {
		t.Fatal("nothing to replay")
		return nil
	})
	if snap != nil || snapZxid != 0 || last != 0 || err != nil {
		t.Errorf("empty restore: %v, %d, %d, %v", snap, snapZxid, last, err)
	}
	appendTxns(t, sl.TxnLog(), 1, 3)
	sl.Close()
	if names, _ := fs.List("/logs/version-2"); !slices.Equal(names, []string{"log.1"}) {
		t.Errorf("log directory: %q", names)
	}
}

// TestRestoreWithoutSnapshot: logs without any snapshot are refused
// (ZOOKEEPER-2325/3056) unless snapshot.trust.empty.
func TestRestoreWithoutSnapshot(t *testing.T) {
	fs := vfs.NewMem()
	sl := openRestored(t, fs, testOpts)
	appendTxns(t, sl.TxnLog(), 1, 5)
	sl.Close()
	if _, _, _, err := restoreZxids(t, fs, testOpts); !errors.Is(err, ErrNoSnapshot) {
		t.Errorf("restore: %v", err)
	}
	trust := testOpts
	trust.TrustEmptySnapshot = true
	_, last, zxids, err := restoreZxids(t, fs, trust)
	if err != nil || last != 5 || !slices.Equal(zxids, seq(1, 5)) {
		t.Errorf("trusting: %d %v %v", last, zxids, err)
	}
}

// TestRestoreSnapshotFallback: damaged newer snapshots are skipped; the
// txns are then replayed from the older one.
func TestRestoreSnapshotFallback(t *testing.T) {
	fs := newLogDir(t, [2]int64{1, 0x30})
	sl, err := Open(fs, "/data", "/data", testOpts)
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range []int64{0x10, 0x20, 0x28} {
		if _, err := sl.WriteSnapshot(z, testSnapshot(int(z))); err != nil {
			t.Fatal(err)
		}
	}
	patch(t, fs, "snapshot.28", 100, []byte{0xee}) // bad checksum, good shape
	resize(t, fs, "snapshot.20", 200)              // truncated: bad shape
	var snap *jute.SnapshotData
	var replayed []int64
	snap, snapZxid, last, err := sl.Restore(func(h *jute.TxnHeader, _ jute.Record, _ *jute.TxnDigest) error {
		replayed = append(replayed, h.Zxid)
		return nil
	})
	if err != nil || snapZxid != 0x10 || last != 0x30 || !slices.Equal(replayed, seq(0x11, 0x30)) {
		t.Fatalf("restore: snapshot 0x%x, last 0x%x, %x, %v", snapZxid, last, replayed, err)
	}
	if !reflect.DeepEqual(snap, testSnapshot(0x10)) {
		t.Error("snapshot content differs")
	}
	// With every snapshot damaged it is an error, not an empty tree.
	for _, n := range []string{"snapshot.0", "snapshot.10"} {
		patch(t, fs, n, 30, []byte{0xee})
	}
	if _, _, _, err := sl.Restore(func(*jute.TxnHeader, jute.Record, *jute.TxnDigest) error { return nil }); !errors.Is(err, ErrNoValidSnapshot) {
		t.Errorf("all snapshots damaged: %v", err)
	}
}

func TestRestoreApplyError(t *testing.T) {
	fs := newLogDir(t, [2]int64{1, 5})
	sl, _ := Open(fs, "/data", "/data", testOpts)
	boom := errors.New("boom")
	_, _, _, err := sl.Restore(func(h *jute.TxnHeader, _ jute.Record, _ *jute.TxnDigest) error {
		if h.Zxid == 3 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Errorf("restore: %v", err)
	}
	if err := sl.TxnLog().Append(testTxn(6)); !errors.Is(err, ErrNotRestored) {
		t.Errorf("append after a failed restore: %v", err)
	}
}

func TestOpenChecksDirs(t *testing.T) {
	fs := vfs.NewMem()
	sl, err := Open(fs, "/snap", "/logs", testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sl.WriteSnapshot(0, testSnapshot(0)); err != nil {
		t.Fatal(err)
	}
	// Swapped directories: ZOOKEEPER-2967.
	if _, err := Open(fs, "/logs", "/snap", testOpts); !errors.Is(err, ErrDirMixup) {
		t.Errorf("swapped dirs: %v", err)
	}
	if _, err := Open(fs, "/snap", "/logs", Options{SnapshotCompression: "lz4"}); !errors.Is(err, ErrOption) {
		t.Errorf("bad compression: %v", err)
	}
}

func TestOpenRemovesStaleTemps(t *testing.T) {
	fs := vfs.NewMem()
	sl := openRestored(t, fs, testOpts)
	if _, err := sl.WriteSnapshot(5, testSnapshot(1)); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"snapshot.9.tmp", "snapshot.a.gz.tmp", "currentEpoch.tmp"} {
		if err := vfs.WriteFileAtomic(fs, testDir+"/"+n, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	sl, err := Open(fs, "/data", "/data", testOpts)
	if err != nil {
		t.Fatal(err)
	}
	names, _ := fs.List(testDir)
	if want := []string{"currentEpoch.tmp", "snapshot.5"}; !slices.Equal(names, want) {
		t.Errorf("files %q, want %q", names, want)
	}
	if snaps, _ := sl.Snapshots(); !slices.Equal(snaps, []string{"snapshot.5"}) {
		t.Errorf("snapshots %q", snaps)
	}
}

func TestEpochFiles(t *testing.T) {
	fs := vfs.NewMem()
	sl := openRestored(t, fs, testOpts)
	if _, err := sl.ReadEpoch(CurrentEpochFile); !errors.Is(err, iofs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if err := sl.WriteEpoch(AcceptedEpochFile, 12); err != nil {
		t.Fatal(err)
	}
	if b, _ := vfs.ReadFile(fs, testDir+"/acceptedEpoch"); string(b) != "12" {
		t.Errorf("file holds %q", b)
	}
	for content, want := range map[string]int64{"12": 12, "7\n": 7, "-1\r\n": -1, "9\nignored": 9} {
		vfs.WriteFileAtomic(fs, testDir+"/currentEpoch", []byte(content))
		if v, err := sl.ReadEpoch(CurrentEpochFile); err != nil || v != want {
			t.Errorf("%q: %d, %v", content, v, err)
		}
	}
	for _, bad := range []string{"", "x", " 5", "99999999999999999999"} {
		vfs.WriteFileAtomic(fs, testDir+"/currentEpoch", []byte(bad))
		if _, err := sl.ReadEpoch(CurrentEpochFile); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestLastLoggedZxid(t *testing.T) {
	fs := vfs.NewMem()
	sl := openRestored(t, fs, testOpts)
	if z, err := sl.LastLoggedZxid(); z != -1 || err != nil {
		t.Errorf("no logs: %d %v", z, err)
	}
	appendTxns(t, sl.TxnLog(), 1, 9)
	sl.TxnLog().Roll()
	if z, err := sl.LastLoggedZxid(); z != 9 || err != nil {
		t.Errorf("after 9: %d %v", z, err)
	}
	// An empty newest file: look in the one before.
	if err := vfs.WriteFileAtomic(fs, testDir+"/log.a", nil); err != nil {
		t.Fatal(err)
	}
	if z, err := sl.LastLoggedZxid(); z != 9 || err != nil {
		t.Errorf("empty newest file: %d %v", z, err)
	}
}

func TestPurge(t *testing.T) {
	// Logs: log.1 (1-0x10), log.11 (0x11-0x20), log.21 (0x21-0x30),
	// log.31 (0x31-0x40); snapshots at 0, 0x8, 0x18, 0x25, 0x38.
	fs := newLogDir(t, [2]int64{1, 0x10}, [2]int64{0x11, 0x20}, [2]int64{0x21, 0x30}, [2]int64{0x31, 0x40})
	sl, err := Open(fs, "/data", "/data", testOpts)
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range []int64{0x8, 0x18, 0x25, 0x38} {
		if _, err := sl.WriteSnapshot(z, testSnapshot(2)); err != nil {
			t.Fatal(err)
		}
	}
	if err := sl.Purge(2); !errors.Is(err, ErrInvalid) {
		t.Errorf("purge keeping 2: %v", err)
	}
	// The newest snapshot is damaged: it does not count as one of the 3,
	// so 0x8 is kept, with log.1 which holds the txns after it; snapshot.0
	// goes.
	patch(t, fs, "snapshot.38", 40, []byte{0xee})
	if err := sl.Purge(3); err != nil {
		t.Fatal(err)
	}
	names, _ := fs.List(testDir)
	want := []string{"log.1", "log.11", "log.21", "log.31", "snapshot.18", "snapshot.25", "snapshot.38", "snapshot.8"}
	if !slices.Equal(names, want) {
		t.Errorf("after purge: %q, want %q", names, want)
	}
	// What is left restores, from snapshot 0x25 (0x38 is damaged).
	got, err := readRestored(t, fs)
	if err != nil || !slices.Equal(got, seq(0x26, 0x40)) {
		t.Errorf("restore after purge: %x, %v", got, err)
	}
	// A log file starting exactly at the oldest kept snapshot's zxid.
	fs = newLogDir(t, [2]int64{1, 0x10}, [2]int64{0x11, 0x20})
	sl, _ = Open(fs, "/data", "/data", testOpts)
	for _, z := range []int64{0x11, 0x15, 0x18} {
		sl.WriteSnapshot(z, testSnapshot(1))
	}
	if err := sl.Purge(3); err != nil {
		t.Fatal(err)
	}
	if got := logNames(t, fs); !slices.Equal(got, []string{"log.11"}) {
		t.Errorf("logs %q", got)
	}
	if got, err := readRestored(t, fs); err != nil || !slices.Equal(got, seq(0x19, 0x20)) {
		t.Errorf("restore after purge: %x, %v", got, err)
	}
}

// TestRestoreWith: the snapshot is handed over before the first txn, and a
// load error stops the restore.
func TestRestoreWith(t *testing.T) {
	fs := newLogDir(t, [2]int64{1, 0x10})
	sl, _ := Open(fs, "/data", "/data", testOpts)
	if _, err := sl.WriteSnapshot(0x8, testSnapshot(8)); err != nil {
		t.Fatal(err)
	}
	var events []string
	_, _, last, err := sl.RestoreWith(func(snap *jute.SnapshotData, zxid int64) error {
		if !reflect.DeepEqual(snap, testSnapshot(8)) {
			t.Error("load got another snapshot")
		}
		events = append(events, fmt.Sprintf("load 0x%x", zxid))
		return nil
	}, func(h *jute.TxnHeader, _ jute.Record, _ *jute.TxnDigest) error {
		events = append(events, fmt.Sprintf("apply 0x%x", h.Zxid))
		return nil
	})
	if err != nil || last != 0x10 || len(events) != 9 || events[0] != "load 0x8" || events[1] != "apply 0x9" {
		t.Errorf("events %q, last 0x%x, %v", events, last, err)
	}
	boom := errors.New("boom")
	if _, _, _, err := sl.RestoreWith(func(*jute.SnapshotData, int64) error { return boom }, nil); !errors.Is(err, boom) {
		t.Errorf("load error: %v", err)
	}
	// An empty directory: load(nil, 0), then nothing to apply.
	sl, _ = Open(vfs.NewMem(), "/data", "/data", testOpts)
	loaded := false
	_, _, _, err = sl.RestoreWith(func(snap *jute.SnapshotData, zxid int64) error {
		loaded = snap == nil && zxid == 0
		return nil
	}, nil)
	if err != nil || !loaded {
		t.Errorf("empty: loaded=%v, %v", loaded, err)
	}
}
