package dumplog

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/record"
)

// The segment of DumpLogSegmentsTest.testBatchAndRecordMetadataOutput
// (plain, gzip, null keys and values, an idempotent batch, a transactional
// gzip batch and its COMMIT marker), plus headers, the other codecs and a
// LogAppendTime batch.
func metadataFixture(t testing.TB) *segmentFixture {
	idem := [3]int64{29342342, 15, 234123}
	txn := [3]int64{98323, 99, 266}
	marker := [3]int64{98323, 99, -1}
	coord := int32(100)
	return newSegmentFixture(t, 0,
		fixtureBatch{codec: record.CompressionNone, epoch: 0, recs: []fixtureRecord{{ts0, nil, str("a"), nil}, {ts0 + 1, nil, str("b"), nil}}},
		fixtureBatch{codec: record.CompressionGzip, epoch: 3, recs: []fixtureRecord{{ts0 + 2, str("c"), str("1"), []string{"h1", "h2"}}, {ts0 + 3, nil, str("d"), nil}}},
		fixtureBatch{codec: record.CompressionNone, epoch: 3, recs: []fixtureRecord{{ts0 + 4, str("e"), nil, nil}, {ts0 + 5, nil, str("f"), nil}, {ts0 + 6, nil, str("g"), nil}}},
		fixtureBatch{codec: record.CompressionNone, epoch: 3, producer: &idem, recs: []fixtureRecord{{ts0 + 7, nil, str("h"), nil}}},
		fixtureBatch{codec: record.CompressionGzip, epoch: 5, producer: &txn, txn: true, recs: []fixtureRecord{{ts0 + 8, nil, str("i"), nil}, {ts0 + 9, nil, str("j"), nil}}},
		fixtureBatch{codec: record.CompressionNone, epoch: 7, producer: &marker, txn: true, control: &coord},
		fixtureBatch{codec: record.CompressionSnappy, epoch: 7, recs: []fixtureRecord{{ts0 + 10, str("k"), str("snappy"), []string{"x"}}}},
		fixtureBatch{codec: record.CompressionLZ4, epoch: 7, recs: []fixtureRecord{{ts0 + 11, str("l"), str("lz4"), nil}}},
		fixtureBatch{codec: record.CompressionZstd, epoch: 7, recs: []fixtureRecord{{ts0 + 12, str("m"), str("zstd"), nil}}},
		fixtureBatch{codec: record.CompressionNone, epoch: 7, logAppend: ts0 + 100, recs: []fixtureRecord{{ts0 + 13, str("n"), str("lat"), nil}}},
	)
}

// The record lines of metadataFixture, as the deep iteration prints them
// (DumpLogSegments.dumpLog: `print(s"${prefix}offset: ${record.offset}
// ${batch.timestampType}: ${record.timestamp} keySize: ... valueSize: ...")`,
// then " sequence: ... headerKeys: [...]" for magic 2, then the control
// record's " endTxnMarker: COMMIT coordinatorEpoch: 100").
var metadataRecordLines = [][]string{
	{"| offset: 0 CreateTime: 1700000000000 keySize: -1 valueSize: 1 sequence: -1 headerKeys: []",
		"| offset: 1 CreateTime: 1700000000001 keySize: -1 valueSize: 1 sequence: -1 headerKeys: []"},
	{"| offset: 2 CreateTime: 1700000000002 keySize: 1 valueSize: 1 sequence: -1 headerKeys: [h1,h2]",
		"| offset: 3 CreateTime: 1700000000003 keySize: -1 valueSize: 1 sequence: -1 headerKeys: []"},
	{"| offset: 4 CreateTime: 1700000000004 keySize: 1 valueSize: -1 sequence: -1 headerKeys: []",
		"| offset: 5 CreateTime: 1700000000005 keySize: -1 valueSize: 1 sequence: -1 headerKeys: []",
		"| offset: 6 CreateTime: 1700000000006 keySize: -1 valueSize: 1 sequence: -1 headerKeys: []"},
	{"| offset: 7 CreateTime: 1700000000007 keySize: -1 valueSize: 1 sequence: 234123 headerKeys: []"},
	{"| offset: 8 CreateTime: 1700000000008 keySize: -1 valueSize: 1 sequence: 266 headerKeys: []",
		"| offset: 9 CreateTime: 1700000000009 keySize: -1 valueSize: 1 sequence: 267 headerKeys: []"},
	{"| offset: 10 CreateTime: 1700000000000 keySize: 4 valueSize: 6 sequence: -1 headerKeys: [] endTxnMarker: COMMIT coordinatorEpoch: 100"},
	{"| offset: 11 CreateTime: 1700000000010 keySize: 1 valueSize: 6 sequence: -1 headerKeys: [x]"},
	{"| offset: 12 CreateTime: 1700000000011 keySize: 1 valueSize: 3 sequence: -1 headerKeys: []"},
	{"| offset: 13 CreateTime: 1700000000012 keySize: 1 valueSize: 4 sequence: -1 headerKeys: []"},
	{"| offset: 14 LogAppendTime: 1700000000100 keySize: 1 valueSize: 3 sequence: -1 headerKeys: []"},
}

// With --print-data-log each record line goes on with
// `${prefix}key: $key` and ` payload: $payload` (control records excepted).
var metadataPayloads = [][]string{
	{" payload: a", " payload: b"},
	{" key: c payload: 1", " payload: d"},
	{" key: e", " payload: f", " payload: g"},
	{" payload: h"},
	{" payload: i", " payload: j"},
	{""},
	{" key: k payload: snappy"},
	{" key: l payload: lz4"},
	{" key: m payload: zstd"},
	{" key: n payload: lat"},
}

func (s *segmentFixture) expectedLog(deep, data bool) string {
	out := []string{"Dumping " + s.name(".log"), fmt.Sprintf("Log starting offset: %d", s.base)}
	for i, b := range s.batches {
		out = append(out, batchLine(b, s.pos[i]))
		if !deep {
			continue
		}
		for j, l := range metadataRecordLines[i] {
			if data {
				l += metadataPayloads[i][j]
			}
			out = append(out, l)
		}
	}
	return lines(out...)
}

func TestDumpLogBatchAndRecordMetadata(t *testing.T) {
	s := metadataFixture(t)
	logPath := s.writeLog(t)
	for _, tc := range []struct {
		name       string
		args       []string
		deep, data bool
	}{
		{"shallow", []string{"--files", logPath}, false, false},
		{"deep", []string{"--deep-iteration", "--files", logPath}, true, false},
		// print-data-log implies the deep iteration (isDeepIteration)
		{"print-data-log", []string{"--print-data-log", "--files", logPath}, true, true},
		{"both", []string{"--print-data-log", "--deep-iteration", "--files=" + logPath}, true, true},
		// a decoder option implies --print-data-log (shouldPrintDataLog)
		{"value-decoder", []string{"--value-decoder-class", "org.apache.kafka.tools.api.StringDecoder", "--files", logPath}, true, true},
		{"key-decoder-no-value", []string{"--files", logPath, "--key-decoder-class"}, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := run(t, s.dir, tc.args...)
			if code != 0 || errOut != "" {
				t.Fatalf("status %d, stderr %q", code, errOut)
			}
			diff(t, "stdout", out, s.expectedLog(tc.deep, tc.data))
		})
	}
}

func TestDumpLogSkipRecordMetadata(t *testing.T) {
	s := metadataFixture(t)
	logPath := s.writeLog(t)
	out, _, code := run(t, s.dir, "--print-data-log", "--skip-record-metadata", "--files", logPath)
	if code != 0 {
		t.Fatalf("status %d", code)
	}
	// The prefix stays "| " until something is printed with it: a key
	// takes it, a payload alone is printed as " payload: ...", and a
	// control record prints an empty line.
	want := []string{"Dumping " + logPath, "Log starting offset: 0"}
	recs := [][]string{
		{" payload: a", " payload: b"},
		{"| key: c payload: 1", " payload: d"},
		{"| key: e", " payload: f", " payload: g"},
		{" payload: h"},
		{" payload: i", " payload: j"},
		{""},
		{"| key: k payload: snappy"},
		{"| key: l payload: lz4"},
		{"| key: m payload: zstd"},
		{"| key: n payload: lat"},
	}
	for i, b := range s.batches {
		want = append(want, batchLine(b, s.pos[i]))
		want = append(want, recs[i]...)
	}
	diff(t, "stdout", out, lines(want...))
}

func TestDumpLogDeprecatedAndTypedDecoders(t *testing.T) {
	s := newSegmentFixture(t, 5,
		fixtureBatch{recs: []fixtureRecord{{ts0, []byte{0, 0, 0, 0, 0, 0, 0, 42}, []byte{0, 0, 0, 7}, nil}}})
	logPath := s.writeLog(t)
	out, errOut, code := run(t, s.dir, "--key-decoder-class", "kafka.serializer.LongDecoder",
		"--value-decoder-class", "org.apache.kafka.tools.api.IntegerDecoder", "--files", logPath)
	if code != 0 || errOut != "" {
		t.Fatalf("status %d stderr %q", code, errOut)
	}
	// newDecoder(value) runs before newDecoder(key); only the deprecated
	// name prints its notice (convertDeprecatedDecoderClass), before the
	// "Log starting offset" line since dumpLog's arguments come first.
	diff(t, "stdout", out, lines(
		"Dumping "+logPath,
		"kafka.serializer.LongDecoder is deprecated. Please use org.apache.kafka.tools.api.LongDecoder instead",
		"Log starting offset: 5",
		batchLine(s.batches[0], 0),
		"| offset: 5 CreateTime: 1700000000000 keySize: 8 valueSize: 4 sequence: -1 headerKeys: [] key: 42 payload: 7",
	))

	// a LongDecoder over a 4-byte value dies with BufferUnderflowException
	// after the record's metadata was printed
	out, errOut, code = run(t, s.dir, "--value-decoder-class=org.apache.kafka.tools.api.LongDecoder", "--files", logPath)
	if code != 1 || errOut != "Exception in thread \"main\" java.nio.BufferUnderflowException\n" {
		t.Fatalf("status %d stderr %q", code, errOut)
	}
	if !strings.HasSuffix(out, "| offset: 5 CreateTime: 1700000000000 keySize: 8 valueSize: 4 sequence: -1 headerKeys: []") {
		t.Errorf("stdout %q", out)
	}

	_, errOut, code = run(t, s.dir, "--value-decoder-class", "com.example.Missing", "--files", logPath)
	if code != 1 || errOut != "Exception in thread \"main\" java.lang.ClassNotFoundException: com.example.Missing\n" {
		t.Errorf("status %d stderr %q", code, errOut)
	}
}

func TestDumpLogTornTail(t *testing.T) {
	s := metadataFixture(t)
	extra := fixtureBatch{recs: []fixtureRecord{{ts0, nil, str("torn"), nil}}}.build(t, 15)
	for _, cut := range []int{10, 40} { // shorter and longer than the 17-byte header
		t.Run(fmt.Sprint(cut), func(t *testing.T) {
			logPath := s.write(t, ".log", append(append([]byte(nil), s.log...), extra[:cut]...))
			out, errOut, code := run(t, s.dir, "--files", logPath)
			if code != 0 || errOut != "" {
				t.Fatalf("status %d stderr %q", code, errOut)
			}
			want := s.expectedLog(false, false) + fmt.Sprintf("Found %d invalid bytes at the end of 00000000000000000000.log\n", cut)
			diff(t, "stdout", out, want)
		})
	}

	// A preallocated segment ends in zeros: a size of 0 is below the
	// minimum record overhead, which FileLogInputStream refuses.
	logPath := s.write(t, ".log", append(append([]byte(nil), s.log...), make([]byte, 64)...))
	out, errOut, code := run(t, s.dir, "--files", logPath)
	if code != 1 {
		t.Fatalf("status %d", code)
	}
	diff(t, "stdout", out, s.expectedLog(false, false))
	diff(t, "stderr", errOut, fmt.Sprintf("Exception in thread \"main\" org.apache.kafka.common.errors.CorruptRecordException: "+
		"Found record size 0 smaller than minimum record overhead (14) in file %s.\n", logPath))
}

func TestDumpLogMaxBytes(t *testing.T) {
	s := metadataFixture(t)
	logPath := s.writeLog(t)
	two := s.pos[2]
	out, _, code := run(t, s.dir, "--max-bytes", fmt.Sprint(two), "--files", logPath)
	if code != 0 {
		t.Fatalf("status %d", code)
	}
	diff(t, "stdout", out, lines("Dumping "+logPath, "Log starting offset: 0", batchLine(s.batches[0], 0), batchLine(s.batches[1], s.pos[1])))
	// cutting inside a batch drops it, and the trailing bytes are only
	// reported when --max-bytes is left at Integer.MAX_VALUE
	out, _, _ = run(t, s.dir, "--max-bytes", fmt.Sprint(two+5), "--files", logPath)
	diff(t, "stdout", out, lines("Dumping "+logPath, "Log starting offset: 0", batchLine(s.batches[0], 0), batchLine(s.batches[1], s.pos[1])))

	_, errOut, code := run(t, s.dir, "--max-bytes", "-1", "--files", logPath)
	if code != 1 || errOut != fmt.Sprintf("Exception in thread \"main\" java.lang.IllegalArgumentException: Invalid size: -1 in read from FileRecords(size=%d, file=%s, start=0, end=2147483647)\n", len(s.log), logPath) {
		t.Errorf("status %d stderr %q", code, errOut)
	}
	_, errOut, _ = run(t, s.dir, "--max-bytes", "lots", "--files", logPath)
	if errOut != "Exception in thread \"main\" joptsimple.OptionArgumentConversionException: Cannot parse argument 'lots' of option max-bytes\n" {
		t.Errorf("stderr %q", errOut)
	}
}

func TestDumpLogNonConsecutiveOffsets(t *testing.T) {
	// a compacted segment: offsets 0, 1, then 5, 6, then 9
	s := &segmentFixture{dir: t.TempDir()}
	for _, base := range []int64{0, 5, 9} {
		b := fixtureBatch{recs: []fixtureRecord{{ts0, nil, str("x"), nil}, {ts0, nil, str("y"), nil}}}.build(t, base)
		if base == 9 {
			b = fixtureBatch{recs: []fixtureRecord{{ts0, nil, str("x"), nil}}}.build(t, base)
		}
		s.pos = append(s.pos, len(s.log))
		s.batches = append(s.batches, b)
		s.log = append(s.log, b...)
	}
	logPath := s.writeLog(t)
	_, errOut, code := run(t, s.dir, "--deep-iteration", "--files", logPath)
	if code != 0 {
		t.Fatalf("status %d", code)
	}
	// the pairs are prepended to a List, so they print last first
	diff(t, "stderr", errOut, lines("Non-consecutive offsets in "+logPath, "  6 is followed by 9", "  1 is followed by 5"))
	// shallow iteration does not look at records
	if _, errOut, _ := run(t, s.dir, "--files", logPath); errOut != "" {
		t.Errorf("shallow: %q", errOut)
	}
}

func TestDumpLogCorruptBatch(t *testing.T) {
	s := newSegmentFixture(t, 0, fixtureBatch{recs: []fixtureRecord{{ts0, nil, str("abc"), nil}, {ts0, nil, str("def"), nil}}})
	bad := append([]byte(nil), s.log...)
	bad[len(bad)-2] ^= 0x20 // "def" becomes "deF": the CRC no longer matches
	logPath := s.write(t, ".log", bad)
	out, _, code := run(t, s.dir, "--deep-iteration", "--files", logPath)
	if code != 0 {
		t.Fatalf("status %d", code)
	}
	if !strings.Contains(out, " isvalid: false\n| offset: 0 ") {
		t.Errorf("a corrupt batch is still printed, marked invalid: %q", out)
	}

	// a record count larger than the records: the uncompressed iterator
	// prints the records it can read, then dies on the missing one
	bad = append([]byte(nil), s.log...)
	bad[60] = 3 // recordCount
	logPath = s.write(t, ".log", bad)
	out, errOut, code := run(t, s.dir, "--deep-iteration", "--files", logPath)
	if code != 1 || errOut != "Exception in thread \"main\" org.apache.kafka.common.InvalidRecordException: Incorrect declared batch size, premature EOF reached\n" {
		t.Fatalf("status %d stderr %q", code, errOut)
	}
	if !strings.HasSuffix(out, "| offset: 1 CreateTime: 1700000000000 keySize: -1 valueSize: 3 sequence: -1 headerKeys: []\n") {
		t.Errorf("stdout %q", out)
	}

	// an unknown codec id dies while the batch line is half printed
	bad = append([]byte(nil), s.log...)
	bad[22] |= 0x07
	logPath = s.write(t, ".log", bad)
	out, errOut, _ = run(t, s.dir, "--files", logPath)
	if errOut != "Exception in thread \"main\" java.lang.IllegalArgumentException: Unknown compression type id: 7\n" ||
		!strings.HasSuffix(out, "deleteHorizonMs: OptionalLong.empty") {
		t.Errorf("stdout %q stderr %q", out, errOut)
	}
}

func TestDumpLogFileNames(t *testing.T) {
	dir := t.TempDir()

	for _, tc := range []struct {
		args           []string
		stdout, stderr string
		code           int
	}{
		{[]string{"--files", "notes.txt"}, "Dumping notes.txt\n", "Ignoring unknown file notes.txt\n", 0},
		{[]string{"--files", "00000000000000000000.log.deleted"}, "Dumping 00000000000000000000.log.deleted\n",
			"Ignoring unknown file 00000000000000000000.log.deleted\n", 0},
		{[]string{"--files", "00000000000000000000.log"}, "Dumping 00000000000000000000.log\nLog starting offset: 0\n",
			"Exception in thread \"main\" java.nio.file.NoSuchFileException: 00000000000000000000.log\n", 1},
		{[]string{"--files", "segment.log"}, "Dumping segment.log\n",
			"Exception in thread \"main\" java.lang.NumberFormatException: For input string: \"segment\"\n", 1},
		{[]string{"--files", "README"}, "Dumping README\n",
			"Exception in thread \"main\" java.lang.StringIndexOutOfBoundsException: begin -1, end 6, length 6\n", 1},
		// java.io.File drops repeated and trailing slashes
		{[]string{"--files", "a//b/x.bin"}, "Dumping a/b/x.bin\n", "Ignoring unknown file a/b/x.bin\n", 0},
		// the list is split on commas, trailing empty names dropped
		{[]string{"--files", "x.a,y.b,,"}, "Dumping x.a\nDumping y.b\n", "Ignoring unknown file x.a\nIgnoring unknown file y.b\n", 0},
		{[]string{"--files", "00000000000000000000.txnindex"}, "Dumping 00000000000000000000.txnindex\n", "", 0},
		{[]string{"--files", "."}, "Dumping .\n", "Ignoring unknown file .\n", 0},
	} {
		out, errOut, code := run(t, dir, tc.args...)
		if out != tc.stdout || errOut != tc.stderr || code != tc.code {
			t.Errorf("%v: got (%q, %q, %d), want (%q, %q, %d)", tc.args, out, errOut, code, tc.stdout, tc.stderr, tc.code)
		}
	}
}

func TestDumpLogNonZeroBase(t *testing.T) {
	s := newSegmentFixture(t, 1234, fixtureBatch{recs: []fixtureRecord{{ts0, str("k"), str("v"), nil}}})
	logPath := s.writeLog(t)
	rel, _ := filepath.Rel(s.dir, logPath)
	out, _, code := run(t, s.dir, "--print-data-log", "--files", rel)
	if code != 0 {
		t.Fatal(code)
	}
	diff(t, "stdout", out, lines("Dumping 00000000000000001234.log", "Log starting offset: 1234", batchLine(s.batches[0], 0),
		"| offset: 1234 CreateTime: 1700000000000 keySize: 1 valueSize: 1 sequence: -1 headerKeys: [] key: k payload: v"))
}

func TestDumpLogStringDecoderReplacesMalformedUTF8(t *testing.T) {
	s := newSegmentFixture(t, 0, fixtureBatch{recs: []fixtureRecord{{ts0, nil, []byte("a\xe2\x82b\xffc"), nil}}})
	logPath := s.writeLog(t)
	out, _, _ := run(t, s.dir, "--print-data-log", "--files", logPath)
	// new String(bytes, UTF_8): the truncated E2 82 is one U+FFFD, FF another
	if !strings.HasSuffix(out, " payload: a\uFFFDb\uFFFDc\n") {
		t.Errorf("stdout %q", out)
	}
}

func TestDumpKRaftSnapshotCheckpoint(t *testing.T) {
	dir := t.TempDir()
	bl := record.NewBuilder(0, record.CompressionNone).SetControl(true)
	if err := bl.AppendControlRecord(ts0, record.ControlSnapshotHeader, enc{}.i16(0).i64(10000).uv(0)); err != nil {
		t.Fatal(err)
	}
	b, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "00000000000000000100-0000000003.checkpoint")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, dir, "--deep-iteration", "--files", p)
	if code != 0 || errOut != "" {
		t.Fatalf("status %d stderr %q", code, errOut)
	}
	// dumpLog: "Snapshot end offset: N, epoch: E", and a SNAPSHOT_HEADER
	// control record prints " SnapshotHeader <json>"
	diff(t, "stdout", out, lines("Dumping "+p, "Snapshot end offset: 100, epoch: 3", batchLine(b, 0),
		`| offset: 0 CreateTime: 1700000000000 keySize: 4 valueSize: 11 sequence: -1 headerKeys: [] SnapshotHeader {"version":0,"lastContainedLogTimestamp":10000}`))

	for name, want := range map[string]string{
		"bootstrap.checkpoint": "KRaft bootstrap snapshot\n",
		"short.checkpoint":     "",
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o644)
		out, errOut, _ := run(t, dir, "--files", p)
		if name == "short.checkpoint" {
			if errOut != "Exception in thread \"main\" java.lang.StringIndexOutOfBoundsException: begin 0, end 20, length 16\n" {
				t.Errorf("%s: %q", name, errOut)
			}
			continue
		}
		if !strings.HasPrefix(out, "Dumping "+p+"\n"+want) {
			t.Errorf("%s: %q", name, out)
		}
	}
}

func TestIOMessageIsTheLibcText(t *testing.T) {
	// a directory named like a segment: reading it fails as the JVM's
	// IOException("Is a directory")
	if got := ioMessage(&os.PathError{Op: "read", Path: "x", Err: syscall.EISDIR}); got != "Is a directory" {
		t.Errorf("got %q", got)
	}
}
