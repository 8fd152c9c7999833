package records

import (
	"fmt"
	"math"

	"github.com/twmb/franz-go/pkg/kbin"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// maxString is the longest string Kafka's generated code reads or writes
// (0x7fff bytes), in compact (uvarint) form as in the int16 one.
const maxString = math.MaxInt16

// dec reads one message with Kafka's generated readers' rules: it latches
// the first error and returns zero values from then on, so a decode
// function reads straight through and checks once, at finish. Unlike
// kbin's lenient readers it refuses a null where the schema has none, as
// Java does, and sizes no allocation by a count the remaining bytes cannot
// hold.
type dec struct {
	r   kbin.Reader
	err error
}

func newDec(b []byte) *dec { return &dec{r: kbin.Reader{Src: b}} }

func (d *dec) failf(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
	}
	d.r.Src = nil
}

// ok reports whether nothing has failed yet; loops check it so that a
// huge count cannot spin once the data has run out.
func (d *dec) ok() bool {
	if d.err == nil && !d.r.Ok() {
		d.failf("truncated")
	}
	return d.err == nil
}

// finish is the decode's verdict; what names the message for the error.
func (d *dec) finish(what string) error {
	if d.ok() {
		return nil
	}
	return fmt.Errorf("%s: %w", what, d.err)
}

func (d *dec) remaining() int { return len(d.r.Src) }

func (d *dec) int8() int8        { return d.r.Int8() }
func (d *dec) int16() int16      { return d.r.Int16() }
func (d *dec) int32() int32      { return d.r.Int32() }
func (d *dec) int64() int64      { return d.r.Int64() }
func (d *dec) uuid() [16]byte    { return d.r.Uuid() }
func (d *dec) uvarint() uint32   { return d.r.Uvarint() }
func (d *dec) span(n int) []byte { return d.r.Span(n) }

// length reads a length prefix: a uvarint holding length+1 (0 = null) in a
// flexible version, an int16 or int32 (-1 = null) otherwise. It returns -1
// for null and fails on any other negative length.
func (d *dec) length(field string, flexible, wide bool) int {
	var n int64
	switch {
	case flexible:
		n = int64(d.uvarint()) - 1
	case wide:
		n = int64(d.int32())
	default:
		n = int64(d.int16())
	}
	if !d.ok() {
		return -1
	}
	if n < -1 {
		d.failf("%s: negative length %d", field, n)
	}
	return int(n)
}

func (d *dec) nullableString(field string, flexible bool) *string {
	n := d.length(field, flexible, false)
	if n < 0 {
		return nil
	}
	if n > maxString {
		d.failf("%s: string of %d bytes", field, n)
		return nil
	}
	s := string(d.span(n))
	return &s
}

func (d *dec) string(field string, flexible bool) string {
	s := d.nullableString(field, flexible)
	if s == nil {
		if d.ok() {
			d.failf("%s: null in a non-nullable string", field)
		}
		return ""
	}
	return *s
}

func (d *dec) bytes(field string, flexible bool) []byte {
	n := d.length(field, flexible, true)
	if n < 0 {
		if d.ok() {
			d.failf("%s: null in non-nullable bytes", field)
		}
		return nil
	}
	if n == 0 {
		return []byte{} // non-nullable: empty, never nil
	}
	return d.span(n)
}

// arrayLen reads a non-nullable array's length and checks that the
// remaining bytes can hold that many elements of at least minSize bytes.
func (d *dec) arrayLen(field string, flexible bool, minSize int) int {
	n := d.length(field, flexible, true)
	if !d.ok() {
		return 0
	}
	if n < 0 {
		d.failf("%s: null in a non-nullable array", field)
		return 0
	}
	if int64(n)*int64(minSize) > int64(d.remaining()) {
		d.failf("%s: %d elements in %d bytes", field, n, d.remaining())
		return 0
	}
	return n
}

func (d *dec) int32s(field string) []int32 {
	out := makeN[int32](d.arrayLen(field, true, 4))
	for i := range out {
		out[i] = d.int32()
	}
	return out
}

func (d *dec) strings(field string) []string {
	out := makeN[string](d.arrayLen(field, true, 1))
	for i := 0; i < len(out) && d.ok(); i++ {
		out[i] = d.string(field, true)
	}
	return out
}

// makeN makes the slice for an array of n elements: nil when it is empty,
// so that a decoded empty array compares equal to a zero value.
func makeN[T any](n int) []T {
	if n <= 0 {
		return nil
	}
	return make([]T, n)
}

// tags reads a tagged-fields section. known parses the body of a tag the
// schema declares and reports whether it did; the body must be consumed
// exactly. Other tags are kept, as Kafka keeps them, to be written back.
func (d *dec) tags(known func(tag uint32, body *dec) bool) kmsg.Tags {
	var unknown kmsg.Tags
	n := d.uvarint()
	if !d.ok() {
		return unknown
	}
	if int64(n)*2 > int64(d.remaining()) { // a tag and a size, 1 byte each at least
		d.failf("%d tagged fields in %d bytes", n, d.remaining())
		return unknown
	}
	for i := uint32(0); i < n && d.ok(); i++ {
		tag := d.uvarint()
		size := d.uvarint()
		if !d.ok() {
			break
		}
		body := d.span(int(size))
		if !d.ok() {
			break
		}
		if known != nil {
			sub := newDec(body)
			if known(tag, sub) {
				if sub.ok() && sub.remaining() != 0 {
					sub.failf("tag %d: %d bytes left over", tag, sub.remaining())
				}
				if err := sub.finish(fmt.Sprintf("tag %d", tag)); err != nil && d.err == nil {
					d.err = err
				}
				continue
			}
		}
		unknown.Set(tag, body)
	}
	return unknown
}

// enc writes one message; like dec it latches its first error.
type enc struct {
	b   []byte
	err error
}

func (e *enc) failf(format string, args ...any) {
	if e.err == nil {
		e.err = fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
	}
}

func (e *enc) int8(v int8)     { e.b = kbin.AppendInt8(e.b, v) }
func (e *enc) int16(v int16)   { e.b = kbin.AppendInt16(e.b, v) }
func (e *enc) int32(v int32)   { e.b = kbin.AppendInt32(e.b, v) }
func (e *enc) uuid(v [16]byte) { e.b = kbin.AppendUuid(e.b, v) }
func (e *enc) uvarint(v int)   { e.b = kbin.AppendUvarint(e.b, uint32(v)) }

func (e *enc) string(field, s string, flexible bool) {
	if len(s) > maxString {
		e.failf("%s: string of %d bytes (at most %d)", field, len(s), maxString)
		return
	}
	if flexible {
		e.b = kbin.AppendCompactString(e.b, s)
	} else {
		e.b = kbin.AppendString(e.b, s)
	}
}

// nullableString writes a compact nullable string (all the hand-written
// schemas are flexible).
func (e *enc) nullableString(field string, s *string) {
	if s == nil {
		e.b = kbin.AppendCompactNullableString(e.b, nil)
		return
	}
	e.string(field, *s, true)
}

func (e *enc) bytes(field string, b []byte) {
	if tooLong(b) {
		e.failf("%s: %d bytes", field, len(b))
		return
	}
	e.b = kbin.AppendCompactBytes(e.b, b)
}

func (e *enc) arrayLen(n int) { e.b = kbin.AppendCompactArrayLen(e.b, n) }

func (e *enc) int32s(v []int32) {
	e.arrayLen(len(v))
	for _, x := range v {
		e.int32(x)
	}
}

func (e *enc) strings(field string, v []string) {
	e.arrayLen(len(v))
	for _, s := range v {
		e.string(field, s, true)
	}
}

// taggedField is a declared tagged field to write: its tag and its body.
type taggedField struct {
	tag  uint32
	body []byte
}

// tags writes a tagged-fields section: the declared fields present
// (ascending tags) and the unknown ones kept from a decode. Java interleaves
// the two by tag; every unknown tag here is above the declared ones or is
// refused, so declared first is the same order.
func (e *enc) tags(declared []taggedField, unknown kmsg.Tags, declaredTags ...uint32) {
	if err := checkUnknownTags(unknown, declaredTags...); err != nil {
		if e.err == nil {
			e.err = err
		}
		return
	}
	e.uvarint(len(declared) + unknown.Len())
	for _, f := range declared {
		e.uvarint(int(f.tag))
		e.uvarint(len(f.body))
		e.b = append(e.b, f.body...)
	}
	e.b = unknown.AppendEach(e.b)
}

// checkUnknownTags refuses unknown tags that a schema declares (they would
// be written twice) or that sort below a declared one (Kafka writes tags in
// ascending order).
func checkUnknownTags(unknown kmsg.Tags, declaredTags ...uint32) error {
	var err error
	unknown.Each(func(tag uint32, _ []byte) {
		for _, t := range declaredTags {
			if tag <= t && err == nil {
				err = fmt.Errorf("%w: unknown tag %d collides with declared tag %d", ErrInvalid, tag, t)
			}
		}
	})
	return err
}
