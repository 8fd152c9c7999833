package zkdata

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonWriter writes JSON as Jackson's default ObjectMapper does: compact,
// control characters as \n \t \r \b \f or \u00XX (upper-case hex), '"'
// and '\' escaped, characters outside the BMP as two \uXXXX escapes, and
// everything else (including '/', '<', U+2028) as raw UTF-8.
type jsonWriter struct{ b []byte }

const hexUpper = "0123456789ABCDEF"

func (w *jsonWriter) str(s string) {
	w.b = append(w.b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				w.b = append(w.b, '\\', c)
			case c == '\n':
				w.b = append(w.b, '\\', 'n')
			case c == '\t':
				w.b = append(w.b, '\\', 't')
			case c == '\r':
				w.b = append(w.b, '\\', 'r')
			case c == '\b':
				w.b = append(w.b, '\\', 'b')
			case c == '\f':
				w.b = append(w.b, '\\', 'f')
			case c < 0x20:
				w.b = append(w.b, '\\', 'u', '0', '0', hexUpper[c>>4], hexUpper[c&15])
			default:
				w.b = append(w.b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r >= 0x10000 {
			a, b := utf16.EncodeRune(r)
			w.unicodeEscape(a)
			w.unicodeEscape(b)
		} else {
			w.b = append(w.b, s[i:i+size]...)
		}
		i += size
	}
	w.b = append(w.b, '"')
}

func (w *jsonWriter) unicodeEscape(r rune) {
	w.b = append(w.b, '\\', 'u', hexUpper[r>>12&15], hexUpper[r>>8&15], hexUpper[r>>4&15], hexUpper[r&15])
}

func (w *jsonWriter) int(n int64) { w.b = strconv.AppendInt(w.b, n, 10) }

func (w *jsonWriter) ints(ns []int32) {
	w.b = append(w.b, '[')
	for i, n := range ns {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.int(int64(n))
	}
	w.b = append(w.b, ']')
}

func (w *jsonWriter) strs(ss []string) {
	w.b = append(w.b, '[')
	for i, s := range ss {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.str(s)
	}
	w.b = append(w.b, ']')
}

// object writes the fields in the given key order; value writes one value.
func (w *jsonWriter) object(keys []string, value func(key string)) {
	w.b = append(w.b, '{')
	for i, k := range keys {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.str(k)
		w.b = append(w.b, ':')
		value(k)
	}
	w.b = append(w.b, '}')
}

// fields is a JSON object under construction: keys in insertion order and
// a writer for each value. The map kind decides the written order.
type fields struct {
	keys []string
	vals map[string]func(*jsonWriter)
}

func (f *fields) add(key string, v func(*jsonWriter)) {
	if f.vals == nil {
		f.vals = map[string]func(*jsonWriter){}
	}
	if _, dup := f.vals[key]; !dup {
		f.keys = append(f.keys, key)
	}
	f.vals[key] = v
}

func (f *fields) addInt(key string, n int64) { f.add(key, func(w *jsonWriter) { w.int(n) }) }
func (f *fields) addStr(key, s string)       { f.add(key, func(w *jsonWriter) { w.str(s) }) }

func (w *jsonWriter) fields(order []string, f *fields) {
	w.object(order, func(k string) { f.vals[k](w) })
}

// ---- decoding ----

// ErrJSON is returned (wrapped) for znode data that is not the JSON Kafka
// expects; the message names the znode and the offending data as Kafka's
// exceptions do.
var ErrJSON = errors.New("zkdata: invalid znode JSON")

type jsonObj map[string]json.RawMessage

func parseObject(data []byte) (jsonObj, error) {
	var o jsonObj
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(&o); err != nil {
		return nil, err
	}
	if o == nil {
		return nil, fmt.Errorf("not a JSON object")
	}
	return o, nil
}

func (o jsonObj) has(key string) bool {
	v, ok := o[key]
	return ok && string(v) != "null"
}

// intField reads an integer as JsonValue.to[Int] does: a JSON number with
// no fraction that fits in an int32.
func (o jsonObj) intField(key string) (int32, error) {
	v, ok := o[key]
	if !ok {
		return 0, fmt.Errorf("no such field %q", key)
	}
	return rawInt(v)
}

func rawInt(v json.RawMessage) (int32, error) {
	n, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 32)
	if err != nil {
		return 0, fmt.Errorf("expected an int, got %s", v)
	}
	return int32(n), nil
}

func (o jsonObj) strField(key string) (string, error) {
	v, ok := o[key]
	if !ok {
		return "", fmt.Errorf("no such field %q", key)
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", fmt.Errorf("expected a string for %q, got %s", key, v)
	}
	return s, nil
}

// optStr reads an optional (possibly null) string field.
func (o jsonObj) optStr(key string) (*string, error) {
	if !o.has(key) {
		return nil, nil
	}
	s, err := o.strField(key)
	if err != nil {
		return nil, err
	}
	return &s, nil
}

func rawInts(v json.RawMessage) ([]int32, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(v, &raw); err != nil {
		return nil, fmt.Errorf("expected an array of ints, got %s", v)
	}
	out := make([]int32, 0, len(raw))
	for _, r := range raw {
		n, err := rawInt(r)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

func (o jsonObj) objField(key string) (jsonObj, error) {
	v, ok := o[key]
	if !ok || string(v) == "null" {
		return nil, nil
	}
	var sub jsonObj
	if err := json.Unmarshal(v, &sub); err != nil || sub == nil {
		return nil, fmt.Errorf("expected an object for %q, got %s", key, v)
	}
	return sub, nil
}

func decodeErr(what string, data []byte, err error) error {
	return fmt.Errorf("%w: %s: %s: %v", ErrJSON, what, data, err)
}
