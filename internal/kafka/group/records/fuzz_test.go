package records

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// FuzzDecode feeds arbitrary keys and values (null or not) to Decode. It
// must not panic; a refusal must be one of the package's errors; a record
// it returns must encode, and that encoding must decode to the same record
// and encode to the same bytes again: Encode's output, the canonical form,
// is a fixed point. (Input bytes may be non-canonical and still decode:
// trailing bytes, unsorted or repeated tags, non-minimal varints, a
// null-marked tagged struct. TestRoundTripEveryTypeAndVersion checks that
// canonical bytes come back unchanged.)
func FuzzDecode(f *testing.F) {
	for _, r := range sampleRecords() {
		key, value, err := Encode(r)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(key, value, value == nil)
	}
	for _, g := range goldens {
		key, value, err := Encode(g.r)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(key, value, value == nil)
	}
	f.Fuzz(func(t *testing.T, key, value []byte, null bool) {
		if null {
			value = nil
		} else if value == nil {
			value = []byte{}
		}
		r, err := Decode(key, value)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnknownKeyVersion) && !errors.Is(err, ErrUnknownValueVersion) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if r.IsTombstone() != null {
			t.Fatalf("tombstone %v for a null value %v", r.IsTombstone(), null)
		}
		key2, value2, err := Encode(r)
		if err != nil {
			t.Fatalf("a decoded record does not encode: %v\n%#v", err, r)
		}
		r2, err := Decode(key2, value2)
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v\n%x %x", err, key2, value2)
		}
		if !reflect.DeepEqual(r, r2) {
			t.Fatalf("round trip changed the record:\n%#v\n%#v", r, r2)
		}
		key3, value3, err := Encode(r2)
		if err != nil || !bytes.Equal(key2, key3) || !bytes.Equal(value2, value3) {
			t.Fatalf("encoding is not a fixed point: %v\n%x %x\n%x %x", err, key2, value2, key3, value3)
		}
	})
}
