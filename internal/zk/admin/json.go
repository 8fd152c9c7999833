package admin

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wharf-project/wharf/internal/javafmt"
)

// Object is a JSON object whose members keep their order, as the
// LinkedHashMaps ZooKeeper serializes do.
type Object []Field

// Field is one member of an Object.
type Field struct {
	Key   string
	Value any
}

// Get returns the value of key and whether it is present.
func (o Object) Get(key string) (any, bool) {
	for _, f := range o {
		if f.Key == key {
			return f.Value, true
		}
	}
	return nil, false
}

// put sets key, keeping its place when present (LinkedHashMap.put).
func (o *Object) put(key string, v any) {
	for i := range *o {
		if (*o)[i].Key == key {
			(*o)[i].Value = v
			return
		}
	}
	*o = append(*o, Field{key, v})
}

// Double is a Java double: JSON and mntr print it as Double.toString
// ("0.0", "2.8462"). Plain float64 values are printed the same way.
type Double float64

// Jackson renders v as ZooKeeper's JsonOutputter does: Jackson's default
// pretty printer ("key" : value, two-space indent, arrays inline as
// "[ a, b ]", empty containers as "{ }" and "[ ]"), no trailing newline.
//
// Values may be nil, bool, string, int, int32, int64, float64, Double,
// Object, []any, []string, []int64, []Object and map[string]any (keys
// sorted).
func Jackson(v any) string {
	var b strings.Builder
	writeJSON(&b, v, 1)
	return b.String()
}

func writeJSON(b *strings.Builder, v any, nesting int) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case string:
		writeJSONString(b, x)
	case int:
		b.WriteString(strconv.Itoa(x))
	case int32:
		b.WriteString(strconv.FormatInt(int64(x), 10))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		b.WriteString(javafmt.Double(x))
	case Double:
		b.WriteString(javafmt.Double(float64(x)))
	case Object:
		writeObject(b, x, nesting)
	case []any:
		writeArray(b, len(x), func(i int) any { return x[i] }, nesting)
	case []string:
		writeArray(b, len(x), func(i int) any { return x[i] }, nesting)
	case []int64:
		writeArray(b, len(x), func(i int) any { return x[i] }, nesting)
	case []Object:
		writeArray(b, len(x), func(i int) any { return x[i] }, nesting)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		o := make(Object, 0, len(keys))
		for _, k := range keys {
			o = append(o, Field{k, x[k]})
		}
		writeObject(b, o, nesting)
	default:
		// A programming error, not input: make it visible in the output.
		writeJSONString(b, fmt.Sprintf("%v", x))
	}
}

func writeObject(b *strings.Builder, o Object, nesting int) {
	if len(o) == 0 {
		b.WriteString("{ }")
		return
	}
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
		b.WriteString(strings.Repeat("  ", nesting))
		writeJSONString(b, f.Key)
		b.WriteString(" : ")
		writeJSON(b, f.Value, nesting+1)
	}
	b.WriteByte('\n')
	b.WriteString(strings.Repeat("  ", nesting-1))
	b.WriteByte('}')
}

// writeArray writes Jackson's inline arrays; objects inside keep the
// enclosing nesting, as the fixed-space array indenter does not indent.
func writeArray(b *strings.Builder, n int, at func(int) any, nesting int) {
	if n == 0 {
		b.WriteString("[ ]")
		return
	}
	b.WriteString("[ ")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		writeJSON(b, at(i), nesting)
	}
	b.WriteString(" ]")
}

// writeJSONString escapes as Jackson does: quote, backslash and control
// characters; everything else is written as UTF-8.
func writeJSONString(b *strings.Builder, s string) {
	const hexDigits = "0123456789ABCDEF"
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b.WriteString(`\uFFFD`)
			} else {
				b.WriteString(s[i : i+size])
			}
			i += size
			continue
		}
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if c < 0x20 {
				b.WriteString(`\u00`)
				b.WriteByte(hexDigits[c>>4])
				b.WriteByte(hexDigits[c&0xF])
			} else {
				b.WriteByte(c)
			}
		}
		i++
	}
	b.WriteByte('"')
}
