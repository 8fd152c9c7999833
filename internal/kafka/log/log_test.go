package log

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/vfs"
)

func TestOpenCreatesEmptyLog(t *testing.T) {
	fsys := vfs.NewCrashableMem()
	e := newEnv(t, fsys, DefaultConfig())
	l := e.log
	if l.LogStartOffset() != 0 || l.LogEndOffset() != 0 || l.RecoveryPoint() != 0 || l.NumSegments() != 1 {
		t.Fatalf("new log: %v, %d segments", l, l.NumSegments())
	}
	if tp := l.TopicPartition(); tp != (TopicPartition{"topic", 0}) {
		t.Fatalf("TopicPartition = %v", tp)
	}
	// The active segment's index entries live in memory: its index files
	// are written when it stops being active.
	names := fileNames(t, fsys, testDir)
	want := []string{LogFileName(0), LeaderEpochCheckpointFile}
	if !slices.Equal(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}
	// The partition directory itself was made durable.
	if _, err := fsys.CrashClone().Stat(testDir); err != nil {
		t.Fatalf("the directory did not survive a crash: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	want = []string{IndexFileName(0), LogFileName(0), TimeIndexFileName(0), LeaderEpochCheckpointFile}
	slices.Sort(want)
	if names := fileNames(t, fsys, testDir); !slices.Equal(names, want) {
		t.Fatalf("files after Close %v, want %v", names, want)
	}
	// Written trimmed, and durable.
	for _, name := range want[:3] {
		if name == LogFileName(0) {
			continue
		}
		if n := len(readFile(t, fsys.CrashClone(), testDir+"/"+name)); n != 0 {
			t.Fatalf("%s is %d bytes", name, n)
		}
	}
}

func TestAppendAssignsOffsetsEpochAndWritesBytesAsSent(t *testing.T) {
	e := newEnv(t, vfs.NewMem(), testConfig())
	sent := [][]byte{simpleBatch(t, 3, 10, 1000), simpleBatch(t, 1, 20, 2000), simpleBatch(t, 5, 5, 1500)}
	var infos []AppendInfo
	for i, b := range sent {
		info, err := e.log.AppendAsLeader(slices.Clone(b), int32(4+i/2), OriginClient)
		if err != nil {
			t.Fatal(err)
		}
		infos = append(infos, info)
	}
	wantRanges := [][2]int64{{0, 2}, {3, 3}, {4, 8}}
	for i, info := range infos {
		if info.FirstOffset != wantRanges[i][0] || info.LastOffset != wantRanges[i][1] ||
			info.RecordCount != int64(sent[i][60]+0)*0+int64(record.Batch(sent[i]).RecordCount()) || info.Batches != 1 {
			t.Fatalf("append %d: %+v", i, info)
		}
	}
	if infos[0].MaxTimestamp != 1002 || infos[0].OffsetOfMaxTimestamp != 2 || infos[2].MaxTimestamp != 1504 {
		t.Fatalf("timestamps: %+v %+v", infos[0], infos[2])
	}
	if infos[0].LogAppendTime != record.NoTimestamp {
		t.Fatalf("LogAppendTime %d under CreateTime", infos[0].LogAppendTime)
	}
	if e.log.LogEndOffset() != 9 {
		t.Fatalf("log end %d", e.log.LogEndOffset())
	}
	got := checkLog(t, e.log)
	for i, b := range got {
		want := record.Batch(slices.Clone(sent[i]))
		want.SetBaseOffset(wantRanges[i][0])
		want.SetPartitionLeaderEpoch(int32(4 + i/2))
		if !bytes.Equal(b, want) {
			t.Fatalf("batch %d stored as %x, want %x", i, b[:61], want[:61])
		}
	}
	if entries := e.log.EpochCache().Entries(); !slices.Equal(entries, []EpochEntry{{Epoch: 4, StartOffset: 0}, {Epoch: 5, StartOffset: 4}}) {
		t.Fatalf("epochs %v", entries)
	}
}

func TestAppendRejectsInvalidBatchesWithoutWriting(t *testing.T) {
	cfg := testConfig()
	cfg.MaxMessageBytes = 500
	e := newEnv(t, vfs.NewMem(), cfg)
	e.mustAppend(simpleBatch(t, 1, 10, 1))
	good := simpleBatch(t, 2, 10, 1)
	corrupt := slices.Clone(good)
	corrupt[len(corrupt)-1] ^= 0xff
	nonZero := slices.Clone(good)
	record.Batch(nonZero).SetBaseOffset(7)
	cases := []struct {
		name string
		recs []byte
		want error
	}{
		{"crc", corrupt, ErrCorruptRecord},
		{"base offset", nonZero, ErrInvalidRecord},
		{"too large", simpleBatch(t, 1, 600, 1), ErrRecordTooLarge},
		{"second batch invalid", append(slices.Clone(good), corrupt...), ErrCorruptRecord},
		{"trailing bytes", append(slices.Clone(good), 1, 2, 3), ErrCorruptRecord},
		{"empty", nil, ErrInvalidRecord},
	}
	for _, c := range cases {
		size := e.log.Size()
		before := slices.Clone(c.recs)
		_, err := e.log.AppendAsLeader(c.recs, 0, OriginClient)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.want)
		}
		if e.log.LogEndOffset() != 1 || e.log.Size() != size {
			t.Fatalf("%s: the log changed: %v", c.name, e.log)
		}
		if !bytes.Equal(c.recs, before) {
			t.Errorf("%s: the rejected records were modified", c.name)
		}
	}
	// A coordinator may write batches whose base offset is not 0.
	if _, err := e.log.AppendAsLeader(slices.Clone(nonZero), 0, OriginCoordinator); err != nil {
		t.Fatalf("coordinator append: %v", err)
	}
	checkLog(t, e.log)
}

func TestAppendLogAppendTime(t *testing.T) {
	cfg := testConfig()
	cfg.MessageTimestampType = LogAppendTime
	e := newEnv(t, vfs.NewMem(), cfg)
	now := e.clock.NowMs()
	info := e.mustAppend(simpleBatch(t, 4, 10, 5))
	if info.LogAppendTime != now || info.MaxTimestamp != now || info.OffsetOfMaxTimestamp != 3 {
		t.Fatalf("info %+v, now %d", info, now)
	}
	b := checkLog(t, e.log)[0]
	if !b.IsLogAppendTime() || b.MaxTimestamp() != now || !b.CRCValid() {
		t.Fatalf("stored batch: LAT %v max %d crc ok %v", b.IsLogAppendTime(), b.MaxTimestamp(), b.CRCValid())
	}
	if ts := e.log.ActiveSegment().MaxTimestampSoFar(); ts.Timestamp != now || ts.Offset != 3 {
		t.Fatalf("segment max timestamp %+v", ts)
	}
}

func TestAppendAsFollower(t *testing.T) {
	e := newEnv(t, vfs.NewMem(), testConfig())
	at := func(base int64, epoch int32, n int) []byte {
		b := simpleBatch(t, n, 8, 100+base)
		record.Batch(b).SetBaseOffset(base)
		record.Batch(b).SetPartitionLeaderEpoch(epoch)
		return b
	}
	recs := append(at(0, 1, 2), at(2, 1, 1)...)
	recs = append(recs, at(10, 3, 2)...) // a gap: a compacted leader
	info, err := e.log.AppendAsFollower(slices.Clone(recs))
	if err != nil {
		t.Fatal(err)
	}
	if info.FirstOffset != 0 || info.LastOffset != 11 || info.Batches != 3 || info.RecordCount != 5 || info.LastLeaderEpoch != 3 {
		t.Fatalf("info %+v", info)
	}
	if e.log.LogEndOffset() != 12 {
		t.Fatalf("log end %d", e.log.LogEndOffset())
	}
	if got := e.log.EpochCache().Entries(); !slices.Equal(got, entries(1, 0, 3, 10)) {
		t.Fatalf("epochs %v", got)
	}
	// Stored byte for byte.
	var all []byte
	for _, b := range checkLog(t, e.log) {
		all = append(all, b...)
	}
	if !bytes.Equal(all, recs) {
		t.Fatal("follower batches not stored as received")
	}
	// Below the log end, out of order, corrupt: refused, nothing written.
	for _, c := range []struct {
		recs []byte
		want error
	}{
		{at(11, 3, 1), ErrUnexpectedAppendOffset},
		{append(at(20, 3, 2), at(21, 3, 1)...), ErrOffsetsOutOfOrder},
		{func() []byte { b := at(20, 3, 1); b[70] ^= 1; return b }(), ErrCorruptRecord},
	} {
		if _, err := e.log.AppendAsFollower(c.recs); !errors.Is(err, c.want) {
			t.Errorf("err %v, want %v", err, c.want)
		}
		if e.log.LogEndOffset() != 12 {
			t.Fatalf("log changed to %v", e.log)
		}
	}
	// A fetch response cut inside its last batch: the whole batches go in.
	cut := append(at(12, 3, 1), at(13, 3, 3)...)
	info, err = e.log.AppendAsFollower(cut[:len(cut)-5])
	if err != nil || info.LastOffset != 12 || e.log.LogEndOffset() != 13 {
		t.Fatalf("partial tail: %+v %v", info, err)
	}
	// Nothing whole at all: a no-op.
	if info, err := e.log.AppendAsFollower(cut[len(cut)-30:]); err != nil || info.FirstOffset != -1 {
		t.Fatalf("no whole batch: %+v %v", info, err)
	}
	// A compacted batch holding fewer records than its offset range.
	bl := record.NewBuilder(13, record.CompressionNone)
	_ = bl.AppendWithOffset(15, 200, []byte("k"), []byte("v"))
	sparse, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.log.AppendAsFollower(sparse); err != nil {
		t.Fatalf("compacted batch: %v", err)
	}
	if e.log.LogEndOffset() != 16 {
		t.Fatalf("log end %d", e.log.LogEndOffset())
	}
	checkLog(t, e.log)
}

// buildLog appends n batches of recs records of size bytes, timestamps
// from ts0 in steps of 10 per batch, and returns the appended batches.
func buildLog(t *testing.T, e *env, n, recs, size int, ts0 int64) [][]byte {
	t.Helper()
	var out [][]byte
	for i := range n {
		b := mkBatch(t, batchSpec{records: recs, valueSize: size, ts: ts0 + int64(10*i)}, i)
		e.mustAppend(b)
		out = append(out, b)
	}
	return out
}

func TestReadBoundsAndSizes(t *testing.T) {
	e := newEnv(t, vfs.NewMem(), testConfig())
	buildLog(t, e, 10, 2, 50, 1000) // batches of 2 offsets, same size each
	all := checkLog(t, e.log)
	bsize := int64(len(all[0]))
	l := e.log
	read := func(start int64, maxBytes int, bound int64, minOne bool) (FetchData, []record.Batch) {
		t.Helper()
		fd, err := l.Read(start, maxBytes, bound, minOne)
		if err != nil {
			t.Fatalf("Read(%d, %d, %d, %v): %v", start, maxBytes, bound, minOne, err)
		}
		data, err := fd.AppendTo(nil)
		if err != nil {
			t.Fatal(err)
		}
		var bs []record.Batch
		it := record.Iterate(data)
		for {
			b, _, ok := it.Next()
			if !ok {
				break
			}
			bs = append(bs, b)
		}
		if it.Err() != nil && !fd.FirstBatchIncomplete {
			t.Fatalf("Read(%d) returned a partial batch", start)
		}
		return fd, bs
	}
	cases := []struct {
		name      string
		start     int64
		maxBytes  int
		bound     int64
		minOne    bool
		wantBases []int64
		partial   bool
	}{
		{"whole batch containing start", 3, int(bsize), 20, false, []int64{2}, false},
		{"up to maxBytes, whole batches only", 0, int(3*bsize + bsize/2), 20, false, []int64{0, 2, 4}, false},
		{"minOneBatch overrides a small maxBytes", 5, 10, 20, true, []int64{4}, false},
		{"partial first batch without minOneBatch", 5, 10, 20, false, nil, true},
		{"zero bytes", 4, 0, 20, false, nil, false},
		{"upper bound at a batch start", 0, 1 << 20, 6, false, []int64{0, 2, 4}, false},
		{"upper bound inside a batch excludes it", 0, 1 << 20, 7, false, []int64{0, 2, 4}, false},
		{"start at the bound: empty", 6, 1 << 20, 6, true, nil, false},
		{"start between bound and end: empty", 8, 1 << 20, 6, true, nil, false},
		{"start at the log end: empty", 20, 1 << 20, 20, true, nil, false},
		{"bound above the end is capped", 16, 1 << 20, 1 << 40, false, []int64{16, 18}, false},
	}
	for _, c := range cases {
		fd, bs := read(c.start, c.maxBytes, c.bound, c.minOne)
		if got := batchOffsets(bs); !slices.Equal(got, c.wantBases) && !(c.partial && len(bs) == 0) {
			t.Errorf("%s: bases %v, want %v", c.name, got, c.wantBases)
		}
		if fd.FirstBatchIncomplete != c.partial {
			t.Errorf("%s: FirstBatchIncomplete %v", c.name, fd.FirstBatchIncomplete)
		}
		if c.partial && fd.Region.Len != int64(c.maxBytes) {
			t.Errorf("%s: partial region %d bytes", c.name, fd.Region.Len)
		}
		if fd.Start.Offset != c.start {
			t.Errorf("%s: start metadata %+v", c.name, fd.Start)
		}
	}
	// Offset metadata points at the batch holding the offset.
	fd, _ := read(5, 100, 20, true)
	if fd.Start.SegmentBase != 0 || fd.Start.Position != 2*bsize {
		t.Fatalf("metadata %+v", fd.Start)
	}
	// The region is the segment file itself (sendfile-able), pinned until
	// released; reads fail after that.
	if st, err := fd.Region.File.Stat(); err != nil || st.Name() != LogFileName(0) {
		t.Fatalf("region file %v, %v", st, err)
	}
	fd.Release()
	fd.Release() // a second release does nothing
	if _, err := fd.AppendTo(nil); err == nil {
		t.Fatal("a released region was read")
	}
	for _, bad := range []int64{-1, 21} {
		if _, err := l.Read(bad, 100, 20, true); !errors.Is(err, ErrOffsetOutOfRange) {
			t.Errorf("Read(%d): %v", bad, err)
		}
	}
	if _, err := l.Read(0, -1, 20, true); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("negative maxBytes: %v", err)
	}
}

func TestReadAcrossSegmentsAndBelowLogStart(t *testing.T) {
	e := newEnv(t, vfs.NewMem(), smallConfig())
	buildLog(t, e, 40, 3, 100, 1000)
	if e.log.NumSegments() < 4 {
		t.Fatalf("only %d segments", e.log.NumSegments())
	}
	got := readAll(t, e.log, 0)
	if len(got) != 40 || got[39].LastOffset() != 119 {
		t.Fatalf("read %d batches", len(got))
	}
	// Every offset reads from the batch holding it, in any segment.
	for off := int64(0); off < 120; off += 7 {
		fd, err := e.log.Read(off, 1, 120, true)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := fd.AppendTo(nil)
		b := record.Batch(data)
		if b.BaseOffset() > off || b.LastOffset() < off {
			t.Fatalf("Read(%d) returned batch [%d, %d]", off, b.BaseOffset(), b.LastOffset())
		}
		if seg := e.log.Segments()[floorSegment(e.log.Segments(), off)]; fd.Start.SegmentBase != seg.BaseOffset() {
			t.Fatalf("Read(%d) metadata %+v, segment %d", off, fd.Start, seg.BaseOffset())
		}
	}
	if _, err := e.log.IncrementLogStartOffset(50, 120); err != nil {
		t.Fatal(err)
	}
	if _, err := e.log.Read(49, 100, 120, true); !errors.Is(err, ErrOffsetOutOfRange) {
		t.Fatalf("read below the log start: %v", err)
	}
	if _, err := e.log.Read(50, 100, 120, true); err != nil {
		t.Fatal(err)
	}
}

func TestFetchOffsetByTimestamp(t *testing.T) {
	e := newEnv(t, vfs.NewMem(), smallConfig())
	// Batches of 3 records with timestamps 1000+10i, +1, +2; the max
	// timestamp is in the middle of the log.
	for i := range 30 {
		ts := int64(1000 + 10*i)
		if i == 12 {
			ts = 99999
		}
		b := mkBatch(t, batchSpec{records: 3, valueSize: 30, ts: ts}, i)
		if _, err := e.log.AppendAsLeader(b, int32(i/10), OriginClient); err != nil {
			t.Fatal(err)
		}
	}
	l := e.log
	check := func(ts int64, want TimestampAndOffset, wantFound bool) {
		t.Helper()
		got, found, err := l.FetchOffsetByTimestamp(ts)
		if err != nil || found != wantFound || (found && got != want) {
			t.Errorf("FetchOffsetByTimestamp(%d) = %+v %v %v, want %+v %v", ts, got, found, err, want, wantFound)
		}
	}
	check(EarliestTimestamp, TimestampAndOffset{-1, 0, 0}, true)
	check(LatestTimestamp, TimestampAndOffset{-1, 90, 2}, true)
	check(MaxTimestamp, TimestampAndOffset{100001, 38, 1}, true)
	check(LatestTieredTimestamp, TimestampAndOffset{-1, -1, -1}, true)
	check(0, TimestampAndOffset{1000, 0, 0}, true)
	check(1001, TimestampAndOffset{1001, 1, 0}, true)
	check(1003, TimestampAndOffset{1010, 3, 0}, true)
	check(1115, TimestampAndOffset{99999, 36, 1}, true) // the first segment whose max reaches it
	check(1250, TimestampAndOffset{99999, 36, 1}, true) // offset order: 36 comes first
	check(1125, TimestampAndOffset{99999, 36, 1}, true)
	check(100002, TimestampAndOffset{}, false)
	// After DeleteRecords the search starts at the log start offset.
	if _, err := l.IncrementLogStartOffset(4, 90); err != nil {
		t.Fatal(err)
	}
	check(0, TimestampAndOffset{1011, 4, 0}, true)
	check(EarliestTimestamp, TimestampAndOffset{-1, 4, 0}, true)
	check(EarliestLocalTimestamp, TimestampAndOffset{-1, 4, 0}, true)
}

func TestReopenKeepsEverything(t *testing.T) {
	fsys := vfs.NewMem()
	e := newEnv(t, fsys, smallConfig())
	buildLog(t, e, 30, 2, 60, 1000)
	before := checkLog(t, e.log)
	seg0 := readFile(t, fsys, testDir+"/"+IndexFileName(0))
	e.reopen()
	after := checkLog(t, e.log)
	if len(before) != len(after) || e.log.LogEndOffset() != 60 || e.log.RecoveryPoint() != 60 {
		t.Fatalf("reopened: %d batches (was %d), %v rp %d", len(after), len(before), e.log, e.log.RecoveryPoint())
	}
	if !bytes.Equal(seg0, readFile(t, fsys, testDir+"/"+IndexFileName(0))) {
		t.Fatal("a clean reopen rewrote an inactive index")
	}
	// Appends continue in the reopened active segment, indexes too.
	buildLog(t, e, 5, 2, 60, 2000)
	checkLog(t, e.log)
	// Unclean reopen from recovery point 0 rebuilds everything and
	// keeps everything.
	if err := e.log.Flush(e.log.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	e.log.closeForTest()
	e.open(Options{RecoveryPoint: 0})
	if got := checkLog(t, e.log); len(got) != 35 || e.log.LogEndOffset() != 70 || e.log.RecoveryPoint() != 0 {
		t.Fatalf("after unclean reopen: %d batches, %v, rp %d", len(got), e.log, e.log.RecoveryPoint())
	}
}

// closeForTest drops the log's handles without the clean close's final
// writes: what a crash leaves of the process state.
func (l *Log) closeForTest() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	for _, s := range *l.segs.Load() {
		s.closeFiles()
	}
	l.closePendingDeletes()
}
