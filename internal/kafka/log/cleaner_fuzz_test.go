package log

import (
	"bytes"
	"context"
	"encoding/binary"
	"slices"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/record"
)

// FuzzCleanerBatches puts arbitrary bytes as the records (with an
// arbitrary record count and codec) of a batch whose header and CRC are
// valid — what replication stores from a producer that encoded garbage,
// since followers check only the header — between keyed batches, and
// cleans the log. The cleaning must succeed without panicking, keep that
// batch byte for byte unless its records decode, and keep the last record
// of every other key.
func FuzzCleanerBatches(f *testing.F) {
	good := keyedBatch(f, batchOpts{}, kvs(1, 5), tomb(4), kvs(4, 6))
	f.Add(bytes.Clone(record.Batch(good).Records()), int32(3), uint8(0))
	gz := keyedBatch(f, batchOpts{codec: record.CompressionGzip}, kvs(1, 5), kvs(5, 5))
	f.Add(bytes.Clone(record.Batch(gz).Records()), int32(2), uint8(1))
	f.Add([]byte{0x7f, 0, 0, 0}, int32(1), uint8(0))
	f.Add([]byte{}, int32(0), uint8(3))
	f.Add([]byte{1, 2, 3, 4, 5, 6}, int32(-4), uint8(4))

	f.Fuzz(func(t *testing.T, recs []byte, count int32, codec uint8) {
		if len(recs) > 900 { // one batch per 1 KiB segment
			return
		}
		e := newCompactEnv(t, compactConfig())
		e.appendKV(1, 1)
		e.appendKV(2, 2)
		b := append(bytes.Clone(good[:record.HeaderSize]), recs...)
		be := binary.BigEndian
		be.PutUint64(b[0:], uint64(e.log.LogEndOffset()))
		be.PutUint32(b[8:], uint32(len(b)-record.LogOverhead))
		be.PutUint16(b[21:], uint16(codec%5))
		be.PutUint32(b[23:], uint32(min(max(count-1, 0), 1000)))
		be.PutUint32(b[57:], uint32(count))
		be.PutUint32(b[17:], record.Batch(b).ComputeCRC())
		if _, err := e.log.AppendAsFollower(slices.Clone(b)); err != nil {
			t.Fatalf("follower append: %v", err)
		}
		last1 := e.appendKV(1, 3)
		last3 := e.appendKV(3, 3)
		if err := e.log.Roll(); err != nil {
			t.Fatal(err)
		}
		e.flush()
		w := testWorker(t, e, 100)
		ltc := newLogToClean(e.log.TopicPartition(), e.log, 0, activeBase(e.log), false)
		if _, _, err := w.clean(context.Background(), ltc, e.clock.NowMs()); err != nil {
			t.Fatalf("clean: %v", err)
		}
		batches := checkLog(t, e.log)
		decodes := func() bool {
			data, err := record.Batch(b).RecordData(nil, 0)
			if err != nil {
				return false
			}
			it := record.Batch(b).Iter(data)
			var r record.Record
			for it.Next(&r) {
			}
			return it.Err() == nil
		}()
		if !decodes && !slices.ContainsFunc(batches, func(x record.Batch) bool { return bytes.Equal(x, b) }) {
			t.Fatal("an undecodable batch was not kept whole")
		}
		var data []record.Batch
		for _, x := range batches {
			if x.BaseOffset() >= last1 {
				data = append(data, x)
			}
		}
		recsAfter := batchRecords(t, data)
		if len(recsAfter) != 2 || recsAfter[0].offset != last1 || recsAfter[1].offset != last3 {
			t.Fatalf("the last records of keys 1 and 3: %+v", recsAfter)
		}
	})
}
