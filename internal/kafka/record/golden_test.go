package record

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

// goldenBatch is what MemoryRecordsBuilder writes, worked out by hand from
// DefaultRecordBatch.writeHeader and DefaultRecord.writeTo, for:
//
//	new MemoryRecordsBuilder(buf, MAGIC_VALUE_V2, Compression.NONE, CREATE_TIME,
//	    0L, NO_TIMESTAMP, NO_PRODUCER_ID, NO_PRODUCER_EPOCH, NO_SEQUENCE,
//	    false, false, NO_PARTITION_LEADER_EPOCH, cap)
//	append(1000L, "k", "v")
//	append(1005L, null, "vv", [RecordHeader("h", "x")])
//
// The CRC-32C was computed separately (bitwise, polynomial 0x82F63B78).
var goldenBatch = mustHex(strings.Join([]string{
	"0000000000000000", // baseOffset 0
	"00000047",         // batchLength 83-12
	"ffffffff",         // partitionLeaderEpoch -1
	"02",               // magic
	"280affb7",         // crc
	"0000",             // attributes
	"00000001",         // lastOffsetDelta
	"00000000000003e8", // baseTimestamp 1000
	"00000000000003ed", // maxTimestamp 1005
	"ffffffffffffffff", // producerId -1
	"ffff",             // producerEpoch -1
	"ffffffff",         // baseSequence -1
	"00000002",         // records
	// record 0: length 8, attrs, tsDelta 0, offsetDelta 0, key "k", value "v", 0 headers
	"10" + "00" + "00" + "00" + "026b" + "0276" + "00",
	// record 1: length 12, attrs, tsDelta 5, offsetDelta 1, null key, value "vv", 1 header h=x
	"18" + "00" + "0a" + "02" + "01" + "047676" + "02" + "0268" + "0278",
}, ""))

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func TestBuilderMatchesJavaGoldenVector(t *testing.T) {
	bl := NewBuilder(0, CompressionNone)
	if err := bl.Append(1000, []byte("k"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := bl.Append(1005, nil, []byte("vv"), Header{Key: []byte("h"), Value: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	b, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, goldenBatch) {
		t.Fatalf("built\n%x\nwant\n%x", []byte(b), goldenBatch)
	}
}

func TestGoldenVectorDecodes(t *testing.T) {
	b, n, err := Parse(goldenBatch)
	if err != nil || n != len(goldenBatch) {
		t.Fatalf("Parse: %d, %v", n, err)
	}
	if err := b.ValidateHeader(); err != nil {
		t.Fatal(err)
	}
	data, err := b.RecordData(nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	it := b.Iter(data)
	var recs []Record
	var r Record
	for it.Next(&r) {
		recs = append(recs, r)
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("got %d records", len(recs))
	}
	r0, r1 := recs[0], recs[1]
	if r0.Offset != 0 || r0.Timestamp != 1000 || string(r0.Key) != "k" || string(r0.Value) != "v" || r0.NumHeaders != 0 || r0.Size != 9 {
		t.Errorf("record 0: %+v", r0)
	}
	if r1.Offset != 1 || r1.Timestamp != 1005 || r1.Key != nil || r1.HasKey() || string(r1.Value) != "vv" || r1.Size != 13 {
		t.Errorf("record 1: %+v", r1)
	}
	hs := r1.AppendHeaders(nil)
	if len(hs) != 1 || string(hs[0].Key) != "h" || string(hs[0].Value) != "x" {
		t.Errorf("headers: %q", hs)
	}
	if r0.Sequence != NoSequence {
		t.Errorf("sequence without a base sequence: %d", r0.Sequence)
	}
	if got := r0.String(); got != "DefaultRecord(offset=0, timestamp=1000, key=1 bytes, value=1 bytes)" {
		t.Errorf("String: %s", got)
	}
}
