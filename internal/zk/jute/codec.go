package jute

import (
	"encoding/binary"
	"errors"
	"math"
)

// ErrShort is returned when a record needs more bytes than remain.
var ErrShort = errors.New("jute: record truncated")

// ErrLength is returned for a negative (other than -1) or oversized length.
var ErrLength = errors.New("jute: invalid length")

// Record is a jute record: a fixed sequence of fields.
type Record interface {
	Encode(e *Encoder)
	Decode(d *Decoder)
}

// Encoder appends jute-encoded fields to a byte slice.
type Encoder struct {
	buf []byte
}

// NewEncoder returns an encoder that appends to buf (which may be nil).
func NewEncoder(buf []byte) *Encoder { return &Encoder{buf: buf} }

// Bytes returns the encoded bytes.
func (e *Encoder) Bytes() []byte { return e.buf }

// Len returns the number of encoded bytes.
func (e *Encoder) Len() int { return len(e.buf) }

// Reset empties the encoder, keeping its capacity.
func (e *Encoder) Reset() { e.buf = e.buf[:0] }

func (e *Encoder) Byte(v byte)     { e.buf = append(e.buf, v) }
func (e *Encoder) Int(v int32)     { e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(v)) }
func (e *Encoder) Long(v int64)    { e.buf = binary.BigEndian.AppendUint64(e.buf, uint64(v)) }
func (e *Encoder) Raw(b []byte)    { e.buf = append(e.buf, b...) }
func (e *Encoder) Record(r Record) { r.Encode(e) }

func (e *Encoder) Bool(v bool) {
	if v {
		e.buf = append(e.buf, 1)
	} else {
		e.buf = append(e.buf, 0)
	}
}

// Buffer writes a length-prefixed byte buffer; nil is written as length -1.
func (e *Encoder) Buffer(b []byte) {
	if b == nil {
		e.Int(-1)
		return
	}
	e.Int(int32(len(b)))
	e.buf = append(e.buf, b...)
}

// String writes a ustring. Go has no null string; "" is written as length 0.
func (e *Encoder) String(s string) {
	e.Int(int32(len(s)))
	e.buf = append(e.buf, s...)
}

// Strings writes a vector of ustrings; nil is written as count -1.
func (e *Encoder) Strings(v []string) {
	if v == nil {
		e.Int(-1)
		return
	}
	e.Int(int32(len(v)))
	for _, s := range v {
		e.String(s)
	}
}

// Decoder reads jute fields from a byte slice and latches the first error.
type Decoder struct {
	b   []byte
	off int
	err error
}

// NewDecoder returns a decoder over b.
func NewDecoder(b []byte) *Decoder { return &Decoder{b: b} }

// Err returns the first error met, if any.
func (d *Decoder) Err() error { return d.err }

// Remaining returns the number of unread bytes.
func (d *Decoder) Remaining() int { return len(d.b) - d.off }

// Offset returns the number of bytes read so far.
func (d *Decoder) Offset() int { return d.off }

// Fail latches err unless an error is already latched.
func (d *Decoder) Fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *Decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || len(d.b)-d.off < n {
		d.err = ErrShort
		return nil
	}
	p := d.b[d.off : d.off+n]
	d.off += n
	return p
}

func (d *Decoder) Byte() byte {
	p := d.take(1)
	if p == nil {
		return 0
	}
	return p[0]
}

func (d *Decoder) Bool() bool { return d.Byte() != 0 }

func (d *Decoder) Int() int32 {
	p := d.take(4)
	if p == nil {
		return 0
	}
	return int32(binary.BigEndian.Uint32(p))
}

func (d *Decoder) Long() int64 {
	p := d.take(8)
	if p == nil {
		return 0
	}
	return int64(binary.BigEndian.Uint64(p))
}

// Raw returns the next n bytes without copying.
func (d *Decoder) Raw(n int) []byte { return d.take(n) }

// length reads a length prefix; -1 means null. Other negatives and lengths
// beyond the remaining bytes are errors, detected before any allocation.
func (d *Decoder) length(minElem int) (n int, null bool) {
	v := d.Int()
	if d.err != nil {
		return 0, false
	}
	if v == -1 {
		return 0, true
	}
	if v < 0 || int64(v)*int64(minElem) > int64(d.Remaining()) {
		d.err = ErrLength
		return 0, false
	}
	return int(v), false
}

// Buffer reads a length-prefixed buffer as a copy; null is returned as nil.
func (d *Decoder) Buffer() []byte {
	n, null := d.length(1)
	if null || d.err != nil {
		return nil
	}
	p := d.take(n)
	out := make([]byte, n)
	copy(out, p)
	return out
}

// String reads a ustring; null is returned as "".
func (d *Decoder) String() string {
	n, null := d.length(1)
	if null || d.err != nil {
		return ""
	}
	return string(d.take(n))
}

// VectorLen reads a vector count, checked against the bytes left assuming each
// element takes at least minElem bytes. Null (-1) is returned as -1.
func (d *Decoder) VectorLen(minElem int) int {
	n, null := d.length(minElem)
	if null {
		return -1
	}
	return n
}

// Strings reads a vector of ustrings; null is returned as nil.
func (d *Decoder) Strings() []string {
	n := d.VectorLen(4)
	if n < 0 || d.err != nil {
		return nil
	}
	out := make([]string, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		out = append(out, d.String())
	}
	return out
}

// Marshal encodes r into a new byte slice.
func Marshal(r Record) []byte {
	e := Encoder{}
	r.Encode(&e)
	return e.buf
}

// Unmarshal decodes b into r. Trailing bytes are allowed (ZooKeeper ignores them).
func Unmarshal(b []byte, r Record) error {
	d := NewDecoder(b)
	r.Decode(d)
	return d.Err()
}

// MaxBuffer is jute.maxbuffer's default: the largest packet and znode payload.
const MaxBuffer = 0xfffff

// clampInt32 is used where Java would write an int from a length.
func clampInt32(n int) int32 {
	if n > math.MaxInt32 {
		return math.MaxInt32
	}
	return int32(n)
}
