package log

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/wharf-project/wharf/internal/kafka/record"
)

// The hooks for the cleaner (compaction), which writes new segments beside
// the log and swaps them in for the segments they replace:
//
//	s, _ := log.NewCleanedSegment(base)   // <base>.log.cleaned, empty
//	s.AppendBatches(batches)              // as often as needed
//	s.Seal()                              // final index entries, synced
//	log.ReplaceSegments([]*Segment{s}, old)
//
// ReplaceSegments is LocalLog.replaceSegments: the new segments are renamed
// .cleaned -> .swap (highest base first), put in the log, the old ones
// renamed .deleted (and removed later), and the new ones renamed to their
// final names; then the directory is synced. A crash at any point is
// repaired by Open: before every .swap exists the operation is abandoned
// (.cleaned and the .swap above the lowest .cleaned are removed), after it is
// completed (the segments a .swap covers are removed and .swap dropped).

// NewCleanedSegment creates an empty segment <base>.log.cleaned (and its
// indexes), replacing leftovers of an earlier attempt. It is not part of
// the log: only its creator uses it, until ReplaceSegments or Discard.
func (l *Log) NewCleanedSegment(base int64) (*Segment, error) {
	if base < 0 {
		return nil, fmt.Errorf("%w: negative base offset %d", ErrInvalidArgument, base)
	}
	cfg := l.cfgp.Load()
	// Index files of an earlier attempt would otherwise linger until Seal
	// writes the new ones.
	dir := l.Dir()
	for _, kind := range []string{IndexFileSuffix, TimeIndexFileSuffix} {
		if err := l.fs.Remove(segmentPath(dir, base, kind, CleanedFileSuffix)); err != nil && !isNotExist(err) {
			return nil, err
		}
	}
	s, err := createSegment(l.fs, l.sdir, base, cfg.segmentConfig(l.opts.FileCache), CleanedFileSuffix, l.opts.Clock.NowMs(), 0)
	if err != nil {
		return nil, err
	}
	s.cleanedNext = base
	return s, nil
}

// AppendBatches appends whole batches, with their offsets and epochs kept, to
// a segment made by NewCleanedSegment, indexing them as an append does.
// Batches must pass the stored-batch checks (size, magic, CRC), start at or
// above the end of what the segment holds, and end within 2^31 offsets of
// its base.
func (s *Segment) AppendBatches(recs []byte) error {
	if s.currentSuffix() != CleanedFileSuffix {
		return fmt.Errorf("%w: segment %d is not a cleaned segment", ErrInvalidArgument, s.base)
	}
	next := s.cleanedNext
	it := record.Iterate(recs)
	for {
		b, _, ok := it.Next()
		if !ok {
			break
		}
		if err := checkStored(b); err != nil {
			return classify(err)
		}
		if b.BaseOffset() < next || !s.canConvertToRelativeOffset(b.LastOffset()) {
			return fmt.Errorf("%w: batch [%d, %d] does not fit segment %d after offset %d",
				ErrInvalidArgument, b.BaseOffset(), b.LastOffset(), s.base, next-1)
		}
		next = b.NextOffset()
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrCorruptRecord, err)
	}
	size, _, err := s.append(recs)
	if err != nil {
		return err
	}
	s.size.Store(size)
	s.cleanedNext = next
	return nil
}

// Seal readies a cleaned segment to be swapped in: its time index gets the
// final entry, both indexes are written to their files, trimmed, and the
// three files are synced. The .log is no longer held open from then on (it
// is opened when read, like any inactive segment's).
func (s *Segment) Seal() error {
	if err := s.onBecomeInactive(true); err != nil {
		return err
	}
	return s.sync(false)
}

// Discard closes a cleaned segment and removes its files.
func (s *Segment) Discard() error { return s.removeFiles() }

// ReplaceSegments puts newSegs (sealed cleaned segments) in the log in place
// of oldSegs, crash-safely (see above). Old segments no longer in the log
// (deleted by retention meanwhile) are ignored; the active segment cannot
// be replaced.
func (l *Log) ReplaceSegments(newSegs, oldSegs []*Segment) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.writableLocked(); err != nil {
		return err
	}
	if len(newSegs) == 0 {
		return fmt.Errorf("%w: no segment to swap in", ErrInvalidArgument)
	}
	segs := *l.segs.Load()
	active := segs[len(segs)-1]
	var old []*Segment
	for _, s := range oldSegs {
		if s == active {
			return fmt.Errorf("%w: the active segment cannot be replaced", ErrInvalidArgument)
		}
		if slices.Contains(segs, s) {
			old = append(old, s)
		}
	}
	fresh := slices.Clone(newSegs)
	byBase := func(a, b *Segment) int { return cmp.Compare(a.base, b.base) }
	slices.SortFunc(fresh, byBase)
	for _, s := range fresh {
		if s.currentSuffix() != CleanedFileSuffix {
			return fmt.Errorf("%w: segment %d is not a cleaned segment", ErrInvalidArgument, s.base)
		}
		if s.base >= active.base {
			return fmt.Errorf("%w: cleaned segment %d reaches the active segment %d", ErrInvalidArgument, s.base, active.base)
		}
	}
	for _, s := range fresh {
		if s.oi.isActive() { // not sealed: its index files are not written
			if err := s.Seal(); err != nil {
				return err
			}
		}
	}
	for i := len(fresh) - 1; i >= 0; i-- {
		if err := fresh[i].changeSuffix(CleanedFileSuffix, SwapFileSuffix); err != nil {
			return l.failLocked(err)
		}
	}
	l.truncGen.Add(1)
	next := make([]*Segment, 0, len(segs)+len(fresh))
	for _, s := range segs {
		if !slices.Contains(old, s) {
			next = append(next, s)
		}
	}
	next = append(next, fresh...)
	slices.SortStableFunc(next, byBase)
	next = slices.CompactFunc(next, func(a, b *Segment) bool { return a.base == b.base })
	l.publishLocked(next)
	if err := l.deleteSegmentsLocked(old); err != nil {
		return l.failLocked(err)
	}
	for _, s := range fresh {
		if err := s.changeSuffix(SwapFileSuffix, ""); err != nil {
			return l.failLocked(err)
		}
	}
	if err := l.syncDir(); err != nil {
		return l.failLocked(err)
	}
	l.dirDirty = false
	l.truncGen.Add(1)
	return nil
}
