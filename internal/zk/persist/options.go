package persist

import (
	"fmt"
	"log/slog"
	"time"
)

// Compression methods for snapshots (zookeeper.snapshot.compression.method).
const (
	CompressionNone   = ""       // "CHECKED": plain jute with Adler32 seals
	CompressionGzip   = "gz"     // java.util.zip.GZIPOutputStream
	CompressionSnappy = "snappy" // xerial snappy-java SnappyOutputStream
)

// Defaults, as ZooKeeper's.
const (
	DefaultPreAllocSize          = 64 << 20 // zookeeper.preAllocSize = 65536 KB
	DefaultFsyncWarningThreshold = time.Second
	// MaxSnapshotsTried is how many snapshots Restore tries, newest first,
	// before giving up (FileSnap.deserialize tries 100).
	MaxSnapshotsTried = 100
	// MinRetain is the smallest number of snapshots Purge keeps.
	MinRetain = 3
)

// Options configures a SnapLog. The zero value is ZooKeeper's defaults.
type Options struct {
	// PreAllocSize is the txn log preallocation chunk in bytes
	// (zookeeper.preAllocSize, given there in KB). 0 means 64 MiB; a negative
	// value turns preallocation off.
	PreAllocSize int64
	// NoSync skips fsync on Commit (zookeeper.forceSync=no). Unsafe.
	NoSync bool
	// FsyncWarningThreshold is the fsync duration above which Commit logs a
	// warning (fsync.warningthresholdms). 0 means 1s.
	FsyncWarningThreshold time.Duration
	// TxnLogSizeLimit rolls the txn log after a Commit that leaves the current
	// file with more than this many bytes of txns (zookeeper.txnLogSizeLimitInKb,
	// in bytes here). 0 means no limit. Unlike ZooKeeper, preallocated padding
	// does not count.
	TxnLogSizeLimit int64
	// SnapshotCompression is the method new snapshots are written with:
	// CompressionNone, CompressionGzip or CompressionSnappy. Reading follows
	// each file's extension whatever this says.
	SnapshotCompression string
	// SerializeLastProcessedZxid appends ZooKeeper 3.9's lastProcessedZxid
	// block to snapshots (zookeeper.serializeLastProcessedZxid.enabled, true
	// in 3.9). Off by default, giving the 3.8 layout; 3.8 and 3.9 read both.
	SerializeLastProcessedZxid bool
	// TrustEmptySnapshot lets Restore replay txn logs when there is no
	// snapshot at all (zookeeper.snapshot.trust.empty), for data directories
	// of ZooKeeper before 3.5.3. Otherwise that state is ErrNoSnapshot.
	TrustEmptySnapshot bool
	// Logger receives warnings (slow fsyncs, repaired tails). nil discards.
	Logger *slog.Logger
}

// DefaultOptions returns ZooKeeper's defaults, spelled out.
func DefaultOptions() Options {
	return Options{
		PreAllocSize:          DefaultPreAllocSize,
		FsyncWarningThreshold: DefaultFsyncWarningThreshold,
	}
}

// Validate reports an option ZooKeeper would not accept either.
func (o Options) Validate() error {
	switch o.SnapshotCompression {
	case CompressionNone, CompressionGzip, CompressionSnappy:
	default:
		return fmt.Errorf("%w: unknown snapshot compression %q", ErrOption, o.SnapshotCompression)
	}
	if o.FsyncWarningThreshold < 0 {
		return fmt.Errorf("%w: negative fsync warning threshold", ErrOption)
	}
	if o.TxnLogSizeLimit < 0 {
		return fmt.Errorf("%w: negative txn log size limit", ErrOption)
	}
	return nil
}

// withDefaults fills the zero fields.
func (o Options) withDefaults() Options {
	if o.PreAllocSize == 0 {
		o.PreAllocSize = DefaultPreAllocSize
	}
	if o.PreAllocSize < 0 {
		o.PreAllocSize = 0
	}
	if o.FsyncWarningThreshold == 0 {
		o.FsyncWarningThreshold = DefaultFsyncWarningThreshold
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}
