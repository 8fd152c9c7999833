package log

import "github.com/wharf-project/wharf/internal/kafka/record"

// What the recopy keeps of each batch (LogCleaner.cleanInto's RecordFilter
// and MemoryRecords.filterTo, for v2 batches):
//
//   - Control batches and transactional data batches are kept whole. Kafka
//     removes aborted transactions' records and, later, the markers, using
//     the .txnindex to know ahead which transactions aborted; Wharf's log
//     has no transaction index, so both stay, and transactional records
//     are also left out of the offset map (an aborted record must not
//     hide an older committed one).
//   - In other batches a record is kept when its offset is above the
//     map's latest offset, or when it has a key, its offset is at least
//     the map's offset for that key, and it has a value or is a tombstone
//     whose batch has no delete horizon yet or one still ahead of now.
//     Records without a key are dropped (counted invalid).
//   - A batch keeping every record, with no tombstone lacking a delete
//     horizon, is copied byte for byte. One keeping some is rebuilt with
//     the same base offset, producer id, epoch and base sequence, leader
//     epoch, timestamp type and codec, and its original last offset (so
//     the producer's last sequence survives); it gets the delete horizon
//     now + delete.retention.ms when it holds a tombstone and had none,
//     and otherwise keeps the horizon it had.
//   - A batch keeping no record disappears, unless it is the last data
//     batch of a still active producer: then its header survives, empty
//     (record.EmptyFrom), to carry the producer's last sequence and epoch.
//   - A batch whose records cannot be decoded, or cannot be re-encoded
//     (a record timestamp the builder refuses), is kept whole.

// batchFilter is the per-group context of filterBatch.
type batchFilter struct {
	now        int64
	newHorizon int64 // the delete horizon of a batch getting its first one
}

// filterBatch appends what the cleaner keeps of b to the write buffer.
func (w *cleanerWorker) filterBatch(b record.Batch, f *batchFilter) {
	count := int64(max(b.RecordCount(), 0))
	if b.IsControl() || b.IsTransactional() {
		w.keepWhole(b, count)
		return
	}
	data, ok := w.recordData(b)
	if !ok {
		w.keepWhole(b, count)
		return
	}
	keep := w.keep[:0]
	retained, tombstone := 0, false
	it := b.Iter(data)
	var r record.Record
	for it.Next(&r) {
		k := w.retainRecord(b, &r, f.now)
		keep = append(keep, k)
		if k {
			retained++
			tombstone = tombstone || !r.HasValue()
		}
	}
	w.keep = keep
	if it.Err() != nil {
		w.stats.UnreadableBatches++
		w.keepWhole(b, count)
		return
	}
	w.stats.MessagesRead += int64(len(keep))
	setHorizon := tombstone && !b.HasDeleteHorizon()
	switch {
	case retained > 0 && retained == len(keep) && !setHorizon:
		w.writeBuf = append(w.writeBuf, b...)
		w.stats.MessagesWritten += int64(retained)
	case retained > 0:
		horizon := record.NoTimestamp
		if setHorizon {
			horizon = f.newHorizon
		} else if b.HasDeleteHorizon() {
			horizon = b.BaseTimestamp()
		}
		out, err := rebuildBatch(w.writeBuf, b, data, keep, horizon)
		if err != nil {
			w.stats.UnreadableBatches++
			w.writeBuf = append(w.writeBuf, b...)
			w.stats.MessagesWritten += int64(len(keep))
			return
		}
		w.writeBuf = out
		w.stats.MessagesWritten += int64(retained)
	case w.isLastBatchOfActiveProducer(b):
		w.writeBuf = append(w.writeBuf, record.EmptyFrom(b)...)
	}
}

// keepWhole copies b unchanged.
func (w *cleanerWorker) keepWhole(b record.Batch, count int64) {
	w.writeBuf = append(w.writeBuf, b...)
	w.stats.MessagesRead += count
	w.stats.MessagesWritten += count
}

// retainRecord is Cleaner.shouldRetainRecord for v2 batches.
func (w *cleanerWorker) retainRecord(b record.Batch, r *record.Record, now int64) bool {
	if r.Offset > w.offsets.latestOffset() {
		return true
	}
	if !r.HasKey() {
		w.stats.InvalidMessagesRead++
		return false
	}
	if r.Offset < w.offsets.get(r.Key) {
		return false
	}
	return r.HasValue() || !b.HasDeleteHorizon() || now < b.BaseTimestamp()
}

// isLastBatchOfActiveProducer: b holds the last data of a producer that
// is still active (Kafka's RETAIN_EMPTY rule).
func (w *cleanerWorker) isLastBatchOfActiveProducer(b record.Batch) bool {
	if !b.HasProducerID() {
		return false
	}
	p, ok := w.producers[b.ProducerID()]
	return ok && p.lastDataOffset == b.LastOffset()
}

// rebuildBatch appends to dst a copy of b holding the records of data
// that keep marks (MemoryRecords.buildRetainedRecordsInto), with the
// delete horizon given (NoTimestamp: none).
func rebuildBatch(dst []byte, b record.Batch, data []byte, keep []bool, horizon int64) ([]byte, error) {
	bl := record.NewBuilder(b.BaseOffset(), b.Compression()).
		SetProducer(b.ProducerID(), b.ProducerEpoch(), b.BaseSequence()).
		SetPartitionLeaderEpoch(b.PartitionLeaderEpoch())
	if b.IsLogAppendTime() {
		bl.SetLogAppendTime(b.MaxTimestamp())
	}
	if horizon != record.NoTimestamp {
		bl.SetDeleteHorizon(horizon)
	}
	it := b.Iter(data)
	var r record.Record
	for i := 0; it.Next(&r); i++ {
		if keep[i] {
			if err := bl.AppendRecord(r.Offset, &r); err != nil {
				return dst, err
			}
		}
	}
	bl.OverrideLastOffset(b.LastOffset())
	return bl.AppendTo(dst)
}
