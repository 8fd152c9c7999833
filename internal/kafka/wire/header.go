package wire

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"
)

var (
	// ErrInvalidHeader: the request header does not parse. Kafka closes
	// the connection (InvalidRequestException from RequestHeader.parse).
	ErrInvalidHeader = errors.New("wire: invalid request header")
	// ErrUnknownKey: the API key is not one kmsg knows. Kafka closes the
	// connection ("Unknown API key").
	ErrUnknownKey = errors.New("wire: unknown api key")
	// ErrInvalidRequest: the request body does not parse at its version.
	// Kafka closes the connection (InvalidRequestException).
	ErrInvalidRequest = errors.New("wire: invalid request body")
)

// Header is a parsed request header.
type Header struct {
	Key           int16
	Version       int16
	CorrelationID int32
	// ClientID is nil for a null client id and in a v0 header.
	ClientID *string
	// HeaderVersion is 0, 1 or 2 (see RequestHeaderVersion).
	HeaderVersion int8
}

// Request is a request whose header is parsed and whose body is ready to
// decode.
type Request struct {
	Header
	// Body is the request at Header.Version: empty after ParseRequest,
	// filled by Decode.
	Body kmsg.Request
	// Size is the frame's size in bytes, without the size prefix.
	Size int

	body []byte
}

// RequestHeaderVersion is the header version of req at its current
// version: 2 when flexible, 1 otherwise, 0 for ControlledShutdown v0 (its
// header has no client id, a quirk Kafka keeps).
func RequestHeaderVersion(req kmsg.Request) int8 {
	switch {
	case req.Key() == 7 && req.GetVersion() == 0:
		return 0
	case req.IsFlexible():
		return 2
	default:
		return 1
	}
}

// ParseRequest parses the header of a frame (from FrameReader.Next) and
// prepares the body for Decode. The body is not parsed: the broker checks
// the version against its handlers first, and an ApiVersions request at an
// unsupported version is answered without parsing it (KIP-511).
// ParseRequest keeps frame: the decoded body aliases it.
func ParseRequest(frame []byte) (*Request, error) {
	if len(frame) < 4 {
		return nil, fmt.Errorf("%w: %d bytes", ErrInvalidHeader, len(frame))
	}
	key := int16(binary.BigEndian.Uint16(frame))
	version := int16(binary.BigEndian.Uint16(frame[2:]))
	body := kmsg.RequestForKey(key)
	if body == nil {
		return nil, fmt.Errorf("%w: %d", ErrUnknownKey, key)
	}
	body.SetVersion(version)
	r := &Request{
		Header: Header{Key: key, Version: version, HeaderVersion: RequestHeaderVersion(body)},
		Body:   body,
		Size:   len(frame),
	}
	rd := reader{b: frame[4:]}
	r.CorrelationID = rd.int32()
	if r.HeaderVersion >= 1 {
		r.ClientID = rd.nullableString()
	}
	if r.HeaderVersion >= 2 {
		rd.skipTags()
	}
	if rd.bad {
		return nil, fmt.Errorf("%w: %s v%d: truncated or malformed", ErrInvalidHeader, kmsg.NameForKey(key), version)
	}
	r.body = rd.b
	return r, nil
}

// ClientIDString is the client id, "" when null (as Kafka treats it).
func (h *Header) ClientIDString() string {
	if h.ClientID == nil {
		return ""
	}
	return *h.ClientID
}

// Decode parses the body into r.Body. A body that does not parse, or makes
// the decoder panic, is ErrInvalidRequest. Trailing bytes are ignored, as
// Kafka does.
func (r *Request) Decode() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %s v%d: decoder panic: %v", ErrInvalidRequest, kmsg.NameForKey(r.Key), r.Version, p)
		}
	}()
	if e := r.Body.ReadFrom(r.body); e != nil {
		return fmt.Errorf("%w: %s v%d: %v", ErrInvalidRequest, kmsg.NameForKey(r.Key), r.Version, e)
	}
	return nil
}

// RawBody is the undecoded body (the bytes after the header).
func (r *Request) RawBody() []byte { return r.body }

// reader reads the header's primitives; like kmsg's, it latches its first
// failure and returns zero values from then on.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) span(n int) []byte {
	if r.bad || n < 0 || n > len(r.b) {
		r.bad = true
		return nil
	}
	s := r.b[:n]
	r.b = r.b[n:]
	return s
}

func (r *reader) int16() int16 {
	s := r.span(2)
	if s == nil {
		return 0
	}
	return int16(binary.BigEndian.Uint16(s))
}

func (r *reader) int32() int32 {
	s := r.span(4)
	if s == nil {
		return 0
	}
	return int32(binary.BigEndian.Uint32(s))
}

func (r *reader) nullableString() *string {
	n := r.int16()
	if r.bad || n == -1 {
		return nil
	}
	s := r.span(int(n)) // negative lengths other than -1 fail here
	if s == nil {
		return nil
	}
	str := string(s)
	return &str
}

// uvarint reads an unsigned varint of at most 5 bytes that fits 32 bits,
// as Kafka's ByteUtils.readUnsignedVarint requires.
func (r *reader) uvarint() uint32 {
	var v uint32
	for i := 0; i < 5; i++ {
		s := r.span(1)
		if s == nil {
			return 0
		}
		c := s[0]
		if i == 4 && c > 0x0f {
			break
		}
		v |= uint32(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v
		}
	}
	r.bad = true
	return 0
}

// skipTags skips a tagged-fields section. The header defines no tags, so
// every one is skipped; each takes at least two bytes, which bounds the
// loop by the input.
func (r *reader) skipTags() {
	for n := r.uvarint(); n > 0 && !r.bad; n-- {
		r.uvarint()
		size := r.uvarint()
		if size > uint32(len(r.b)) {
			r.bad = true
			return
		}
		r.span(int(size))
	}
}
