package checkpoint

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds the few JDK behaviours Kafka's readers and writers rely on,
// reproduced exactly because they decide which files Kafka accepts:
// BufferedReader.readLine, String.split with the patterns "\\s+" and ":\\s+",
// Integer.parseInt/Long.parseLong, Properties.store's escaping and
// Date.toString.

// javaLines splits s the way repeated BufferedReader.readLine calls do: lines
// end at "\n", "\r" or "\r\n"; a final line without a terminator counts; a
// terminator at the very end does not start another (empty) line.
func javaLines(s string) []string {
	var lines []string
	for len(s) > 0 {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i])
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		s = s[i+1:]
	}
	return lines
}

// isJavaSpace is the regex class \s without UNICODE_CHARACTER_CLASS.
func isJavaSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	}
	return false
}

// javaSplit is String.split(regex) (limit 0) for a regex given as a matcher:
// match returns the length of the match starting at i, 0 for none. A match at
// the start yields a leading empty string; trailing empty strings are dropped,
// even all of them; input with no match at all comes back whole.
func javaSplit(s string, match func(s string, i int) int) []string {
	var parts []string
	start, matched := 0, false
	for i := 0; i < len(s); {
		n := match(s, i)
		if n == 0 {
			i++
			continue
		}
		parts = append(parts, s[start:i])
		i += n
		start, matched = i, true
	}
	if !matched {
		return []string{s}
	}
	parts = append(parts, s[start:])
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

func spaceRun(s string, i int) int {
	n := 0
	for i+n < len(s) && isJavaSpace(s[i+n]) {
		n++
	}
	return n
}

// splitSpaces is line.split("\\s+").
func splitSpaces(s string) []string { return javaSplit(s, spaceRun) }

// splitColonSpaces is line.split(":\\s+").
func splitColonSpaces(s string) []string {
	return javaSplit(s, func(s string, i int) int {
		if s[i] != ':' {
			return 0
		}
		if n := spaceRun(s, i+1); n > 0 {
			return 1 + n
		}
		return 0
	})
}

// parseJavaInt is Integer.parseInt: an optional sign, then decimal digits,
// within int32. (Java also accepts non-ASCII Unicode digits; nothing writes
// them and we refuse them.)
func parseJavaInt(s string) (int32, bool) {
	v, err := strconv.ParseInt(s, 10, 32)
	return int32(v), err == nil
}

// parseJavaLong is Long.parseLong (ASCII digits, as parseJavaInt).
func parseJavaLong(s string) (int64, bool) {
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

// hasJavaSpace reports whether s holds a character of \s.
func hasJavaSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if isJavaSpace(s[i]) {
			return true
		}
	}
	return false
}

// decodeUTF8 is the check Files.newBufferedReader(path, UTF_8) makes: bytes
// that are not UTF-8 fail the read (MalformedInputException).
func decodeUTF8(data []byte, location string) (string, error) {
	if !utf8.Valid(data) {
		return "", newError(ErrMalformed, "Input is not valid UTF-8 in checkpoint file [%s]", location)
	}
	return string(data), nil
}

// appendPropertiesEscaped appends s escaped as Properties.store(OutputStream)
// does (saveConvert with escUnicode): a key escapes every space, a value only
// a leading one; \t \n \r \f become two-character escapes; = : # ! and \ get a
// backslash; anything outside 0x20..0x7e becomes \uXXXX (upper-case hex, a
// surrogate pair above U+FFFF). The file is therefore plain ASCII and reads
// back the same under Kafka 2.8's ISO-8859-1 reader, 3.x's and ours.
func appendPropertiesEscaped(dst []byte, s string, isKey bool) []byte {
	const hex = "0123456789ABCDEF"
	for i, r := range s {
		switch r {
		case ' ':
			if i == 0 || isKey {
				dst = append(dst, '\\')
			}
			dst = append(dst, ' ')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '=', ':', '#', '!', '\\':
			dst = append(dst, '\\', byte(r))
		default:
			if r >= 0x20 && r <= 0x7e {
				dst = append(dst, byte(r))
				continue
			}
			units := []rune{r}
			if r > 0xffff {
				hi, lo := utf16.EncodeRune(r)
				units = []rune{hi, lo}
			}
			for _, u := range units {
				dst = append(dst, '\\', 'u', hex[u>>12&0xf], hex[u>>8&0xf], hex[u>>4&0xf], hex[u&0xf])
			}
		}
	}
	return dst
}

// javaDate is java.util.Date.toString: "EEE MMM dd HH:mm:ss zzz yyyy" in
// t's location, e.g. "Sat Nov 21 09:49:22 UTC 2026".
func javaDate(t time.Time) string { return t.Format("Mon Jan 02 15:04:05 MST 2006") }
