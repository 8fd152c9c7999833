package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

const now = int64(1_700_000_000_000)

// buildN builds a batch of n records with keys k<i>, values v<i> and
// timestamps now-1000+i, after applying set to the builder.
func buildN(t testing.TB, c Compression, n int, set func(*Builder)) Batch {
	t.Helper()
	bl := NewBuilder(0, c)
	if set != nil {
		set(bl)
	}
	for i := 0; i < n; i++ {
		if err := bl.Append(now-1000+int64(i), fmt.Appendf(nil, "k%d", i), fmt.Appendf(nil, "v%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	b, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func opts() ValidateOptions {
	o := DefaultValidateOptions(now)
	o.Partition = "t-0"
	return o
}

// reheader rewrites header fields of a copy of b and fixes the CRC.
func reheader(b Batch, edit func(b Batch)) Batch {
	nb := Batch(append([]byte(nil), b...))
	edit(nb)
	binary.BigEndian.PutUint32(nb[offsetCRC:], nb.ComputeCRC())
	return nb
}

func TestValidateBatchErrors(t *testing.T) {
	good := buildN(t, CompressionNone, 3, nil)
	badCRC := Batch(append([]byte(nil), good...))
	badCRC[len(badCRC)-1] ^= 1
	cases := []struct {
		name string
		b    Batch
		set  func(*ValidateOptions)
		err  error
		msg  string
	}{
		{"valid", good, nil, nil, ""},
		{"shorter than a header", good[:HeaderSize-1], nil, ErrCorrupt, "smaller than the minimum allowed overhead 61"},
		{"magic 1", reheader(good, func(b Batch) { b[offsetMagic] = 1 }), nil, ErrUnsupportedMagic, "1"},
		{"client base offset", reheader(good, func(b Batch) { b.SetBaseOffset(5) }), nil, ErrInvalid,
			"The baseOffset of the record batch in the append to t-0 should be 0, but it is 5"},
		{"coordinator base offset", reheader(good, func(b Batch) { b.SetBaseOffset(5) }), func(o *ValidateOptions) { o.Origin = OriginCoordinator }, nil, ""},
		{"over max.message.bytes", good, func(o *ValidateOptions) { o.MaxBatchSize = len(good) - 1 }, ErrTooLarge,
			fmt.Sprintf("The record batch size in the append to t-0 is %d bytes which exceeds the maximum configured value of %d.", len(good), len(good)-1)},
		{"replication ignores max.message.bytes", good, func(o *ValidateOptions) { o.MaxBatchSize = 10; o.Origin = OriginReplication }, nil, ""},
		{"bad crc", badCRC, nil, ErrCorrupt, fmt.Sprintf("Record is corrupt (stored crc = %d) in topic partition t-0.", good.CRC())},
		{"unknown codec", reheader(good, func(b Batch) { b[offsetAttributes+1] |= 5 }), nil, ErrCompression, "Unknown compression type id: 5"},
		{"negative offset range", reheader(good, func(b Batch) { binary.BigEndian.PutUint32(b[offsetLastDelta:], math.MaxUint32) }), nil, ErrInvalid,
			"Batch has an invalid offset range: [0, -1] in topic partition t-0"},
		{"zero count", reheader(good, func(b Batch) { binary.BigEndian.PutUint32(b[offsetRecordCount:], 0) }), nil, ErrInvalid,
			"Invalid reported count for record batch: 0 in topic partition t-0"},
		{"count and offsets disagree", reheader(good, func(b Batch) { binary.BigEndian.PutUint32(b[offsetRecordCount:], 2) }), nil, ErrInvalid,
			"Inconsistent batch offset range [0, 2] and count of records 2 in topic partition t-0"},
		{"client control batch", reheader(good, func(b Batch) { b[offsetAttributes+1] |= ControlMask }), nil, ErrInvalid,
			"Clients are not allowed to write control records in topic partition t-0"},
		{"producer id without sequence", reheader(good, func(b Batch) { binary.BigEndian.PutUint64(b[offsetProducerID:], 5) }), nil, ErrInvalid,
			"Invalid sequence number -1 in record batch with producerId 5 in topic partition t-0"},
		{"coordinator skips the client checks",
			reheader(good, func(b Batch) {
				b[offsetAttributes+1] |= ControlMask
				binary.BigEndian.PutUint64(b[offsetProducerID:], 5)
			}), func(o *ValidateOptions) { o.Origin = OriginCoordinator }, nil, ""},
		{"no partition name", badCRC, func(o *ValidateOptions) { o.Partition = "" }, ErrCorrupt, fmt.Sprintf("(stored crc = %d).", good.CRC())},
	}
	for _, tc := range cases {
		o := opts()
		if tc.set != nil {
			tc.set(&o)
		}
		_, err := Validate(tc.b, o)
		switch {
		case tc.err == nil && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.err != nil && (!errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.msg)):
			t.Errorf("%s: %v; want %v ending %q", tc.name, err, tc.err, tc.msg)
		}
	}
}

func TestValidateRecordErrors(t *testing.T) {
	keyless := func(c Compression, n int, ts int64) Batch {
		bl := NewBuilder(0, c)
		for i := 0; i < n; i++ {
			bl.Append(ts, nil, []byte("v"))
		}
		b, err := bl.Build()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	noKeyMsg := "Compacted topic cannot accept message without key in topic partition t-0"
	re := func(i int, m string) string { return fmt.Sprintf("RecordError(batchIndex=%d, message='%s')", i, m) }
	cases := []struct {
		name    string
		b       Batch
		set     func(*ValidateOptions)
		err     error
		message string
		records []RecordError
	}{
		{"compacted without key", keyless(CompressionNone, 1, now), func(o *ValidateOptions) { o.Compacted = true }, ErrInvalid,
			"One or more records have been rejected due to 1 record errors in total, and only showing the first three errors at most: [" + re(0, noKeyMsg) + "]",
			[]RecordError{{0, noKeyMsg}}},
		{"five keyless compressed records show three", keyless(CompressionGzip, 5, now), func(o *ValidateOptions) { o.Compacted = true }, ErrInvalid,
			"One or more records have been rejected due to 5 record errors in total, and only showing the first three errors at most: [" +
				re(0, noKeyMsg) + ", " + re(1, noKeyMsg) + ", " + re(2, noKeyMsg) + "]",
			[]RecordError{{0, noKeyMsg}, {1, noKeyMsg}, {2, noKeyMsg}, {3, noKeyMsg}, {4, noKeyMsg}}},
		{"too old", keyless(CompressionNone, 2, now-5000), func(o *ValidateOptions) { o.TimestampBeforeMaxMs = 4000 }, ErrTimestamp,
			"One or more records have been rejected due to invalid timestamp",
			[]RecordError{
				{0, fmt.Sprintf("Timestamp %d of message with offset 0 is out of range. The timestamp should be within [%d, %d]", now-5000, now-4000, int64(math.MinInt64)+now-1)},
				{1, fmt.Sprintf("Timestamp %d of message with offset 1 is out of range. The timestamp should be within [%d, %d]", now-5000, now-4000, int64(math.MinInt64)+now-1)},
			}},
		{"too new", keyless(CompressionLZ4, 1, now+61), func(o *ValidateOptions) { o.TimestampAfterMaxMs = 60 }, ErrTimestamp,
			"One or more records have been rejected due to invalid timestamp",
			[]RecordError{{0, fmt.Sprintf("Timestamp %d of message with offset 0 is out of range. The timestamp should be within [%d, %d]", now+61, now-math.MaxInt64, now+60)}}},
		{"no timestamp is never out of range", keyless(CompressionNone, 1, NoTimestamp), func(o *ValidateOptions) { o.TimestampBeforeMaxMs, o.TimestampAfterMaxMs = 0, 0 }, nil, "", nil},
		{"at the bounds", keyless(CompressionNone, 1, now-10), func(o *ValidateOptions) { o.TimestampBeforeMaxMs = 10 }, nil, "", nil},
		{"producer set LogAppendTime on a LogAppendTime topic",
			reheader(keyless(CompressionNone, 1, now), func(b Batch) { b[offsetAttributes+1] |= TimestampTypeMask }),
			func(o *ValidateOptions) { o.TimestampType = LogAppendTime }, ErrTimestamp,
			"One or more records have been rejected due to invalid timestamp",
			[]RecordError{{0, fmt.Sprintf("Invalid timestamp type in message DefaultRecord(offset=0, timestamp=%d, key=0 bytes, value=1 bytes). Producer should not set timestamp type to LogAppendTime.", now)}}},
		{"compressed in place prints PartialDefaultRecord",
			reheader(keyless(CompressionSnappy, 1, now), func(b Batch) { b[offsetAttributes+1] |= TimestampTypeMask }),
			func(o *ValidateOptions) { o.TimestampType = LogAppendTime }, ErrTimestamp,
			"One or more records have been rejected due to invalid timestamp",
			[]RecordError{{0, fmt.Sprintf("Invalid timestamp type in message PartialDefaultRecord(offset=0, timestamp=%d, key=-1 bytes, value=1 bytes). Producer should not set timestamp type to LogAppendTime.", now)}}},
		{"a key error hides the record's timestamp error", keyless(CompressionNone, 1, now-5000),
			func(o *ValidateOptions) { o.Compacted, o.TimestampBeforeMaxMs = true, 10 }, ErrInvalid, "", []RecordError{{0, noKeyMsg}}},
	}
	for _, tc := range cases {
		o := opts()
		if tc.set != nil {
			tc.set(&o)
		}
		_, err := Validate(tc.b, o)
		if tc.err == nil {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		var ve *ValidationError
		if !errors.As(err, &ve) || !errors.Is(err, tc.err) {
			t.Errorf("%s: %v; want a ValidationError wrapping %v", tc.name, err, tc.err)
			continue
		}
		if tc.message != "" && ve.Message != tc.message {
			t.Errorf("%s: message\n%s\nwant\n%s", tc.name, ve.Message, tc.message)
		}
		if fmt.Sprint(ve.Records) != fmt.Sprint(tc.records) {
			t.Errorf("%s: records\n%v\nwant\n%v", tc.name, ve.Records, tc.records)
		}
		if !strings.HasPrefix(err.Error(), "record: ") {
			t.Errorf("%s: %q lacks the package prefix", tc.name, err)
		}
	}
}

func TestCheckTimestamp(t *testing.T) {
	if err := CheckTimestamp(now, 3, now, 0, 0); err != nil {
		t.Fatal(err)
	}
	err := CheckTimestamp(now-2, 3, now, 1, 5)
	want := fmt.Sprintf("record: invalid timestamp: Timestamp %d of message with offset 3 is out of range. The timestamp should be within [%d, %d]", now-2, now-1, now+5)
	if !errors.Is(err, ErrTimestamp) || err.Error() != want {
		t.Fatalf("%v", err)
	}
	// Java's wrapping arithmetic: with unlimited bounds any timestamp passes.
	for _, ts := range []int64{math.MinInt64, -2, 0, math.MaxInt64} {
		if !TimestampInRange(ts, now, math.MaxInt64, math.MaxInt64) {
			t.Errorf("%d out of unlimited range", ts)
		}
	}
}

func TestValidateSummaryUncompressed(t *testing.T) {
	// Deltas out of order, and a header max timestamp that lies.
	bl := NewBuilder(0, CompressionNone)
	bl.Append(now-5, []byte("a"), []byte("1"))
	bl.Append(now-9, []byte("b"), []byte("22"))
	bl.Append(now-7, []byte("c"), nil)
	b, _ := bl.Build()
	b = reheader(b, func(b Batch) { binary.BigEndian.PutUint64(b[offsetMaxTimestamp:], uint64(now+1000)) })
	before := append([]byte(nil), b...)
	s, err := Validate(b, opts())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, b) {
		t.Fatal("Validate modified the batch")
	}
	want := Summary{Size: len(b), Compression: CompressionNone, Count: 3, LastOffsetDelta: 2, TimestampType: CreateTime,
		MaxTimestamp: now - 5, FirstTimestamp: now - 5, RecordsChecked: true, OffsetsConsecutive: true,
		UncompressedBytes: len(b), maxAtLast: true}
	if s != want {
		t.Fatalf("summary\n%+v\nwant\n%+v", s, want)
	}
	if s.ShallowOffsetOfMaxTimestamp(42) != 42 {
		t.Errorf("shallow offset")
	}
	last := s.Assign(b, 1000, 7)
	if last != 1002 || b.BaseOffset() != 1000 || b.PartitionLeaderEpoch() != 7 || b.MaxTimestamp() != now-5 || b.ValidateHeader() != nil {
		t.Fatalf("assigned: last %d base %d epoch %d max %d crc ok %v", last, b.BaseOffset(), b.PartitionLeaderEpoch(), b.MaxTimestamp(), b.CRCValid())
	}
}

func TestValidateNonConsecutiveOffsets(t *testing.T) {
	mk := func(c Compression) Batch {
		bl := NewBuilder(0, c)
		bl.AppendWithOffset(0, now, []byte("a"), nil)
		bl.AppendWithOffset(2, now, []byte("b"), nil)
		bl.AppendWithOffset(3, now, []byte("c"), nil)
		b, _ := bl.Build()
		// Three records over offsets 0..3 would fail the count check;
		// claim a last delta of 2 as a buggy client would.
		return reheader(b, func(b Batch) { binary.BigEndian.PutUint32(b[offsetLastDelta:], 2) })
	}
	// Uncompressed: Kafka assigns in place without looking at the deltas.
	s, err := Validate(mk(CompressionNone), opts())
	if err != nil || s.OffsetsConsecutive || s.NeedsRebuild {
		t.Fatalf("uncompressed: %+v, %v", s, err)
	}
	// Compressed: Kafka re-encodes with consecutive offsets.
	b := mk(CompressionZstd)
	s, err = Validate(b, opts())
	if err != nil || s.OffsetsConsecutive || !s.NeedsRebuild {
		t.Fatalf("compressed: %+v, %v", s, err)
	}
	nb, ns, err := Rebuild(b, opts())
	if err != nil {
		t.Fatal(err)
	}
	if nb.Compression() != CompressionZstd || ns.Count != 3 || ns.LastOffsetDelta != 2 || !ns.OffsetsConsecutive {
		t.Fatalf("rebuilt: %+v", ns)
	}
	s2, err := Validate(nb, opts())
	if err != nil || !s2.OffsetsConsecutive || s2.NeedsRebuild || s2.MaxTimestamp != ns.MaxTimestamp {
		t.Fatalf("rebuilt batch validates as %+v, %v", s2, err)
	}
	recs, _ := walkAll(nb)
	for i, r := range recs {
		if r.OffsetDelta != int32(i) || string(r.Key) != string("abc"[i]) {
			t.Errorf("rebuilt record %d: %+v", i, r)
		}
	}
}

func TestValidateRecompression(t *testing.T) {
	hdr := Header{Key: []byte("trace"), Value: []byte("x")}
	bl := NewBuilder(0, CompressionLZ4).SetProducer(9, 2, 40).SetTransactional(true)
	bl.Append(now, []byte("k"), []byte("v"), hdr)
	bl.Append(NoTimestamp, nil, nil)
	b, _ := bl.Build()
	o := opts()
	o.Recompress, o.TargetCompression = true, CompressionGzip
	s, err := Validate(b, o)
	if err != nil || !s.NeedsRebuild {
		t.Fatalf("%+v, %v", s, err)
	}
	nb, ns, err := Rebuild(b, o)
	if err != nil {
		t.Fatal(err)
	}
	if nb.Compression() != CompressionGzip || nb.ProducerID() != 9 || nb.ProducerEpoch() != 2 || nb.BaseSequence() != 40 || !nb.IsTransactional() {
		t.Fatalf("rebuilt header: %x", []byte(nb[:HeaderSize]))
	}
	recs, err := walkAll(nb)
	if err != nil || len(recs) != 2 {
		t.Fatal(err)
	}
	hs := recs[0].AppendHeaders(nil)
	if string(recs[0].Key) != "k" || len(hs) != 1 || string(hs[0].Key) != "trace" || recs[1].Key != nil || recs[1].Value != nil || recs[1].Timestamp != NoTimestamp {
		t.Fatalf("rebuilt records: %+v", recs)
	}
	if ns.MaxTimestamp != now || ns.ShallowOffsetOfMaxTimestamp(10) != 10 {
		t.Fatalf("rebuilt summary %+v", ns)
	}

	// Uncompressed records to a gzip topic: rebuilt compressed; but an
	// uncompressed control batch stays in place.
	o.Origin = OriginCoordinator
	plain := buildN(t, CompressionNone, 2, nil)
	if s, err := Validate(plain, o); err != nil || !s.NeedsRebuild {
		t.Fatalf("uncompressed to gzip topic: %+v, %v", s, err)
	}
	marker := NewBuilder(0, CompressionNone).SetProducer(9, 2, NoSequence).SetTransactional(true).SetControl(true)
	marker.AppendEndTxnMarker(now, true, 3)
	mb, err := marker.Build()
	if err != nil {
		t.Fatal(err)
	}
	if s, err := Validate(mb, o); err != nil || s.NeedsRebuild {
		t.Fatalf("control batch to gzip topic: %+v, %v", s, err)
	}
}

func TestValidateLogAppendTime(t *testing.T) {
	for _, c := range []Compression{CompressionNone, CompressionSnappy} {
		b := buildN(t, c, 3, nil)
		o := opts()
		o.TimestampType = LogAppendTime
		s, err := Validate(b, o)
		if err != nil {
			t.Fatal(err)
		}
		if s.MaxTimestamp != now || s.FirstTimestamp != now || s.TimestampType != LogAppendTime || s.ShallowOffsetOfMaxTimestamp(5) != 5 {
			t.Fatalf("%s: %+v", c, s)
		}
		s.Assign(b, 0, 0)
		recs, err := walkAll(b)
		if err != nil || !b.IsLogAppendTime() || b.ValidateHeader() != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.Timestamp != now {
				t.Fatalf("%s: record timestamp %d", c, r.Timestamp)
			}
		}
	}
}

func TestValidateShallowOffsetWithoutTimestamps(t *testing.T) {
	for c, want := range map[Compression]int64{CompressionNone: -1, CompressionGzip: 9} {
		bl := NewBuilder(0, c)
		bl.Append(NoTimestamp, []byte("k"), nil)
		b, _ := bl.Build()
		s, err := Validate(b, opts())
		if err != nil || s.MaxTimestamp != NoTimestamp || s.ShallowOffsetOfMaxTimestamp(9) != want {
			t.Errorf("%s: %+v, %v; want shallow offset %d", c, s, err, want)
		}
	}
}

func TestValidateReplicationChecksOnlyTheHeader(t *testing.T) {
	// A compacted batch: one record left of offsets 0..4, and an empty one.
	bl := NewBuilder(100, CompressionGzip).SetProducer(3, 0, 10)
	bl.AppendWithOffset(102, now, []byte("k"), []byte("v"))
	bl.OverrideLastOffset(104)
	compacted, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	empty := EmptyFrom(compacted)
	o := opts()
	o.Origin = OriginReplication
	for name, b := range map[string]Batch{"compacted": compacted, "empty": empty} {
		s, err := Validate(b, o)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if s.RecordsChecked || s.UncompressedBytes != 0 || s.MaxTimestamp != now || s.ShallowOffsetOfMaxTimestamp(104) != 104 {
			t.Fatalf("%s: %+v", name, s)
		}
		// The client path refuses both.
		if _, err := Validate(b, opts()); !errors.Is(err, ErrInvalid) {
			t.Fatalf("%s from a client: %v", name, err)
		}
	}
	bad := Batch(append([]byte(nil), compacted...))
	bad[HeaderSize] ^= 0xff
	if _, err := Validate(bad, o); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("replication with a bad CRC: %v", err)
	}
}

func TestValidateCompressedGarbage(t *testing.T) {
	b := buildN(t, CompressionGzip, 5, nil)
	// Replace the compressed records with junk under a valid CRC.
	junk := reheader(b, func(b Batch) { copy(b[HeaderSize:], bytes.Repeat([]byte{0x5a}, len(b)-HeaderSize)) })
	if _, err := Validate(junk, opts()); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("junk payload: %v", err)
	}
	// A payload that decompresses to the wrong records.
	wrong, _ := Compress(nil, CompressionGzip, 0, []byte{0x02, 0x00})
	bad := rawBatch(nil, 5, 4)
	bad = append(bad[:HeaderSize:HeaderSize], wrong...)
	bad = reheader(bad, func(b Batch) {
		binary.BigEndian.PutUint32(b[offsetLength:], uint32(len(b)-LogOverhead))
		b[offsetAttributes+1] |= byte(CompressionGzip)
	})
	if _, err := Validate(bad, opts()); !errors.Is(err, ErrInvalid) {
		t.Fatalf("wrong records: %v", err)
	}
	// The decompression bound.
	o := opts()
	o.MaxUncompressed = 10
	if _, err := Validate(b, o); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("bound: %v", err)
	}
}

func TestValidateSkipCompressedRecords(t *testing.T) {
	b := buildN(t, CompressionZstd, 4, nil)
	junk := reheader(b, func(b Batch) { copy(b[HeaderSize:], bytes.Repeat([]byte{1}, len(b)-HeaderSize)) })
	o := opts()
	o.SkipCompressedRecords = true
	s, err := Validate(junk, o)
	if err != nil || s.RecordsChecked || s.Count != 4 || s.MaxTimestamp != b.MaxTimestamp() || s.ShallowOffsetOfMaxTimestamp(3) != 3 {
		t.Fatalf("fast path: %+v, %v", s, err)
	}
	// Options under which a record rule could fail walk the records.
	for name, set := range map[string]func(*ValidateOptions){
		"compacted":      func(o *ValidateOptions) { o.Compacted = true },
		"bounded":        func(o *ValidateOptions) { o.TimestampAfterMaxMs = 3600_000 },
		"recompressed":   func(o *ValidateOptions) { o.Recompress, o.TargetCompression = true, CompressionGzip },
		"uncompressible": func(o *ValidateOptions) {},
	} {
		o := opts()
		o.SkipCompressedRecords = true
		set(&o)
		in := junk
		if name == "uncompressible" {
			in = rawBatch([]byte{1, 2, 3}, 1, 0)
		}
		if _, err := Validate(in, o); err == nil {
			t.Errorf("%s: junk accepted", name)
		}
	}
	o.TimestampType = LogAppendTime
	if s, err := Validate(junk, o); err != nil || s.MaxTimestamp != now {
		t.Fatalf("LogAppendTime fast path: %+v, %v", s, err)
	}
}

func TestValidateUncompressedDoesNotAllocate(t *testing.T) {
	b := buildN(t, CompressionNone, 100, nil)
	o := opts()
	o.Compacted = true
	o.TimestampBeforeMaxMs = 3600_000
	allocs := testing.AllocsPerRun(50, func() {
		if _, err := Validate(b, o); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations", allocs)
	}
}

func TestSetMaxTimestamp(t *testing.T) {
	b := buildN(t, CompressionNone, 2, nil)
	b = reheader(b, func(b Batch) { b[offsetAttributes] |= 0x80; b[offsetAttributes+1] |= 0x80 })
	crc := b.CRC()
	b.SetMaxTimestamp(CreateTime, b.MaxTimestamp())
	if b.CRC() != crc {
		t.Fatal("an unchanged max timestamp rewrote the batch")
	}
	b.SetMaxTimestamp(LogAppendTime, 77)
	if !b.IsLogAppendTime() || b.MaxTimestamp() != 77 || !b.CRCValid() || b.Attributes() != TimestampTypeMask {
		t.Fatalf("attributes %x max %d", b.Attributes(), b.MaxTimestamp())
	}
	b.SetMaxTimestamp(CreateTime, 78)
	if b.IsLogAppendTime() || b.MaxTimestamp() != 78 || !b.CRCValid() {
		t.Fatal("back to CreateTime")
	}
}
