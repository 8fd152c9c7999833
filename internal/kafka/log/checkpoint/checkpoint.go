package checkpoint

import (
	"errors"
	"io/fs"
	"strconv"
	"sync"

	"github.com/wharf-project/wharf/internal/vfs"
)

// The generic checkpoint file (Kafka's CheckpointFile), every line ending in
// "\n":
//
//	+--------------------+
//	| <version>\n        |  decimal int, e.g. "0"
//	| <count>\n          |  decimal int: the number of entry lines
//	| <entry>\n          |  count lines, one entry each, in the
//	| ...                |  formatter's format
//	+--------------------+
//
// e.g. a leader-epoch-checkpoint with two epochs:
//
//	0\n2\n0 0\n3 1200\n
//
// Reading follows Kafka's CheckpointReadBuffer line by line (a line ends at
// "\n", "\r" or "\r\n"):
//   - an empty file, or one holding only a valid version line, is an empty
//     checkpoint (Kafka's constructor creates files empty);
//   - the version and count lines must be exactly a Java int: "0 " or " 0" is
//     a malformed line (ErrMalformed), another version is ErrVersion;
//   - every following line, up to the end of the file, is an entry: a blank
//     line, a trailing blank line included, is a malformed entry. Entry
//     formatters split on runs of whitespace, so trailing whitespace on an
//     entry line is tolerated and leading whitespace is not (Java's split);
//   - the number of entry lines must equal the count (ErrEntryCount), in
//     either direction, despite the wording of Kafka's message.
//
// Writing goes to <name>.tmp, which is synced, renamed over <name>, and the
// directory synced (vfs.WriteFileAtomic): after a crash the file holds the
// old checkpoint or the new one, never a mix.

// Formatter converts a checkpoint entry to and from its line (Kafka's
// EntryFormatter).
type Formatter[T any] interface {
	// AppendEntry appends entry's line, without the newline. It fails with
	// ErrInvalidEntry for an entry whose line would not parse back.
	AppendEntry(dst []byte, entry T) ([]byte, error)
	// ParseEntry parses one line; false makes it a malformed line.
	ParseEntry(line string) (T, bool)
}

// Encode returns the checkpoint file holding entries, in their order.
func Encode[T any](version int32, entries []T, f Formatter[T]) ([]byte, error) {
	b := strconv.AppendInt(nil, int64(version), 10)
	b = append(b, '\n')
	b = strconv.AppendInt(b, int64(len(entries)), 10)
	b = append(b, '\n')
	for _, e := range entries {
		var err error
		if b, err = f.AppendEntry(b, e); err != nil {
			return nil, err
		}
		b = append(b, '\n')
	}
	return b, nil
}

// Decode parses a checkpoint file of the given version; location names the
// file in error messages. It never allocates in proportion to the count line.
func Decode[T any](data []byte, location string, version int32, f Formatter[T]) ([]T, error) {
	text, err := decodeUTF8(data, location)
	if err != nil {
		return nil, err
	}
	lines := javaLines(text)
	if len(lines) == 0 {
		return nil, nil
	}
	v, ok := parseJavaInt(lines[0])
	if !ok {
		return nil, malformedLine(location, lines[0])
	}
	if v != version {
		return nil, newError(ErrVersion, "Unrecognised version:%d, expected version: %d in checkpoint file at: %s",
			v, version, location)
	}
	if len(lines) == 1 {
		return nil, nil
	}
	count, ok := parseJavaInt(lines[1])
	if !ok {
		return nil, malformedLine(location, lines[1])
	}
	entries := make([]T, 0, len(lines)-2)
	for _, line := range lines[2:] {
		e, ok := f.ParseEntry(line)
		if !ok {
			return nil, malformedLine(location, line)
		}
		entries = append(entries, e)
	}
	if len(entries) != int(count) {
		return nil, newError(ErrEntryCount, "Expected [%d] entries in checkpoint file [%s], but found only [%d]",
			count, location, len(entries))
	}
	return entries, nil
}

// File is one checkpoint file on an FS. Its methods are safe for concurrent
// use; two File values for the same path are not (they share the .tmp name).
type File[T any] struct {
	fs      vfs.FS
	path    string
	version int32
	f       Formatter[T]
	mu      sync.Mutex // serialises Write and Read, as Kafka's lock does
}

// OpenFile returns the checkpoint at path, creating it empty if it does not
// exist, as Kafka's CheckpointFile constructor does (so that Read of a fresh
// log directory finds an empty checkpoint). The creation is not made
// durable: a file lost in a crash is created again by the next OpenFile.
func OpenFile[T any](fsys vfs.FS, path string, version int32, f Formatter[T]) (*File[T], error) {
	if _, err := fsys.Stat(path); errors.Is(err, fs.ErrNotExist) {
		h, err := fsys.OpenReadWrite(path)
		if err != nil {
			return nil, ioError("creating checkpoint file", path, err)
		}
		if err := h.Close(); err != nil {
			return nil, ioError("creating checkpoint file", path, err)
		}
	} else if err != nil {
		return nil, ioError("opening checkpoint file", path, err)
	}
	return &File[T]{fs: fsys, path: path, version: version, f: f}, nil
}

// Path returns the file's path.
func (c *File[T]) Path() string { return c.path }

// Write replaces the checkpoint with entries, crash-safely. On error the file
// holds its old content, except after a failed directory sync, where the
// new content may be visible but not durable: callers treat every write
// error as fatal for the log directory, as Kafka does.
func (c *File[T]) Write(entries []T) error {
	data, err := Encode(c.version, entries, c.f)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := vfs.WriteFileAtomic(c.fs, c.path, data); err != nil {
		return ioError("writing to checkpoint file", c.path, err)
	}
	return nil
}

// WriteIfDirExists is Write that succeeds without writing when the file's
// directory is gone, as when a partition directory is renamed for deletion
// while its leader-epoch checkpoint is written asynchronously.
func (c *File[T]) WriteIfDirExists(entries []T) error {
	err := c.Write(entries)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// Read returns the checkpoint's entries in file order. A missing file is an
// I/O error (errors.Is(err, fs.ErrNotExist)), as in Kafka.
func (c *File[T]) Read() ([]T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	data, err := vfs.ReadFile(c.fs, c.path)
	if err != nil {
		return nil, ioError("reading checkpoint file", c.path, err)
	}
	return Decode(data, c.path, c.version, c.f)
}
