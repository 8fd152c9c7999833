package config

import (
	"fmt"
	"os"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// This file reads Java .properties files with java.util.Properties.load
// semantics (JDK 9+), because zoo.cfg and Kafka's server.properties are loaded
// that way and users rely on every corner of it:
//
//   - natural lines end at \n, \r or \r\n; leading ' ', '\t', '\f' are skipped;
//   - a line whose first non-blank character is '#' or '!' is a comment, but
//     only at the start of a logical line;
//   - an odd number of trailing backslashes joins the next natural line, whose
//     leading blanks are dropped; an empty natural line ends the logical line;
//   - the key ends at the first unescaped '=', ':' or blank; blanks, then at
//     most one '=' or ':', then blanks separate it from the value;
//   - escapes: \t \n \r \f, \uXXXX, and backslash before anything else stands
//     for that character; trailing blanks of the value are kept;
//   - a later duplicate key replaces the earlier value.
//
// Deliberate deviation: Java decodes the bytes as ISO-8859-1, so a UTF-8 file
// naming a non-ASCII path yields a different path in Java. We decode UTF-8
// (ASCII files, which is every real config, read identically). We also accept
// what magiconair/properties refuses but Java loads (a line "=v" sets the empty
// key; a backslash at the very end of the file is dropped), which is why this
// is our own reader.

// PropertiesError is a malformed \uXXXX escape, the only input
// java.util.Properties rejects.
type PropertiesError struct {
	File string // "" when parsing bytes
	Line int    // 1-based line where the logical line starts
	Msg  string
}

func (e *PropertiesError) Error() string {
	name := e.File
	if name == "" {
		name = "properties"
	}
	return fmt.Sprintf("%s:%d: %s", name, e.Line, e.Msg)
}

// Is makes errors.Is(err, ErrSyntax) true.
func (e *PropertiesError) Is(target error) bool { return target == ErrSyntax }

// LoadProperties reads a .properties file. It returns the key/value pairs and
// the keys in the order of their first appearance.
func LoadProperties(path string) (map[string]string, []string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	m, order, err := ParseProperties(data)
	if perr, ok := err.(*PropertiesError); ok {
		perr.File = path
	}
	return m, order, err
}

// ParseProperties parses .properties text; see LoadProperties.
func ParseProperties(data []byte) (map[string]string, []string, error) {
	m := make(map[string]string)
	var order []string
	err := eachLogicalLine(string(data), func(lineNo int, line string) error {
		k, v, err := splitProperty(line)
		if err != nil {
			return &PropertiesError{Line: lineNo, Msg: err.Error()}
		}
		if _, dup := m[k]; !dup {
			order = append(order, k)
		}
		m[k] = v
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return m, order, nil
}

func isPropBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\f' }

// eachLogicalLine calls fn with every logical line (continuations joined,
// still escaped) and the number of the natural line it starts on.
func eachLogicalLine(s string, fn func(lineNo int, line string) error) error {
	var (
		buf     strings.Builder
		joining bool // the previous natural line ended in a continuation
		startNo int  // natural line where buf's content starts
		lineNo  int
	)
	for len(s) > 0 {
		// Cut one natural line.
		end := strings.IndexAny(s, "\r\n")
		var nat string
		// lastChar: nothing follows this line's first terminator character.
		lastChar := end < 0 || end+1 == len(s)
		if end < 0 {
			nat, s = s, ""
		} else {
			nat = s[:end]
			if s[end] == '\r' && end+1 < len(s) && s[end+1] == '\n' {
				s = s[end+2:]
			} else {
				s = s[end+1:]
			}
		}
		lineNo++
		i := 0
		for i < len(nat) && isPropBlank(nat[i]) {
			i++
		}
		nat = nat[i:]
		if buf.Len() == 0 {
			// Nothing collected yet: blank lines and comments are skipped,
			// even right after a continuation that contributed nothing.
			if nat == "" || nat[0] == '#' || nat[0] == '!' {
				joining = false
				continue
			}
			startNo = lineNo
		} else if nat == "" && joining {
			// An empty line after a continuation ends the logical line.
			if err := fn(startNo, buf.String()); err != nil {
				return err
			}
			buf.Reset()
			joining = false
			continue
		}
		n := 0
		for n < len(nat) && nat[len(nat)-1-n] == '\\' {
			n++
		}
		if n%2 == 1 {
			buf.WriteString(nat[:len(nat)-1])
			joining = true
			if lastChar {
				// Java ends the file's last logical line here even when
				// the backslash was all it held: a lone backslash sets "" to "".
				// (A following "\r\n" pair is a continuation into nothing.)
				return fn(startNo, buf.String())
			}
			continue
		}
		buf.WriteString(nat)
		if err := fn(startNo, buf.String()); err != nil {
			return err
		}
		buf.Reset()
		joining = false
	}
	if buf.Len() > 0 {
		return fn(startNo, buf.String())
	}
	return nil
}

// splitProperty splits an escaped logical line into its unescaped key and value.
func splitProperty(line string) (key, value string, err error) {
	keyEnd, valStart := len(line), len(line)
	hasSep, escaped := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		if !escaped && (c == '=' || c == ':') {
			keyEnd, valStart, hasSep = i, i+1, true
			break
		}
		if !escaped && isPropBlank(c) {
			keyEnd, valStart = i, i+1
			break
		}
		escaped = c == '\\' && !escaped
	}
	for valStart < len(line) {
		c := line[valStart]
		if !isPropBlank(c) {
			if hasSep || (c != '=' && c != ':') {
				break
			}
			hasSep = true
		}
		valStart++
	}
	if key, err = unescapeProperty(line[:keyEnd]); err != nil {
		return "", "", err
	}
	if value, err = unescapeProperty(line[valStart:]); err != nil {
		return "", "", err
	}
	return key, value, nil
}

// unescapeProperty resolves the escapes of one key or value.
func unescapeProperty(s string) (string, error) {
	if strings.IndexByte(s, '\\') < 0 {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	var pendingHigh rune = -1 // a \u high surrogate waiting for its low half
	flushHigh := func() {
		if pendingHigh >= 0 {
			b.WriteRune(utf8.RuneError)
			pendingHigh = -1
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			flushHigh()
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			break // a lone trailing backslash stands for nothing
		}
		c = s[i]
		switch c {
		case 'u':
			if i+4 >= len(s) {
				return "", fmt.Errorf("malformed \\uxxxx encoding")
			}
			var v rune
			for _, h := range []byte(s[i+1 : i+5]) {
				d, ok := hexDigit(h)
				if !ok {
					return "", fmt.Errorf("malformed \\uxxxx encoding")
				}
				v = v<<4 | d
			}
			i += 4
			switch {
			case utf16.IsSurrogate(v) && v < 0xdc00:
				flushHigh()
				pendingHigh = v
			case utf16.IsSurrogate(v):
				if pendingHigh >= 0 {
					b.WriteRune(utf16.DecodeRune(pendingHigh, v))
					pendingHigh = -1
				} else {
					b.WriteRune(utf8.RuneError)
				}
			default:
				flushHigh()
				b.WriteRune(v)
			}
			continue
		case 't':
			c = '\t'
		case 'n':
			c = '\n'
		case 'r':
			c = '\r'
		case 'f':
			c = '\f'
		}
		flushHigh()
		b.WriteByte(c)
	}
	flushHigh()
	return b.String(), nil
}

func hexDigit(h byte) (rune, bool) {
	switch {
	case h >= '0' && h <= '9':
		return rune(h - '0'), true
	case h >= 'a' && h <= 'f':
		return rune(h-'a') + 10, true
	case h >= 'A' && h <= 'F':
		return rune(h-'A') + 10, true
	}
	return 0, false
}
