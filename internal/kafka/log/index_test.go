package log

import (
	"testing"

	"github.com/wharf-project/wharf/internal/vfs"
)

func newOffsetIndex(t *testing.T, fsys vfs.FS, base, maxBytes int64) *offsetIndex {
	t.Helper()
	if err := fsys.MkdirAll("/idx", 0o755); err != nil {
		t.Fatal(err)
	}
	oi, err := openOffsetIndex(fsys, "/idx/"+IndexFileName(base), base, maxBytes, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = oi.close() })
	return oi
}

func TestOffsetIndexPreallocatedAndRoundedDown(t *testing.T) {
	fsys := vfs.NewMem()
	oi := newOffsetIndex(t, fsys, 100, 1003) // 125 entries of 8 bytes = 1000
	st, err := fsys.Stat("/idx/" + IndexFileName(100))
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() != 1000 {
		t.Fatalf("preallocated size %d, want 1000", st.Size())
	}
	oi.mu.RLock()
	max := oi.maxEntriesLocked()
	oi.mu.RUnlock()
	if max != 125 || oi.isFull() {
		t.Fatalf("maxEntries %d full %v", max, oi.isFull())
	}
}

func TestOffsetIndexAppendLookupAndOrdering(t *testing.T) {
	oi := newOffsetIndex(t, vfs.NewMem(), 100, 4096)
	for i := int64(0); i < 10; i++ {
		if err := oi.append(100+10*i+5, 1000*i+100); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct{ target, off, pos int64 }{
		{50, 100, 0},     // below the first entry: (base, 0)
		{104, 100, 0},    // still below
		{105, 105, 100},  // exact
		{114, 105, 100},  // between
		{115, 115, 1100}, // exact second
		{1000, 195, 9100},
	}
	for _, c := range cases {
		got, err := oi.lookup(c.target)
		if err != nil || got.Offset != c.off || got.Position != c.pos {
			t.Errorf("lookup(%d) = %+v, %v; want (%d, %d)", c.target, got, err, c.off, c.pos)
		}
	}
	if err := oi.append(195, 99999); err == nil {
		t.Fatal("appending a non-increasing offset succeeded")
	}
	if err := oi.append(100+1<<31, 1); err == nil {
		t.Fatal("appending an offset past the int32 range succeeded")
	}
	p, _ := oi.lookupPosition(3500)
	if p.Position != 3100 || p.Offset != 135 {
		t.Fatalf("lookupPosition(3500) = %+v", p)
	}
}

func TestOffsetIndexTruncate(t *testing.T) {
	oi := newOffsetIndex(t, vfs.NewMem(), 0, 4096)
	for i := int64(1); i <= 5; i++ {
		if err := oi.append(i*10, i*100); err != nil {
			t.Fatal(err)
		}
	}
	// An entry for the exact offset goes; one below stays.
	if err := oi.truncateTo(30); err != nil {
		t.Fatal(err)
	}
	if n := oi.entries(); n != 2 {
		t.Fatalf("after truncateTo(30): %d entries, want 2", n)
	}
	if err := oi.truncateTo(25); err != nil {
		t.Fatal(err)
	}
	if n, last := oi.entries(), oi.lastOffset; n != 2 || last != 20 {
		t.Fatalf("after truncateTo(25): %d entries, last %d", n, last)
	}
	if err := oi.truncateTo(5); err != nil {
		t.Fatal(err)
	}
	if n, last := oi.entries(), oi.lastOffset; n != 0 || last != 0 {
		t.Fatalf("after truncateTo(5): %d entries, last %d", n, last)
	}
	if err := oi.append(7, 1); err != nil {
		t.Fatalf("append after truncating everything: %v", err)
	}
}

func TestIndexTrimAndReopen(t *testing.T) {
	fsys := vfs.NewMem()
	oi := newOffsetIndex(t, fsys, 0, 4096)
	for i := int64(1); i <= 3; i++ {
		if err := oi.append(i, i*100); err != nil {
			t.Fatal(err)
		}
	}
	if err := oi.trimToValidSize(); err != nil {
		t.Fatal(err)
	}
	path := "/idx/" + IndexFileName(0)
	if got := readFile(t, fsys, path); len(got) != 24 {
		t.Fatalf("trimmed file has %d bytes, want 24", len(got))
	}
	if !oi.isFull() {
		t.Fatal("a trimmed index is not full")
	}
	// Reopening takes every whole entry as valid (AbstractIndex), and
	// resizing for appends keeps them.
	re, err := openOffsetIndex(fsys, path, 0, 4096, false)
	if err != nil {
		t.Fatal(err)
	}
	defer re.close()
	if re.entries() != 3 || re.lastOffset != 3 {
		t.Fatalf("reopened: %d entries, last %d", re.entries(), re.lastOffset)
	}
	if err := re.resize(4096); err != nil {
		t.Fatal(err)
	}
	if err := re.append(4, 400); err != nil {
		t.Fatal(err)
	}
	if err := re.trimToValidSize(); err != nil {
		t.Fatal(err)
	}
	got := DecodeOffsetIndex(readFile(t, fsys, path), 0)
	if len(got) != 4 || got[3] != (OffsetPosition{4, 400}) {
		t.Fatalf("entries after reopen and append: %+v", got)
	}
	// A file whose length is not a multiple of the entry size: the
	// partial entry is ignored, and the sanity check reports it.
	if err := vfs.WriteFileAtomic(fsys, path, append(readFile(t, fsys, path), 1, 2, 3)); err != nil {
		t.Fatal(err)
	}
	odd, err := openOffsetIndex(fsys, path, 0, 4096, false)
	if err != nil {
		t.Fatal(err)
	}
	defer odd.close()
	if odd.entries() != 4 || odd.sanityCheck(1000) == nil {
		t.Fatalf("odd-sized index: %d entries, sanity %v", odd.entries(), odd.sanityCheck(1000))
	}
}

func TestIndexSanityCatchesUntrimmedAndOverlongIndexes(t *testing.T) {
	fsys := vfs.NewMem()
	oi := newOffsetIndex(t, fsys, 0, 64)
	for i := int64(1); i <= 3; i++ {
		if err := oi.append(i, i*100); err != nil {
			t.Fatal(err)
		}
	}
	if err := oi.writePending(); err != nil { // a crash: written, never trimmed
		t.Fatal(err)
	}
	re, err := openOffsetIndex(fsys, "/idx/"+IndexFileName(0), 0, 64, false)
	if err != nil {
		t.Fatal(err)
	}
	defer re.close()
	if re.entries() != 8 {
		t.Fatalf("untrimmed index reopened with %d entries, want all 8 slots", re.entries())
	}
	if re.sanityCheck(1000) == nil {
		t.Fatal("the zero tail of an untrimmed index passed the sanity check")
	}
	re.mu.Lock()
	re.truncateToEntriesLocked(3)
	err = re.refreshLastLocked()
	re.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if re.sanityCheck(1000) != nil {
		t.Fatalf("a good index fails: %v", re.sanityCheck(1000))
	}
	if re.sanityCheck(300) == nil {
		t.Fatal("an index pointing past the log's end passed the sanity check")
	}
}

func TestIndexSpillsToFileAndKeepsLookupsRight(t *testing.T) {
	fsys := vfs.NewMem()
	const n = 5000 // > 2*warmBytes/8: several spills
	oi := newOffsetIndex(t, fsys, 1000, n*offsetEntrySize)
	for i := int64(0); i < n; i++ {
		if err := oi.append(1000+2*i+1, 10*i+10); err != nil {
			t.Fatal(err)
		}
	}
	oi.mu.RLock()
	memEntries := int64(len(oi.mem)) / offsetEntrySize
	written := oi.written
	oi.mu.RUnlock()
	if memEntries >= n || written == 0 {
		t.Fatalf("no spill: %d entries in memory, %d written", memEntries, written)
	}
	if memEntries > 2*warmBytes/offsetEntrySize {
		t.Fatalf("%d entries held in memory, more than the window", memEntries)
	}
	for _, i := range []int64{0, 1, 511, 512, 513, 2000, n - 1500, n - 2, n - 1} {
		for _, d := range []int64{0, 1} { // exact, and between entries
			got, err := oi.lookup(1000 + 2*i + 1 + d)
			if err != nil || got.Offset != 1000+2*i+1 || got.Position != 10*i+10 {
				t.Fatalf("lookup(%d) = %+v, %v", 1000+2*i+1+d, got, err)
			}
		}
	}
	// Truncating below the in-memory window, then appending, keeps
	// lookups right.
	if err := oi.truncateTo(1000 + 2*100 + 1); err != nil {
		t.Fatal(err)
	}
	if err := oi.append(1000+2*100+1, 7777); err != nil {
		t.Fatal(err)
	}
	got, _ := oi.lookup(1000 + 2*100 + 1)
	if got.Position != 7777 {
		t.Fatalf("lookup after truncate+append: %+v", got)
	}
	got, _ = oi.lookup(1000 + 2*50 + 1)
	if got.Position != 510 {
		t.Fatalf("lookup of an old entry after truncate: %+v", got)
	}
	if err := oi.trimToValidSize(); err != nil {
		t.Fatal(err)
	}
	all := DecodeOffsetIndex(readFile(t, fsys, "/idx/"+IndexFileName(1000)), 1000)
	if len(all) != 101 || all[100] != (OffsetPosition{1201, 7777}) {
		t.Fatalf("file after trim: %d entries, last %+v", len(all), all[len(all)-1])
	}
}

func TestTimeIndexAppendsOnlyGrowingTimestamps(t *testing.T) {
	fsys := vfs.NewMem()
	if err := fsys.MkdirAll("/idx", 0o755); err != nil {
		t.Fatal(err)
	}
	ti, err := openTimeIndex(fsys, "/idx/"+TimeIndexFileName(0), 0, 12*5, true)
	if err != nil {
		t.Fatal(err)
	}
	defer ti.close()
	steps := []struct {
		ts, off int64
		skip    bool
		wantN   int64
		wantErr bool
	}{
		{100, 5, false, 1, false},
		{100, 6, false, 1, false}, // same timestamp: ignored
		{150, 9, false, 2, false},
		{140, 10, false, 2, true}, // timestamp going back
		{160, 8, false, 2, true},  // offset going back
		{170, 12, false, 3, false},
		{180, 13, false, 4, false},
		{190, 14, false, 4, true}, // full: the last slot is reserved
		{190, 14, true, 5, false}, // the roll entry may use it
	}
	for i, s := range steps {
		err := ti.maybeAppend(s.ts, s.off, s.skip)
		if (err != nil) != s.wantErr || ti.entries() != s.wantN {
			t.Fatalf("step %d %+v: err %v, %d entries", i, s, err, ti.entries())
		}
	}
	for _, c := range []struct{ ts, wantTs, wantOff int64 }{
		{50, -1, 0}, {100, 100, 5}, {149, 100, 5}, {150, 150, 9}, {1000, 190, 14},
	} {
		got, err := ti.lookup(c.ts)
		if err != nil || got.Timestamp != c.wantTs || got.Offset != c.wantOff {
			t.Errorf("lookup(%d) = %+v, %v", c.ts, got, err)
		}
	}
	if err := ti.truncateTo(12); err != nil {
		t.Fatal(err)
	}
	if last := ti.lastEntry(); ti.entries() != 2 || last != (TimestampOffset{150, 9}) {
		t.Fatalf("after truncateTo(12): %d entries, last %+v", ti.entries(), last)
	}
	if err := ti.sanityCheck(); err != nil {
		t.Fatal(err)
	}
}

func TestDecodeIndexes(t *testing.T) {
	oi := []byte{0, 0, 0, 5, 0, 0, 1, 0, 0, 0, 0, 9}
	if got := DecodeOffsetIndex(oi, 10); len(got) != 1 || got[0] != (OffsetPosition{15, 256}) {
		t.Fatalf("DecodeOffsetIndex = %+v", got)
	}
	ti := []byte{0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 3}
	if got := DecodeTimeIndex(ti, 10); len(got) != 1 || got[0] != (TimestampOffset{42, 13}) {
		t.Fatalf("DecodeTimeIndex = %+v", got)
	}
}
