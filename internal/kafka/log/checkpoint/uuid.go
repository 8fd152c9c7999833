package checkpoint

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"unicode/utf16"
)

// Uuid is Kafka's org.apache.kafka.common.Uuid: 128 bits, the most
// significant long first (big-endian), which is also how the Kafka protocol
// and kmsg ([16]byte) carry a topic ID. The zero value is ZeroUuid.
//
// Its string form is the 16 bytes in URL-safe base64 without padding, 22
// characters: Uuid{0,...,0,1} is "AAAAAAAAAAAAAAAAAAAAAQ".
type Uuid [16]byte

// Kafka's reserved Uuids.
var (
	// ZeroUuid stands for "no Uuid" (Uuid.ZERO_UUID); partition.metadata
	// never holds it.
	ZeroUuid = Uuid{}
	// OneUuid is Uuid.ONE_UUID.
	OneUuid = NewUuid(0, 1)
	// MetadataTopicID is the topic ID of KRaft's __cluster_metadata
	// (Uuid.METADATA_TOPIC_ID, equal to OneUuid).
	MetadataTopicID = OneUuid
)

// NewUuid builds a Uuid from its two halves, like new Uuid(msb, lsb).
func NewUuid(mostSigBits, leastSigBits int64) Uuid {
	var u Uuid
	binary.BigEndian.PutUint64(u[:8], uint64(mostSigBits))
	binary.BigEndian.PutUint64(u[8:], uint64(leastSigBits))
	return u
}

// MostSignificantBits returns the first 64 bits as Java's signed long.
func (u Uuid) MostSignificantBits() int64 { return int64(binary.BigEndian.Uint64(u[:8])) }

// LeastSignificantBits returns the last 64 bits as Java's signed long.
func (u Uuid) LeastSignificantBits() int64 { return int64(binary.BigEndian.Uint64(u[8:])) }

// String is Uuid.toString: URL-safe base64 without padding.
func (u Uuid) String() string { return base64.RawURLEncoding.EncodeToString(u[:]) }

// HashCode is Uuid.hashCode, for code that must bucket like Kafka does.
func (u Uuid) HashCode() int32 {
	x := u.MostSignificantBits() ^ u.LeastSignificantBits()
	return int32(x>>32) ^ int32(x)
}

// Compare orders Uuids as Uuid.compareTo: by the signed most significant
// long, then the signed least significant long.
func (u Uuid) Compare(o Uuid) int {
	for _, p := range [2][2]int64{
		{u.MostSignificantBits(), o.MostSignificantBits()},
		{u.LeastSignificantBits(), o.LeastSignificantBits()},
	} {
		switch {
		case p[0] < p[1]:
			return -1
		case p[0] > p[1]:
			return 1
		}
	}
	return 0
}

// IsReserved reports whether Kafka's randomUuid would never return u
// (ZERO_UUID, ONE_UUID/METADATA_TOPIC_ID).
func (u Uuid) IsReserved() bool { return u == ZeroUuid || u == OneUuid }

// MarshalText returns String.
func (u Uuid) MarshalText() ([]byte, error) { return []byte(u.String()), nil }

// UnmarshalText is ParseUuid.
func (u *Uuid) UnmarshalText(b []byte) error {
	v, err := ParseUuid(string(b))
	if err != nil {
		return err
	}
	*u = v
	return nil
}

// RandomUuid returns a random version 4 Uuid that, like Uuid.randomUuid, is
// never reserved and never prints with a leading '-' (which command-line
// tools would take for a flag).
func RandomUuid() Uuid {
	for {
		var u Uuid
		if _, err := rand.Read(u[:]); err != nil {
			panic("checkpoint: crypto/rand failed: " + err.Error()) // never happens since Go 1.24
		}
		u[6] = u[6]&0x0f | 0x40 // version 4
		u[8] = u[8]&0x3f | 0x80 // IETF variant
		if !u.IsReserved() && u.String()[0] != '-' {
			return u
		}
	}
}

// IsReservedDirectoryID is DirectoryId.reserved: the first 100 Uuids
// (MIGRATING, UNASSIGNED, LOST, ...) never name a log directory.
func IsReservedDirectoryID(u Uuid) bool {
	return u.MostSignificantBits() == 0 && u.LeastSignificantBits() >= 0 && u.LeastSignificantBits() < 100
}

// RandomDirectoryID returns a random Uuid usable as meta.properties'
// directory.id (DirectoryId.random).
func RandomDirectoryID() Uuid {
	for {
		if u := RandomUuid(); !IsReservedDirectoryID(u) {
			return u
		}
	}
}

// ParseUuid is Uuid.fromString: it accepts exactly what Kafka accepts and
// fails with Kafka's message otherwise. That is 22 base64url characters,
// optionally followed by "==" (Java's decoder takes padding and ignores the 4
// unused bits of the last character); anything else is refused, including
// the characters Go's decoder would skip ('\r', '\n').
func ParseUuid(s string) (Uuid, error) {
	// Java sees UTF-16 code units and decodes their ISO-8859-1 bytes, where
	// a character above U+00FF becomes '?'.
	units := utf16.Encode([]rune(s))
	if len(units) > 24 {
		return ZeroUuid, newError(ErrInvalidUuid,
			"Input string with prefix `%s` is too long to be decoded as a base64 UUID",
			string(utf16.Decode(units[:24])))
	}
	src := make([]byte, len(units))
	for i, c := range units {
		if c > 0xff {
			c = '?'
		}
		src[i] = byte(c)
	}
	out, msg := decodeJavaBase64URL(src)
	if msg != "" {
		return ZeroUuid, newError(ErrInvalidUuid, "%s", msg)
	}
	if len(out) != 16 {
		return ZeroUuid, newError(ErrInvalidUuid,
			"Input string `%s` decoded as %d bytes, which is not equal to the expected 16 bytes of a base64-encoded UUID",
			s, len(out))
	}
	return Uuid(out), nil
}

// decodeJavaBase64URL is Base64.getUrlDecoder().decode(byte[]): on failure it
// returns the IllegalArgumentException message.
func decodeJavaBase64URL(src []byte) ([]byte, string) {
	if len(src) == 1 {
		return nil, "Input byte[] should at least have 2 bytes for base64 bytes"
	}
	var (
		dst   []byte
		bits  uint32
		shift = 18 // where the next 6 bits go in the current 4-character unit
		sp    = 0
	)
	for sp < len(src) {
		c := src[sp]
		sp++
		v := base64URLValue(c)
		if v < 0 {
			if c != '=' {
				return nil, "Illegal base64 character " + strconv.FormatInt(int64(int8(c)), 16)
			}
			// Padding: "xx==" ends a unit with one byte, "xxx=" with two;
			// '=' anywhere else is an error.
			if shift == 6 && (sp == len(src) || src[sp] != '=') || shift == 18 {
				return nil, "Input byte array has wrong 4-byte ending unit"
			}
			if shift == 6 {
				sp++
			}
			break
		}
		bits |= uint32(v) << shift
		shift -= 6
		if shift < 0 {
			dst = append(dst, byte(bits>>16), byte(bits>>8), byte(bits))
			shift, bits = 18, 0
		}
	}
	switch shift {
	case 6:
		dst = append(dst, byte(bits>>16))
	case 0:
		dst = append(dst, byte(bits>>16), byte(bits>>8))
	case 12:
		return nil, "Last unit does not have enough valid bits"
	}
	if sp < len(src) {
		return nil, fmt.Sprintf("Input byte array has incorrect ending byte at %d", sp)
	}
	return dst, ""
}

const base64URLAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func base64URLValue(c byte) int { return bytes.IndexByte([]byte(base64URLAlphabet), c) }
