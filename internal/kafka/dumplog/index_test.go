package dumplog

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"testing"

	"github.com/wharf-project/wharf/internal/javafmt"
)

func TestDumpIndex(t *testing.T) {
	s := metadataFixture(t)
	s.writeLog(t)
	idx := s.offsetIndex()
	// the index file is preallocated: zero entries follow the real ones
	idxPath := s.write(t, ".index", append(append([]byte(nil), idx...), make([]byte, 24)...))

	// dumpIndex: `println(s"offset: ${entry.offset} position: ${entry.position}")`
	// for each entry, stopping at the first entry equal to the base offset
	// after the first.
	want := []string{"Dumping " + idxPath}
	for i, b := range s.batches {
		want = append(want, fmt.Sprintf("offset: %d position: %d", b.LastOffset(), s.pos[i]))
	}
	out, errOut, code := run(t, s.dir, "--files", idxPath)
	if code != 0 || errOut != "" {
		t.Fatalf("status %d stderr %q", code, errOut)
	}
	diff(t, "stdout", out, lines(want...))

	out, errOut, _ = run(t, s.dir, "--verify-index-only", "--files", idxPath)
	diff(t, "verify stdout", out, lines("Dumping "+idxPath))
	diff(t, "verify stderr", errOut, "")

	out, _, _ = run(t, s.dir, "--index-sanity-check", "--files", idxPath)
	diff(t, "sanity", out, lines("Dumping "+idxPath, idxPath+" passed sanity check."))
}

func TestDumpIndexMismatches(t *testing.T) {
	s := metadataFixture(t)
	s.writeLog(t)
	// entries pointing at batches whose last offset is not the entry's
	var idx []byte
	idx = appendOffsetEntry(idx, 1, uint32(s.pos[0])) // right
	idx = appendOffsetEntry(idx, 2, uint32(s.pos[1])) // batch 2-3
	idx = appendOffsetEntry(idx, 5, uint32(s.pos[2])) // batch 4-6
	idx = appendOffsetEntry(idx, 7, uint32(s.pos[3])) // right
	idxPath := s.write(t, ".index", idx)
	out, errOut, code := run(t, s.dir, "--verify-index-only", "--files", idxPath)
	if code != 0 {
		t.Fatal(code)
	}
	diff(t, "stdout", out, lines("Dumping "+idxPath))
	// main: "Mismatches in :" then each pair, the List built by prepending
	diff(t, "stderr", errOut, lines("Mismatches in :"+idxPath,
		"  Index offset: 5, log offset: 6",
		"  Index offset: 2, log offset: 3"))
}

func TestDumpIndexEdgeCases(t *testing.T) {
	s := metadataFixture(t)
	s.writeLog(t)

	empty := s.write(t, ".index", nil)
	out, _, _ := run(t, s.dir, "--files", empty)
	diff(t, "empty", out, lines("Dumping "+empty, empty+" is empty."))

	// sanity: the last offset below the base offset
	s.base = 0
	bad := appendOffsetEntry(appendOffsetEntry(nil, 1, 0), 0xFFFFFFFF, 0)
	p := s.write(t, ".index", bad)
	_, errOut, code := run(t, s.dir, "--index-sanity-check", "--files", p)
	if code != 1 {
		t.Fatal(code)
	}
	diff(t, "sanity", errOut, "Exception in thread \"main\" org.apache.kafka.storage.internals.log.CorruptIndexException: "+
		"Corrupt index found, index file "+p+" has non-zero size but the last offset is -1 which is less than the base offset 0\n")

	// sanity: a partial entry
	p = s.write(t, ".index", append(appendOffsetEntry(nil, 1, 0), 1, 2, 3))
	_, errOut, _ = run(t, s.dir, "--index-sanity-check", "--files", p)
	diff(t, "partial", errOut, "Exception in thread \"main\" org.apache.kafka.storage.internals.log.CorruptIndexException: "+
		"Index file "+p+" is corrupt, found 11 bytes which is neither positive nor a multiple of 8\n")

	// a position past the end of the log
	p = s.write(t, ".index", appendOffsetEntry(nil, 1, 100000))
	_, errOut, _ = run(t, s.dir, "--files", p)
	diff(t, "past end", errOut, fmt.Sprintf("Exception in thread \"main\" java.lang.IllegalArgumentException: "+
		"Slice from position 100000 exceeds end position of FileRecords(size=%d, file=%s, start=0, end=2147483647)\n", len(s.log), s.name(".log")))

	// a batch larger than --max-message-size is not found at all
	p = s.write(t, ".index", appendOffsetEntry(nil, 1, 0))
	_, errOut, _ = run(t, s.dir, "--max-message-size", "20", "--files", p)
	diff(t, "max message size", errOut, "Exception in thread \"main\" java.util.NoSuchElementException\n")

	// no log next to the index
	dir := t.TempDir()
	_, errOut, _ = run(t, dir, "--files", "00000000000000000000.index")
	diff(t, "no log", errOut, "Exception in thread \"main\" java.nio.file.NoSuchFileException: "+dir+"/00000000000000000000.log\n")
}

func TestDumpTimeIndex(t *testing.T) {
	s := metadataFixture(t)
	s.writeLog(t)
	s.write(t, ".index", s.offsetIndex())
	ti := s.timeIndex()
	tiPath := s.write(t, ".timeindex", append(append([]byte(nil), ti...), make([]byte, 24)...))

	// dumpTimeIndex: `println(s"timestamp: ${entry.timestamp} offset: ${entry.offset}")`
	want := []string{"Dumping " + tiPath}
	last := int64(-1)
	for _, b := range s.batches {
		if b.MaxTimestamp() > last {
			last = b.MaxTimestamp()
			want = append(want, fmt.Sprintf("timestamp: %d offset: %d", b.MaxTimestamp(), b.LastOffset()))
		}
	}
	out, errOut, code := run(t, s.dir, "--files", tiPath)
	if code != 0 || errOut != "" {
		t.Fatalf("status %d stderr %q", code, errOut)
	}
	diff(t, "stdout", out, lines(want...))

	// a preallocated time index ends in (0, base) entries: its "last
	// entry" is then older than the first, which the sanity check refuses
	_, errOut, _ = run(t, s.dir, "--index-sanity-check", "--files", tiPath)
	diff(t, "sanity untrimmed", errOut, "Exception in thread \"main\" org.apache.kafka.storage.internals.log.CorruptIndexException: "+
		"Corrupt time index found, time index file ("+tiPath+") has non-zero size but the last timestamp is 0 which is less than the first timestamp 1700000000001\n")
	tiPath = s.write(t, ".timeindex", ti)
	out, _, _ = run(t, s.dir, "--index-sanity-check", "--files", tiPath)
	diff(t, "sanity", out, lines("Dumping "+tiPath, tiPath+" passed sanity check."))
}

func TestDumpTimeIndexErrors(t *testing.T) {
	s := metadataFixture(t)
	s.writeLog(t)
	s.write(t, ".index", s.offsetIndex())
	var ti []byte
	ti = appendTimeEntry(ti, ts0+1, 1)   // right
	ti = appendTimeEntry(ti, ts0+99, 3)  // batch 2-3's max timestamp is ts0+3
	ti = appendTimeEntry(ti, ts0+50, 6)  // wrong, and before ts0+99
	ti = appendTimeEntry(ti, ts0+120, 5) // 5 is inside batch 4-6
	ti = appendTimeEntry(ti, ts0+130, 99)
	tiPath := s.write(t, ".timeindex", ti)
	out, errOut, code := run(t, s.dir, "--verify-index-only", "--files", tiPath)
	if code != 0 {
		t.Fatal(code)
	}
	diff(t, "stdout", out, lines("Dumping "+tiPath))
	// TimeIndexDumpErrors.printErrors: mismatches, out of order, then the
	// offsets not found, each list in the order found
	diff(t, "stderr", errOut, lines(
		"Found timestamp mismatch in :"+tiPath,
		"  Index timestamp: 1700000000099, log timestamp: 1700000000003",
		"  Index timestamp: 1700000000050, log timestamp: 1700000000006",
		"Found out of order timestamp in :"+tiPath,
		"  Index timestamp: 1700000000050, Previously indexed timestamp: 1700000000099",
		"The following indexed offsets are not found in the log.",
		"Indexed offset: 5, found log offset: 6",
		"Indexed offset: 99, found log offset: -1",
	))

	// the time index sanity check
	p := s.write(t, ".timeindex", appendTimeEntry(appendTimeEntry(nil, ts0+5, 1), ts0, 3))
	_, errOut, _ = run(t, s.dir, "--index-sanity-check", "--files", p)
	diff(t, "sanity", errOut, "Exception in thread \"main\" org.apache.kafka.storage.internals.log.CorruptIndexException: "+
		"Corrupt time index found, time index file ("+p+") has non-zero size but the last timestamp is 1700000000000 which is less than the first timestamp 1700000000005\n")
}

func TestReportsOfSeveralFilesFollowScalaHashMapOrder(t *testing.T) {
	// Two segments with mismatching indexes: the report order is that of
	// Scala's mutable.HashMap over the absolute paths.
	a, b := metadataFixture(t), metadataFixture(t)
	var paths []string
	for _, s := range []*segmentFixture{a, b} {
		s.writeLog(t)
		paths = append(paths, s.write(t, ".index", appendOffsetEntry(nil, 2, uint32(s.pos[1]))))
	}
	tbl := newScalaTable[string]()
	for _, p := range paths {
		tbl.put(p, javafmt.StringHash(p))
	}
	_, errOut, _ := run(t, a.dir, "--files", paths[0]+","+paths[1])
	var want []string
	for _, p := range tbl.ordered() {
		want = append(want, "Mismatches in :"+p, "  Index offset: 2, log offset: 3")
	}
	diff(t, "stderr", errOut, lines(want...))
}

func TestScalaTableOrder(t *testing.T) {
	// Scala 2.13: bucket = improved hash & (size-1), then by hash. "b"
	// (98) lands in bucket 2, "a" (97) in 1, "q" (113) in 1 with a larger
	// hash than "a".
	tbl := newScalaTable[string]()
	for _, k := range []string{"b", "q", "a"} {
		tbl.put(k, javafmt.StringHash(k))
	}
	if got := fmt.Sprint(tbl.ordered()); got != "[a q b]" {
		t.Errorf("order %s", got)
	}
	// growth: the 12th distinct key doubles the table to 32
	big := newScalaTable[string]()
	for i := 0; i < 12; i++ {
		big.put(fmt.Sprint(i), javafmt.StringHash(fmt.Sprint(i)))
	}
	if big.size != 32 {
		t.Errorf("size %d", big.size)
	}
}

func TestDumpTxnIndex(t *testing.T) {
	dir := t.TempDir()
	var data []byte
	for _, e := range [][4]int64{{7, 10, 20, 21}, {8, 30, 31, 40}} {
		data = binary.BigEndian.AppendUint16(data, 0)
		for _, v := range e {
			data = binary.BigEndian.AppendUint64(data, uint64(v))
		}
	}
	s := &segmentFixture{dir: dir}
	p := s.write(t, ".txnindex", append(data, 1, 2, 3)) // a partial entry is not read
	out, errOut, code := run(t, dir, "--files", p)
	if code != 0 || errOut != "" {
		t.Fatalf("status %d stderr %q", code, errOut)
	}
	diff(t, "stdout", out, lines("Dumping "+p,
		"version: 0 producerId: 7 firstOffset: 10 lastOffset: 20 lastStableOffset: 21",
		"version: 0 producerId: 8 firstOffset: 30 lastOffset: 31 lastStableOffset: 40"))

	data[0] = 1
	p = s.write(t, ".txnindex", data)
	_, errOut, _ = run(t, dir, "--files", p)
	diff(t, "version", errOut, "Exception in thread \"main\" org.apache.kafka.common.KafkaException: Unexpected aborted transaction version 1 in transaction index "+p+", current version is 0\n")
}

// producerSnapshot writes ProducerStateManager's snapshot format.
func producerSnapshot(version int16, entries [][8]int64) []byte {
	var body []byte
	body = binary.BigEndian.AppendUint32(body, uint32(len(entries)))
	for _, e := range entries {
		body = binary.BigEndian.AppendUint64(body, uint64(e[0])) // producer_id
		body = binary.BigEndian.AppendUint16(body, uint16(e[1])) // epoch
		body = binary.BigEndian.AppendUint32(body, uint32(e[2])) // last_sequence
		body = binary.BigEndian.AppendUint64(body, uint64(e[3])) // last_offset
		body = binary.BigEndian.AppendUint32(body, uint32(e[4])) // offset_delta
		body = binary.BigEndian.AppendUint64(body, uint64(e[5])) // timestamp
		body = binary.BigEndian.AppendUint32(body, uint32(e[6])) // coordinator_epoch
		body = binary.BigEndian.AppendUint64(body, uint64(e[7])) // current_txn_first_offset
	}
	out := binary.BigEndian.AppendUint16(nil, uint16(version))
	out = binary.BigEndian.AppendUint32(out, crc32.Checksum(body, castagnoli))
	return append(out, body...)
}

func TestDumpProducerSnapshot(t *testing.T) {
	dir := t.TempDir()
	s := &segmentFixture{dir: dir, base: 42}
	p := s.write(t, ".snapshot", producerSnapshot(1, [][8]int64{
		{1000, 3, 9, 41, 4, ts0, 2, 38},
		{1001, 0, 0, -1, 0, ts0, -1, -1}, // no batch metadata: nothing after lastTimestamp
	}))
	out, errOut, code := run(t, dir, "--files", p)
	if code != 0 || errOut != "" {
		t.Fatalf("status %d stderr %q", code, errOut)
	}
	// dumpProducerIdSnapshot prints "... lastTimestamp: T " and, when the
	// entry has batch metadata, "firstSequence: ... timestamp: T".
	diff(t, "stdout", out, lines("Dumping "+p,
		"producerId: 1000 producerEpoch: 3 coordinatorEpoch: 2 currentTxnFirstOffset: OptionalLong[38] lastTimestamp: 1700000000000 "+
			"firstSequence: 5 lastSequence: 9 lastOffset: 41 offsetDelta: 4 timestamp: 1700000000000",
		"producerId: 1001 producerEpoch: 0 coordinatorEpoch: -1 currentTxnFirstOffset: OptionalLong.empty lastTimestamp: 1700000000000 "))

	// CorruptSnapshotException messages go to stderr, and the run goes on
	for _, tc := range []struct {
		data []byte
		want string
	}{
		{producerSnapshot(2, nil), "Snapshot contained an unknown file version 2"},
		{append(producerSnapshot(1, nil)[:2], 0, 0, 0, 1, 0, 0, 0, 0), "Snapshot is corrupt (CRC is no longer valid). Stored crc: 1. Computed crc: 1214729159"},
		{[]byte{0, 1, 0}, "Snapshot failed schema validation: Error reading field 'crc': java.nio.BufferUnderflowException"},
		// the array size is checked against the bytes left, not the entries'
		{producerSnapshot(1, [][8]int64{{1}})[:20], "Snapshot failed schema validation: Error reading field 'producer_entries': Error reading field 'last_sequence': java.nio.BufferUnderflowException"},
		{append(producerSnapshot(1, nil)[:6], 0, 0, 0, 50, 1, 2), "Snapshot failed schema validation: Error reading field 'producer_entries': Error reading array of size 50, only 2 bytes available"},
	} {
		p := s.write(t, ".snapshot", tc.data)
		out, errOut, code := run(t, dir, "--files", p)
		if code != 0 || out != "Dumping "+p+"\n" || errOut != tc.want+"\n" {
			t.Errorf("got (%q, %q, %d), want stderr %q", out, errOut, code, tc.want)
		}
	}
}
