package persist

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/wharf-project/wharf/internal/vfs"
)

// Epoch file names, in the snapshot directory (QuorumPeer).
const (
	AcceptedEpochFile = "acceptedEpoch"
	CurrentEpochFile  = "currentEpoch"
)

// ReadEpoch reads an epoch file of the snapshot directory: its first line as
// a decimal long (QuorumPeer.readLongFromFile). A missing file is an error
// matching fs.ErrNotExist, which the caller turns into a default as
// QuorumPeer.loadDataBase does.
func (s *SnapLog) ReadEpoch(name string) (int64, error) {
	b, err := vfs.ReadFile(s.fs, filepath.Join(s.snapDir, name))
	if err != nil {
		return 0, err
	}
	line, _, _ := bytes.Cut(b, []byte{'\n'})
	line = bytes.TrimSuffix(line, []byte{'\r'})
	v, err := strconv.ParseInt(string(line), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: found %q in %s", ErrCorrupt, line, name)
	}
	return v, nil
}

// WriteEpoch writes v in decimal, without a newline, to an epoch file of the
// snapshot directory, atomically and durably (QuorumPeer.writeLongToFile:
// name.tmp, fsync, rename; then the directory is synced too).
func (s *SnapLog) WriteEpoch(name string, v int64) error {
	return vfs.WriteFileAtomic(s.fs, filepath.Join(s.snapDir, name), []byte(strconv.FormatInt(v, 10)))
}
