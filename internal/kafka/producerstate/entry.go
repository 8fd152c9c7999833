package producerstate

import (
	"fmt"
	"math"

	"github.com/wharf-project/wharf/internal/kafka/record"
)

// NumBatchesToRetain is how many batches a producer's entry remembers for
// duplicate detection (ProducerStateEntry.NUM_BATCHES_TO_RETAIN); the
// client allows at most this many requests in flight per connection with
// idempotence.
const NumBatchesToRetain = 5

// Sentinels of an entry without data or transaction.
const (
	NoProducerEpoch = int16(-1) // RecordBatch.NO_PRODUCER_EPOCH
	NoSequence      = record.NoSequence
	NoTxn           = int64(-1) // current_txn_first_offset when no transaction is open
)

// BatchMetadata is one appended batch of a producer (BatchMetadata): its
// last sequence, last offset, offset delta (last offset minus first) and
// max timestamp.
type BatchMetadata struct {
	LastSeq     int32
	LastOffset  int64
	OffsetDelta int32
	Timestamp   int64
}

// FirstSeq is the batch's first sequence, wrapping below 0 as Kafka's
// sequences do (DefaultRecordBatch.decrementSequence).
func (b BatchMetadata) FirstSeq() int32 { return decrementSequence(b.LastSeq, b.OffsetDelta) }

// FirstOffset is the batch's base offset.
func (b BatchMetadata) FirstOffset() int64 { return b.LastOffset - int64(b.OffsetDelta) }

func (b BatchMetadata) String() string {
	return fmt.Sprintf("BatchMetadata(firstSeq=%d, lastSeq=%d, firstOffset=%d, lastOffset=%d, timestamp=%d)",
		b.FirstSeq(), b.LastSeq, b.FirstOffset(), b.LastOffset, b.Timestamp)
}

// decrementSequence is DefaultRecordBatch.decrementSequence.
func decrementSequence(seq, dec int32) int32 {
	if seq < dec {
		return math.MaxInt32 - (dec - seq) + 1
	}
	return seq - dec
}

// Entry is one producer's state in a partition (ProducerStateEntry): its
// epoch, the coordinator epoch of its last transaction marker, the
// timestamp of its last write, the first offset of its open transaction
// (NoTxn if none) and its last NumBatchesToRetain batches, oldest first.
type Entry struct {
	ProducerID            int64
	Epoch                 int16
	CoordinatorEpoch      int32
	LastTimestamp         int64
	CurrentTxnFirstOffset int64
	Batches               []BatchMetadata
}

// emptyEntry is ProducerStateEntry.empty.
func emptyEntry(pid int64) *Entry {
	return &Entry{ProducerID: pid, Epoch: NoProducerEpoch, CoordinatorEpoch: -1,
		LastTimestamp: record.NoTimestamp, CurrentTxnFirstOffset: NoTxn}
}

// IsEmpty reports whether the entry holds no batch.
func (e *Entry) IsEmpty() bool { return len(e.Batches) == 0 }

// FirstSeq is the first sequence of the oldest batch held, or NoSequence.
func (e *Entry) FirstSeq() int32 {
	if e.IsEmpty() {
		return NoSequence
	}
	return e.Batches[0].FirstSeq()
}

// LastSeq is the last sequence of the newest batch held, or NoSequence.
func (e *Entry) LastSeq() int32 {
	if e.IsEmpty() {
		return NoSequence
	}
	return e.Batches[len(e.Batches)-1].LastSeq
}

// LastDataOffset is the last offset of the newest batch held, or -1.
func (e *Entry) LastDataOffset() int64 {
	if e.IsEmpty() {
		return -1
	}
	return e.Batches[len(e.Batches)-1].LastOffset
}

// LastOffsetDelta is the offset delta of the newest batch held, or 0.
func (e *Entry) LastOffsetDelta() int32 {
	if e.IsEmpty() {
		return 0
	}
	return e.Batches[len(e.Batches)-1].OffsetDelta
}

// clone returns a deep copy.
func (e *Entry) clone() *Entry {
	c := *e
	c.Batches = append([]BatchMetadata(nil), e.Batches...)
	return &c
}

// addBatch records a batch (ProducerStateEntry.addBatch): a new epoch
// forgets the batches of the old one.
func (e *Entry) addBatch(epoch int16, lastSeq int32, lastOffset int64, offsetDelta int32, ts int64) {
	e.maybeUpdateEpoch(epoch)
	e.addBatchMetadata(BatchMetadata{LastSeq: lastSeq, LastOffset: lastOffset, OffsetDelta: offsetDelta, Timestamp: ts})
	e.LastTimestamp = ts
}

func (e *Entry) maybeUpdateEpoch(epoch int16) bool {
	if e.Epoch == epoch {
		return false
	}
	e.Batches = e.Batches[:0]
	e.Epoch = epoch
	return true
}

func (e *Entry) addBatchMetadata(b BatchMetadata) {
	if len(e.Batches) == NumBatchesToRetain {
		copy(e.Batches, e.Batches[1:])
		e.Batches = e.Batches[:NumBatchesToRetain-1]
	}
	e.Batches = append(e.Batches, b)
}

// update merges next, the entry an append built, into e
// (ProducerStateEntry.update).
func (e *Entry) update(next *Entry) {
	e.maybeUpdateEpoch(next.Epoch)
	for _, b := range next.Batches {
		e.addBatchMetadata(b)
	}
	e.CoordinatorEpoch = next.CoordinatorEpoch
	e.CurrentTxnFirstOffset = next.CurrentTxnFirstOffset
	e.LastTimestamp = next.LastTimestamp
}

// FindDuplicate returns the retained batch with exactly the sequence range
// [firstSeq, lastSeq] written in epoch (findDuplicateBatch): a retry of a
// batch already appended.
func (e *Entry) FindDuplicate(epoch int16, firstSeq, lastSeq int32) (BatchMetadata, bool) {
	if epoch != e.Epoch {
		return BatchMetadata{}, false
	}
	for _, b := range e.Batches {
		if b.FirstSeq() == firstSeq && b.LastSeq == lastSeq {
			return b, true
		}
	}
	return BatchMetadata{}, false
}

func (e *Entry) String() string {
	return fmt.Sprintf("ProducerStateEntry(producerId=%d, producerEpoch=%d, currentTxnFirstOffset=%d, coordinatorEpoch=%d, lastTimestamp=%d, batchMetadata=%v)",
		e.ProducerID, e.Epoch, e.CurrentTxnFirstOffset, e.CoordinatorEpoch, e.LastTimestamp, e.Batches)
}
