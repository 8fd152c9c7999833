package checkpoint

import (
	"cmp"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/wharf-project/wharf/internal/vfs"
)

// Offset checkpoints (Kafka's OffsetCheckpointFile, version 0), one line per
// partition, fields separated by one space:
//
//	0\n                    <- version
//	2\n                    <- number of entries
//	bar 2 10\n             <- <topic> <partition> <offset>
//	foo 1 5\n
//
// Kafka keeps four of them in every log directory, under the names below.
// Kafka writes the entries in hash-map order; Wharf sorts them by topic,
// then partition, so that the same offsets always give the same bytes.
// Reading accepts any order and any run of whitespace (space, tab, \v, \f)
// between fields, and trailing whitespace; when a partition appears twice
// the last line wins, as in Kafka.

// The offset checkpoint files of a log directory.
const (
	RecoveryPointCheckpointFileName     = "recovery-point-offset-checkpoint" // LogManager
	LogStartOffsetCheckpointFileName    = "log-start-offset-checkpoint"      // LogManager
	ReplicationOffsetCheckpointFileName = "replication-offset-checkpoint"    // ReplicaManager: high watermarks
	CleanerOffsetCheckpointFileName     = "cleaner-offset-checkpoint"        // LogCleanerManager
)

// OffsetCheckpointVersion is the version of every offset checkpoint file.
const OffsetCheckpointVersion = 0

// TopicPartition names a partition, as Kafka's TopicPartition.
type TopicPartition struct {
	Topic     string
	Partition int32
}

// String is Kafka's form, "topic-partition", also the partition's directory name.
func (tp TopicPartition) String() string {
	return tp.Topic + "-" + strconv.FormatInt(int64(tp.Partition), 10)
}

// Compare orders by topic, then partition: the order offset checkpoints are written in.
func (tp TopicPartition) Compare(o TopicPartition) int {
	if c := cmp.Compare(tp.Topic, o.Topic); c != 0 {
		return c
	}
	return cmp.Compare(tp.Partition, o.Partition)
}

type offsetEntry struct {
	tp     TopicPartition
	offset int64
}

type offsetFormatter struct{}

func (offsetFormatter) AppendEntry(dst []byte, e offsetEntry) ([]byte, error) {
	// Kafka does not check, but a topic that is empty or holds whitespace
	// would make the whole file unreadable.
	if e.tp.Topic == "" || hasJavaSpace(e.tp.Topic) || !utf8.ValidString(e.tp.Topic) {
		return nil, newError(ErrInvalidEntry, "topic %q cannot be written to an offset checkpoint", e.tp.Topic)
	}
	dst = append(dst, e.tp.Topic...)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(e.tp.Partition), 10)
	dst = append(dst, ' ')
	return strconv.AppendInt(dst, e.offset, 10), nil
}

func (offsetFormatter) ParseEntry(line string) (offsetEntry, bool) {
	f := splitSpaces(line)
	if len(f) != 3 {
		return offsetEntry{}, false
	}
	// Kafka 3.9 lets a NumberFormatException here escape as an unchecked
	// exception; 2.8 reports a malformed line, as we do.
	p, ok1 := parseJavaInt(f[1])
	o, ok2 := parseJavaLong(f[2])
	return offsetEntry{TopicPartition{f[0], p}, o}, ok1 && ok2
}

func sortedOffsets(offsets map[TopicPartition]int64) []offsetEntry {
	entries := make([]offsetEntry, 0, len(offsets))
	for tp, o := range offsets {
		entries = append(entries, offsetEntry{tp, o})
	}
	slices.SortFunc(entries, func(a, b offsetEntry) int { return a.tp.Compare(b.tp) })
	return entries
}

func offsetsMap(entries []offsetEntry) map[TopicPartition]int64 {
	m := make(map[TopicPartition]int64, len(entries))
	for _, e := range entries {
		m[e.tp] = e.offset
	}
	return m
}

// EncodeOffsets returns the offset checkpoint file holding offsets.
func EncodeOffsets(offsets map[TopicPartition]int64) ([]byte, error) {
	return Encode(OffsetCheckpointVersion, sortedOffsets(offsets), offsetFormatter{})
}

// DecodeOffsets parses an offset checkpoint file; location names it in errors.
func DecodeOffsets(data []byte, location string) (map[TopicPartition]int64, error) {
	entries, err := Decode(data, location, OffsetCheckpointVersion, offsetFormatter{})
	if err != nil {
		return nil, err
	}
	return offsetsMap(entries), nil
}

// OffsetFile is an offset checkpoint file on an FS.
type OffsetFile struct{ file *File[offsetEntry] }

// OpenOffsetFile returns the offset checkpoint at path, creating it empty if
// missing (see OpenFile).
func OpenOffsetFile(fsys vfs.FS, path string) (*OffsetFile, error) {
	f, err := OpenFile(fsys, path, OffsetCheckpointVersion, offsetFormatter{})
	if err != nil {
		return nil, err
	}
	return &OffsetFile{f}, nil
}

// Path returns the file's path.
func (o *OffsetFile) Path() string { return o.file.Path() }

// Write replaces the checkpoint with offsets, crash-safely (see File.Write).
func (o *OffsetFile) Write(offsets map[TopicPartition]int64) error {
	return o.file.Write(sortedOffsets(offsets))
}

// Read returns the checkpointed offsets; an empty file gives an empty map.
func (o *OffsetFile) Read() (map[TopicPartition]int64, error) {
	entries, err := o.file.Read()
	if err != nil {
		return nil, err
	}
	return offsetsMap(entries), nil
}
