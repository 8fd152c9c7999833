package persist

import (
	"slices"
	"strconv"
	"strings"
)

// File name prefixes, as FileTxnLog.LOG_FILE_PREFIX and FileSnap.SNAPSHOT_FILE_PREFIX.
const (
	logPrefix  = "log"
	snapPrefix = "snapshot"
	versionDir = "version-2"
	tmpSuffix  = ".tmp" // AtomicFileOutputStream.TMP_EXTENSION
)

// LogName returns the name of the txn log file whose first txn is zxid:
// "log." and the zxid in lowercase hex without padding (Util.makeLogName).
func LogName(zxid int64) string { return logPrefix + "." + strconv.FormatInt(zxid, 16) }

// SnapshotName returns the name of the snapshot of zxid with the extension of
// a compression method ("" for plain, "gz" or "snappy"), as Util.makeSnapshotName.
func SnapshotName(zxid int64, compression string) string {
	n := snapPrefix + "." + strconv.FormatInt(zxid, 16)
	if compression != "" {
		n += "." + compression
	}
	return n
}

// ZxidFromName parses the zxid of "<prefix>.<hex>[.anything]" the way
// Util.getZxidFromName does, returning -1 when name does not match.
func ZxidFromName(name, prefix string) int64 {
	parts := strings.Split(name, ".")
	if len(parts) < 2 || parts[0] != prefix {
		return -1
	}
	z, err := strconv.ParseInt(parts[1], 16, 64) // like Long.parseLong(s, 16): sign allowed
	if err != nil {
		return -1
	}
	return z
}

// namedFile is a log or snapshot file and the zxid its name carries.
type namedFile struct {
	name string
	zxid int64
}

// listNamed returns the files of dir whose names carry a zxid for prefix,
// sorted by zxid ascending. Temporary files (".tmp") are left out: ZooKeeper
// would read "snapshot.5.tmp" as a snapshot, but such a file is by
// construction one whose writer did not finish.
func listNamed(names []string, prefix string) []namedFile {
	var out []namedFile
	for _, n := range names {
		if strings.HasSuffix(n, tmpSuffix) {
			continue
		}
		if z := ZxidFromName(n, prefix); z >= 0 {
			out = append(out, namedFile{n, z})
		}
	}
	slices.SortStableFunc(out, func(a, b namedFile) int {
		switch {
		case a.zxid < b.zxid:
			return -1
		case a.zxid > b.zxid:
			return 1
		}
		return strings.Compare(a.name, b.name)
	})
	return out
}

// logFilesFrom picks the log files that can hold txns with zxid >= from, as
// FileTxnLog.getLogFiles: the last file starting at or before from, and every
// file after it. files must be sorted ascending.
func logFilesFrom(files []namedFile, from int64) []namedFile {
	start := 0
	for i, f := range files {
		if f.zxid > from {
			break
		}
		start = i
	}
	return files[start:]
}

// epochOf returns the epoch half of a zxid.
func epochOf(zxid int64) int64 { return zxid >> 32 }
