package dumplog

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/record"
)

// Fixtures: log segments and indexes built with the record package's
// Builder (MemoryRecordsBuilder's byte layout), and the batch line each
// batch must print, formatted independently of the code under test from
// the record package's view of the same bytes.

const ts0 = int64(1700000000000)

type fixtureBatch struct {
	codec     record.Compression
	epoch     int32
	producer  *[3]int64 // id, epoch, base sequence
	txn       bool
	control   *int32 // COMMIT marker with this coordinator epoch
	logAppend int64  // LogAppendTime max timestamp when > 0
	recs      []fixtureRecord
}

type fixtureRecord struct {
	ts         int64
	key, value []byte
	headers    []string
}

func str(s string) []byte { return []byte(s) }

// build writes the batch at baseOffset.
func (fb fixtureBatch) build(t testing.TB, base int64) record.Batch {
	t.Helper()
	bl := record.NewBuilder(base, fb.codec).SetPartitionLeaderEpoch(fb.epoch)
	if fb.producer != nil {
		bl.SetProducer(fb.producer[0], int16(fb.producer[1]), int32(fb.producer[2]))
	}
	bl.SetTransactional(fb.txn)
	if fb.logAppend > 0 {
		bl.SetLogAppendTime(fb.logAppend)
	}
	if fb.control != nil {
		bl.SetControl(true)
		if err := bl.AppendEndTxnMarker(ts0, true, *fb.control); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range fb.recs {
		var hs []record.Header
		for _, h := range r.headers {
			hs = append(hs, record.Header{Key: []byte(h), Value: []byte("v")})
		}
		if err := bl.Append(r.ts, r.key, r.value, hs...); err != nil {
			t.Fatal(err)
		}
	}
	b, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	return append(record.Batch(nil), b...)
}

// segment is a log segment under construction.
type segmentFixture struct {
	dir     string
	base    int64
	log     []byte
	batches []record.Batch
	pos     []int
}

func newSegmentFixture(t testing.TB, base int64, batches ...fixtureBatch) *segmentFixture {
	s := &segmentFixture{dir: t.TempDir(), base: base}
	next := base
	for _, fb := range batches {
		b := fb.build(t, next)
		s.pos = append(s.pos, len(s.log))
		s.batches = append(s.batches, b)
		s.log = append(s.log, b...)
		next = b.LastOffset() + 1
	}
	return s
}

func (s *segmentFixture) name(suffix string) string {
	return filepath.Join(s.dir, fmt.Sprintf("%020d%s", s.base, suffix))
}

func (s *segmentFixture) write(t testing.TB, suffix string, data []byte) string {
	t.Helper()
	p := s.name(suffix)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func (s *segmentFixture) writeLog(t testing.TB) string { return s.write(t, ".log", s.log) }

// offsetIndex is an .index with an entry (last offset, position) per batch,
// as LogSegment.append writes them with index.interval.bytes small.
func (s *segmentFixture) offsetIndex() []byte {
	var out []byte
	for i, b := range s.batches {
		out = binary.BigEndian.AppendUint32(out, uint32(b.LastOffset()-s.base))
		out = binary.BigEndian.AppendUint32(out, uint32(s.pos[i]))
	}
	return out
}

// timeIndex is a .timeindex with (max timestamp, last offset) per batch
// whose max timestamp grows.
func (s *segmentFixture) timeIndex() []byte {
	var out []byte
	last := int64(-1)
	for _, b := range s.batches {
		if b.MaxTimestamp() <= last {
			continue
		}
		last = b.MaxTimestamp()
		out = appendTimeEntry(out, b.MaxTimestamp(), b.LastOffset()-s.base)
	}
	return out
}

func appendOffsetEntry(out []byte, rel, pos uint32) []byte {
	return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(out, rel), pos)
}

func appendTimeEntry(out []byte, ts, rel int64) []byte {
	return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint64(out, uint64(ts)), uint32(rel))
}

// batchLine is the line DumpLogSegments.printBatchLevel prints for a
// magic 2 batch (DumpLogSegments.scala, printBatchLevel: the fields of
// `print("baseOffset: " ... " deleteHorizonMs: " ...)` then
// `println(" position: " ... " isvalid: " ...)`), computed from the record
// package's Batch accessors.
func batchLine(b record.Batch, position int) string {
	tsType := "CreateTime"
	if b.IsLogAppendTime() {
		tsType = "LogAppendTime"
	}
	horizon := "OptionalLong.empty"
	if b.HasDeleteHorizon() {
		horizon = fmt.Sprintf("OptionalLong[%d]", b.BaseTimestamp())
	}
	return fmt.Sprintf("baseOffset: %d lastOffset: %d count: %d baseSequence: %d lastSequence: %d producerId: %d "+
		"producerEpoch: %d partitionLeaderEpoch: %d isTransactional: %t isControl: %t deleteHorizonMs: %s "+
		"position: %d %s: %d size: %d magic: %d compresscodec: %s crc: %d isvalid: %t",
		b.BaseOffset(), b.LastOffset(), b.RecordCount(), b.BaseSequence(), b.LastSequence(), b.ProducerID(),
		b.ProducerEpoch(), b.PartitionLeaderEpoch(), b.IsTransactional(), b.IsControl(), horizon,
		position, tsType, b.MaxTimestamp(), b.Size(), b.Magic(), b.Compression(), b.CRC(), b.CRCValid())
}

// run runs the tool in dir and returns stdout, stderr and the status.
func run(t testing.TB, dir string, args ...string) (string, string, int) {
	t.Helper()
	var out, errw bytes.Buffer
	code := Run(args, Env{Stdout: &out, Stderr: &errw, Cwd: dir})
	return out.String(), errw.String(), code
}

func lines(ls ...string) string {
	if len(ls) == 0 {
		return ""
	}
	return strings.Join(ls, "\n") + "\n"
}

// diff reports the first differing line of two texts.
func diff(t testing.TB, what, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			t.Errorf("%s: line %d differs\n got: %q\nwant: %q\n--- got:\n%s--- want:\n%s", what, i+1, gl, wl, got, want)
			return
		}
	}
}
