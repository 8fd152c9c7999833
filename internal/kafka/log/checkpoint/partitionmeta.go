package checkpoint

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/wharf-project/wharf/internal/vfs"
)

// partition.metadata (Kafka's PartitionMetadataFile) in every partition
// directory holds the topic's ID. Two lines, the second WITHOUT a newline:
//
//	version: 0\n
//	topic_id: <Uuid.String(), 22 characters>
//
// e.g. "version: 0\ntopic_id: UXyU9i5ARn6W00ON2taeWA" (41 bytes).
//
// Reading follows Kafka 3.9's PartitionMetadataReadBuffer: each of the first
// two lines is split on ":" followed by whitespace and must give exactly two
// parts (the key before it is not checked); the version must be a Java int
// >= 0 (a later version is accepted, for downgrades); the topic ID must parse
// as a Uuid and not be ZeroUuid. Anything after the second line is ignored.
// Written like a checkpoint: <name>.tmp, sync, rename, directory sync.

// PartitionMetadataFileName is the file's name in a partition directory.
const PartitionMetadataFileName = "partition.metadata"

// PartitionMetadataVersion is the version Kafka writes.
const PartitionMetadataVersion = 0

// PartitionMetadata is the content of partition.metadata.
type PartitionMetadata struct {
	Version int32
	TopicID Uuid
}

// Encode returns the file's bytes.
func (m PartitionMetadata) Encode() []byte {
	b := append([]byte("version: "), strconv.FormatInt(int64(m.Version), 10)...)
	b = append(b, "\ntopic_id: "...)
	return append(b, m.TopicID.String()...)
}

// DecodePartitionMetadata parses partition.metadata; location names it in errors.
func DecodePartitionMetadata(data []byte, location string) (PartitionMetadata, error) {
	text, err := decodeUTF8(data, location)
	if err != nil {
		return PartitionMetadata{}, err
	}
	lines := javaLines(text)
	// Kafka dies of a NullPointerException on a missing line.
	if len(lines) == 0 {
		return PartitionMetadata{}, newError(ErrMalformed, "Missing version line in partition metadata file (%s)", location)
	}
	parts := splitColonSpaces(lines[0])
	if len(parts) != 2 {
		return PartitionMetadata{}, malformedLine(location, lines[0])
	}
	version, ok := parseJavaInt(parts[1])
	if !ok {
		return PartitionMetadata{}, malformedLine(location, lines[0])
	}
	if version < PartitionMetadataVersion {
		// Kafka's message, stray "+" included.
		return PartitionMetadata{}, newError(ErrVersion,
			"Unrecognized version of partition metadata file + (%s): %d", location, version)
	}
	if len(lines) < 2 {
		return PartitionMetadata{}, newError(ErrMalformed, "Missing topic_id line in partition metadata file (%s)", location)
	}
	parts = splitColonSpaces(lines[1])
	if len(parts) != 2 {
		return PartitionMetadata{}, malformedLine(location, lines[1])
	}
	id, err := ParseUuid(parts[1])
	if err != nil {
		return PartitionMetadata{}, err
	}
	if id == ZeroUuid {
		return PartitionMetadata{}, newError(ErrInvalidTopicID, "Invalid topic ID in partition metadata file (%s)", location)
	}
	return PartitionMetadata{Version: version, TopicID: id}, nil
}

// PartitionMetadataFilePath returns the partition.metadata path of a partition directory.
func PartitionMetadataFilePath(partitionDir string) string {
	return filepath.Join(partitionDir, PartitionMetadataFileName)
}

// WritePartitionMetadata writes partition.metadata (version 0) naming
// topicID at path, crash-safely.
func WritePartitionMetadata(fsys vfs.FS, path string, topicID Uuid) error {
	data := PartitionMetadata{Version: PartitionMetadataVersion, TopicID: topicID}.Encode()
	if err := vfs.WriteFileAtomic(fsys, path, data); err != nil {
		return ioError("writing partition metadata file", path, err)
	}
	return nil
}

// ReadPartitionMetadata reads partition.metadata at path.
func ReadPartitionMetadata(fsys vfs.FS, path string) (PartitionMetadata, error) {
	data, err := vfs.ReadFile(fsys, path)
	if err != nil {
		return PartitionMetadata{}, ioError("reading partition metadata file", path, err)
	}
	return DecodePartitionMetadata(data, path)
}

// PartitionMetadataFile is partition.metadata with Kafka's deferred write: the
// log records the topic ID when it learns it (on the request path) and
// flushes it later, outside any hot path. Safe for concurrent use.
type PartitionMetadataFile struct {
	fs    vfs.FS
	path  string
	mu    sync.Mutex
	dirty *Uuid // recorded, not yet flushed
}

// NewPartitionMetadataFile returns the file at path; it touches nothing.
func NewPartitionMetadataFile(fsys vfs.FS, path string) *PartitionMetadataFile {
	return &PartitionMetadataFile{fs: fsys, path: path}
}

// Path returns the file's path.
func (p *PartitionMetadataFile) Path() string { return p.path }

// Record notes topicID for the next MaybeFlush. Recording a different ID
// while one is pending is ErrInconsistentTopicID.
func (p *PartitionMetadataFile) Record(topicID Uuid) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dirty != nil && *p.dirty != topicID {
		return newError(ErrInconsistentTopicID, "Tried to record topic ID %s to file but had already recorded %s",
			topicID, *p.dirty)
	}
	p.dirty = &topicID
	return nil
}

// MaybeFlush writes the recorded topic ID, if any. After an error the ID
// stays recorded, so the next call tries again.
func (p *PartitionMetadataFile) MaybeFlush() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dirty == nil {
		return nil
	}
	if err := WritePartitionMetadata(p.fs, p.path, *p.dirty); err != nil {
		return err
	}
	p.dirty = nil
	return nil
}

// Read reads the file.
func (p *PartitionMetadataFile) Read() (PartitionMetadata, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return ReadPartitionMetadata(p.fs, p.path)
}

// Exists reports whether the file exists.
func (p *PartitionMetadataFile) Exists() (bool, error) { return exists(p.fs, p.path) }

// Delete removes the file durably; it is an error if it does not exist, as in Kafka.
func (p *PartitionMetadataFile) Delete() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.fs.Remove(p.path); err != nil {
		return ioError("deleting partition metadata file", p.path, err)
	}
	if err := p.fs.SyncDir(filepath.Dir(p.path)); err != nil {
		return ioError("deleting partition metadata file", p.path, err)
	}
	return nil
}

func exists(fsys vfs.FS, path string) (bool, error) {
	_, err := fsys.Stat(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, err
}
