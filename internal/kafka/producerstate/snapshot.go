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
//	     last_sequence            int32   of the producer's last batch (-1: none)
//	     last_offset              int64   of the last batch (-1: none)
//	     offset_delta             int32   last_offset - the last batch's first offset
//	     timestamp                int64   the producer's last timestamp
//	     coordinator_epoch        int32
//	     current_txn_first_offset int64   -1: no open transaction
//
// The offset in the name is the map end offset: the state covers every
// batch below it. Only the newest batch of each producer is kept, so after
// a reload from a snapshot a producer's duplicate window is that one batch
// plus what the log after the snapshot holds. Entries are written sorted
// by producer id (Kafka writes a HashMap's order; readers do not care).
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
// (ProducerStateManager.writeSnapshot), sorted by producer id.
func EncodeSnapshot(entries []*Entry) []byte {
	sorted := slices.Clone(entries)
	slices.SortFunc(sorted, func(a, b *Entry) int {
		switch {
		case a.ProducerID < b.ProducerID:
			return -1
		case a.ProducerID > b.ProducerID:
			return 1
		}
		return 0
	})
	be := binary.BigEndian
	out := make([]byte, headerSize, headerSize+entrySize*len(sorted))
	be.PutUint16(out, snapshotVersion)
	be.PutUint32(out[6:], uint32(len(sorted)))
	for _, e := range sorted {
		out = be.AppendUint64(out, uint64(e.ProducerID))
		out = be.AppendUint16(out, uint16(e.Epoch))
		out = be.AppendUint32(out, uint32(e.LastSeq()))
		out = be.AppendUint64(out, uint64(e.LastDataOffset()))
		out = be.AppendUint32(out, uint32(e.LastOffsetDelta()))
		out = be.AppendUint64(out, uint64(e.LastTimestamp))
		out = be.AppendUint32(out, uint32(e.CoordinatorEpoch))
		out = be.AppendUint64(out, uint64(e.CurrentTxnFirstOffset))
	}
	be.PutUint32(out[2:], crc32.Checksum(out[6:], castagnoli))
	return out
}

// DecodeSnapshot parses snapshot bytes (ProducerStateManager.readSnapshot):
// version 1, a valid CRC and exactly count entries, else ErrCorruptSnapshot.
// An entry with last_offset >= 0 gets that one batch; a negative
// current_txn_first_offset means no transaction.
func DecodeSnapshot(data []byte) ([]*Entry, error) {
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
