package logmanager

import (
	"github.com/wharf-project/wharf/internal/kafka/log"
)

// Cleaner is the log cleaner (compaction) as the manager drives it: what
// Kafka's LogManager calls on its LogCleaner. Options.NewCleaner builds
// one when log.cleaner.enable is true; the manager starts it after loading
// the logs and stops it first at shutdown.
type Cleaner interface {
	// Start starts the cleaner's threads.
	Start()
	// Shutdown stops them and waits until no cleaning runs.
	Shutdown()
	// AbortAndPause stops any cleaning of tp and keeps it from starting
	// again until Resume (around a truncation).
	AbortAndPause(tp log.TopicPartition)
	// Resume lets tp be cleaned again.
	Resume(tp log.TopicPartition)
	// Abort stops any cleaning of tp for good: its log is being deleted.
	Abort(tp log.TopicPartition)
	// PauseNonCompacted pauses every log whose cleanup.policy is not
	// compact and returns them, for retention to run on
	// (pauseCleaningForNonCompactedPartitions); the manager resumes each
	// afterwards. Logs that compact are the cleaner's to retain.
	PauseNonCompacted() []log.TopicPartition
	// HandleLogDirFailure stops cleaning in dir, which went offline.
	HandleLogDirFailure(dir string)
}

// CleanerHost is what the manager offers the cleaner (*Manager implements
// it): the logs, and the cleaner-offset-checkpoint file of each log
// directory, which the manager also edits (an entry is dropped when its
// log is deleted, and lowered to the active segment's base offset when the
// log is truncated below it), so every change to it goes through
// UpdateCleanerCheckpoint.
type CleanerHost interface {
	// CurrentLogs returns every live log by partition.
	CurrentLogs() map[log.TopicPartition]*log.Log
	// LogDirOf returns the log directory holding tp's live log.
	LogDirOf(tp log.TopicPartition) (string, bool)
	// OnlineLogDirs returns the log directories that are online.
	OnlineLogDirs() []string
	// CleanerCheckpoint reads dir's cleaner-offset-checkpoint.
	CleanerCheckpoint(dir string) (map[log.TopicPartition]int64, error)
	// UpdateCleanerCheckpoint changes dir's cleaner-offset-checkpoint with
	// update (under a lock: read, update, write crash-safely).
	UpdateCleanerCheckpoint(dir string, update func(offsets map[log.TopicPartition]int64)) error
	// LogDirFailed takes dir offline after an I/O error.
	LogDirFailed(dir string, err error)
}

var _ CleanerHost = (*Manager)(nil)
