package persist

import (
	"fmt"
	"path/filepath"
)

// Purge keeps the newest retain snapshots that read whole, and the log files
// needed to replay from the oldest of them (the last file starting at or
// before it, which holds the txns right after it, and every later one), and
// removes older snapshots and logs (PurgeTxnLog.purge). retain must be at
// least 3. With no valid snapshot nothing is removed.
//
// Unlike ZooKeeper, which only checks a snapshot's last bytes, Purge reads
// every snapshot it keeps in full (ZOOKEEPER-3231: keeping damaged snapshots
// and purging what a good one needs loses data).
func (s *SnapLog) Purge(retain int) error {
	if retain < MinRetain {
		return fmt.Errorf("%w: retain %d snapshots, at least %d", ErrInvalid, retain, MinRetain)
	}
	kept, err := s.validSnapshots(retain, true)
	if err != nil || len(kept) == 0 {
		return err
	}
	least := kept[len(kept)-1].zxid
	logs, err := s.logFiles()
	if err != nil {
		return err
	}
	needed := logFilesFrom(logs, least)
	var doomed []string
	for _, f := range logs[:len(logs)-len(needed)] {
		if f.zxid < least {
			doomed = append(doomed, filepath.Join(s.logDir, f.name))
		}
	}
	snapNames, err := s.fs.List(s.snapDir)
	if err != nil {
		return err
	}
	for _, n := range snapNames {
		// As PurgeTxnLog: every snapshot file older than the oldest kept,
		// valid or not, compressed or not, temporary or not.
		if z := ZxidFromName(n, snapPrefix); z >= 0 && z < least {
			doomed = append(doomed, filepath.Join(s.snapDir, n))
		}
	}
	for _, p := range doomed {
		s.log.Info("persist: removing file", "path", p)
		if err := s.fs.Remove(p); err != nil {
			return err
		}
	}
	if len(doomed) == 0 || s.opts.NoSync {
		return nil
	}
	if err := s.fs.SyncDir(s.logDir); err != nil {
		return err
	}
	if s.snapDir != s.logDir {
		return s.fs.SyncDir(s.snapDir)
	}
	return nil
}

// TruncateTo removes every logged txn after zxid, as a follower does on
// TRUNC (FileTxnSnapLog.truncateLog), and snapshots taken after zxid, which
// hold those txns. Appending then continues after the last txn kept, in a
// new file; txns appended but not committed are dropped.
//
// Steps are ordered so that a crash in the middle leaves either the old
// state or a prefix of it: snapshots first, then log files newest first
// (each removal made durable before the next), then the file holding zxid
// is cut after it. ZooKeeper's truncate keeps the first txn after zxid when
// zxid itself is not in the log; this does not.
func (s *SnapLog) TruncateTo(zxid int64) error {
	s.txnLog.closeFiles()
	snapNames, err := s.fs.List(s.snapDir)
	if err != nil {
		return err
	}
	for _, f := range listNamed(snapNames, snapPrefix) {
		if f.zxid > zxid {
			if err := s.removeDurably(s.snapDir, f.name); err != nil {
				return err
			}
		}
	}
	logs, err := s.logFiles()
	if err != nil {
		return err
	}
	for len(logs) > 0 && logs[len(logs)-1].zxid > zxid {
		if err := s.removeDurably(s.logDir, logs[len(logs)-1].name); err != nil {
			return err
		}
		logs = logs[:len(logs)-1]
	}
	last := zxid
	if len(logs) > 0 {
		kept, err := s.cutAfter(logs[len(logs)-1], zxid)
		if err != nil {
			return err
		}
		if kept >= 0 {
			last = kept
		}
	}
	s.txnLog.reset(last)
	return nil
}

// cutAfter truncates a log file after its last entry with zxid <= zxid (and
// before anything invalid), returning that entry's zxid or -1.
func (s *SnapLog) cutAfter(f namedFile, zxid int64) (int64, error) {
	seg, err := openSegment(s.fs, s.logDir, f)
	if err != nil {
		return -1, err
	}
	defer seg.close()
	kept := int64(-1)
	end := seg.off
	cut := seg.badHeader
	if cut {
		end = 0
	}
	for !cut {
		raw, e, err := seg.next()
		if err != nil {
			return -1, err
		}
		if e == endClean {
			return kept, nil // nothing after zxid in this file
		}
		if e == endTorn || len(raw) < txnHeaderSize || txnZxid(raw) > zxid {
			cut = true
			break
		}
		kept, end = txnZxid(raw), seg.off
	}
	if end == 0 {
		return kept, s.removeDurably(s.logDir, f.name)
	}
	s.log.Info("persist: truncating txn log", "file", f.name, "offset", end, "zxid", zxid)
	return kept, truncateFile(s.fs, filepath.Join(s.logDir, f.name), end)
}

func (s *SnapLog) removeDurably(dir, name string) error {
	s.log.Info("persist: removing file", "path", filepath.Join(dir, name))
	if err := s.fs.Remove(filepath.Join(dir, name)); err != nil {
		return err
	}
	return s.fs.SyncDir(dir)
}
