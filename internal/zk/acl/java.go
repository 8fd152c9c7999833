package acl

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The Java library behaviour ZooKeeper's providers depend on. Go strings hold
// the UTF-8 bytes of what is a UTF-16 String in Java; these helpers give the
// answers Java would give for the same text.

// javaParseInt is Integer.parseInt(s, radix): an optional sign, then one or
// more digits as Character.digit reads them (any Unicode decimal digit, and
// ASCII or full-width Latin letters for radix > 10), within int32.
func javaParseInt(s string, radix int) (int32, bool) {
	if s == "" {
		return 0, false
	}
	neg := false
	switch s[0] {
	case '-':
		neg = true
		s = s[1:]
	case '+':
		s = s[1:]
	}
	if s == "" {
		return 0, false
	}
	limit := int64(math.MaxInt32)
	if neg {
		limit++
	}
	var v int64
	for _, r := range s {
		d := javaDigit(r, radix)
		if d < 0 {
			return 0, false
		}
		v = v*int64(radix) + int64(d)
		if v > limit {
			return 0, false
		}
	}
	if neg {
		v = -v
	}
	return int32(v), true
}

// javaDigit is Character.digit(ch, radix) for a BMP character; -1 if ch is no
// digit in radix. Supplementary characters are surrogate pairs in Java, and
// surrogates are no digits; U+FFFD (what malformed UTF-8 decodes to) is none
// either.
func javaDigit(r rune, radix int) int {
	d := -1
	switch {
	case r >= '0' && r <= '9':
		d = int(r - '0')
	case r >= 'a' && r <= 'z':
		d = int(r-'a') + 10
	case r >= 'A' && r <= 'Z':
		d = int(r-'A') + 10
	case r >= 0xff41 && r <= 0xff5a: // full-width a..z
		d = int(r-0xff41) + 10
	case r >= 0xff21 && r <= 0xff3a: // full-width A..Z
		d = int(r-0xff21) + 10
	case r > 0x7f && r <= 0xffff && unicode.IsDigit(r):
		d = decimalValue(r)
	}
	if d >= radix {
		return -1
	}
	return d
}

// decimalValue is the value of a Unicode decimal digit: Nd characters come in
// runs of ten starting at zero, so it is the distance from the start of the
// run modulo ten.
func decimalValue(r rune) int {
	n := 0
	for n < 100 && unicode.IsDigit(r-rune(n)-1) {
		n++
	}
	return n % 10
}

// utf16Len is String.length(): UTF-16 code units. A malformed byte counts as
// one unit (it becomes U+FFFD in Java).
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xffff {
			n++
		}
	}
	return n
}

// javaSplitLen is s.split(String.valueOf(sep)).length: the number of pieces
// once trailing empty pieces are removed; a string without sep is one piece,
// even when empty.
func javaSplitLen(s string, sep byte) int {
	if strings.IndexByte(s, sep) < 0 {
		return 1
	}
	end := len(s)
	for end > 0 && s[end-1] == sep {
		end--
	}
	if end == 0 {
		return 0
	}
	return strings.Count(s[:end], string(sep)) + 1
}

// javaString is new String(b) with UTF-8 as the default charset: malformed
// input is replaced by U+FFFD, one per maximal ill-formed subsequence as
// Unicode recommends, except that the JDK reads an encoded surrogate (ED
// A0..BF xx) as one malformed sequence of three bytes.
func javaString(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			sb.WriteRune(utf8.RuneError)
			b = b[maximalSubpart(b):]
			continue
		}
		sb.Write(b[:n])
		b = b[n:]
	}
	return sb.String()
}

// maximalSubpart is the length (at least 1) of the longest prefix of b that
// starts a well-formed UTF-8 sequence (Unicode Table 3-7, but with the JDK's
// view of ED), given that b does not start with a complete one.
func maximalSubpart(b []byte) int {
	lo, hi := byte(0x80), byte(0xbf) // range of the second byte
	need := 0
	switch c := b[0]; {
	case c >= 0xc2 && c <= 0xdf:
		need = 1
	case c == 0xe0:
		need, lo = 2, 0xa0
	case c >= 0xe1 && c <= 0xef: // ED too: the JDK rejects surrogates whole
		need = 2
	case c == 0xf0:
		need, lo = 3, 0x90
	case c == 0xf4:
		need, hi = 3, 0x8f
	case c >= 0xf1 && c <= 0xf3:
		need = 3
	default:
		return 1
	}
	n := 1
	for ; n <= need && n < len(b); n++ {
		if b[n] < lo || b[n] > hi {
			break
		}
		lo, hi = 0x80, 0xbf
	}
	return n
}

// maskDigest is id.replaceAll(":.*", ":x"): each colon and the rest of its
// line become ":x" ('.' stops at Java's line terminators).
func maskDigest(id string) string {
	if strings.IndexByte(id, ':') < 0 {
		return id
	}
	var sb strings.Builder
	sb.Grow(len(id))
	skipping := false
	for i := 0; i < len(id); {
		r, n := utf8.DecodeRuneInString(id[i:])
		switch {
		case r == ':' && !skipping:
			sb.WriteString(":x")
			skipping = true
		case r == '\n' || r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029:
			skipping = false
			sb.WriteString(id[i : i+n])
		case !skipping:
			sb.WriteString(id[i : i+n])
		}
		i += n
	}
	return sb.String()
}
