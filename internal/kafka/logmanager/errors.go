package logmanager

import (
	"errors"
	"fmt"
)

// Errors. errors.Is tells them apart; the causes (vfs, checkpoint and log
// errors) stay wrapped underneath.
var (
	// ErrInvalidConfig is a broker or topic property Kafka would refuse.
	ErrInvalidConfig = errors.New("logmanager: invalid config")
	// ErrLocked is a log directory whose .lock another manager (in this
	// process, or another process) holds: Kafka's "Failed to acquire lock
	// on file .lock in <dir>. A Kafka instance in another process or thread
	// is using this directory."
	ErrLocked = errors.New("logmanager: log directory locked")
	// ErrMetaProperties is a meta.properties that does not match the broker
	// (cluster.id, broker.id) or the other directories, or that is of a
	// version a ZooKeeper-mode broker refuses; the checkpoint package's
	// error (ErrInconsistentMeta, ErrMetaProperties) is wrapped.
	ErrMetaProperties = errors.New("logmanager: meta.properties")
	// ErrNoLiveLogDirs is every log directory offline: Kafka halts the broker.
	ErrNoLiveLogDirs = errors.New("logmanager: no live log directory")
	// ErrDuplicateLog is the same partition found in two log directories
	// (Kafka's IllegalStateException at startup).
	ErrDuplicateLog = errors.New("logmanager: duplicate log directories")
	// ErrLogDirOffline is an operation that needs a log directory that is
	// offline (Kafka's KafkaStorageException: KAFKA_STORAGE_ERROR).
	ErrLogDirOffline = errors.New("logmanager: log directory offline")
	// ErrInconsistentTopicID is a topic ID other than the one the
	// partition's partition.metadata holds (INCONSISTENT_TOPIC_ID).
	ErrInconsistentTopicID = errors.New("logmanager: inconsistent topic ID")
	// ErrClosed is an operation on a closed manager.
	ErrClosed = errors.New("logmanager: closed")
)

func configError(key, value, why string) error {
	return fmt.Errorf("%w: Invalid value %s for configuration %s: %s", ErrInvalidConfig, value, key, why)
}
