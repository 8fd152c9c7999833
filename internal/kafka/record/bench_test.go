package record

import (
	"fmt"
	"testing"
)

// benchBatch fills a batch with records of recSize bytes (a 16 byte key,
// the rest value; values are distinct slices of text-like data, so they
// compress about 3:1) until its uncompressed size reaches size. It returns
// the batch and its uncompressed size.
func benchBatch(b *testing.B, c Compression, size, recSize int) (Batch, int) {
	bl := NewBuilder(0, c).SetProducer(1000, 0, 0)
	val := testData(size+recSize, 99)
	for i := 0; bl.UncompressedSize() < size; i++ {
		off := (i * (recSize - 16)) % (len(val) - recSize)
		if err := bl.Append(now+int64(i), fmt.Appendf(nil, "key-%012d", i), val[off:off+recSize-16]); err != nil {
			b.Fatal(err)
		}
	}
	bt, err := bl.Build()
	if err != nil {
		b.Fatal(err)
	}
	return bt, bl.UncompressedSize()
}

type benchCase struct {
	name string
	c    Compression
	size int
	rec  int
}

func benchCases() []benchCase {
	var out []benchCase
	for _, size := range []int{16 << 10, 1 << 20} {
		for _, rec := range []int{100, 1024} {
			for _, c := range []Compression{CompressionNone, CompressionLZ4, CompressionZstd, CompressionSnappy, CompressionGzip} {
				out = append(out, benchCase{fmt.Sprintf("%dKiB/rec%d/%s", size>>10, rec, c), c, size, rec})
			}
		}
	}
	return out
}

// BenchmarkValidateHeader is the per-batch cost the append path always
// pays: a CRC-32C over the batch (SSE4.2/ARMv8 CRC via hash/crc32) plus a
// few header reads. Bytes/s are of the batch as stored.
func BenchmarkValidateHeader(b *testing.B) {
	for _, bc := range benchCases() {
		if bc.c != CompressionNone && bc.c != CompressionZstd {
			continue // the header check does not look at the codec
		}
		b.Run(bc.name, func(b *testing.B) {
			bt, _ := benchBatch(b, bc.c, bc.size, bc.rec)
			b.SetBytes(int64(len(bt)))
			b.ReportAllocs()
			for b.Loop() {
				if err := bt.ValidateHeader(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkValidate is a client append's full check: header, CRC,
// decompression when compressed, and a walk over every record with
// compacted-topic and timestamp-bound checks on. Bytes/s are of the
// records uncompressed.
func BenchmarkValidate(b *testing.B) {
	o := DefaultValidateOptions(now)
	o.Compacted = true
	o.TimestampBeforeMaxMs, o.TimestampAfterMaxMs = 7*24*3600_000, 3600_000
	for _, bc := range benchCases() {
		b.Run(bc.name, func(b *testing.B) {
			bt, raw := benchBatch(b, bc.c, bc.size, bc.rec)
			o.MaxBatchSize = len(bt)
			b.SetBytes(int64(raw))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Validate(bt, o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkValidateSkipCompressed is the opt-in fast path for compressed
// batches: no decompression.
func BenchmarkValidateSkipCompressed(b *testing.B) {
	o := DefaultValidateOptions(now)
	o.SkipCompressedRecords = true
	bt, raw := benchBatch(b, CompressionZstd, 1<<20, 1024)
	b.SetBytes(int64(raw))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Validate(bt, o); err != nil {
			b.Fatal(err)
		}
	}
}
