package checkpoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/wharf-project/wharf/internal/vfs"
)

// The clean shutdown marker, .kafka_cleanshutdown in a log directory, says
// the broker flushed and closed every log of the directory before it
// stopped, so the next start may skip recovery. Kafka deletes it as soon as
// it starts loading the directory, so that a crash while loading means a full
// recovery next time (KAFKA-10471).
//
// Kafka up to 3.5 writes it empty. Kafka 3.6+ writes a JSON object with the
// broker epoch (KIP-966), no newline; a ZooKeeper-mode broker has no epoch to
// give and writes -1:
//
//	{"version":0,"brokerEpoch":-1}
//
// Its presence is what counts; the epoch is read as Kafka 3.9 reads it
// (Jackson, unknown fields ignored), and any file it cannot get an epoch from
// (an empty one included) is simply a marker without an epoch.
//
// Wharf writes it crash-safely (<name>.tmp, sync, rename, directory sync)
// where Kafka truncates and rewrites in place, and removes it durably
// (directory sync) where Kafka does not: the removal must reach the disk
// before recovery changes any log, or a crash during recovery would be
// taken for a clean shutdown.

// CleanShutdownFileName is the marker's name in a log directory.
const CleanShutdownFileName = ".kafka_cleanshutdown"

// NoBrokerEpoch is the broker epoch a ZooKeeper-mode broker writes.
const NoBrokerEpoch int64 = -1

// cleanShutdownVersion is the JSON body's version.
const cleanShutdownVersion = 0

// EncodeCleanShutdown returns the marker's body: {"version":0,"brokerEpoch":N}.
func EncodeCleanShutdown(brokerEpoch int64) []byte {
	return []byte(`{"version":` + strconv.Itoa(cleanShutdownVersion) +
		`,"brokerEpoch":` + strconv.FormatInt(brokerEpoch, 10) + `}`)
}

// DecodeCleanShutdown returns the broker epoch of a marker's body, and false
// when it has none. It reads the body as Kafka 3.9 does, with Jackson's
// default leniency: the first JSON value must be an object (what follows it
// is ignored, and so are unknown fields; the last of duplicate fields wins);
// "version", if present, must convert to a Java int and "brokerEpoch" to a
// non-null Long, where a number with a fraction or exponent is truncated
// toward zero and a string holding a decimal integer (blanks trimmed)
// counts as that integer.
func DecodeCleanShutdown(data []byte) (int64, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var body map[string]json.RawMessage
	if err := dec.Decode(&body); err != nil || body == nil {
		return 0, false
	}
	if raw, ok := body["version"]; ok {
		if _, _, ok := jacksonInt(raw, 32); !ok {
			return 0, false
		}
	}
	raw, ok := body["brokerEpoch"]
	if !ok {
		return 0, false
	}
	epoch, isNull, ok := jacksonInt(raw, 64)
	return epoch, ok && !isNull
}

// jacksonInt converts a JSON value to a Java int (bits 32) or long (bits 64)
// as Jackson's default ObjectMapper does: null (and "" or "null") is null,
// integers must fit, floats are truncated if they fit, strings are trimmed
// and parsed as decimal integers; booleans, arrays and objects fail.
func jacksonInt(raw json.RawMessage, bits int) (v int64, isNull, ok bool) {
	s := string(raw)
	switch {
	case s == "null":
		return 0, true, true
	case strings.HasPrefix(s, `"`):
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, false, false
		}
		s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
		if s == "" || s == "null" {
			return 0, true, true
		}
		v, err := strconv.ParseInt(s, 10, bits)
		return v, false, err == nil
	case strings.ContainsAny(s, ".eE"):
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, false, false
		}
		lo, hi := float64(math.MinInt32), float64(math.MaxInt32)
		if bits == 64 {
			lo, hi = float64(math.MinInt64), float64(math.MaxInt64) // hi rounds up to 2^63, as in Java
		}
		if f < lo || f > hi {
			return 0, false, false
		}
		if f >= float64(math.MaxInt64) {
			return math.MaxInt64, false, true // Java's (long) saturates
		}
		return int64(f), false, true
	default:
		v, err := strconv.ParseInt(s, 10, bits)
		return v, false, err == nil
	}
}

// WriteCleanShutdown writes the marker in logDir, crash-safely, with
// brokerEpoch (NoBrokerEpoch in ZooKeeper mode).
func WriteCleanShutdown(fsys vfs.FS, logDir string, brokerEpoch int64) error {
	path := filepath.Join(logDir, CleanShutdownFileName)
	if err := vfs.WriteFileAtomic(fsys, path, EncodeCleanShutdown(brokerEpoch)); err != nil {
		return ioError("writing clean shutdown file", path, err)
	}
	return nil
}

// HasCleanShutdown reports whether logDir holds the marker.
func HasCleanShutdown(fsys vfs.FS, logDir string) (bool, error) {
	path := filepath.Join(logDir, CleanShutdownFileName)
	ok, err := exists(fsys, path)
	if err != nil {
		return false, ioError("checking clean shutdown file", path, err)
	}
	return ok, nil
}

// ReadCleanShutdown returns the broker epoch in logDir's marker; ok is false
// when the marker is missing or holds no epoch. err reports only I/O
// failures other than a missing file (Kafka logs those and reads no epoch).
func ReadCleanShutdown(fsys vfs.FS, logDir string) (epoch int64, ok bool, err error) {
	path := filepath.Join(logDir, CleanShutdownFileName)
	data, err := vfs.ReadFile(fsys, path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	} else if err != nil {
		return 0, false, ioError("reading clean shutdown file", path, err)
	}
	epoch, ok = DecodeCleanShutdown(data)
	return epoch, ok, nil
}

// RemoveCleanShutdown removes logDir's marker if present and syncs the
// directory, so that the removal is durable when it returns.
func RemoveCleanShutdown(fsys vfs.FS, logDir string) error {
	path := filepath.Join(logDir, CleanShutdownFileName)
	if err := fsys.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return ioError("deleting clean shutdown file", path, err)
	}
	// Sync even when nothing was removed: an earlier removal whose sync
	// failed may still be pending.
	if err := fsys.SyncDir(logDir); err != nil {
		return ioError("deleting clean shutdown file", path, err)
	}
	return nil
}
