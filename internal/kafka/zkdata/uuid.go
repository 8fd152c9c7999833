package zkdata

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
)

// UUID is Kafka's Uuid (topic ids, cluster ids): 16 bytes, written as
// unpadded URL-safe base64 (22 characters).
type UUID [16]byte

// ZeroUUID is Uuid.ZERO_UUID, "AAAAAAAAAAAAAAAAAAAAAA": no topic id.
var ZeroUUID UUID

// sentinelUUID is Uuid's METADATA_TOPIC/sentinel (0, 1), never generated.
var sentinelUUID = UUID{15: 1}

// ErrUUID is returned for a string that is not a base64 UUID.
var ErrUUID = errors.New("zkdata: invalid UUID")

// String is Uuid.toString.
func (u UUID) String() string { return base64.RawURLEncoding.EncodeToString(u[:]) }

// IsZero reports whether u is ZeroUUID.
func (u UUID) IsZero() bool { return u == ZeroUUID }

// ParseUUID is Uuid.fromString.
func ParseUUID(s string) (UUID, error) {
	var u UUID
	if len(s) > 24 {
		return u, fmt.Errorf("%w: input string with prefix `%s` is too long to be decoded as a base64 UUID", ErrUUID, s[:24])
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return u, fmt.Errorf("%w: %q: %v", ErrUUID, s, err)
	}
	if len(b) != 16 {
		return u, fmt.Errorf("%w: input string `%s` decoded as %d bytes, which is not equal to the expected 16 bytes of a base64-encoded UUID", ErrUUID, s, len(b))
	}
	copy(u[:], b)
	return u, nil
}

// NewUUID is Uuid.randomUuid: a version 4 UUID from r (crypto/rand when
// nil), never the zero or the sentinel id.
func NewUUID(r io.Reader) (UUID, error) {
	if r == nil {
		r = rand.Reader
	}
	for {
		var u UUID
		if _, err := io.ReadFull(r, u[:]); err != nil {
			return u, err
		}
		u[6] = u[6]&0x0f | 0x40 // version 4, as java.util.UUID.randomUUID
		u[8] = u[8]&0x3f | 0x80 // IETF variant
		if u != ZeroUUID && u != sentinelUUID {
			return u, nil
		}
	}
}
