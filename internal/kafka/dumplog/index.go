package dumplog

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"strings"

	"github.com/wharf-project/wharf/internal/javafmt"
)

// Index files, read directly (DumpLogSegments opens them read-only):
//
//	.index      entries of  relativeOffset int32 | position int32          (8 bytes)
//	.timeindex  entries of  timestamp int64 | relativeOffset int32         (12 bytes)
//	.txnindex   entries of  version int16 | producerId int64 | firstOffset int64 |
//	                        lastOffset int64 | lastStableOffset int64      (34 bytes)
//
// The number of entries is the file length rounded down to a whole entry;
// the base offset comes from the file name.

type indexFile struct {
	data       []byte
	entrySize  int
	baseOffset int64
	abs        string
}

func (x *indexFile) entries() int { return len(x.data) / x.entrySize }

// openIndex is `new OffsetIndex/TimeIndex(file, baseOffset, -1, false)`. A
// missing file would be created and then refused for its maximum size of
// -1; we only report the refusal.
func (d *dumper) openIndex(f javaFile, entrySize int, base int64) (*indexFile, *JavaException) {
	abs := f.Abs(d.env.Cwd)
	data, err := os.ReadFile(abs)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, jex(exIllegalArgument, "Invalid max index size: -1")
		}
		return nil, fileException(f.path, err)
	}
	return &indexFile{data: data, entrySize: entrySize, baseOffset: base, abs: abs}, nil
}

type offsetPosition struct {
	offset   int64
	position int32
}

func (x *indexFile) offsetEntry(n int) offsetPosition {
	e := x.data[n*8:]
	return offsetPosition{x.baseOffset + int64(int32(binary.BigEndian.Uint32(e))), int32(binary.BigEndian.Uint32(e[4:]))}
}

type timestampOffset struct{ timestamp, offset int64 }

func (x *indexFile) timeEntry(n int) timestampOffset {
	e := x.data[n*12:]
	return timestampOffset{int64(binary.BigEndian.Uint64(e)), x.baseOffset + int64(int32(binary.BigEndian.Uint32(e[8:])))}
}

// lookup is OffsetIndex.lookup: the entry with the largest offset <= target,
// or (baseOffset, 0), by the index's own binary search.
func (x *indexFile) lookup(target int64) offsetPosition {
	n := x.entries()
	if n == 0 {
		return offsetPosition{x.baseOffset, 0}
	}
	search := func(lo, hi int) int {
		for lo < hi {
			mid := int(uint(lo+hi+1) >> 1)
			found := x.offsetEntry(mid).offset
			switch {
			case found > target:
				hi = mid - 1
			case found < target:
				lo = mid
			default:
				return mid
			}
		}
		return lo
	}
	firstHot := max(0, n-1-8192/8)
	var slot int
	switch {
	case x.offsetEntry(firstHot).offset < target:
		slot = search(firstHot, n-1)
	case x.offsetEntry(0).offset > target:
		return offsetPosition{x.baseOffset, 0}
	default:
		slot = search(0, firstHot)
	}
	return x.offsetEntry(slot)
}

// indexBase parses the base offset from the name and opens the segment's
// log, in dumpIndex's and dumpTimeIndex's order. It returns the segment's
// path without its suffix.
func (d *dumper) indexBase(f javaFile) (int64, string, *fileRecords, func(), *JavaException) {
	prefix := firstDotName(f.Name())
	base, err := parseJavaLong(prefix)
	if err != nil {
		return 0, "", nil, nil, err
	}
	dir := parentOf(f.Abs(d.env.Cwd))
	seg, closeFn, err := d.openSegment(newJavaFile(dir + "/" + prefix + ".log"))
	if err != nil {
		return 0, "", nil, nil, err
	}
	fr, err := openFileRecords(seg)
	if err != nil {
		closeFn()
		return 0, "", nil, nil, err
	}
	return base, dir + "/" + prefix, fr, closeFn, nil
}

// dumpIndex is DumpLogSegments.dumpIndex.
func (d *dumper) dumpIndex(f javaFile, sanityOnly, verifyOnly bool, maxMessageSize int) *JavaException {
	base, _, fr, closeFn, err := d.indexBase(f)
	if err != nil {
		return err
	}
	defer closeFn()
	idx, err := d.openIndex(f, 8, base)
	if err != nil {
		return err
	}
	if idx.entries() == 0 {
		d.printf("%s is empty.\n", f)
		return nil
	}
	if sanityOnly {
		if err := offsetIndexSanity(idx); err != nil {
			return err
		}
		d.printf("%s passed sanity check.\n", f)
		return nil
	}
	for i := 0; i < idx.entries(); i++ {
		e := idx.offsetEntry(i)
		// a sparse, preallocated index ends in zero entries
		if e.offset == base && i > 0 {
			return nil
		}
		slice, err := fr.slice(int(e.position), maxMessageSize)
		if err != nil {
			return err
		}
		b, err := slice.batches().next()
		if err != nil {
			return err
		}
		if b == nil {
			return jexNull(exNoSuchElement)
		}
		last, err := batchLastOffset(b)
		if err != nil {
			return err
		}
		if last != e.offset {
			d.addPair(d.indexMismatches, d.indexMismatchLst, idx.abs, e.offset, last)
		}
		if !verifyOnly {
			d.printf("offset: %d position: %d\n", e.offset, e.position)
		}
	}
	return nil
}

func offsetIndexSanity(idx *indexFile) *JavaException {
	n := idx.entries()
	if n != 0 {
		if last := idx.offsetEntry(n - 1).offset; last < idx.baseOffset {
			return jex(exCorruptIndex, "Corrupt index found, index file %s has non-zero size but the last offset is %d which is less than the base offset %d",
				idx.abs, last, idx.baseOffset)
		}
	}
	if len(idx.data)%8 != 0 {
		return jex(exCorruptIndex, "Index file %s is corrupt, found %d bytes which is neither positive nor a multiple of 8", idx.abs, len(idx.data))
	}
	return nil
}

func timeIndexSanity(idx *indexFile) *JavaException {
	if n := idx.entries(); n != 0 {
		last, first := idx.timeEntry(n-1), idx.timeEntry(0)
		if last.timestamp < first.timestamp {
			return jex(exCorruptIndex, "Corrupt time index found, time index file (%s) has non-zero size but the last timestamp is %d which is less than the first timestamp %d",
				idx.abs, last.timestamp, first.timestamp)
		}
		if last.offset < idx.baseOffset {
			return jex(exCorruptIndex, "Corrupt time index found, time index file (%s) has non-zero size but the last offset is %d which is less than the first offset %d",
				idx.abs, last.offset, idx.baseOffset)
		}
	}
	if len(idx.data)%12 != 0 {
		return jex(exCorruptIndex, "Time index file %s is corrupt, found %d bytes which is neither positive nor a multiple of 12", idx.abs, len(idx.data))
	}
	return nil
}

// batchLastOffset is FileChannelRecordBatch.lastOffset.
func batchLastOffset(b *fileBatch) (int64, *JavaException) {
	if b.magic < 2 {
		return b.offset, nil
	}
	h, err := b.loadHeader()
	if err != nil {
		return 0, err
	}
	hdr, err := parseV2Header(h, b.offset)
	if err != nil {
		return 0, err
	}
	return hdr.lastOffset, nil
}

// timeIndexErrors is DumpLogSegments.TimeIndexDumpErrors.
type timeIndexErrors struct {
	mismatches, outOfOrder, notFound  *scalaTable[string]
	mismatchL, outOfOrderL, notFoundL map[string][][2]int64
}

func newTimeIndexErrors() *timeIndexErrors {
	return &timeIndexErrors{
		mismatches: newScalaTable[string](), outOfOrder: newScalaTable[string](), notFound: newScalaTable[string](),
		mismatchL: map[string][][2]int64{}, outOfOrderL: map[string][][2]int64{}, notFoundL: map[string][][2]int64{},
	}
}

// record appends (a, b) under key, putting the key in the map only with
// its first entry.
func record2(t *scalaTable[string], lists map[string][][2]int64, key string, a, b int64) {
	if len(lists[key]) == 0 {
		t.put(key, javafmt.StringHash(key))
	}
	lists[key] = append(lists[key], [2]int64{a, b})
}

// dumpTimeIndex is DumpLogSegments.dumpTimeIndex.
func (d *dumper) dumpTimeIndex(f javaFile, sanityOnly, verifyOnly bool) *JavaException {
	base, prefixPath, fr, closeFn, err := d.indexBase(f)
	if err != nil {
		return err
	}
	defer closeFn()
	offIdx, err := d.openIndex(newJavaFile(prefixPath+".index"), 8, base)
	if err != nil {
		return err
	}
	tIdx, err := d.openIndex(f, 12, base)
	if err != nil {
		return err
	}
	if sanityOnly {
		if err := timeIndexSanity(tIdx); err != nil {
			return err
		}
		d.printf("%s passed sanity check.\n", f)
		return nil
	}
	te := d.timeErrs
	abs := tIdx.abs
	prevTimestamp := int64(-1)
	for i := 0; i < tIdx.entries(); i++ {
		e := tIdx.timeEntry(i)
		if e.offset == base && i > 0 {
			return nil
		}
		pos := offIdx.lookup(e.offset).position
		partial, err := fr.slice(int(pos), maxInt32)
		if err != nil {
			return err
		}
		// batches.find(_.lastOffset >= entry.offset)
		var found *fileBatch
		var foundLast int64
		err = partial.each(func(b *fileBatch) (bool, *JavaException) {
			last, err := batchLastOffset(b)
			if err == nil && last >= e.offset {
				found, foundLast = b, last
				return true, nil
			}
			return err != nil, err
		})
		if err != nil {
			return err
		}
		switch {
		case found == nil:
			record2(te.notFound, te.notFoundL, abs, e.offset, -1)
		case foundLast != e.offset:
			record2(te.notFound, te.notFoundL, abs, e.offset, foundLast)
		default:
			maxTimestamp := int64(-1)
			if err := d.forEachRecord(found, func(r *logRecord) *JavaException {
				maxTimestamp = max(maxTimestamp, r.timestamp)
				return nil
			}); err != nil {
				return err
			}
			if maxTimestamp != e.timestamp {
				record2(te.mismatches, te.mismatchL, abs, e.timestamp, maxTimestamp)
			}
			if prevTimestamp >= e.timestamp {
				record2(te.outOfOrder, te.outOfOrderL, abs, e.timestamp, prevTimestamp)
			}
		}
		if !verifyOnly {
			d.printf("timestamp: %d offset: %d\n", e.timestamp, e.offset)
		}
		prevTimestamp = e.timestamp
	}
	return nil
}

// printReports prints what main prints after the last file, to stderr.
func (d *dumper) printReports() {
	for _, name := range d.indexMismatches.ordered() {
		d.eprintln("Mismatches in :" + name)
		for _, p := range d.indexMismatchLst[name] {
			d.eprintln(fmt.Sprintf("  Index offset: %d, log offset: %d", p[0], p[1]))
		}
	}
	te := d.timeErrs
	for _, name := range te.mismatches.ordered() {
		d.eprintln("Found timestamp mismatch in :" + name)
		for _, p := range te.mismatchL[name] {
			d.eprintln(fmt.Sprintf("  Index timestamp: %d, log timestamp: %d", p[0], p[1]))
		}
	}
	for _, name := range te.outOfOrder.ordered() {
		d.eprintln("Found out of order timestamp in :" + name)
		for _, p := range te.outOfOrderL[name] {
			d.eprintln(fmt.Sprintf("  Index timestamp: %d, Previously indexed timestamp: %d", p[0], p[1]))
		}
	}
	for _, name := range te.notFound.ordered() {
		d.eprintln("The following indexed offsets are not found in the log.")
		for _, p := range te.notFoundL[name] {
			d.eprintln(fmt.Sprintf("Indexed offset: %d, found log offset: %d", p[0], p[1]))
		}
	}
	for _, name := range d.nonConsecutive.ordered() {
		d.eprintln("Non-consecutive offsets in " + name)
		for _, p := range d.nonConsecutiveL[name] {
			d.eprintln(fmt.Sprintf("  %d is followed by %d", p[0], p[1]))
		}
	}
}

// dumpTxnIndex is DumpLogSegments.dumpTxnIndex over a TransactionIndex.
func (d *dumper) dumpTxnIndex(f javaFile) *JavaException {
	name := f.Name()
	if _, err := parseJavaLong(name[:strings.IndexByte(name, '.')]); err != nil {
		return err
	}
	abs := f.Abs(d.env.Cwd)
	data, rerr := os.ReadFile(abs)
	if rerr != nil {
		if os.IsNotExist(rerr) {
			return nil // an absent index has no aborted transactions
		}
		return fileException(f.path, rerr)
	}
	const size = 34
	for pos := 0; len(data)-pos >= size; pos += size {
		e := data[pos:]
		version := int8(e[0]) // AbortedTxn.version reads one byte
		if version > 0 {
			return jex(exKafka, "Unexpected aborted transaction version %d in transaction index %s, current version is 0", version, abs)
		}
		be := binary.BigEndian
		d.printf("version: %d producerId: %d firstOffset: %d lastOffset: %d lastStableOffset: %d\n",
			version, int64(be.Uint64(e[2:])), int64(be.Uint64(e[10:])), int64(be.Uint64(e[18:])), int64(be.Uint64(e[26:])))
	}
	return nil
}

// dumpProducerSnapshot is DumpLogSegments.dumpProducerIdSnapshot over
// ProducerStateManager.readSnapshot (version 1, CRC-32C over the entries).
func (d *dumper) dumpProducerSnapshot(f javaFile) *JavaException {
	data, rerr := os.ReadFile(f.Abs(d.env.Cwd)) // Files.readAllBytes
	if rerr != nil {
		return fileException(f.path, rerr)
	}
	entries, msg := readProducerSnapshot(data)
	if msg != "" {
		d.eprintln(msg)
		return nil
	}
	for _, e := range entries {
		d.printf("producerId: %d producerEpoch: %d coordinatorEpoch: %d currentTxnFirstOffset: %s lastTimestamp: %d ",
			e.producerID, e.epoch, e.coordinatorEpoch, e.currentTxnFirstOffset(), e.timestamp)
		if e.lastOffset >= 0 {
			d.printf("firstSequence: %d lastSequence: %d lastOffset: %d offsetDelta: %d timestamp: %d",
				decrementSequence(e.lastSeq, e.offsetDelta), e.lastSeq, e.lastOffset, e.offsetDelta, e.timestamp)
		}
		d.printf("\n")
	}
	return nil
}

type producerEntry struct {
	producerID       int64
	epoch            int16
	lastSeq          int32
	lastOffset       int64
	offsetDelta      int32
	timestamp        int64
	coordinatorEpoch int32
	txnFirstOffset   int64
}

func (e producerEntry) currentTxnFirstOffset() string {
	if e.txnFirstOffset >= 0 {
		return fmt.Sprintf("OptionalLong[%d]", e.txnFirstOffset)
	}
	return "OptionalLong.empty"
}

// readProducerSnapshot returns the entries, or the CorruptSnapshotException
// message the tool prints instead.
func readProducerSnapshot(data []byte) ([]producerEntry, string) {
	c := &cursor{b: data}
	fieldErr := func(path string, e *JavaException) string {
		msg := e.Message
		if !e.HasMsg {
			msg = e.Class
		}
		return "Snapshot failed schema validation: " + path + msg
	}
	version, err := c.int16()
	if err != nil {
		return nil, fieldErr("Error reading field 'version': ", err)
	}
	crc, err := c.int32()
	if err != nil {
		return nil, fieldErr("Error reading field 'crc': ", err)
	}
	n, err := c.int32()
	if err != nil {
		return nil, fieldErr("Error reading field 'producer_entries': ", err)
	}
	if n < 0 {
		return nil, fmt.Sprintf("Snapshot failed schema validation: Error reading field 'producer_entries': Array size %d cannot be negative", n)
	}
	if int(n) > c.remaining() {
		return nil, fmt.Sprintf("Snapshot failed schema validation: Error reading field 'producer_entries': Error reading array of size %d, only %d bytes available", n, c.remaining())
	}
	entries := make([]producerEntry, 0, n)
	names := []string{"producer_id", "epoch", "last_sequence", "last_offset", "offset_delta", "timestamp", "coordinator_epoch", "current_txn_first_offset"}
	for i := int32(0); i < n; i++ {
		var e producerEntry
		vals := make([]int64, len(names))
		for j, name := range names {
			var v int64
			var err *JavaException
			switch name {
			case "epoch":
				var s int16
				s, err = c.int16()
				v = int64(s)
			case "last_sequence", "offset_delta", "coordinator_epoch":
				var s int32
				s, err = c.int32()
				v = int64(s)
			default:
				v, err = c.int64()
			}
			if err != nil {
				return nil, fieldErr("Error reading field 'producer_entries': Error reading field '"+name+"': ", err)
			}
			vals[j] = v
		}
		e.producerID, e.epoch, e.lastSeq, e.lastOffset = vals[0], int16(vals[1]), int32(vals[2]), vals[3]
		e.offsetDelta, e.timestamp, e.coordinatorEpoch, e.txnFirstOffset = int32(vals[4]), vals[5], int32(vals[6]), vals[7]
		entries = append(entries, e)
	}
	if version != 1 {
		return nil, fmt.Sprintf("Snapshot contained an unknown file version %d", version)
	}
	if computed := crc32.Checksum(data[6:], castagnoli); uint32(crc) != computed {
		return nil, fmt.Sprintf("Snapshot is corrupt (CRC is no longer valid). Stored crc: %d. Computed crc: %d", uint32(crc), computed)
	}
	return entries, ""
}
