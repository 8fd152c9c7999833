package record

import (
	"bytes"
	"errors"
	"testing"
)

// fuzzSeeds are batches in every codec, with headers, control records, a
// delete horizon and LogAppendTime.
func fuzzSeeds(t testing.TB) [][]byte {
	seeds := [][]byte{goldenBatch}
	for _, c := range append([]Compression{CompressionNone}, codecs...) {
		seeds = append(seeds, buildSamples(t, NewBuilder(0, c).SetProducer(1, 0, 0), samples(5, uint64(c))))
	}
	m := NewBuilder(3, CompressionNone).SetProducer(1, 0, NoSequence).SetTransactional(true).SetControl(true)
	m.AppendEndTxnMarker(now, false, 2)
	mb, _ := m.Build()
	d := NewBuilder(0, CompressionNone).SetDeleteHorizon(now).SetLogAppendTime(now)
	d.Append(now, nil, []byte("tombstone?"))
	db, _ := d.Build()
	two := append(append([]byte(nil), mb...), db...)
	return append(seeds, mb, db, two, EmptyFrom(db))
}

var fuzzOptions = func() []ValidateOptions {
	client := DefaultValidateOptions(now)
	client.MaxUncompressed = 256 << 10
	compacted := client
	compacted.Compacted, compacted.TimestampType = true, LogAppendTime
	bounded := client
	bounded.Origin, bounded.TimestampBeforeMaxMs, bounded.TimestampAfterMaxMs = OriginCoordinator, 1000, 1000
	bounded.Recompress, bounded.TargetCompression = true, CompressionSnappy
	fast := client
	fast.SkipCompressedRecords = true
	repl := client
	repl.Origin = OriginReplication
	return []ValidateOptions{client, compacted, bounded, fast, repl}
}()

// FuzzParseValidate feeds arbitrary bytes through every reader: batch
// iteration (whole and by prefix), the header checks, Validate under
// several configurations, Rebuild, and a full record walk.
func FuzzParseValidate(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, cut := range []int{len(data), len(data) / 2, min(len(data), HeaderSize+3)} {
			it := Iterate(data[:cut])
			for {
				b, pos, ok := it.Next()
				if !ok {
					break
				}
				if pos+len(b) > cut {
					t.Fatalf("batch at %d of %d bytes overruns %d", pos, len(b), cut)
				}
			}
		}
		it := Iterate(data)
		for {
			b, _, ok := it.Next()
			if !ok {
				break
			}
			_ = b.ValidateHeader()
			before := append([]byte(nil), b...)
			for _, o := range fuzzOptions {
				s, err := Validate(b, o)
				if !bytes.Equal(before, b) {
					t.Fatal("Validate modified the batch")
				}
				if err == nil && s.NeedsRebuild {
					nb, ns, err := Rebuild(b, o)
					if err != nil {
						t.Fatalf("Rebuild of a valid batch: %v", err)
					}
					if s2, err := Validate(nb, o); err != nil && o.Origin != OriginClient || err == nil && (s2.NeedsRebuild || s2.Count != ns.Count) {
						t.Fatalf("rebuilt batch: %+v, %v", s2, err)
					}
				}
				var ve *ValidationError
				if errors.As(err, &ve) && len(ve.Records) == 0 {
					t.Fatal("a ValidationError without record errors")
				}
			}
			if b.Size() < HeaderSize {
				continue
			}
			recs, err := b.RecordData(nil, 256<<10)
			if err != nil {
				continue
			}
			ri := b.Iter(recs)
			var r Record
			n := 0
			for ri.Next(&r) {
				n++
				h := r.Headers()
				hn := 0
				for _, ok := h.Next(); ok; _, ok = h.Next() {
					hn++
				}
				if hn != r.NumHeaders {
					t.Fatalf("%d headers walked, %d counted", hn, r.NumHeaders)
				}
			}
			if ri.Err() == nil && int32(n) != b.RecordCount() {
				t.Fatalf("%d records walked, header says %d", n, b.RecordCount())
			}
		}
	})
}

const fuzzLimit = 64 << 10

func fuzzDecompress(f *testing.F, c Compression) {
	for _, n := range []int{0, 10, 1000, 70 << 10} {
		comp, err := Compress(nil, c, 0, testData(n, uint64(n)))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(comp)
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := Decompress(nil, c, data, fuzzLimit)
		if err == nil && len(out) > fuzzLimit {
			t.Fatalf("%d bytes out with a limit of %d", len(out), fuzzLimit)
		}
		if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooLarge) {
			t.Fatalf("unexpected error class: %v", err)
		}
		comp, err := Compress(nil, c, 0, data)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Decompress(nil, c, comp, len(data))
		if err != nil || !bytes.Equal(back, data) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func FuzzDecompressGzip(f *testing.F)   { fuzzDecompress(f, CompressionGzip) }
func FuzzDecompressSnappy(f *testing.F) { fuzzDecompress(f, CompressionSnappy) }
func FuzzDecompressLZ4(f *testing.F)    { fuzzDecompress(f, CompressionLZ4) }
func FuzzDecompressZstd(f *testing.F)   { fuzzDecompress(f, CompressionZstd) }

// FuzzBuilderRoundTrip builds a batch from fuzzed records and reads it back
// with our iterator and with kmsg.
func FuzzBuilderRoundTrip(f *testing.F) {
	f.Add(byte(0), int64(now), []byte("k\x00v\x00h\x01x"))
	f.Add(byte(4), int64(-1), []byte("\x00\x00\x00\x00"))
	f.Add(byte(2), int64(5), bytes.Repeat([]byte("abc\x00"), 100))
	f.Fuzz(func(t *testing.T, codec byte, ts int64, data []byte) {
		c := Compression(codec % 5)
		if ts < NoTimestamp {
			ts = -ts - 2
		}
		// Records are separated by 0x00; within one, 0x01 splits key,
		// value and header fields; a 0x02 first byte makes the key null.
		var ss []sample
		for i, part := range bytes.Split(data, []byte{0}) {
			fields := bytes.Split(part, []byte{1})
			s := sample{ts: ts}
			if ts != NoTimestamp {
				s.ts = ts + int64(i)%7
			}
			s.key = fields[0]
			if len(s.key) > 0 && s.key[0] == 2 {
				s.key = nil
			}
			if len(fields) > 1 {
				s.value = fields[1]
			}
			for j := 2; j+1 < len(fields); j += 2 {
				s.headers = append(s.headers, Header{Key: fields[j], Value: fields[j+1]})
			}
			ss = append(ss, s)
		}
		b := buildSamples(t, NewBuilder(0, c), ss)
		if _, err := Validate(b, DefaultValidateOptions(now)); err != nil {
			t.Fatal(err)
		}
		recs, err := walkAll(b)
		if err != nil {
			t.Fatal(err)
		}
		// An empty key written as non-nil must come back non-nil.
		for i := range ss {
			if ss[i].key != nil && len(ss[i].key) == 0 {
				ss[i].key = []byte{}
			}
		}
		sameRecords(t, c.String(), recs, ss)
		_, kr := kmsgRecords(t, b)
		if len(kr) != len(ss) {
			t.Fatalf("kmsg reads %d records, want %d", len(kr), len(ss))
		}
		for i, r := range kr {
			if !bytes.Equal(r.Key, ss[i].key) || !bytes.Equal(r.Value, ss[i].value) || len(r.Headers) != len(ss[i].headers) {
				t.Fatalf("kmsg record %d: %+v", i, r)
			}
		}
	})
}
