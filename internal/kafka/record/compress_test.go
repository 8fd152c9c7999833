package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

var codecs = []Compression{CompressionGzip, CompressionSnappy, CompressionLZ4, CompressionZstd}

// testData returns n bytes that compress somewhat (records-like text with
// random runs), deterministic per seed.
func testData(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, 0, n)
	words := []string{"wharf ", "kafka ", "record ", "batch ", "offset ", "\x00\x01", "zookeeper "}
	for len(b) < n {
		if r.IntN(4) == 0 {
			for i := 0; i < 8 && len(b) < n; i++ {
				b = append(b, byte(r.Uint32()))
			}
			continue
		}
		b = append(b, words[r.IntN(len(words))]...)
	}
	return b[:n]
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestCodecRoundTrip(t *testing.T) {
	sizes := []int{1, 100, 32<<10 - 1, 32 << 10, 32<<10 + 1, 64<<10 - 1, 64 << 10, 64<<10 + 1, 3<<20 + 3}
	for _, c := range codecs {
		for _, n := range sizes {
			inputs := [][]byte{testData(n, uint64(n))}
			if n <= 64<<10+1 {
				inputs = append(inputs, randomBytes(n, uint64(n)))
			}
			for _, in := range inputs {
				comp, err := Compress([]byte("prefix"), c, 0, in)
				if err != nil {
					t.Fatalf("%s %d: compress: %v", c, n, err)
				}
				if !bytes.HasPrefix(comp, []byte("prefix")) {
					t.Fatalf("%s %d: Compress did not append", c, n)
				}
				out, err := Decompress([]byte("x"), c, comp[6:], n)
				if err != nil {
					t.Fatalf("%s %d: decompress: %v", c, n, err)
				}
				if !bytes.Equal(out[1:], in) || out[0] != 'x' {
					t.Fatalf("%s %d: round trip differs", c, n)
				}
			}
		}
	}
}

func TestCodecLevels(t *testing.T) {
	in := testData(70<<10, 7)
	cases := map[Compression][]int{
		CompressionGzip: {1, 6, 9, -1},
		CompressionLZ4:  {1, 9, 12, 17},
		CompressionZstd: {-5, 1, 3, 19},
	}
	for c, levels := range cases {
		for _, l := range levels {
			comp, err := Compress(nil, c, l, in)
			if err != nil {
				t.Fatalf("%s level %d: %v", c, l, err)
			}
			out, err := Decompress(nil, c, comp, 0)
			if err != nil || !bytes.Equal(out, in) {
				t.Fatalf("%s level %d: round trip: %v", c, l, err)
			}
		}
	}
	for c, l := range map[Compression]int{CompressionGzip: 10, CompressionZstd: 23} {
		if _, err := Compress(nil, c, l, in); !errors.Is(err, ErrCompression) {
			t.Errorf("%s level %d: %v, want ErrCompression", c, l, err)
		}
	}
}

func TestUnknownCodec(t *testing.T) {
	if _, err := Compress(nil, 5, 0, []byte("x")); !errors.Is(err, ErrCompression) {
		t.Errorf("Compress: %v", err)
	}
	if _, err := Decompress(nil, 7, []byte("x"), 0); !errors.Is(err, ErrCompression) {
		t.Errorf("Decompress: %v", err)
	}
}

func TestDecompressLimitExact(t *testing.T) {
	in := testData(300<<10, 3)
	for _, c := range append([]Compression{CompressionNone}, codecs...) {
		comp, err := Compress(nil, c, 0, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Decompress(nil, c, comp, len(in)); err != nil {
			t.Errorf("%s: limit = size: %v", c, err)
		}
		if _, err := Decompress(nil, c, comp, len(in)-1); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: limit = size-1: %v, want ErrTooLarge", c, err)
		}
	}
}

// bombs returns, per codec, a small input that expands to n zero bytes,
// built without holding n bytes.
func bombs(t *testing.T, n int) map[Compression][]byte {
	zeros := make([]byte, 64<<10)
	out := map[Compression][]byte{}

	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	for i := 0; i < n/len(zeros); i++ {
		w.Write(zeros)
	}
	w.Close()
	out[CompressionGzip] = gz.Bytes()

	var zs bytes.Buffer
	zw, _ := zstd.NewWriter(&zs)
	for i := 0; i < n/len(zeros); i++ {
		zw.Write(zeros)
	}
	zw.Close()
	out[CompressionZstd] = zs.Bytes()

	// LZ4 and xerial blocks are independent: repeat one.
	one, err := Compress(nil, CompressionLZ4, 0, zeros)
	if err != nil {
		t.Fatal(err)
	}
	block := one[7 : len(one)-4]
	lz := append([]byte(nil), one[:7]...)
	for i := 0; i < n/len(zeros); i++ {
		lz = append(lz, block...)
	}
	out[CompressionLZ4] = binary.LittleEndian.AppendUint32(lz, 0)

	one = snappyCompress(nil, zeros[:32<<10])
	sn := append([]byte(nil), one[:16]...)
	for i := 0; i < n/(32<<10); i++ {
		sn = append(sn, one[16:]...)
	}
	out[CompressionSnappy] = sn
	return out
}

// TestDecompressBombIsBounded is CVE-2023-34455's lesson: a small
// compressed input must not make the reader allocate its expansion.
func TestDecompressBombIsBounded(t *testing.T) {
	const expands, limit = 32 << 20, 1 << 20
	for c, bomb := range bombs(t, expands) {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := Decompress(nil, c, bomb, limit)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s (%d bytes): %v, want ErrTooLarge", c, len(bomb), err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
			t.Errorf("%s: allocated %d bytes to refuse a %d byte bomb with limit %d", c, alloc, len(bomb), limit)
		}
	}
}

func TestSnappyDeclaredLengthRefusedBeforeAllocation(t *testing.T) {
	// A raw block claiming 2 GiB: refused from its header.
	block := binary.AppendUvarint(nil, 1<<31-1)
	block = append(block, 0x00)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Decompress(nil, CompressionSnappy, block, 1<<20)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("%v, want ErrTooLarge", err)
	}
	if after.TotalAlloc-before.TotalAlloc > 1<<20 {
		t.Fatalf("allocated %d bytes", after.TotalAlloc-before.TotalAlloc)
	}
}

// decompressCase is one input for a codec's reader; want "" means the
// reader must fail with ErrCorrupt, wantEmpty that it yields nothing.
type decompressCase struct {
	name string
	in   []byte
	want string
}

const wantEmpty = "<empty>"

func checkDecompress(t *testing.T, c Compression, cases []decompressCase) {
	t.Helper()
	for _, tc := range cases {
		out, err := Decompress(nil, c, tc.in, 0)
		switch tc.want {
		case "":
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("%s: %q, %v; want ErrCorrupt", tc.name, out, err)
			}
		case wantEmpty:
			if err != nil || len(out) != 0 {
				t.Errorf("%s: %q, %v; want nothing", tc.name, out, err)
			}
		default:
			if err != nil || string(out) != tc.want {
				t.Errorf("%s: %q, %v; want %q", tc.name, out, err, tc.want)
			}
		}
	}
}

func xerial(chunks ...[]byte) []byte {
	b := append([]byte(nil), xerialMagic...)
	b = binary.BigEndian.AppendUint32(b, 1)
	b = binary.BigEndian.AppendUint32(b, 1)
	for _, c := range chunks {
		enc := s2.EncodeSnappy(nil, c)
		b = binary.BigEndian.AppendUint32(b, uint32(len(enc)))
		b = append(b, enc...)
	}
	return b
}

// TestSnappyJavaStreamQuirks covers what snappy-java's SnappyInputStream
// (1.1.10.5, Kafka 3.9's) accepts and refuses.
func TestSnappyJavaStreamQuirks(t *testing.T) {
	hello, world := []byte("hello "), []byte("world")
	// An s2 "repeat offset" copy (offset 0): valid s2, invalid snappy.
	s2Only := []byte{8, 0x0c, 'a', 'b', 'c', 'd', 0x01, 0x00}
	checkDecompress(t, CompressionSnappy, []decompressCase{
		{"framed", xerial(hello, world), "hello world"},
		{"raw block without framing", s2.EncodeSnappy(nil, []byte("hello world")), "hello world"},
		{"short raw block", s2.EncodeSnappy(nil, []byte("hi")), "hi"},
		{"concatenated streams", append(xerial(hello), xerial(world)...), "hello world"},
		{"one to three trailing bytes ignored", append(xerial(hello, world), 0, 0, 1), "hello world"},
		{"header with another magic ends the stream", append(append(xerial(hello), 0x82, 'S', 'N', 'A', 'X', 'X', 'X', 0, 0, 0, 0, 1, 0, 0, 0, 1), xerial(world)[16:]...), "hello "},
		{"concatenated header of an old version", append(xerial(hello), append(append([]byte{}, xerialMagic...), 0, 0, 0, 0, 0, 0, 0, 1)...), ""},
		{"truncated concatenated header", append(xerial(hello), xerialMagic[:6]...), ""},
		{"header only", xerial(), wantEmpty}, // SnappyInputStream yields an empty stream
		{"empty", nil, ""},
		{"negative chunk", binary.BigEndian.AppendUint32(xerial(hello), 0xfffffff0), ""},
		{"truncated chunk", func() []byte { x := xerial(hello, world); return x[:len(x)-2] }(), ""},
		{"two trailing bytes after a chunk ignored", xerial(hello, world)[:30], "hello "},
		{"s2 extension refused", s2Only, ""},
		{"corrupt raw block", []byte{0x10, 0xff, 0xff}, ""},
	})
}

func TestSnappyWritesXerialFraming(t *testing.T) {
	in := testData(80<<10, 1)
	out := snappyCompress(nil, in)
	if !bytes.Equal(out[:16], append(append([]byte{}, xerialMagic...), 0, 0, 0, 1, 0, 0, 0, 1)) {
		t.Fatalf("header %x", out[:16])
	}
	// 80 KiB is three 32 KiB chunks, each decoding to at most 32 KiB.
	p, chunks := 16, 0
	for p < len(out) {
		n := int(binary.BigEndian.Uint32(out[p:]))
		dl, err := s2.DecodedLen(out[p+4 : p+4+n])
		if err != nil || dl > 32<<10 {
			t.Fatalf("chunk %d: %d, %v", chunks, dl, err)
		}
		p += 4 + n
		chunks++
	}
	if chunks != 3 {
		t.Fatalf("%d chunks", chunks)
	}
}

func gzipMember(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

// TestGzipJavaStreamQuirks: Java's GZIPInputStream reads concatenated
// members and ignores trailing bytes that do not form a gzip header.
func TestGzipJavaStreamQuirks(t *testing.T) {
	m1, m2 := gzipMember("hello "), gzipMember("world")
	badTrailer := append([]byte(nil), m1...)
	badTrailer[len(badTrailer)-5] ^= 0xff // CRC32
	checkDecompress(t, CompressionGzip, []decompressCase{
		{"one member", m1, "hello "},
		{"concatenated members", append(append([]byte(nil), m1...), m2...), "hello world"},
		{"trailing garbage ignored", append(append([]byte(nil), m1...), "garbage"...), "hello "},
		{"trailing partial header ignored", append(append([]byte(nil), m1...), 0x1f, 0x8b), "hello "},
		{"corrupt trailer", badTrailer, ""},
		{"truncated", m1[:len(m1)-3], ""},
		{"not gzip", []byte("plain text"), ""},
		{"empty", nil, ""},
	})
}

func TestLZ4WritesKafkaFrame(t *testing.T) {
	out, err := Compress(nil, CompressionLZ4, 0, testData(150<<10, 2))
	if err != nil {
		t.Fatal(err)
	}
	// The header every Kafka LZ4 batch starts with: magic, FLG 0x60, BD
	// 0x40, and HC 0x82 = (xxh32([0x60 0x40]) >> 8) & 0xff.
	if want := []byte{0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82}; !bytes.Equal(out[:7], want) {
		t.Fatalf("header % x, want % x", out[:7], want)
	}
	if !bytes.Equal(out[len(out)-4:], []byte{0, 0, 0, 0}) {
		t.Fatalf("no end mark")
	}
	// Blocks hold at most 64 KiB.
	p, blocks := 7, 0
	for {
		w := binary.LittleEndian.Uint32(out[p:])
		p += 4
		if w == 0 {
			break
		}
		n := int(w &^ lz4Uncompressed)
		if w&lz4Uncompressed != 0 && n > 64<<10 {
			t.Fatalf("stored block of %d", n)
		}
		p += n
		blocks++
	}
	if blocks != 3 || p != len(out) {
		t.Fatalf("%d blocks, at %d of %d", blocks, p, len(out))
	}
}

func TestXXH32(t *testing.T) {
	// Reference values of XXH32 with seed 0.
	for in, want := range map[string]uint32{
		"":    0x02cc5d05,
		"a":   0x550d7456,
		"abc": 0x32d153ff,
		"Nobody inspects the spammish repetition": 0xe2293b2f,
	} {
		if got := xxh32([]byte(in), 0); got != want {
			t.Errorf("xxh32(%q) = %08x, want %08x", in, got, want)
		}
	}
}

// lz4Frame builds a frame with the given FLG/BD and blocks by hand.
func lz4Frame(flg, bd byte, contentSize bool, blocks [][]byte, blockSums, stored bool, end []byte) []byte {
	b := binary.LittleEndian.AppendUint32(nil, lz4Magic)
	b = append(b, flg, bd)
	if contentSize {
		b = binary.LittleEndian.AppendUint64(b, 11)
	}
	b = append(b, byte(xxh32(b[4:], 0)>>8))
	for _, blk := range blocks {
		data := blk
		word := uint32(len(blk)) | lz4Uncompressed
		if !stored {
			c := make([]byte, lz4.CompressBlockBound(len(blk)))
			n, _ := lz4.CompressBlock(blk, c, nil)
			data, word = c[:n], uint32(n)
		}
		b = binary.LittleEndian.AppendUint32(b, word)
		b = append(b, data...)
		if blockSums {
			b = binary.LittleEndian.AppendUint32(b, xxh32(data, 0))
		}
	}
	return append(b, end...)
}

// TestLZ4KafkaReaderRules follows Lz4BlockInputStream.
func TestLZ4KafkaReaderRules(t *testing.T) {
	hw := [][]byte{[]byte("hello hello hello "), []byte("world")}
	endMark := []byte{0, 0, 0, 0}
	withSum := append(append([]byte{}, endMark...), 1, 2, 3, 4)
	badHC := lz4Frame(0x60, 0x40, false, hw, false, false, endMark)
	badHC[6] ^= 1
	badBlockSum := lz4Frame(0x70, 0x40, false, hw, true, false, endMark)
	badBlockSum[len(badBlockSum)-5] ^= 1
	checkDecompress(t, CompressionLZ4, []decompressCase{
		{"kafka flags", lz4Frame(0x60, 0x40, false, hw, false, false, endMark), "hello hello hello world"},
		{"stored blocks", lz4Frame(0x60, 0x40, false, hw, false, true, endMark), "hello hello hello world"},
		{"block checksums", lz4Frame(0x70, 0x70, false, hw, true, false, endMark), "hello hello hello world"},
		{"content size skipped", lz4Frame(0x68, 0x40, true, hw, false, false, endMark), "hello hello hello world"},
		{"content checksum skipped", lz4Frame(0x64, 0x40, false, hw, false, false, withSum), "hello hello hello world"},
		{"bytes after the end mark ignored", lz4Frame(0x60, 0x40, false, hw, false, false, append(append([]byte{}, endMark...), "junk"...)), "hello hello hello world"},
		{"content checksum missing", lz4Frame(0x64, 0x40, false, hw, false, false, endMark), ""},
		{"no end mark", lz4Frame(0x60, 0x40, false, hw, false, false, nil), ""},
		{"bad header checksum", badHC, ""},
		{"bad block checksum", badBlockSum, ""},
		{"dependent blocks", lz4Frame(0x40, 0x40, false, hw, false, false, endMark), ""},
		{"version 2", lz4Frame(0xa0, 0x40, false, hw, false, false, endMark), ""},
		{"reserved FLG bits", lz4Frame(0x61, 0x40, false, hw, false, false, endMark), ""},
		{"block size 3", lz4Frame(0x60, 0x30, false, hw, false, false, endMark), ""},
		{"reserved BD bits", lz4Frame(0x60, 0x41, false, hw, false, false, endMark), ""},
		{"block over the max", lz4Frame(0x60, 0x40, false, [][]byte{make([]byte, 64<<10+1)}, false, true, endMark), ""},
		{"bad magic", append([]byte{1, 2, 3, 4}, lz4Frame(0x60, 0x40, false, hw, false, false, endMark)[4:]...), ""},
		{"too short", []byte{0x04, 0x22, 0x4d, 0x18, 0x60}, ""},
	})
}

func TestZstdFrames(t *testing.T) {
	enc, _ := zstd.NewWriter(nil)
	a := enc.EncodeAll([]byte("hello "), nil)
	b := enc.EncodeAll([]byte("world"), nil)
	skippable := []byte{0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 'x', 'y', 'z'}
	// A frame header asking for a 1 GiB window (exponent 20 + 10 = 30).
	hugeWindow := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 20 << 3, 0x01, 0x00, 0x00}
	checkDecompress(t, CompressionZstd, []decompressCase{
		{"concatenated frames", append(append([]byte{}, a...), b...), "hello world"},
		{"skippable frame", append(append(append([]byte{}, a...), skippable...), b...), "hello world"},
		{"trailing garbage", append(append([]byte{}, a...), "junk"...), ""},
		{"window over zstd-jni's limit", hugeWindow, ""},
		{"truncated", a[:len(a)-2], ""},
	})
}
