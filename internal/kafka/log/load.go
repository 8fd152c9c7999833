package log

import (
	"cmp"
	"errors"
	"io/fs"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/wharf-project/wharf/internal/kafka/log/checkpoint"
	"github.com/wharf-project/wharf/internal/vfs"
)

// Open opens the partition log in dir, creating the directory (durably) if
// it does not exist, and loads it as Kafka's LogLoader does:
//
//  1. Files of interrupted operations: *.deleted are removed; *.cleaned are
//     removed, and so is every *.swap at or above the lowest .cleaned offset
//     (an incomplete split); the remaining *.swap files complete their swap:
//     the segments they replace (by offset range) are removed and the .swap
//     suffix is dropped.
//  2. Every <base>.log is opened; index files without a .log are removed.
//     A segment whose index is missing or fails its sanity checks is
//     recovered (rebuilt) whatever the shutdown.
//  3. Without a clean shutdown, every segment from the one holding the
//     recovery point onward is recovered: batches checked, indexes rebuilt,
//     the file cut at the first invalid byte. After the first segment that
//     had to be cut (or that overlaps the next one), every later segment is
//     deleted: nothing after an invalid byte is trusted.
//  4. A log ending below the log start offset is emptied. An empty log
//     gets one segment at the log start offset. The last segment becomes
//     the active one: its .log held open, its index entries in memory. No
//     other file stays open.
//  5. The leader epoch cache loses the entries at or above the log end
//     offset and below the log start offset.
//
// The recovery point becomes the log end offset after a clean shutdown, and
// min(opts.RecoveryPoint, log end offset) otherwise.
func Open(fsys vfs.FS, dir string, cfg Config, opts Options) (*Log, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	tp, kind, err := ParseDirName(dir)
	if err != nil {
		return nil, err
	}
	opts.setDefaults()
	opts.RecoveryPoint = max(opts.RecoveryPoint, 0)
	opts.LogStartOffset = max(opts.LogStartOffset, 0)
	if err := ensureDir(fsys, dir); err != nil {
		return nil, err
	}
	l := &Log{
		fs: fsys, dir: dir, sdir: &segmentDir{path: dir}, tp: tp, name: tp.String(), kind: kind, opts: opts,
		logger:         opts.Logger.With("partition", tp.String()),
		pendingDeletes: map[*Segment]struct{}{},
	}
	l.fcond.L = &l.fmu
	l.cfgp.Store(&cfg)
	cp := opts.EpochCheckpoint
	if cp == nil {
		if cp, err = checkpoint.OpenLeaderEpochFile(fsys, filepath.Join(dir, LeaderEpochCheckpointFile)); err != nil {
			return nil, err
		}
		l.ownCheckpoint = true
	}
	if l.epochs, err = NewEpochCache(cp); err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.loadLocked(); err != nil {
		if segs := l.segs.Load(); segs != nil {
			for _, s := range *segs {
				s.closeFiles()
			}
		}
		l.closePendingDeletes()
		return nil, err
	}
	l.lastFlush.Store(opts.Clock.NowMs())
	return l, nil
}

// ensureDir creates dir and any missing parent, making each new entry
// durable: a directory whose entry is lost in a crash takes every file in
// it along.
func ensureDir(fsys vfs.FS, dir string) error {
	var missing []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := fsys.Stat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		missing = append(missing, d)
		if d == filepath.Dir(d) {
			break
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if err := fsys.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, d := range missing {
		if err := fsys.SyncDir(filepath.Dir(d)); err != nil {
			return err
		}
	}
	return nil
}

func (l *Log) loadLocked() error {
	if err := l.completeSwaps(); err != nil {
		return err
	}
	cfg := l.cfgp.Load()
	sc := cfg.segmentConfig(l.opts.FileCache)
	now := l.opts.Clock.NowMs()
	segs, suspect, err := l.openSegments(sc, now)
	l.publishLocked(segs)
	if err != nil {
		return err
	}

	if !l.opts.HadCleanShutdown && l.kind != DirDelete {
		for i := max(floorSegment(segs, l.opts.RecoveryPoint), 0); i < len(segs); i++ {
			suspect[i] = true
		}
	}
	var leo int64
	lastRecovered := false
	for i, s := range segs {
		if !suspect[i] {
			continue
		}
		res, err := s.recover(l.epochs)
		if err != nil {
			return err
		}
		if i == len(segs)-1 {
			leo, lastRecovered = res.NextOffset, true
		}
		overlaps := i+1 < len(segs) && segs[i+1].base < res.NextOffset
		cut := res.TruncatedBytes > 0 || overlaps
		if !cut && i < len(segs)-1 {
			// Not the last segment: its rebuilt indexes go to their
			// files, and its .log is no longer held.
			if err := s.onBecomeInactive(false); err != nil {
				return err
			}
		}
		if cut {
			l.logger.Warn("corruption found in segment; deleting the segments after it",
				"base", s.base, "truncatedBytes", res.TruncatedBytes, "nextOffset", res.NextOffset,
				"deleting", len(segs)-i-1)
			rest := slices.Clone(segs[i+1:])
			segs = segs[:i+1]
			l.publishLocked(segs)
			if err := l.deleteSegmentsLocked(rest); err != nil {
				return err
			}
			leo, lastRecovered = res.NextOffset, true
			break
		}
	}
	hadSegments := len(segs) > 0
	if hadSegments {
		// The last segment becomes the active one: its .log held open,
		// its index entries in memory, with room for segment.index.bytes.
		if err := segs[len(segs)-1].makeActive(sc.maxIndexBytes); err != nil {
			return err
		}
	}
	if hadSegments && !lastRecovered {
		if leo, err = segs[len(segs)-1].readNextOffset(); err != nil {
			return err
		}
	}
	if hadSegments && leo < l.opts.LogStartOffset {
		l.logger.Warn("deleting all segments: the log end offset is below the log start offset",
			"logEndOffset", leo, "logStartOffset", l.opts.LogStartOffset)
		rest := segs
		segs = nil
		l.publishLocked(segs)
		if err := l.deleteSegmentsLocked(rest); err != nil {
			return err
		}
		if err := l.epochs.Clear(); err != nil {
			return err
		}
		hadSegments = false
	}
	if len(segs) == 0 {
		s, err := createSegment(l.fs, l.sdir, l.opts.LogStartOffset, sc, "", now, l.randomSegmentJitter())
		if err != nil {
			return err
		}
		segs = []*Segment{s}
		l.publishLocked(segs)
		l.dirDirty = true
		leo = l.opts.LogStartOffset
	}
	segs[len(segs)-1].resetBytesSinceIndex()

	if err := l.epochs.TruncateFromEnd(leo); err != nil {
		return err
	}
	l.logStart.Store(max(l.opts.LogStartOffset, segs[0].base))
	if err := l.epochs.TruncateFromStart(l.opts.LogStartOffset); err != nil {
		return err
	}
	l.logEnd.Store(leo)
	if l.opts.HadCleanShutdown && hadSegments {
		l.recovery.Store(leo)
	} else {
		l.recovery.Store(min(l.opts.RecoveryPoint, leo))
	}
	return nil
}

// completeSwaps is the first pass of LogLoader.load: remove what interrupted
// deletions and cleanings left, and finish interrupted swaps.
func (l *Log) completeSwaps() error {
	names, err := l.fs.List(l.dir)
	if err != nil {
		return err
	}
	minCleaned := int64(math.MaxInt64)
	var swaps, cleaned []string
	for _, name := range names {
		switch {
		case strings.HasSuffix(name, DeletedFileSuffix):
			if err := l.removeIfExists(name); err != nil {
				return err
			}
		case strings.HasSuffix(name, CleanedFileSuffix):
			if o, ok := OffsetFromFileName(name); ok {
				minCleaned = min(minCleaned, o)
			}
			cleaned = append(cleaned, name)
		case strings.HasSuffix(name, SwapFileSuffix):
			swaps = append(swaps, name)
		}
	}
	// A .swap at or above the lowest .cleaned offset belongs to an
	// operation that did not finish renaming (KAFKA-6264).
	var valid []string
	for _, name := range swaps {
		if o, ok := OffsetFromFileName(name); ok && o >= minCleaned {
			if err := l.removeIfExists(name); err != nil {
				return err
			}
			continue
		}
		valid = append(valid, name)
	}
	for _, name := range cleaned {
		if err := l.removeIfExists(name); err != nil {
			return err
		}
	}
	if len(valid) == 0 {
		return nil
	}
	// The segments a completed set of .swap files replaces: [lowest swap
	// base, highest swap end).
	minSwap, maxSwap := int64(math.MaxInt64), int64(math.MinInt64)
	sc := l.cfgp.Load().segmentConfig(l.opts.FileCache)
	for _, name := range valid {
		kind, base := segmentFileKind(name, SwapFileSuffix)
		if kind != kindLog {
			continue
		}
		s, _, err := openSegment(l.fs, l.sdir, base, sc, SwapFileSuffix, 0, 0)
		if err != nil {
			return err
		}
		next, err := s.readNextOffset()
		s.closeFiles()
		if err != nil {
			return err
		}
		minSwap, maxSwap = min(minSwap, base), max(maxSwap, next)
	}
	for _, name := range names {
		kind, base := segmentFileKind(name, "")
		if kind != kindOther && base >= minSwap && base < maxSwap {
			l.logger.Info("deleting segment file replaced by an interrupted swap", "file", name)
			if err := l.removeIfExists(name); err != nil {
				return err
			}
		}
	}
	for _, name := range valid {
		if err := l.fs.Rename(filepath.Join(l.dir, name),
			filepath.Join(l.dir, strings.TrimSuffix(name, SwapFileSuffix))); err != nil {
			return err
		}
	}
	l.dirDirty = true
	return nil
}

func (l *Log) removeIfExists(name string) error {
	if err := l.fs.Remove(filepath.Join(l.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// openSegments opens every segment in the directory, in offset order,
// removing orphaned index files. suspect[i] is true for a segment whose
// indexes are missing or fail their sanity checks.
func (l *Log) openSegments(sc segmentConfig, now int64) ([]*Segment, []bool, error) {
	names, err := l.fs.List(l.dir)
	if err != nil {
		return nil, nil, err
	}
	logs := map[int64]bool{}
	for _, name := range names {
		if kind, base := segmentFileKind(name, ""); kind == kindLog {
			logs[base] = true
		}
	}
	type opened struct {
		s   *Segment
		bad bool
	}
	var found []opened
	collect := func() ([]*Segment, []bool) {
		// List sorts by name, which is offset order only for the
		// 20-digit names Kafka writes: sort by offset.
		slices.SortStableFunc(found, func(a, b opened) int { return cmp.Compare(a.s.base, b.s.base) })
		segs, suspect := make([]*Segment, len(found)), make([]bool, len(found))
		for i, o := range found {
			segs[i], suspect[i] = o.s, o.bad
		}
		return segs, suspect
	}
	for _, name := range names {
		kind, base := segmentFileKind(name, "")
		switch kind {
		case kindIndex, kindTimeIndex, kindTxnIndex:
			if !logs[base] {
				l.logger.Warn("removing an orphaned index file", "file", name)
				if err := l.removeIfExists(name); err != nil {
					segs, suspect := collect()
					return segs, suspect, err
				}
			}
			continue
		case kindLog:
		default:
			continue
		}
		s, missing, err := openSegment(l.fs, l.sdir, base, sc, "", now, l.randomSegmentJitter())
		if err != nil {
			segs, suspect := collect()
			return segs, suspect, err
		}
		bad := missing
		if !bad {
			if err := s.oi.sanityCheck(s.Size()); err != nil {
				l.logger.Warn("rebuilding a corrupt index", "err", err)
				bad = true
			} else if err := s.ti.sanityCheck(); err != nil {
				l.logger.Warn("rebuilding a corrupt time index", "err", err)
				bad = true
			}
		}
		found = append(found, opened{s, bad})
	}
	segs, suspect := collect()
	return segs, suspect, nil
}
