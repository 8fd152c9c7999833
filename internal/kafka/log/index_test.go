package log

import (
	"testing"

	"github.com/wharf-project/wharf/internal/vfs"
)

// indexSegment is a bare segment in /idx whose indexes a test drives
// directly.
func indexSegment(t *testing.T, fsys vfs.FS, base int64, cache *FileCache) *Segment {
	t.Helper()
	if err := fsys.MkdirAll("/idx", 0o755); err != nil {
		t.Fatal(err)
	}
	return newSegmentStruct(fsys, &segmentDir{path: "/idx"}, base, segmentConfig{cache: cache}, "", 0, 0)
}

func newOffsetIndex(t *testing.T, fsys vfs.FS, base, maxBytes int64) *offsetIndex {
	t.Helper()
	oi, err := newActiveOffsetIndex(indexSegment(t, fsys, base, defaultFileCache), maxBytes, defaultFileCache)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(oi.release)
	return oi
}

// reopenOffsetIndex opens the index file of oi's segment as a load does.
func reopenOffsetIndex(t *testing.T, oi *offsetIndex, cache *FileCache) *offsetIndex {
	t.Helper()
	re, missing, err := openOffsetIndex(oi.seg, cache)
	if err != nil || missing {
		t.Fatalf("reopening: missing %v, %v", missing, err)
	}
	t.Cleanup(re.release)
	return re
}

func TestActiveIndexRoomRoundedDownAndNoFileUntilFinished(t *testing.T) {
	fsys := vfs.NewMem()
	oi := newOffsetIndex(t, fsys, 100, 1003) // 125 entries of 8 bytes = 1000
	if oi.maxEntries != 125 || oi.isFull() {
		t.Fatalf("maxEntries %d full %v", oi.maxEntries, oi.isFull())
	}
	for i := range int64(125) {
		if err := oi.append(100+i, 10*i); err != nil {
			t.Fatal(err)
		}
	}
	if !oi.isFull() {
		t.Fatal("125 entries and not full")
	}
	// The entries live in memory: no file until the index is finished.
	if _, err := fsys.Stat(oi.filePath()); !isNotExist(err) {
		t.Fatalf("an active index has a file: %v", err)
	}
	if _, err := newActiveIndex(oi.seg, IndexFileSuffix, offsetEntrySize, 7, defaultFileCache); err == nil {
		t.Fatal("an index without room for one entry was made")
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
	if last := oi.lastEntry(); last != (OffsetPosition{195, 9100}) {
		t.Fatalf("last entry %+v", last)
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
	oi.truncateTo(30)
	if n := oi.entries(); n != 2 {
		t.Fatalf("after truncateTo(30): %d entries, want 2", n)
	}
	oi.truncateTo(25)
	if n, last := oi.entries(), oi.lastEntry().Offset; n != 2 || last != 20 {
		t.Fatalf("after truncateTo(25): %d entries, last %d", n, last)
	}
	oi.truncateTo(5)
	if n, last := oi.entries(), oi.lastEntry().Offset; n != 0 || last != 0 {
		t.Fatalf("after truncateTo(5): %d entries, last %d", n, last)
	}
	if err := oi.append(7, 1); err != nil {
		t.Fatalf("append after truncating everything: %v", err)
	}
}

func TestIndexFinishWritesTrimmedFileAndReopens(t *testing.T) {
	fsys := vfs.NewMem()
	oi := newOffsetIndex(t, fsys, 0, 4096)
	for i := int64(1); i <= 3; i++ {
		if err := oi.append(i, i*100); err != nil {
			t.Fatal(err)
		}
	}
	if err := oi.finish(false); err != nil {
		t.Fatal(err)
	}
	path := oi.filePath()
	if got := readFile(t, fsys, path); len(got) != 24 {
		t.Fatalf("trimmed file has %d bytes, want 24", len(got))
	}
	if !oi.isFull() {
		t.Fatal("a finished index is not full")
	}
	if err := oi.append(4, 400); err == nil {
		t.Fatal("an inactive index took an append")
	}
	// Reopening takes every whole entry as valid (AbstractIndex), reading
	// only the first and last at once; making it active again keeps them.
	re := reopenOffsetIndex(t, oi, defaultFileCache)
	if re.entries() != 3 || re.lastEntry() != (OffsetPosition{3, 300}) || re.isLoaded() {
		t.Fatalf("reopened: %d entries, last %+v, loaded %v", re.entries(), re.lastEntry(), re.isLoaded())
	}
	if got, err := re.lookup(2); err != nil || got != (OffsetPosition{2, 200}) {
		t.Fatalf("lookup from the file: %+v, %v", got, err)
	}
	if err := re.makeActive(4096); err != nil {
		t.Fatal(err)
	}
	if err := re.append(4, 400); err != nil {
		t.Fatal(err)
	}
	if err := re.finish(true); err != nil {
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
	odd := reopenOffsetIndex(t, oi, defaultFileCache)
	if odd.entries() != 4 || odd.sanityCheck(1000) == nil {
		t.Fatalf("odd-sized index: %d entries, sanity %v", odd.entries(), odd.sanityCheck(1000))
	}
}

func (x *index) isLoaded() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.loaded
}

func TestIndexSanityCatchesUntrimmedAndOverlongIndexes(t *testing.T) {
	fsys := vfs.NewMem()
	oi := newOffsetIndex(t, fsys, 0, 64)
	for i := int64(1); i <= 3; i++ {
		if err := oi.append(i, i*100); err != nil {
			t.Fatal(err)
		}
	}
	if err := oi.finish(false); err != nil {
		t.Fatal(err)
	}
	good := readFile(t, fsys, oi.filePath())
	// What Kafka leaves after a crash: the preallocated file, untrimmed.
	if err := vfs.WriteFileAtomic(fsys, oi.filePath(), append(good, make([]byte, 40)...)); err != nil {
		t.Fatal(err)
	}
	re := reopenOffsetIndex(t, oi, defaultFileCache)
	if re.entries() != 8 {
		t.Fatalf("untrimmed index reopened with %d entries, want all 8 slots", re.entries())
	}
	if re.sanityCheck(1000) == nil {
		t.Fatal("the zero tail of an untrimmed index passed the sanity check")
	}
	if err := vfs.WriteFileAtomic(fsys, oi.filePath(), good); err != nil {
		t.Fatal(err)
	}
	re = reopenOffsetIndex(t, oi, defaultFileCache)
	if err := re.sanityCheck(1000); err != nil {
		t.Fatalf("a good index fails: %v", err)
	}
	if re.sanityCheck(300) == nil {
		t.Fatal("an index pointing past the log's end passed the sanity check")
	}
}

// TestInactiveIndexLoadsWithinTheCacheBudget: a large inactive index is
// read from its file when looked up, kept in the cache, dropped when the
// cache needs the room, and read again; lookups stay right throughout, and
// a truncation after it is made active again keeps them right.
func TestInactiveIndexLoadsWithinTheCacheBudget(t *testing.T) {
	fsys := vfs.NewMem()
	const n = 5000
	cache := NewFileCache(4, n*offsetEntrySize+100) // room for one such index
	idx := make([]*offsetIndex, 2)
	for k := range idx {
		oi, err := newActiveOffsetIndex(indexSegment(t, fsys, int64(1000+k*1_000_000), cache), n*offsetEntrySize, cache)
		if err != nil {
			t.Fatal(err)
		}
		base := oi.base
		for i := int64(0); i < n; i++ {
			if err := oi.append(base+2*i+1, 10*i+10); err != nil {
				t.Fatal(err)
			}
		}
		if err := oi.finish(false); err != nil {
			t.Fatal(err)
		}
		oi.release()
		idx[k] = reopenOffsetIndex(t, oi, cache)
	}
	for round := range 3 {
		for _, oi := range idx {
			base := oi.base
			for _, i := range []int64{0, 1, 511, 512, 513, 2000, n - 1500, n - 2, n - 1} {
				for _, d := range []int64{0, 1} { // exact, and between entries
					got, err := oi.lookup(base + 2*i + 1 + d)
					if err != nil || got.Offset != base+2*i+1 || got.Position != 10*i+10 {
						t.Fatalf("round %d: lookup(%d) = %+v, %v", round, base+2*i+1+d, got, err)
					}
				}
			}
			if b := cache.Stats().IndexBytes; b > n*offsetEntrySize+100 {
				t.Fatalf("the cache holds %d bytes of indexes", b)
			}
		}
	}
	if idx[0].isLoaded() {
		t.Fatal("the first index was not evicted by the second")
	}
	// Truncating after making it active again, then appending, keeps
	// lookups right.
	oi := idx[0]
	base := oi.base
	if err := oi.makeActive(n * offsetEntrySize); err != nil {
		t.Fatal(err)
	}
	oi.truncateTo(base + 2*100 + 1)
	if err := oi.append(base+2*100+1, 7777); err != nil {
		t.Fatal(err)
	}
	if got, _ := oi.lookup(base + 2*100 + 1); got.Position != 7777 {
		t.Fatalf("lookup after truncate+append: %+v", got)
	}
	if got, _ := oi.lookup(base + 2*50 + 1); got.Position != 510 {
		t.Fatalf("lookup of an old entry after truncate: %+v", got)
	}
	if err := oi.finish(false); err != nil {
		t.Fatal(err)
	}
	all := DecodeOffsetIndex(readFile(t, fsys, oi.filePath()), base)
	if len(all) != 101 || all[100] != (OffsetPosition{base + 201, 7777}) {
		t.Fatalf("file after finish: %d entries, last %+v", len(all), all[len(all)-1])
	}
}

func TestTimeIndexAppendsOnlyGrowingTimestamps(t *testing.T) {
	ti, err := newActiveTimeIndex(indexSegment(t, vfs.NewMem(), 0, defaultFileCache), 12*5, defaultFileCache)
	if err != nil {
		t.Fatal(err)
	}
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
	ti.truncateTo(12)
	if last := ti.lastEntry(); ti.entries() != 2 || last != (TimestampOffset{150, 9}) {
		t.Fatalf("after truncateTo(12): %d entries, last %+v", ti.entries(), last)
	}
	if err := ti.finish(false); err != nil {
		t.Fatal(err)
	}
	re, _, err := openTimeIndex(ti.seg, defaultFileCache)
	if err != nil {
		t.Fatal(err)
	}
	if err := re.sanityCheck(); err != nil || re.lastEntry() != (TimestampOffset{150, 9}) {
		t.Fatalf("reopened: last %+v, sanity %v", re.lastEntry(), err)
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
