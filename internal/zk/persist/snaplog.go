package persist

import (
	"errors"
	"fmt"
	iofs "io/fs"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"

	"github.com/wharf-project/wharf/internal/vfs"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// ApplyFunc receives each txn Restore replays, in log order.
type ApplyFunc func(hdr *jute.TxnHeader, rec jute.Record, dg *jute.TxnDigest) error

// SnapLog is a ZooKeeper data directory pair (FileTxnSnapLog): snapshots in
// <dataDir>/version-2, txn logs in <dataLogDir>/version-2 (the same
// directory when dataLogDir is dataDir). It is used by one goroutine at a
// time.
type SnapLog struct {
	fs      vfs.FS
	snapDir string
	logDir  string
	opts    Options
	log     *slog.Logger
	txnLog  *TxnLog
}

// Open opens (creating if needed) the version-2 directories of dataDir and
// dataLogDir ("" means dataDir, as in zoo.cfg). As ZooKeeper does (ZOOKEEPER-2967), when the two differ the
// log directory may hold no snapshot and the snapshot directory no log.
// Leftover temporary files of interrupted snapshot writes are removed.
func Open(fs vfs.FS, dataDir, dataLogDir string, opts Options) (*SnapLog, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	if dataLogDir == "" {
		dataLogDir = dataDir
	}
	s := &SnapLog{
		fs:      fs,
		snapDir: filepath.Join(dataDir, versionDir),
		logDir:  filepath.Join(dataLogDir, versionDir),
		opts:    opts,
		log:     opts.Logger,
	}
	for _, d := range []string{s.snapDir, s.logDir} {
		if err := mkdirDurable(fs, d); err != nil {
			return nil, err
		}
	}
	if s.snapDir != s.logDir {
		if err := s.checkDirs(); err != nil {
			return nil, err
		}
	}
	if err := s.removeTemps(); err != nil {
		return nil, err
	}
	s.txnLog = newTxnLog(fs, s.logDir, opts)
	return s, nil
}

// mkdirDurable creates dir and makes its entry durable: it syncs the parent
// of every directory it creates and, every time, dir's parent and
// grandparent (the data directory and the one holding it), in case an
// earlier Open created them but failed before syncing.
func mkdirDurable(fs vfs.FS, dir string) error {
	dir = filepath.Clean(dir)
	sync := []string{filepath.Dir(dir), filepath.Dir(filepath.Dir(dir))}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := fs.Stat(d); err == nil {
			break
		} else if !errors.Is(err, iofs.ErrNotExist) {
			return err
		}
		sync = append(sync, filepath.Dir(d))
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := fs.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	slices.Sort(sync)
	for _, d := range slices.Compact(sync) {
		if err := fs.SyncDir(d); err != nil {
			return err
		}
	}
	return nil
}

func (s *SnapLog) checkDirs() error {
	logNames, err := s.fs.List(s.logDir)
	if err != nil {
		return err
	}
	if len(listNamed(logNames, snapPrefix)) > 0 {
		return fmt.Errorf("%w: log directory %s has snapshot files", ErrDirMixup, s.logDir)
	}
	snapNames, err := s.fs.List(s.snapDir)
	if err != nil {
		return err
	}
	if len(listNamed(snapNames, logPrefix)) > 0 {
		return fmt.Errorf("%w: snapshot directory %s has log files", ErrDirMixup, s.snapDir)
	}
	return nil
}

// removeTemps removes the temporary files of snapshot writes that did not
// finish (Wharf's and ZooKeeper's AtomicFileOutputStream's, both name.tmp).
// Epoch files' temporaries are left: QuorumPeer reads currentEpoch.tmp.
func (s *SnapLog) removeTemps() error {
	names, err := s.fs.List(s.snapDir)
	if err != nil {
		return err
	}
	for _, n := range names {
		if strings.HasPrefix(n, snapPrefix+".") && strings.HasSuffix(n, tmpSuffix) {
			if err := s.fs.Remove(filepath.Join(s.snapDir, n)); err != nil && !errors.Is(err, iofs.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}

// SnapDir returns the version-2 snapshot directory.
func (s *SnapLog) SnapDir() string { return s.snapDir }

// LogDir returns the version-2 txn log directory.
func (s *SnapLog) LogDir() string { return s.logDir }

// TxnLog returns the txn log to append to. Appends fail with ErrNotRestored
// until Restore has run.
func (s *SnapLog) TxnLog() *TxnLog { return s.txnLog }

// Close closes the txn log, committing what was appended.
func (s *SnapLog) Close() error { return s.txnLog.Close() }

// Restore loads the newest valid snapshot and replays, through apply, every
// logged txn after it; it returns the snapshot (nil when there is none),
// its zxid, and the zxid of the last txn replayed (the snapshot's when none).
// Then the txn log is ready to append, continuing in a new file.
//
// What it does, following FileTxnSnapLog.restore and FileSnap.deserialize:
//   - Snapshots are tried newest first, up to 100 that look valid; a
//     snapshot that fails to read (checksum, truncation) is skipped with a
//     warning. Some but none readable is ErrNoValidSnapshot.
//   - No snapshot and no txn log: an empty database; it returns (nil, 0, 0).
//     The caller must then write snapshot 0 of its empty tree before it
//     accepts writes, as ZooKeeper does, so that txn logs never exist
//     without a snapshot before them.
//   - No snapshot but txn logs (ZOOKEEPER-2325/3056): ErrNoSnapshot, since
//     the snapshots may have been lost and replaying the logs alone could
//     build a tree missing data. With Options.TrustEmptySnapshot (data
//     directories of ZooKeeper before 3.5.3) the logs are replayed from an
//     empty tree instead.
//   - Txns replay in log order from the snapshot's zxid + 1. A zxid that
//     skips ahead within one epoch means txns are missing (logs deleted or
//     damaged): ErrCorrupt, where ZooKeeper would go on silently. A new
//     epoch restarts the counter, so a jump across epochs is normal.
//   - The newest log file ends at its first invalid entry; Restore cuts the
//     file there (or removes it if even its header is torn), so that Wharf
//     and ZooKeeper both read it cleanly afterwards. Damage in an older file
//     is ErrCorrupt (see TxnIterator.Next).
//
// Restore does not interpret txns: sessions and the tree are the caller's.
// As apply runs before Restore returns the snapshot, a caller that builds
// its state from the snapshot uses RestoreWith.
func (s *SnapLog) Restore(apply ApplyFunc) (snap *jute.SnapshotData, snapZxid, lastZxid int64, err error) {
	return s.RestoreWith(nil, apply)
}

// LoadFunc receives the snapshot Restore starts from (nil, with zxid 0,
// when there is none) before the first txn is replayed over it.
type LoadFunc func(snap *jute.SnapshotData, snapZxid int64) error

// RestoreWith is Restore with a LoadFunc, so the caller can build its state
// from the snapshot before the txns after it are applied.
func (s *SnapLog) RestoreWith(load LoadFunc, apply ApplyFunc) (snap *jute.SnapshotData, snapZxid, lastZxid int64, err error) {
	snap, snapZxid, err = s.loadNewestSnapshot()
	if err != nil {
		return nil, 0, 0, err
	}
	empty := false
	if snap == nil {
		logs, err := s.logFiles()
		if err != nil {
			return nil, 0, 0, err
		}
		switch {
		case len(logs) == 0:
			empty = true
		case !s.opts.TrustEmptySnapshot:
			return nil, 0, 0, fmt.Errorf("%w (%d log files in %s)", ErrNoSnapshot, len(logs), s.logDir)
		default:
			s.log.Warn("persist: no snapshot found, but there are log entries; replaying them from an empty tree (snapshot.trust.empty)")
		}
		snapZxid = 0
	}
	if load != nil {
		if err := load(snap, snapZxid); err != nil {
			return nil, 0, 0, err
		}
	}
	if empty {
		s.txnLog.reset(0)
		return nil, 0, 0, nil
	}
	it, err := ReadTxns(s.fs, s.logDir, snapZxid+1)
	if err != nil {
		return nil, 0, 0, err
	}
	defer it.Close()
	last := snapZxid
	checkGap := snap != nil
	for it.Next() {
		e := it.Entry()
		z := e.Header.Zxid
		switch {
		case checkGap && z > last+1 && epochOf(z) == epochOf(last):
			return nil, 0, 0, fmt.Errorf("%w: txns 0x%x to 0x%x are missing from the txn log", ErrCorrupt, last+1, z-1)
		case z < last:
			s.log.Error("persist: txn out of order in the log", "zxid", z, "after", last)
		}
		if err := apply(&e.Header, e.Record, e.Digest); err != nil {
			return nil, 0, 0, fmt.Errorf("persist: replaying txn 0x%x: %w", z, err)
		}
		last = max(last, z)
		checkGap = true
	}
	if err := it.Err(); err != nil {
		return nil, 0, 0, err
	}
	if err := s.repairTail(it.tail); err != nil {
		return nil, 0, 0, err
	}
	s.txnLog.reset(last)
	return snap, snapZxid, last, nil
}

// repairTail cuts the newest log file after its last valid entry, or removes
// it when its header is torn, and makes that durable.
func (s *SnapLog) repairTail(t tailState) error {
	if t.name == "" || !t.torn {
		return nil
	}
	path := filepath.Join(s.logDir, t.name)
	if t.badHeader {
		s.log.Warn("persist: removing txn log file with a torn header", "file", t.name, "size", t.size)
		if err := s.fs.Remove(path); err != nil {
			return err
		}
		return s.fs.SyncDir(s.logDir)
	}
	s.log.Warn("persist: truncating torn tail of txn log", "file", t.name, "offset", t.end, "size", t.size)
	return truncateFile(s.fs, path, t.end)
}

// truncateFile cuts path to size and fsyncs it.
func truncateFile(fs vfs.FS, path string, size int64) error {
	f, err := fs.OpenReadWrite(path)
	if err != nil {
		return err
	}
	err = f.Truncate(size)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// loadNewestSnapshot returns the newest snapshot that reads whole, or nil
// and -1 when no file even looks like a valid snapshot.
func (s *SnapLog) loadNewestSnapshot() (*jute.SnapshotData, int64, error) {
	cands, err := s.validSnapshots(MaxSnapshotsTried, false)
	if err != nil {
		return nil, -1, err
	}
	for _, c := range cands {
		data, _, err := readSnapshotFile(s.fs, s.snapDir, c.name, true)
		if err == nil {
			return data, c.zxid, nil
		}
		if !errors.Is(err, ErrCorrupt) {
			return nil, -1, err // an I/O error says nothing about the file
		}
		s.log.Warn("persist: problem reading snapshot file", "file", c.name, "err", err)
	}
	if len(cands) > 0 {
		return nil, -1, fmt.Errorf("%w in %s", ErrNoValidSnapshot, s.snapDir)
	}
	return nil, -1, nil
}

// validSnapshots returns up to n snapshots, newest first, that pass the
// shape check (FileSnap.findNValidSnapshots) or, with full, read whole.
func (s *SnapLog) validSnapshots(n int, full bool) ([]namedFile, error) {
	names, err := s.fs.List(s.snapDir)
	if err != nil {
		return nil, err
	}
	files := listNamed(names, snapPrefix)
	slices.Reverse(files)
	var out []namedFile
	for _, f := range files {
		ok, err := snapshotLooksValid(s.fs, s.snapDir, f.name)
		if err != nil {
			return nil, err
		}
		if ok && full {
			_, _, err := readSnapshotFile(s.fs, s.snapDir, f.name, false)
			if err != nil && !errors.Is(err, ErrCorrupt) {
				return nil, err
			}
			ok = err == nil
		}
		if !ok {
			s.log.Warn("persist: invalid snapshot", "file", f.name)
			continue
		}
		if out = append(out, f); len(out) == n {
			break
		}
	}
	return out, nil
}

func (s *SnapLog) logFiles() ([]namedFile, error) {
	names, err := s.fs.List(s.logDir)
	if err != nil {
		return nil, err
	}
	return listNamed(names, logPrefix), nil
}

// Snapshots returns the names of the snapshot files, newest first, without
// checking them.
func (s *SnapLog) Snapshots() ([]string, error) {
	names, err := s.fs.List(s.snapDir)
	if err != nil {
		return nil, err
	}
	files := listNamed(names, snapPrefix)
	out := make([]string, 0, len(files))
	for i := len(files) - 1; i >= 0; i-- {
		out = append(out, files[i].name)
	}
	return out, nil
}

// WriteSnapshot writes data as snapshot.<zxid hex> (with the extension of
// Options.SnapshotCompression) atomically and durably, and returns its
// name. zxid is the last txn applied when data was taken.
func (s *SnapLog) WriteSnapshot(zxid int64, data *jute.SnapshotData) (string, error) {
	name := SnapshotName(zxid, s.opts.SnapshotCompression)
	var lz *int64
	if s.opts.SerializeLastProcessedZxid {
		lz = &zxid
	}
	if err := writeSnapshotFile(s.fs, s.snapDir, name, data, lz, s.opts.NoSync); err != nil {
		return "", err
	}
	return name, nil
}

// ReadSnapshot reads and verifies the snapshot file name of the snapshot
// directory, returning its content and the zxid its name carries.
func (s *SnapLog) ReadSnapshot(name string) (*jute.SnapshotData, int64, error) {
	zxid := ZxidFromName(name, snapPrefix)
	if zxid < 0 || name != filepath.Base(name) {
		return nil, 0, fmt.Errorf("%w: %q is not a snapshot name", ErrInvalid, name)
	}
	data, _, err := readSnapshotFile(s.fs, s.snapDir, name, true)
	if err != nil {
		return nil, 0, err
	}
	return data, zxid, nil
}

// ReadTxns returns an iterator over the logged txns with zxid >= from.
func (s *SnapLog) ReadTxns(from int64) (*TxnIterator, error) {
	return ReadTxns(s.fs, s.logDir, from)
}

// LastLoggedZxid returns the zxid of the last valid txn in the logs, or -1
// when they hold none. (FileTxnLog.getLastLoggedZxid returns the newest
// file's name zxid when that file is empty; this looks in older files.)
func (s *SnapLog) LastLoggedZxid() (int64, error) {
	files, err := s.logFiles()
	if err != nil {
		return -1, err
	}
	for i := len(files) - 1; i >= 0; i-- {
		it := &TxnIterator{fs: s.fs, dir: s.logDir, files: files[i : i+1], from: files[i].zxid}
		last := int64(-1)
		for it.Next() {
			last = it.Entry().Header.Zxid
		}
		it.Close()
		if err := it.Err(); err != nil || last >= 0 {
			return last, err
		}
	}
	return -1, nil
}
