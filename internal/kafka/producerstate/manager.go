package producerstate

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path/filepath"
	"slices"

	"github.com/wharf-project/wharf/internal/vfs"
)

// DefaultProducerIDExpirationMs is producer.id.expiration.ms's default (1 day).
const DefaultProducerIDExpirationMs = 24 * 60 * 60 * 1000

// Options are what a Manager needs.
type Options struct {
	FS vfs.FS // default vfs.Default
	// Dir returns the partition directory the snapshots live in (asked at
	// each use: the directory may be renamed under the log).
	Dir func() string
	// Partition names the partition in messages.
	Partition string
	// ProducerIDExpirationMs is producer.id.expiration.ms: a producer with
	// no open transaction whose last timestamp is this old is forgotten.
	// Default DefaultProducerIDExpirationMs.
	ProducerIDExpirationMs int64
	Logger                 *slog.Logger // default: discard
}

// Manager is one partition's producer state (ProducerStateManager): the
// entry of every producer id that wrote to it, checked and updated around
// each append, plus its snapshots.
//
// A Manager is not safe for concurrent use: its owner (the partition)
// calls it under the lock that also covers the log append, so that the
// duplicate check, the append and the update are one step.
//
// Snapshots are taken in two steps. TakeSnapshot captures the state at the
// map end offset in memory; WriteSnapshots writes those captured at or
// below an offset the caller knows to be durable in the log. So a snapshot
// file never describes batches a crash could still remove from the log:
// otherwise a retry of such a lost, never-acknowledged batch would be
// answered as a duplicate of it.
type Manager struct {
	opts      Options
	producers map[int64]*Entry
	// snapshots are the offsets of the snapshot files, ascending; pending
	// the snapshots taken but not written yet, ascending.
	snapshots []int64
	pending   []pendingSnapshot
	// lastMapOffset is the offset the state covers up to (exclusive);
	// lastSnapOffset the newest snapshot taken.
	lastMapOffset  int64
	lastSnapOffset int64
}

type pendingSnapshot struct {
	offset int64
	data   []byte
}

// New returns an empty manager over the snapshots already in the
// partition directory (loadSnapshots). Load also rebuilds the state.
func New(opts Options) (*Manager, error) {
	if opts.FS == nil {
		opts.FS = vfs.Default
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.ProducerIDExpirationMs <= 0 {
		opts.ProducerIDExpirationMs = DefaultProducerIDExpirationMs
	}
	if opts.Dir == nil {
		return nil, errors.New("producerstate: Options.Dir is required")
	}
	m := &Manager{opts: opts, producers: map[int64]*Entry{}}
	var err error
	if m.snapshots, err = listSnapshots(opts.FS, opts.Dir()); err != nil {
		return nil, fmt.Errorf("producerstate: listing snapshots of %s: %w", opts.Partition, err)
	}
	return m, nil
}

// LastEntry returns a copy of pid's state.
func (m *Manager) LastEntry(pid int64) (*Entry, bool) {
	e, ok := m.producers[pid]
	if !ok {
		return nil, false
	}
	return e.clone(), true
}

// Producers returns a copy of every producer's state, by producer id.
func (m *Manager) Producers() []*Entry {
	out := make([]*Entry, 0, len(m.producers))
	for _, e := range m.producers {
		out = append(out, e.clone())
	}
	slices.SortFunc(out, func(a, b *Entry) int { return cmpInt64(a.ProducerID, b.ProducerID) })
	return out
}

// ProducerCount is the number of producers known.
func (m *Manager) ProducerCount() int { return len(m.producers) }

// IsEmpty reports whether no producer is known.
func (m *Manager) IsEmpty() bool { return len(m.producers) == 0 }

// MapEndOffset is the offset the state covers up to (exclusive).
func (m *Manager) MapEndOffset() int64 { return m.lastMapOffset }

// UpdateMapEndOffset sets the offset the state covers up to.
func (m *Manager) UpdateMapEndOffset(offset int64) { m.lastMapOffset = offset }

// CheckAppend checks the batches of an append before it is written
// (UnifiedLog.analyzeAndValidateProducerState), changing nothing. A client
// batch that repeats one of its producer's retained batches (same epoch,
// same sequence range) makes the whole append a duplicate: dup is that
// batch's metadata and nothing must be appended. Otherwise an error is
// the append's ErrInvalidProducerEpoch, ErrOutOfOrderSequence,
// ErrInvalidTxnState or ErrCoordinatorFenced. Batches without a producer
// id are ignored; FirstOffset and LastOffset need only be the offsets the
// batches are expected to get (they appear in messages).
func (m *Manager) CheckAppend(batches []BatchInfo, origin Origin) (dup BatchMetadata, isDup bool, err error) {
	infos := map[int64]*AppendInfo{}
	for _, b := range batches {
		if !b.HasProducerID() || (b.Control && origin == OriginClient) {
			// A client control batch is refused by record validation.
			continue
		}
		if origin == OriginClient {
			if e, ok := m.producers[b.ProducerID]; ok {
				if d, found := e.FindDuplicate(b.Epoch, b.BaseSeq, b.LastSeq); found {
					return d, true, nil
				}
			}
		}
		if err := m.appendInfo(infos, b.ProducerID, origin).Append(b); err != nil {
			return BatchMetadata{}, false, err
		}
	}
	return BatchMetadata{}, false, nil
}

// ApplyAppend records the batches of an append that was written, with
// their final offsets and timestamps, and moves the map end offset to
// endOffset, the log end offset after it (UnifiedLog.append's update of
// the producer state). Nothing is checked beyond what CheckAppend did:
// the batches are in the log now.
func (m *Manager) ApplyAppend(batches []BatchInfo, endOffset int64) []CompletedTxn {
	infos := map[int64]*AppendInfo{}
	var order []int64
	for _, b := range batches {
		if !b.HasProducerID() {
			continue
		}
		if _, ok := infos[b.ProducerID]; !ok {
			order = append(order, b.ProducerID)
		}
		_ = m.appendInfo(infos, b.ProducerID, OriginReplication).Append(b)
	}
	var done []CompletedTxn
	for _, pid := range order {
		a := infos[pid]
		m.update(a)
		done = append(done, a.completed...)
	}
	m.lastMapOffset = endOffset
	return done
}

func (m *Manager) appendInfo(infos map[int64]*AppendInfo, pid int64, origin Origin) *AppendInfo {
	a, ok := infos[pid]
	if !ok {
		a = m.PrepareUpdate(pid, origin)
		infos[pid] = a
	}
	return a
}

// PrepareUpdate starts an append for pid (prepareUpdate): batches added
// to it are checked against pid's state and each other; Update applies
// it. CheckAppend and ApplyAppend are the usual way in.
func (m *Manager) PrepareUpdate(pid int64, origin Origin) *AppendInfo {
	cur, ok := m.producers[pid]
	if !ok {
		cur = emptyEntry(pid)
	}
	return newAppendInfo(m.opts.Partition, pid, cur, origin)
}

// Update applies an append's state (ProducerStateManager.update).
func (m *Manager) Update(a *AppendInfo) { m.update(a) }

func (m *Manager) update(a *AppendInfo) {
	if cur, ok := m.producers[a.pid]; ok {
		cur.update(a.updated)
		return
	}
	m.producers[a.pid] = a.updated
}

func (m *Manager) isExpired(now int64, e *Entry) bool {
	return e.CurrentTxnFirstOffset == NoTxn && now-e.LastTimestamp >= m.opts.ProducerIDExpirationMs
}

// RemoveExpiredProducers forgets the producers idle for
// producer.id.expiration.ms (removeExpiredProducers), as the broker does
// every producer.id.expiration.check.interval.ms.
func (m *Manager) RemoveExpiredProducers(now int64) int {
	n := 0
	for pid, e := range m.producers {
		if m.isExpired(now, e) {
			delete(m.producers, pid)
			n++
		}
	}
	return n
}

// FirstUndecidedOffset is the first offset of the oldest open transaction.
func (m *Manager) FirstUndecidedOffset() (int64, bool) {
	first, ok := int64(0), false
	for _, e := range m.producers {
		if e.CurrentTxnFirstOffset != NoTxn && (!ok || e.CurrentTxnFirstOffset < first) {
			first, ok = e.CurrentTxnFirstOffset, true
		}
	}
	return first, ok
}

// TakeSnapshot captures the state at the map end offset unless a snapshot
// at or above it was taken already (takeSnapshot). It stays in memory
// until WriteSnapshots writes it.
func (m *Manager) TakeSnapshot() {
	if m.lastMapOffset <= m.lastSnapOffset {
		return
	}
	entries := make([]*Entry, 0, len(m.producers))
	for _, e := range m.producers {
		entries = append(entries, e)
	}
	m.pending = append(m.pending, pendingSnapshot{offset: m.lastMapOffset, data: EncodeSnapshot(entries)})
	m.lastSnapOffset = m.lastMapOffset
}

// NextPendingSnapshot returns the offset of the oldest snapshot taken but
// not written.
func (m *Manager) NextPendingSnapshot() (int64, bool) {
	if len(m.pending) == 0 {
		return 0, false
	}
	return m.pending[0].offset, true
}

// WriteSnapshots writes the snapshots taken at offsets up to durable (the
// log's recovery point: everything below it is on disk), each atomically
// (a temporary file, fsync, rename, directory fsync).
func (m *Manager) WriteSnapshots(durable int64) error {
	for len(m.pending) > 0 && m.pending[0].offset <= durable {
		p := m.pending[0]
		path := filepath.Join(m.opts.Dir(), SnapshotName(p.offset))
		if err := vfs.WriteFileAtomic(m.opts.FS, path, p.data); err != nil {
			return fmt.Errorf("producerstate: writing snapshot %s: %w", path, err)
		}
		m.pending = m.pending[1:]
		m.addSnapshot(p.offset)
		m.opts.Logger.Debug("wrote producer snapshot", "partition", m.opts.Partition, "offset", p.offset)
	}
	return nil
}

func (m *Manager) addSnapshot(offset int64) {
	i, found := slices.BinarySearch(m.snapshots, offset)
	if !found {
		m.snapshots = slices.Insert(m.snapshots, i, offset)
	}
}

// Snapshots returns the offsets of the snapshot files, ascending.
func (m *Manager) Snapshots() []int64 { return slices.Clone(m.snapshots) }

// LatestSnapshotOffset is the newest snapshot, written or pending.
func (m *Manager) LatestSnapshotOffset() (int64, bool) {
	switch {
	case len(m.pending) > 0:
		return m.pending[len(m.pending)-1].offset, true
	case len(m.snapshots) > 0:
		return m.snapshots[len(m.snapshots)-1], true
	}
	return 0, false
}

// OnLogStartOffsetIncremented follows the log start offset up
// (onLogStartOffsetIncremented): the map end offset never stays below it.
func (m *Manager) OnLogStartOffsetIncremented(logStart int64) {
	if m.lastMapOffset < logStart {
		m.lastMapOffset = logStart
	}
	if o, ok := m.LatestSnapshotOffset(); ok {
		m.lastSnapOffset = o
	} else {
		m.lastSnapOffset = logStart
	}
}

// DeleteSnapshotsBefore removes the snapshots below offset.
func (m *Manager) DeleteSnapshotsBefore(offset int64) error {
	for len(m.pending) > 0 && m.pending[0].offset < offset {
		m.pending = m.pending[1:]
	}
	return m.removeSnapshots(func(o int64) bool { return o < offset })
}

// removeSnapshots deletes the snapshot files whose offset drop accepts
// (and syncs the directory when any went).
func (m *Manager) removeSnapshots(drop func(int64) bool) error {
	kept := m.snapshots[:0]
	var errs []error
	removed := false
	for _, o := range m.snapshots {
		if !drop(o) {
			kept = append(kept, o)
			continue
		}
		err := m.opts.FS.Remove(filepath.Join(m.opts.Dir(), SnapshotName(o)))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			kept = append(kept, o)
			continue
		}
		removed = true
	}
	m.snapshots = kept
	if removed {
		errs = append(errs, m.opts.FS.SyncDir(m.opts.Dir()))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("producerstate: removing snapshots of %s: %w", m.opts.Partition, err)
	}
	return nil
}

// RemoveStraySnapshots removes the snapshots at offsets that are not a
// segment base offset, except the newest such one when it lies above every
// segment base (what a clean shutdown wrote at the log end).
func (m *Manager) RemoveStraySnapshots(segmentBases []int64) error {
	bases := map[int64]bool{}
	maxBase := int64(-1)
	for _, b := range segmentBases {
		bases[b] = true
		maxBase = max(maxBase, b)
	}
	latestStray := int64(-1)
	for _, o := range m.snapshots {
		if !bases[o] {
			latestStray = o
		}
	}
	return m.removeSnapshots(func(o int64) bool {
		return !bases[o] && (o != latestStray || (maxBase >= 0 && latestStray < maxBase))
	})
}

// TruncateFullyAndStartAt forgets every producer and snapshot and starts
// the state empty at offset (truncateFullyAndStartAt).
func (m *Manager) TruncateFullyAndStartAt(offset int64) error {
	clear(m.producers)
	m.pending = nil
	err := m.removeSnapshots(func(int64) bool { return true })
	m.lastSnapOffset = 0
	m.lastMapOffset = offset
	return err
}

// TruncateAndReload drops the snapshots outside (logStart, logEnd] and, if
// the state does not end at logEnd, reloads it from the newest remaining
// snapshot, dropping producers expired at now (truncateAndReload). The
// caller then replays the log from MapEndOffset (Rebuild does both).
func (m *Manager) TruncateAndReload(logStart, logEnd, now int64) error {
	out := func(o int64) bool { return o > logEnd || o <= logStart }
	m.pending = slices.DeleteFunc(m.pending, func(p pendingSnapshot) bool { return out(p.offset) })
	if err := m.removeSnapshots(out); err != nil {
		return err
	}
	if logEnd == m.lastMapOffset {
		m.OnLogStartOffsetIncremented(logStart)
		return nil
	}
	clear(m.producers)
	return m.loadFromSnapshot(logStart, now)
}

// loadFromSnapshot loads the newest snapshot that reads (a corrupt one is
// deleted and the next tried), or starts empty at logStart.
func (m *Manager) loadFromSnapshot(logStart, now int64) error {
	for {
		var data []byte
		var offset int64
		switch {
		case len(m.pending) > 0:
			p := m.pending[len(m.pending)-1]
			data, offset = p.data, p.offset
		case len(m.snapshots) > 0:
			offset = m.snapshots[len(m.snapshots)-1]
			var err error
			if data, err = vfs.ReadFile(m.opts.FS, filepath.Join(m.opts.Dir(), SnapshotName(offset))); err != nil {
				if !errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("producerstate: reading snapshot of %s at %d: %w", m.opts.Partition, offset, err)
				}
				m.snapshots = m.snapshots[:len(m.snapshots)-1]
				continue
			}
		default:
			m.lastSnapOffset, m.lastMapOffset = logStart, logStart
			return nil
		}
		entries, err := DecodeSnapshot(data)
		if err != nil {
			m.opts.Logger.Warn("failed to load producer snapshot", "partition", m.opts.Partition, "offset", offset, "err", err)
			if len(m.pending) > 0 {
				m.pending = m.pending[:len(m.pending)-1]
			} else if err := m.removeSnapshots(func(o int64) bool { return o == offset }); err != nil {
				return err
			}
			continue
		}
		for _, e := range entries {
			if !m.isExpired(now, e) {
				m.producers[e.ProducerID] = e
			}
		}
		m.lastSnapOffset, m.lastMapOffset = offset, offset
		return nil
	}
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
