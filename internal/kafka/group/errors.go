package group

import (
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"
)

// Sentinel errors of the package. Protocol errors are never these: they are
// Kafka's error codes (kerr) placed in the responses.
var (
	// ErrConfig wraps an invalid Config.
	ErrConfig = errors.New("group: invalid config")
	// ErrUnsupportedRecord is returned by Replay for a record the shard
	// cannot apply: a key of a type it does not know, a value of another
	// kind than its key, or a KIP-848 record about a group id that a
	// non-empty classic group holds. A loader logs and skips it, as Kafka
	// skips what it cannot read.
	ErrUnsupportedRecord = errors.New("group: unsupported record")
)

// code returns the wire code of a kerr error; nil is NONE.
func code(err *kerr.Error) int16 {
	if err == nil {
		return 0
	}
	return err.Code
}
