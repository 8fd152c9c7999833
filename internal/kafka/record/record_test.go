package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestVarintsMatchJava(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		v    int32
		n    int
	}{
		{"zero", []byte{0}, 0, 1},
		{"minus one", []byte{1}, -1, 1},
		{"one", []byte{2}, 1, 1},
		{"non-minimal zero", []byte{0x80, 0x00}, 0, 2},
		{"max int32", []byte{0xfe, 0xff, 0xff, 0xff, 0x0f}, math.MaxInt32, 5},
		{"min int32", []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, math.MinInt32, 5},
		// Java keeps only the low 4 bits of the 5th byte.
		{"5th byte high bits dropped", []byte{0xff, 0xff, 0xff, 0xff, 0x7f}, math.MinInt32, 5},
		{"continuation on the 5th byte", []byte{0xff, 0xff, 0xff, 0xff, 0x80, 0x00}, 0, 0},
		{"truncated", []byte{0x80}, 0, 0},
		{"empty", nil, 0, 0},
	}
	for _, tc := range cases {
		v, n := readVarint(tc.in)
		if v != tc.v || n != tc.n {
			t.Errorf("%s: readVarint = %d, %d; want %d, %d", tc.name, v, n, tc.v, tc.n)
		}
	}
	long := []struct {
		name string
		in   []byte
		v    int64
		n    int
	}{
		{"zero", []byte{0}, 0, 1},
		{"max int64", binary.AppendVarint(nil, math.MaxInt64), math.MaxInt64, 10},
		{"min int64", binary.AppendVarint(nil, math.MinInt64), math.MinInt64, 10},
		{"10th byte high bits dropped", []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, math.MaxInt64, 10},
		{"11 bytes", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00}, 0, 0},
		{"truncated", []byte{0xff, 0xff}, 0, 0},
	}
	for _, tc := range long {
		v, n := readVarlong(tc.in)
		if v != tc.v || n != tc.n {
			t.Errorf("%s: readVarlong = %d, %d; want %d, %d", tc.name, v, n, tc.v, tc.n)
		}
	}
}

// TestVarintEncodingMatchesZigZag checks the writers against
// encoding/binary's zig-zag varints, which use the same encoding.
func TestVarintEncodingMatchesZigZag(t *testing.T) {
	for _, v := range []int64{0, 1, -1, 63, -64, 64, 300, -300, math.MaxInt32, math.MinInt32, math.MaxInt64, math.MinInt64, 1 << 40} {
		if got, want := appendVarlong(nil, v), binary.AppendVarint(nil, v); !bytes.Equal(got, want) {
			t.Errorf("appendVarlong(%d) = %x, want %x", v, got, want)
		}
		if sizeOfVarlong(v) != len(binary.AppendVarint(nil, v)) {
			t.Errorf("sizeOfVarlong(%d)", v)
		}
		if v32 := int32(v); int64(v32) == v {
			got := appendVarint(nil, v32)
			if want := binary.AppendVarint(nil, v); !bytes.Equal(got, want) {
				t.Errorf("appendVarint(%d) = %x, want %x", v, got, want)
			}
			if back, n := readVarint(got); back != v32 || n != len(got) || sizeOfVarint(v32) != n {
				t.Errorf("readVarint(appendVarint(%d)) = %d, %d", v, back, n)
			}
		}
	}
}

// rawBatch wraps encoded records in a v2 header with a correct CRC.
func rawBatch(records []byte, count, lastDelta int32) Batch {
	b := Batch(make([]byte, HeaderSize+len(records)))
	copy(b[HeaderSize:], records)
	writeHeader(b, header{
		lastOffsetDelta: lastDelta, leaderEpoch: -1, baseTimestamp: 1000, maxTimestamp: 1000,
		producerID: -1, producerEpoch: -1, baseSequence: -1, count: count,
	})
	return b
}

// rec encodes a record body given as raw field bytes.
func rec(fields ...[]byte) []byte {
	body := bytes.Join(fields, nil)
	return append(appendVarint(nil, int32(len(body))), body...)
}

func vi(v int32) []byte { return appendVarint(nil, v) }

func walkAll(b Batch) ([]Record, error) {
	data, err := b.RecordData(nil, 0)
	if err != nil {
		return nil, err
	}
	it := b.Iter(data)
	var out []Record
	var r Record
	for it.Next(&r) {
		out = append(out, r)
	}
	return out, it.Err()
}

func TestRecordDecodingErrors(t *testing.T) {
	attrs, ts0, off0 := []byte{0}, vi(0), vi(0)
	key, val := append(vi(1), 'k'), append(vi(1), 'v')
	noHeaders := vi(0)
	good := rec(attrs, ts0, off0, key, val, noHeaders)
	cases := []struct {
		name    string
		records []byte
		count   int32
		err     string // substring; "" = valid
	}{
		{"valid", good, 1, ""},
		{"length varint truncated", []byte{0x80}, 1, "premature EOF"},
		{"negative length", vi(-2), 1, "expected -2 bytes in record payload"},
		{"length past the end", append(vi(50), good[1:]...), 1, "expected 50 bytes in record payload, but instead the buffer has only"},
		{"empty body", vi(0), 1, "Found invalid record structure"},
		{"timestamp runs off", rec(attrs, []byte{0x80}), 1, "Found invalid record structure"},
		{"timestamp of 11 bytes", rec(attrs, bytes.Repeat([]byte{0xff}, 11), off0, key, val, noHeaders), 1, "Found invalid record structure"},
		{"offset delta continuation on 5th byte", rec(attrs, ts0, []byte{0xff, 0xff, 0xff, 0xff, 0xff}, key, val, noHeaders), 1, "Found invalid record structure"},
		{"key past the record", rec(attrs, ts0, off0, append(vi(9), 'k')), 1, "Found invalid record structure"},
		{"value past the record", rec(attrs, ts0, off0, key, append(vi(3), 'v')), 1, "Found invalid record structure"},
		{"negative header count", rec(attrs, ts0, off0, key, val, vi(-1)), 1, "Found invalid number of record headers -1"},
		{"header count over the bytes left", rec(attrs, ts0, off0, key, val, vi(5), vi(0)), 1, "5 is larger than the remaining size of the buffer"},
		{"negative header key", rec(attrs, ts0, off0, key, val, vi(1), vi(-1), vi(-1)), 1, "Invalid negative header key size -1"},
		{"header value past the record", rec(attrs, ts0, off0, key, val, vi(1), vi(0), vi(4), []byte("ab")), 1, "Found invalid record structure"},
		{"bytes left in the record", rec(attrs, ts0, off0, key, val, noHeaders, []byte{0}), 1, "expected to read 9 bytes in record payload, but instead read 8"},
		{"fewer records than counted", good, 2, "premature EOF"},
		{"more records than counted", append(append([]byte{}, good...), good...), 1, "records still remaining"},
		{"negative count", good, -1, "Found invalid record count -1"},
	}
	for _, tc := range cases {
		_, err := walkAll(rawBatch(tc.records, tc.count, max(tc.count-1, 0)))
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.err != "" && (!errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: %v; want ErrInvalid containing %q", tc.name, err, tc.err)
		}
	}
}

func TestRecordNullsAsJavaReadsThem(t *testing.T) {
	// Utils.readBytes treats any negative length as null, for keys, values
	// and header values.
	b := rawBatch(rec([]byte{0}, vi(7), vi(0), vi(-5), vi(-1), vi(2),
		append(vi(1), 'a'), vi(-3),
		vi(0), vi(0)), 1, 0)
	recs, err := walkAll(b)
	if err != nil {
		t.Fatal(err)
	}
	r := recs[0]
	if r.Key != nil || r.Value != nil || r.HasValue() || r.Timestamp != 1007 || r.NumHeaders != 2 {
		t.Fatalf("%+v", r)
	}
	hs := r.AppendHeaders(nil)
	if string(hs[0].Key) != "a" || hs[0].Value != nil {
		t.Errorf("header 0: %q", hs[0])
	}
	if hs[1].Key == nil || len(hs[1].Key) != 0 || hs[1].Value == nil || len(hs[1].Value) != 0 {
		t.Errorf("header 1 should be an empty key and an empty (not null) value: %#v", hs[1])
	}
}

func TestRecordDerivedFields(t *testing.T) {
	bl := NewBuilder(100, CompressionNone).SetProducer(7, 1, math.MaxInt32-1)
	for i := 0; i < 3; i++ {
		if err := bl.Append(int64(2000+i), []byte{byte(i)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	b, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	recs, err := walkAll(b)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		if r.Offset != int64(100+i) || r.OffsetDelta != int32(i) || r.Timestamp != int64(2000+i) {
			t.Errorf("record %d: %+v", i, r)
		}
	}
	// Sequences wrap past MaxInt32 to 0 (DefaultRecordBatch.incrementSequence).
	if recs[0].Sequence != math.MaxInt32-1 || recs[1].Sequence != math.MaxInt32 || recs[2].Sequence != 0 {
		t.Errorf("sequences %d %d %d", recs[0].Sequence, recs[1].Sequence, recs[2].Sequence)
	}
	if b.LastSequence() != 0 {
		t.Errorf("LastSequence %d", b.LastSequence())
	}
	// Under LogAppendTime every record carries the batch's max timestamp.
	b.SetLogAppendTime(5555)
	recs, err = walkAll(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.Timestamp != 5555 {
			t.Errorf("LogAppendTime record timestamp %d", r.Timestamp)
		}
	}
}

func TestRecordIterDoesNotAllocate(t *testing.T) {
	bl := NewBuilder(0, CompressionNone)
	for i := 0; i < 50; i++ {
		bl.Append(int64(i), []byte("key"), []byte("value"), Header{Key: []byte("h"), Value: []byte("v")})
	}
	b, _ := bl.Build()
	allocs := testing.AllocsPerRun(100, func() {
		it := b.Iter(b.Records())
		var r Record
		for it.Next(&r) {
			h := r.Headers()
			for _, ok := h.Next(); ok; _, ok = h.Next() {
			}
		}
		if it.Err() != nil {
			t.Fatal(it.Err())
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per walk", allocs)
	}
}
