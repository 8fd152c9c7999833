package producerstate

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/vfs"
)

// A producer snapshot, <offset %020d>.snapshot in the partition directory,
// is ProducerStateManager's PID_SNAPSHOT_MAP_SCHEMA (big-endian):
//
//	0  version            int16   1
//	2  crc                uint32  CRC-32C (Castagnoli) of bytes [6, end)
//	6  producer_entries   int32   count, then count entries of 46 bytes:
//	     producer_id              int64
//	     epoch                    int16
//	     last_sequence            int32   of the entry's batch (-1: none)
//	     last_offset              int64   of the entry's batch (-1: none)
//	     offset_delta             int32   last_offset - the batch's first offset
//	     timestamp                int64   the batch's timestamp; the producer's last timestamp in its last entry
//	     coordinator_epoch        int32
//	     current_txn_first_offset int64   -1: no open transaction
//
// The offset in the name is the map end offset: the state covers every
// batch below it.
//
// Kafka writes one entry per producer, its newest batch, so a reload from
// a Kafka snapshot knows one batch per producer plus what the log after
// the snapshot holds. Wharf writes one entry per retained batch instead,
// the producer's window oldest first, all with the producer's epoch,
// coordinator epoch and open transaction: otherwise retries of the older
// batches in flight at a crash stop being duplicates once a snapshot
// taken after them is loaded. The format does not change. Kafka's reader
// (readSnapshot, then loadProducerEntry's producers.put for each entry in
// file order) keeps the last entry of each producer id, which is exactly
// the entry Kafka itself would have written; Wharf's reader merges the
// consecutive entries of one producer id back into its window. An older
// entry's timestamp is at most the last entry's, so when Kafka's
// per-entry expiry check drops the last entry it drops the older ones
// too. Producers are written in producer id order (Kafka writes a
// HashMap's order; readers do not care).
const (
	SnapshotSuffix  = ".snapshot"
	snapshotVersion = 1
	headerSize      = 10 // version, crc, count
	entrySize       = 46
	tmpSuffix       = ".tmp"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// SnapshotName is the file name of the snapshot at offset
// (LogFileUtils.producerSnapshotFile).
func SnapshotName(offset int64) string { return log.FilenamePrefix(offset) + SnapshotSuffix }

// EncodeSnapshot returns the snapshot bytes of entries
// (ProducerStateManager.writeSnapshot), sorted by producer id, one entry
// per retained batch (a producer without a batch gets one entry without
// data). A producer with one batch is written exactly as Kafka does.
func EncodeSnapshot(entries []*Entry) []byte {
	sorted := slices.Clone(entries)
	slices.SortStableFunc(sorted, func(a, b *Entry) int { return cmpInt64(a.ProducerID, b.ProducerID) })
	n := 0
	for _, e := range sorted {
		n += max(len(e.Batches), 1)
	}
	be := binary.BigEndian
	out := make([]byte, headerSize, headerSize+entrySize*n)
	be.PutUint16(out, snapshotVersion)
	be.PutUint32(out[6:], uint32(n))
	put := func(e *Entry, seq int32, off int64, delta int32, ts int64) {
		out = be.AppendUint64(out, uint64(e.ProducerID))
		out = be.AppendUint16(out, uint16(e.Epoch))
		out = be.AppendUint32(out, uint32(seq))
		out = be.AppendUint64(out, uint64(off))
		out = be.AppendUint32(out, uint32(delta))
		out = be.AppendUint64(out, uint64(ts))
		out = be.AppendUint32(out, uint32(e.CoordinatorEpoch))
		out = be.AppendUint64(out, uint64(e.CurrentTxnFirstOffset))
	}
	for _, e := range sorted {
		if e.IsEmpty() {
			put(e, NoSequence, -1, 0, e.LastTimestamp)
			continue
		}
		last := len(e.Batches) - 1
		for _, b := range e.Batches[:last] {
			put(e, b.LastSeq, b.LastOffset, b.OffsetDelta, min(b.Timestamp, e.LastTimestamp))
		}
		b := e.Batches[last]
		put(e, b.LastSeq, b.LastOffset, b.OffsetDelta, e.LastTimestamp)
	}
	be.PutUint32(out[2:], crc32.Checksum(out[6:], castagnoli))
	return out
}

// DecodeSnapshot parses snapshot bytes (ProducerStateManager.readSnapshot):
// version 1, a valid CRC and exactly count entries, else ErrCorruptSnapshot.
// It returns one Entry per producer id, in the order the ids first appear.
// The consecutive entries of one producer id that share its epoch and
// ascend in offset are its window, oldest first (the last
// NumBatchesToRetain kept); any other repeat of a producer id replaces
// what came before, as Kafka's reader does. The producer's epoch,
// timestamp, coordinator epoch and transaction are its last entry's; an
// older batch's timestamp is capped at that timestamp.
func DecodeSnapshot(data []byte) ([]*Entry, error) {
	raw, err := readSnapshotEntries(data)
	if err != nil {
		return nil, err
	}
	entries := make([]*Entry, 0, len(raw))
	index := make(map[int64]int, len(raw))
	for i, e := range raw {
		at, seen := index[e.ProducerID]
		switch {
		case !seen:
			index[e.ProducerID] = len(entries)
			entries = append(entries, e)
		case raw[i-1].ProducerID == e.ProducerID && extendsWindow(entries[at], e):
			w := entries[at]
			w.addBatchMetadata(e.Batches[0])
			for j := range w.Batches {
				w.Batches[j].Timestamp = min(w.Batches[j].Timestamp, e.LastTimestamp)
			}
			w.LastTimestamp, w.CoordinatorEpoch, w.CurrentTxnFirstOffset = e.LastTimestamp, e.CoordinatorEpoch, e.CurrentTxnFirstOffset
		default:
			entries[at] = e
		}
	}
	return entries, nil
}

// extendsWindow reports whether next, the entry after w's last one in a
// snapshot, is a newer batch of the same producer epoch.
func extendsWindow(w, next *Entry) bool {
	return w.Epoch == next.Epoch && !w.IsEmpty() && !next.IsEmpty() && next.Batches[0].LastOffset > w.LastDataOffset()
}

// readSnapshotEntries returns the snapshot's entries as they are stored,
// each with at most one batch: what Kafka's readSnapshot returns. An entry
// with last_offset >= 0 gets that batch; a negative
// current_txn_first_offset means no transaction.
func readSnapshotEntries(data []byte) ([]*Entry, error) {
	be := binary.BigEndian
	if len(data) < headerSize {
		return nil, fmt.Errorf("%w: %d bytes is shorter than the header", ErrCorruptSnapshot, len(data))
	}
	if v := int16(be.Uint16(data)); v != snapshotVersion {
		return nil, fmt.Errorf("%w: Snapshot contained an unknown file version %d", ErrCorruptSnapshot, v)
	}
	n := int32(be.Uint32(data[6:]))
	if n < 0 || int64(len(data)-headerSize) != int64(n)*entrySize {
		return nil, fmt.Errorf("%w: %d entries do not fit %d bytes", ErrCorruptSnapshot, n, len(data))
	}
	if stored, computed := be.Uint32(data[2:]), crc32.Checksum(data[6:], castagnoli); stored != computed {
		return nil, fmt.Errorf("%w: Snapshot is corrupt (CRC is no longer valid). Stored crc: %d. Computed crc: %d",
			ErrCorruptSnapshot, stored, computed)
	}
	entries := make([]*Entry, 0, n)
	for p := data[headerSize:]; len(p) > 0; p = p[entrySize:] {
		e := &Entry{
			ProducerID:       int64(be.Uint64(p)),
			Epoch:            int16(be.Uint16(p[8:])),
			LastTimestamp:    int64(be.Uint64(p[26:])),
			CoordinatorEpoch: int32(be.Uint32(p[34:])),
		}
		seq, off, delta := int32(be.Uint32(p[10:])), int64(be.Uint64(p[14:])), int32(be.Uint32(p[22:]))
		if off >= 0 {
			e.Batches = []BatchMetadata{{LastSeq: seq, LastOffset: off, OffsetDelta: delta, Timestamp: e.LastTimestamp}}
		}
		e.CurrentTxnFirstOffset = int64(be.Uint64(p[38:]))
		if e.CurrentTxnFirstOffset < 0 {
			e.CurrentTxnFirstOffset = NoTxn
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// listSnapshots returns the offsets of the .snapshot files in dir,
// ascending, removing the temporary files an interrupted write left.
func listSnapshots(fsys vfs.FS, dir string) ([]int64, error) {
	names, err := fsys.List(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var offsets []int64
	for _, name := range names {
		switch {
		case strings.HasSuffix(name, SnapshotSuffix+tmpSuffix):
			if err := fsys.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
		case strings.HasSuffix(name, SnapshotSuffix):
			if o, ok := log.OffsetFromFileName(name); ok {
				offsets = append(offsets, o)
			}
		}
	}
	slices.Sort(offsets)
	return offsets, nil
}
