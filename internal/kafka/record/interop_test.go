package record

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// franz-go is the independent implementation these tests hold ours against:
// kmsg encodes and decodes batch headers and records, kgo's default
// compressor and decompressor do the codecs as the Go client does.

type sample struct {
	ts         int64
	key, value []byte
	headers    []Header
}

func samples(n int, seed uint64) []sample {
	r := rand.New(rand.NewPCG(seed, 2))
	out := make([]sample, n)
	for i := range out {
		s := sample{ts: now + int64(r.IntN(10000)) - 5000}
		if r.IntN(5) != 0 {
			s.key = fmt.Appendf(nil, "key-%d", r.IntN(1000))
		}
		if r.IntN(7) != 0 {
			s.value = testData(r.IntN(2000), uint64(i))
		}
		for h := r.IntN(3); h > 0; h-- {
			hd := Header{Key: fmt.Appendf(nil, "h%d", h)}
			if r.IntN(3) != 0 {
				hd.Value = []byte("hv")
			}
			s.headers = append(s.headers, hd)
		}
		out[i] = s
	}
	return out
}

func kgoCodec(c Compression) kgo.CompressionCodecType { return kgo.CompressionCodecType(c) }

func kgoCompressor(t testing.TB, c Compression) kgo.Compressor {
	codec := map[Compression]kgo.CompressionCodec{
		CompressionNone: kgo.NoCompression(), CompressionGzip: kgo.GzipCompression(),
		CompressionSnappy: kgo.SnappyCompression(), CompressionLZ4: kgo.Lz4Compression(),
		CompressionZstd: kgo.ZstdCompression(),
	}[c]
	comp, err := kgo.DefaultCompressor(codec)
	if err != nil {
		t.Fatal(err)
	}
	return comp
}

func TestCodecsInteropWithFranzGo(t *testing.T) {
	dec := kgo.DefaultDecompressor()
	for _, c := range codecs {
		for _, n := range []int{10, 70 << 10, 600 << 10} {
			in := testData(n, uint64(n))
			theirs, used := kgoCompressor(t, c).Compress(new(bytes.Buffer), in)
			if used != kgoCodec(c) {
				t.Fatalf("%s: kgo used codec %d", c, used)
			}
			out, err := Decompress(nil, c, theirs, 0)
			if err != nil || !bytes.Equal(out, in) {
				t.Fatalf("%s %d: reading franz-go's output: %v", c, n, err)
			}
			ours, err := Compress(nil, c, 0, in)
			if err != nil {
				t.Fatal(err)
			}
			back, err := dec.Decompress(ours, kgoCodec(c))
			if err != nil || !bytes.Equal(back, in) {
				t.Fatalf("%s %d: franz-go reading ours: %v", c, n, err)
			}
		}
	}
}

// kmsgBatch builds a batch the way franz-go's producer does, without our code.
func kmsgBatch(t testing.TB, c Compression, ss []sample, pid int64, epoch int16, seq int32) []byte {
	var raw []byte
	base := ss[0].ts
	maxTS := base
	for i, s := range ss {
		r := kmsg.Record{TimestampDelta64: s.ts - base, OffsetDelta: int32(i), Key: s.key, Value: s.value}
		for _, h := range s.headers {
			r.Headers = append(r.Headers, kmsg.Header{Key: string(h.Key), Value: h.Value})
		}
		body := r.AppendTo(nil)[1:] // Length 0 encodes as one byte
		r.Length = int32(len(body))
		raw = r.AppendTo(raw)
		maxTS = max(maxTS, s.ts)
	}
	records := raw
	if c != CompressionNone {
		records, _ = kgoCompressor(t, c).Compress(new(bytes.Buffer), raw)
		records = append([]byte(nil), records...)
	}
	rb := kmsg.RecordBatch{
		FirstOffset: 0, PartitionLeaderEpoch: -1, Magic: 2, Attributes: int16(c),
		LastOffsetDelta: int32(len(ss) - 1), FirstTimestamp: base, MaxTimestamp: maxTS,
		ProducerID: pid, ProducerEpoch: epoch, FirstSequence: seq, NumRecords: int32(len(ss)),
		Records: records,
	}
	rb.Length = int32(HeaderSize - LogOverhead + len(records))
	out := rb.AppendTo(nil)
	binary.BigEndian.PutUint32(out[17:], crc32.Checksum(out[21:], crc32.MakeTable(crc32.Castagnoli)))
	return out
}

// buildSamples appends ss to bl and builds the batch.
func buildSamples(t testing.TB, bl *Builder, ss []sample) Batch {
	t.Helper()
	for _, s := range ss {
		if err := bl.Append(s.ts, s.key, s.value, s.headers...); err != nil {
			t.Fatal(err)
		}
	}
	b, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sameRecords(t *testing.T, what string, got []Record, want []sample) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d records, want %d", what, len(got), len(want))
	}
	for i, r := range got {
		w := want[i]
		hs := r.AppendHeaders(nil)
		if r.Timestamp != w.ts || !bytes.Equal(r.Key, w.key) || (r.Key == nil) != (w.key == nil) ||
			!bytes.Equal(r.Value, w.value) || (r.Value == nil) != (w.value == nil) || len(hs) != len(w.headers) {
			t.Fatalf("%s: record %d: %+v, want %+v", what, i, r, w)
		}
		for j, h := range hs {
			if !bytes.Equal(h.Key, w.headers[j].Key) || !bytes.Equal(h.Value, w.headers[j].Value) || (h.Value == nil) != (w.headers[j].Value == nil) {
				t.Fatalf("%s: record %d header %d: %q, want %q", what, i, j, h, w.headers[j])
			}
		}
	}
}

func TestReadsFranzGoBatches(t *testing.T) {
	for _, c := range append([]Compression{CompressionNone}, codecs...) {
		ss := samples(300, uint64(c))
		raw := kmsgBatch(t, c, ss, 42, 1, 7)
		b, n, err := Parse(raw)
		if err != nil || n != len(raw) {
			t.Fatalf("%s: Parse: %v", c, err)
		}
		s, err := Validate(b, opts())
		if err != nil {
			t.Fatalf("%s: Validate: %v", c, err)
		}
		if s.Count != 300 || s.NeedsRebuild || !s.OffsetsConsecutive || s.Compression != c {
			t.Fatalf("%s: %+v", c, s)
		}
		recs, err := walkAll(b)
		if err != nil {
			t.Fatal(err)
		}
		sameRecords(t, c.String(), recs, ss)
		if recs[299].Sequence != 7+299 {
			t.Errorf("%s: sequence %d", c, recs[299].Sequence)
		}
	}
}

// kmsgRecords decodes a batch with kmsg and kgo only.
func kmsgRecords(t *testing.T, raw []byte) (kmsg.RecordBatch, []kmsg.Record) {
	t.Helper()
	var rb kmsg.RecordBatch
	if err := rb.ReadFrom(raw); err != nil {
		t.Fatal(err)
	}
	if int(rb.Length) != len(raw)-LogOverhead || uint32(rb.CRC) != crc32.Checksum(raw[21:], crc32.MakeTable(crc32.Castagnoli)) {
		t.Fatalf("kmsg sees length %d, crc %x", rb.Length, rb.CRC)
	}
	data, err := kgo.DefaultDecompressor().Decompress(rb.Records, kgo.CompressionCodecType(rb.Attributes&7))
	if err != nil {
		t.Fatal(err)
	}
	var out []kmsg.Record
	for len(data) > 0 {
		l, n := binary.Varint(data)
		if n <= 0 || int(l)+n > len(data) {
			t.Fatalf("bad record length at %d", len(out))
		}
		var r kmsg.Record
		if err := r.ReadFrom(data[:n+int(l)]); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
		data = data[n+int(l):]
	}
	return rb, out
}

func TestFranzGoReadsOurBatches(t *testing.T) {
	for _, c := range append([]Compression{CompressionNone}, codecs...) {
		ss := samples(250, 10+uint64(c))
		b := buildSamples(t, NewBuilder(500, c).SetProducer(9, 3, 1000).SetPartitionLeaderEpoch(4), ss)
		rb, recs := kmsgRecords(t, b)
		if rb.FirstOffset != 500 || rb.PartitionLeaderEpoch != 4 || rb.Magic != 2 || rb.Attributes != int16(c) ||
			rb.LastOffsetDelta != 249 || rb.FirstTimestamp != ss[0].ts || rb.ProducerID != 9 || rb.ProducerEpoch != 3 ||
			rb.FirstSequence != 1000 || rb.NumRecords != 250 {
			t.Fatalf("%s: kmsg header %+v", c, rb)
		}
		maxTS := int64(-1)
		for i, r := range recs {
			s := ss[i]
			maxTS = max(maxTS, s.ts)
			if rb.FirstTimestamp+r.TimestampDelta64 != s.ts || r.OffsetDelta != int32(i) || !bytes.Equal(r.Key, s.key) ||
				(r.Key == nil) != (s.key == nil) || !bytes.Equal(r.Value, s.value) || len(r.Headers) != len(s.headers) {
				t.Fatalf("%s: kmsg record %d: %+v", c, i, r)
			}
		}
		if rb.MaxTimestamp != maxTS {
			t.Fatalf("%s: max timestamp %d, want %d", c, rb.MaxTimestamp, maxTS)
		}
		// And with no compression, franz-go's encoding of the same records
		// is byte for byte ours.
		if c == CompressionNone {
			theirs := kmsgBatch(t, c, ss, 9, 3, 1000)
			ours := Batch(append([]byte(nil), b...))
			ours.SetBaseOffset(0)
			ours.SetPartitionLeaderEpoch(-1)
			if !bytes.Equal(theirs, ours) {
				t.Fatal("kmsg and Builder encode the same records differently")
			}
		}
	}
}
