package checkpoint

import (
	"path/filepath"
	"strconv"

	"github.com/wharf-project/wharf/internal/vfs"
)

// The leader epoch checkpoint (Kafka's LeaderEpochCheckpointFile, version 0)
// in every partition directory: one line per leader epoch, in the order the
// epoch cache gives them (ascending epochs), fields separated by one space:
//
//	0\n              <- version
//	2\n              <- number of entries
//	0 0\n            <- <leader epoch (int32)> <start offset (int64)>
//	3 1200\n
//
// Reading accepts any run of whitespace between the two fields and trailing
// whitespace. The entries are returned as read: checking that epochs and
// offsets increase is the epoch cache's job.

// LeaderEpochCheckpointFileName is the file's name in a partition directory.
const LeaderEpochCheckpointFileName = "leader-epoch-checkpoint"

// LeaderEpochCheckpointVersion is the version of leader-epoch-checkpoint.
const LeaderEpochCheckpointVersion = 0

// EpochEntry is one leader epoch and the first offset written in it.
type EpochEntry struct {
	Epoch       int32
	StartOffset int64
}

// EpochFormatter is the leader-epoch-checkpoint line format.
type EpochFormatter struct{}

// AppendEntry appends "<epoch> <startOffset>".
func (EpochFormatter) AppendEntry(dst []byte, e EpochEntry) ([]byte, error) {
	dst = strconv.AppendInt(dst, int64(e.Epoch), 10)
	dst = append(dst, ' ')
	return strconv.AppendInt(dst, e.StartOffset, 10), nil
}

// ParseEntry parses "<epoch> <startOffset>".
func (EpochFormatter) ParseEntry(line string) (EpochEntry, bool) {
	f := splitSpaces(line)
	if len(f) != 2 {
		return EpochEntry{}, false
	}
	e, ok1 := parseJavaInt(f[0])
	o, ok2 := parseJavaLong(f[1])
	return EpochEntry{e, o}, ok1 && ok2
}

// LeaderEpochFilePath returns the leader-epoch-checkpoint path of a partition directory.
func LeaderEpochFilePath(partitionDir string) string {
	return filepath.Join(partitionDir, LeaderEpochCheckpointFileName)
}

// OpenLeaderEpochFile returns the leader epoch checkpoint at path, creating
// it empty if missing (see OpenFile). Use WriteIfDirExists for the writes
// that may race with the partition directory's deletion.
func OpenLeaderEpochFile(fsys vfs.FS, path string) (*File[EpochEntry], error) {
	return OpenFile(fsys, path, LeaderEpochCheckpointVersion, EpochFormatter{})
}

// EncodeLeaderEpochs returns the leader-epoch-checkpoint file holding entries.
func EncodeLeaderEpochs(entries []EpochEntry) []byte {
	b, _ := Encode(LeaderEpochCheckpointVersion, entries, EpochFormatter{}) // cannot fail
	return b
}

// DecodeLeaderEpochs parses a leader-epoch-checkpoint file; location names it in errors.
func DecodeLeaderEpochs(data []byte, location string) ([]EpochEntry, error) {
	return Decode(data, location, LeaderEpochCheckpointVersion, EpochFormatter{})
}
