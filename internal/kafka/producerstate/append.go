package producerstate

import (
	"errors"
	"fmt"
	"math"

	"github.com/wharf-project/wharf/internal/kafka/record"
)

// Errors of an append, each the Kafka error the produce response carries.
var (
	// ErrInvalidProducerEpoch is INVALID_PRODUCER_EPOCH: a batch whose
	// epoch is older than the producer's (Kafka 2.7+ answers this, not
	// PRODUCER_FENCED, on the produce path).
	ErrInvalidProducerEpoch = errors.New("producerstate: invalid producer epoch")
	// ErrOutOfOrderSequence is OUT_OF_ORDER_SEQUENCE_NUMBER: a gap in a
	// producer's sequence, or a new epoch not starting at sequence 0.
	ErrOutOfOrderSequence = errors.New("producerstate: out of order sequence number")
	// ErrInvalidTxnState is INVALID_TXN_STATE: a non-transactional write
	// while the producer has a transaction open.
	ErrInvalidTxnState = errors.New("producerstate: invalid transaction state")
	// ErrCoordinatorFenced is TRANSACTION_COORDINATOR_FENCED: a marker
	// from an older transaction coordinator.
	ErrCoordinatorFenced = errors.New("producerstate: transaction coordinator fenced")
	// ErrCorruptSnapshot is a .snapshot file that cannot be read
	// (CorruptSnapshotException); loading skips it.
	ErrCorruptSnapshot = errors.New("producerstate: corrupt snapshot")
)

// Origin is who appends (AppendOrigin): clients are fully validated,
// coordinators only for epochs, replication not at all.
type Origin int8

const (
	OriginClient Origin = iota
	OriginCoordinator
	OriginReplication
)

// BatchInfo is what producer state reads from one batch: its header and,
// for a transaction marker, the marker.
type BatchInfo struct {
	ProducerID    int64
	Epoch         int16
	BaseSeq       int32
	LastSeq       int32
	FirstOffset   int64
	LastOffset    int64
	MaxTimestamp  int64
	Transactional bool
	Control       bool
	// Marker is the control batch's end transaction marker; HasMarker is
	// false for an empty control batch (its transaction was cleaned away)
	// or a control record that is not COMMIT or ABORT.
	Marker      record.EndTxnMarker
	HasMarker   bool
	MarkerTs    int64 // the marker record's timestamp
	markerError error
}

// HasProducerID reports whether the batch carries a producer id.
func (b BatchInfo) HasProducerID() bool { return b.ProducerID != record.NoProducerID }

// BatchInfoOf reads b's header, and the first record of a control batch
// (uncompressed, as every control batch is written).
func BatchInfoOf(b record.Batch) BatchInfo {
	bi := BatchInfo{
		ProducerID: b.ProducerID(), Epoch: b.ProducerEpoch(), BaseSeq: b.BaseSequence(), LastSeq: b.LastSequence(),
		FirstOffset: b.BaseOffset(), LastOffset: b.LastOffset(), MaxTimestamp: b.MaxTimestamp(),
		Transactional: b.IsTransactional(), Control: b.IsControl(),
	}
	if !bi.Control || b.RecordCount() <= 0 || b.Compression() != record.CompressionNone {
		return bi
	}
	it := b.Iter(b.Records())
	var r record.Record
	if !it.Next(&r) {
		bi.markerError = it.Err()
		return bi
	}
	m, err := record.ParseEndTxnMarker(&r)
	if err != nil {
		bi.markerError = err
		return bi
	}
	bi.Marker, bi.HasMarker, bi.MarkerTs = m, true, r.Timestamp
	return bi
}

// AppendInfo accumulates what one append does to one producer
// (ProducerAppendInfo): it starts from the producer's state after its
// last append and checks each batch against what came before it,
// including earlier batches of the same append.
type AppendInfo struct {
	partition string
	pid       int64
	current   *Entry // the committed state; read only
	updated   *Entry // current's epoch, coordinator epoch, timestamp, txn; the new batches
	origin    Origin
	// startedTxns are the first offsets of transactions the append opens.
	startedTxns []int64
	// completed are the transactions the append's markers end.
	completed []CompletedTxn
}

// CompletedTxn is a transaction a marker ended.
type CompletedTxn struct {
	ProducerID  int64
	FirstOffset int64
	LastOffset  int64 // the marker's offset
	Aborted     bool
}

func newAppendInfo(partition string, pid int64, current *Entry, origin Origin) *AppendInfo {
	u := &Entry{ProducerID: pid, Epoch: current.Epoch, CoordinatorEpoch: current.CoordinatorEpoch,
		LastTimestamp: current.LastTimestamp, CurrentTxnFirstOffset: current.CurrentTxnFirstOffset}
	return &AppendInfo{partition: partition, pid: pid, current: current, updated: u, origin: origin}
}

// ProducerID is the producer the append is for.
func (a *AppendInfo) ProducerID() int64 { return a.pid }

// Entry is the state the append adds (its batches only).
func (a *AppendInfo) Entry() *Entry { return a.updated }

// Append adds one batch (ProducerAppendInfo.append).
func (a *AppendInfo) Append(b BatchInfo) error {
	if b.Control {
		if b.markerError != nil && a.origin != OriginReplication {
			return fmt.Errorf("%w: %w", ErrInvalidTxnState, b.markerError)
		}
		if !b.HasMarker {
			return nil // an empty control batch: its transaction was cleaned from the log
		}
		return a.appendEndTxnMarker(b.Marker, b.Epoch, b.FirstOffset, b.MarkerTs)
	}
	return a.appendDataBatch(b.Epoch, b.BaseSeq, b.LastSeq, b.MaxTimestamp, b.FirstOffset, b.LastOffset, b.Transactional)
}

func (a *AppendInfo) appendDataBatch(epoch int16, firstSeq, lastSeq int32, ts, firstOffset, lastOffset int64, transactional bool) error {
	if err := a.checkProducerEpoch(epoch, firstOffset); err != nil {
		return err
	}
	if a.origin == OriginClient {
		if err := a.checkSequence(epoch, firstSeq, firstOffset); err != nil {
			return err
		}
	}
	a.updated.addBatch(epoch, lastSeq, lastOffset, int32(lastOffset-firstOffset), ts)
	switch open := a.updated.CurrentTxnFirstOffset != NoTxn; {
	case open && !transactional:
		return fmt.Errorf("%w: Expected transactional write from producer %d at offset %d in partition %s",
			ErrInvalidTxnState, a.pid, firstOffset, a.partition)
	case !open && transactional:
		a.updated.CurrentTxnFirstOffset = firstOffset
		a.startedTxns = append(a.startedTxns, firstOffset)
	}
	return nil
}

func (a *AppendInfo) checkProducerEpoch(epoch int16, offset int64) error {
	if epoch >= a.updated.Epoch || a.origin == OriginReplication {
		return nil
	}
	return fmt.Errorf("%w: Epoch of producer %d at offset %d in %s is %d, which is smaller than the last seen epoch %d",
		ErrInvalidProducerEpoch, a.pid, offset, a.partition, epoch, a.updated.Epoch)
}

// checkSequence is ProducerAppendInfo.checkSequence: a new epoch must
// start at sequence 0 (unless the producer was unknown); within an epoch
// the sequence must follow the last one, wrapping at Int32.MaxValue. A
// producer with no known epoch (first seen, or whose batches all left
// the log) may start at any sequence, as Kafka 2.5+ allows (KIP-360).
func (a *AppendInfo) checkSequence(epoch int16, firstSeq int32, offset int64) error {
	if epoch != a.updated.Epoch {
		if firstSeq != 0 && a.updated.Epoch != NoProducerEpoch {
			return fmt.Errorf("%w: Invalid sequence number for new epoch of producer %d at offset %d in partition %s: %d (request epoch), %d (seq. number), %d (current producer epoch)",
				ErrOutOfOrderSequence, a.pid, offset, a.partition, epoch, firstSeq, a.updated.Epoch)
		}
		return nil
	}
	var lastSeq int32
	switch {
	case !a.updated.IsEmpty():
		lastSeq = a.updated.LastSeq()
	case epoch == a.current.Epoch:
		lastSeq = a.current.LastSeq()
	default:
		lastSeq = NoSequence
	}
	if a.current.Epoch == NoProducerEpoch || inSequence(lastSeq, firstSeq) {
		return nil
	}
	return fmt.Errorf("%w: Out of order sequence number for producer %d at offset %d in partition %s: %d (incoming seq. number), %d (current end sequence number)",
		ErrOutOfOrderSequence, a.pid, offset, a.partition, firstSeq, lastSeq)
}

func inSequence(last, next int32) bool {
	return int64(next) == int64(last)+1 || (next == 0 && last == math.MaxInt32)
}

// appendEndTxnMarker is ProducerAppendInfo.appendEndTxnMarker.
func (a *AppendInfo) appendEndTxnMarker(m record.EndTxnMarker, epoch int16, offset, ts int64) error {
	if err := a.checkProducerEpoch(epoch, offset); err != nil {
		return err
	}
	if a.updated.CoordinatorEpoch > m.CoordinatorEpoch && a.origin != OriginReplication {
		return fmt.Errorf("%w: Invalid coordinator epoch for producerId %d at offset %d in partition %s: %d (zombie), %d (current)",
			ErrCoordinatorFenced, a.pid, offset, a.partition, m.CoordinatorEpoch, a.updated.CoordinatorEpoch)
	}
	if first := a.updated.CurrentTxnFirstOffset; first != NoTxn {
		a.completed = append(a.completed, CompletedTxn{ProducerID: a.pid, FirstOffset: first, LastOffset: offset,
			Aborted: m.Type == record.ControlAbort})
	}
	a.updated.maybeUpdateEpoch(epoch)
	a.updated.CurrentTxnFirstOffset = NoTxn
	a.updated.CoordinatorEpoch = m.CoordinatorEpoch
	a.updated.LastTimestamp = ts
	return nil
}
