package log

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// File name suffixes, as LogFileUtils and LocalLog name them.
const (
	LogFileSuffix       = ".log"
	IndexFileSuffix     = ".index"
	TimeIndexFileSuffix = ".timeindex"
	TxnIndexFileSuffix  = ".txnindex" // written by Kafka's transaction index; carried along, never written here
	DeletedFileSuffix   = ".deleted"  // a segment file waiting for its delayed removal
	CleanedFileSuffix   = ".cleaned"  // a segment the cleaner is writing
	SwapFileSuffix      = ".swap"     // a cleaned segment being swapped in

	// LeaderEpochCheckpointFile is the leader epoch cache's file in the
	// partition directory.
	LeaderEpochCheckpointFile = "leader-epoch-checkpoint"
)

// Directory name suffixes (LocalLog.DeleteDirSuffix and friends).
const (
	DeleteDirSuffix = "-delete"
	FutureDirSuffix = "-future"
	StrayDirSuffix  = "-stray"
)

// DirKind says what a partition directory's name marks it as.
type DirKind int8

const (
	DirLive   DirKind = iota // <topic>-<partition>
	DirDelete                // <topic>-<partition>.<uuid>-delete: awaiting asynchronous deletion
	DirFuture                // <topic>-<partition>.<uuid>-future: the target of a log-dir move
	DirStray                 // <topic>-<partition>.<uuid>-stray: a partition the controller no longer assigns here
)

func (k DirKind) String() string {
	switch k {
	case DirLive:
		return "live"
	case DirDelete:
		return "delete"
	case DirFuture:
		return "future"
	case DirStray:
		return "stray"
	}
	return fmt.Sprintf("DirKind(%d)", int8(k))
}

// TopicPartition names a partition.
type TopicPartition struct {
	Topic     string
	Partition int32
}

func (tp TopicPartition) String() string { return tp.Topic + "-" + strconv.Itoa(int(tp.Partition)) }

var (
	deleteDirPattern = regexp.MustCompile(`^(\S+)-(\S+)\.(\S+)` + DeleteDirSuffix + `$`)
	futureDirPattern = regexp.MustCompile(`^(\S+)-(\S+)\.(\S+)` + FutureDirSuffix + `$`)
	strayDirPattern  = regexp.MustCompile(`^(\S+)-(\S+)\.(\S+)` + StrayDirSuffix + `$`)
)

// ParseDirName parses a partition directory's name (the last path element
// of dir) as LocalLog.parseTopicPartitionName does: "<topic>-<partition>",
// or "<topic>-<partition>.<id>" followed by -delete, -future or -stray. The
// topic is everything before the last '-' of the part before the suffix.
func ParseDirName(dir string) (TopicPartition, DirKind, error) {
	name := path.Base(strings.TrimRight(strings.ReplaceAll(dir, `\`, "/"), "/"))
	bad := func() (TopicPartition, DirKind, error) {
		return TopicPartition{}, DirLive, fmt.Errorf("%w: %q is not in the form of topic-partition or "+
			"topic-partition.uniqueId-delete (if marked for deletion)", ErrInvalidDirName, name)
	}
	if name == "" || name == "." || name == "/" || !strings.Contains(name, "-") {
		return bad()
	}
	kind := DirLive
	switch {
	case strings.HasSuffix(name, DeleteDirSuffix):
		kind = DirDelete
		if !deleteDirPattern.MatchString(name) {
			return bad()
		}
	case strings.HasSuffix(name, FutureDirSuffix):
		kind = DirFuture
		if !futureDirPattern.MatchString(name) {
			return bad()
		}
	case strings.HasSuffix(name, StrayDirSuffix):
		kind = DirStray
		if !strayDirPattern.MatchString(name) {
			return bad()
		}
	}
	if kind != DirLive {
		name = name[:strings.LastIndexByte(name, '.')]
	}
	i := strings.LastIndexByte(name, '-')
	topic, part := name[:i], name[i+1:]
	if topic == "" || part == "" {
		return bad()
	}
	p, err := strconv.ParseInt(part, 10, 32) // Integer.parseInt: an optional sign, decimal digits
	if err != nil {
		return bad()
	}
	return TopicPartition{Topic: topic, Partition: int32(p)}, kind, nil
}

// DirName is the live directory name of a partition: "<topic>-<partition>".
func DirName(tp TopicPartition) string { return tp.String() }

// DeleteDirName is the name a partition directory is renamed to for
// asynchronous deletion, "<topic>-<partition>.<uuid>-delete", with the topic
// cut so the name fits in 255 bytes (LocalLog.logDeleteDirName).
func DeleteDirName(tp TopicPartition) string { return suffixedDirNameCapped(tp, DeleteDirSuffix) }

// StrayDirName is DeleteDirName with the -stray suffix.
func StrayDirName(tp TopicPartition) string { return suffixedDirNameCapped(tp, StrayDirSuffix) }

// FutureDirName is "<topic>-<partition>.<uuid>-future" (not capped, as in Kafka).
func FutureDirName(tp TopicPartition) string {
	return DirName(tp) + "." + uniqueID() + FutureDirSuffix
}

func suffixedDirNameCapped(tp TopicPartition, suffix string) string {
	full := "-" + strconv.Itoa(int(tp.Partition)) + "." + uniqueID() + suffix
	n := min(len(tp.Topic), 255-len(full))
	return tp.Topic[:max(n, 0)] + full
}

// uniqueID is a random UUID without dashes, as Kafka puts in directory names.
func uniqueID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return hex.EncodeToString(b[:])
}

// FilenamePrefix is the zero-padded offset every segment file name starts
// with: at least 20 digits, so that names sort by offset.
func FilenamePrefix(offset int64) string { return fmt.Sprintf("%020d", offset) }

// LogFileName, IndexFileName and TimeIndexFileName name a segment's files.
func LogFileName(base int64) string       { return FilenamePrefix(base) + LogFileSuffix }
func IndexFileName(base int64) string     { return FilenamePrefix(base) + IndexFileSuffix }
func TimeIndexFileName(base int64) string { return FilenamePrefix(base) + TimeIndexFileSuffix }

// OffsetFromFileName parses the offset before the first '.' of a segment file
// name (LogFileUtils.offsetFromFileName); ok is false for other names.
func OffsetFromFileName(name string) (int64, bool) {
	i := strings.IndexByte(name, '.')
	if i <= 0 {
		return 0, false
	}
	for _, c := range name[:i] {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	o, err := strconv.ParseInt(name[:i], 10, 64)
	return o, err == nil
}

// fileKind classifies a name in a partition directory.
type fileKind int8

const (
	kindOther fileKind = iota
	kindLog
	kindIndex
	kindTimeIndex
	kindTxnIndex
)

// segmentFileKind returns what a segment file name holds once suffix (one of
// "", .deleted, .cleaned, .swap) is removed, and its base offset.
func segmentFileKind(name, suffix string) (fileKind, int64) {
	if !strings.HasSuffix(name, suffix) {
		return kindOther, 0
	}
	name = name[:len(name)-len(suffix)]
	base, ok := OffsetFromFileName(name)
	if !ok {
		return kindOther, 0
	}
	switch name[strings.IndexByte(name, '.'):] {
	case LogFileSuffix:
		return kindLog, base
	case IndexFileSuffix:
		return kindIndex, base
	case TimeIndexFileSuffix:
		return kindTimeIndex, base
	case TxnIndexFileSuffix:
		return kindTxnIndex, base
	}
	return kindOther, 0
}
