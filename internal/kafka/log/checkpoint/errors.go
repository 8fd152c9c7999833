package checkpoint

import (
	"errors"
	"fmt"
)

// The sentinels classify every error this package returns about a file's
// content; errors.Is(err, ErrX) tells them apart. I/O errors are returned
// wrapped (errors.Is(err, fs.ErrNotExist) works) and match none of these.
var (
	// ErrMalformed is a line Kafka would refuse: a version or count that is
	// not an int, an entry its formatter cannot parse, a missing line, bytes
	// that are not UTF-8.
	ErrMalformed = errors.New("checkpoint: malformed file")
	// ErrVersion is a file of a version this package does not read.
	ErrVersion = errors.New("checkpoint: unrecognised version")
	// ErrEntryCount is a checkpoint whose entry lines disagree with its count line.
	ErrEntryCount = errors.New("checkpoint: wrong number of entries")
	// ErrInvalidUuid is a string Kafka's Uuid.fromString refuses.
	ErrInvalidUuid = errors.New("checkpoint: invalid Uuid")
	// ErrInvalidTopicID is a partition.metadata naming the zero topic ID.
	ErrInvalidTopicID = errors.New("checkpoint: invalid topic ID")
	// ErrInconsistentTopicID is PartitionMetadataFile.Record called with a
	// topic ID other than the one it already holds.
	ErrInconsistentTopicID = errors.New("checkpoint: inconsistent topic ID")
	// ErrMetaProperties is a meta.properties Kafka would refuse to load (bad
	// version, missing or unparsable node.id, bad directory.id), or one that
	// cannot be written (a v1 file without cluster.id or node.id).
	ErrMetaProperties = errors.New("checkpoint: invalid meta.properties")
	// ErrInconsistentMeta is a set of log directories whose meta.properties
	// disagree with each other or with the broker (cluster.id, broker.id).
	ErrInconsistentMeta = errors.New("checkpoint: inconsistent meta.properties")
	// ErrInvalidEntry is an entry that cannot be written because the file
	// would not read back (a topic name that is empty, holds whitespace or is
	// not UTF-8).
	ErrInvalidEntry = errors.New("checkpoint: entry cannot be written")
)

// Error is a content error. Its message is Kafka's own for the same case,
// after the package prefix, so logs read like Kafka's:
//
//	checkpoint: Expected [3] entries in checkpoint file [/data/recovery-point-offset-checkpoint], but found only [2]
type Error struct {
	Kind error  // one of the sentinels above
	Msg  string // Kafka's message
	Err  error  // the cause, if any (an ErrInvalidUuid under an ErrMetaProperties)
}

func (e *Error) Error() string { return "checkpoint: " + e.Msg }

// Is reports whether target is e's Kind.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func newError(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// malformedLine is Kafka's CheckpointReadBuffer/PartitionMetadataReadBuffer message.
func malformedLine(location, line string) *Error {
	return newError(ErrMalformed, "Malformed line in checkpoint file [%s]: %s", location, line)
}

// ioError wraps an I/O failure with Kafka's KafkaStorageException wording.
func ioError(what, path string, err error) error {
	return fmt.Errorf("checkpoint: error while %s %s: %w", what, path, err)
}
