package dumplog

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// JavaException is what ends a Kafka tool run with an uncaught exception:
// the JVM prints `Exception in thread "main" <Class>: <message>` (and a
// stack trace, which we do not reproduce) and exits with status 1.
type JavaException struct {
	Class   string // fully qualified, e.g. "java.lang.IllegalArgumentException"
	Message string // "" for a null message
	HasMsg  bool
}

func (e *JavaException) Error() string {
	if !e.HasMsg {
		return e.Class
	}
	return e.Class + ": " + e.Message
}

// Line is the first line the JVM prints for the uncaught exception.
func (e *JavaException) Line() string {
	if e.Class == "" { // a Wharf refusal, not a JVM exception
		return e.Message
	}
	return `Exception in thread "main" ` + e.Error()
}

// unsupported is a Wharf refusal printed as is.
func unsupported(format string, args ...any) *JavaException {
	return &JavaException{Message: fmt.Sprintf(format, args...), HasMsg: true}
}

func jex(class, format string, args ...any) *JavaException {
	return &JavaException{Class: class, Message: fmt.Sprintf(format, args...), HasMsg: true}
}

// jexNull is an exception whose getMessage() is null.
func jexNull(class string) *JavaException { return &JavaException{Class: class} }

// Exception classes the tool can die with.
const (
	exIllegalArgument  = "java.lang.IllegalArgumentException"
	exIllegalState     = "java.lang.IllegalStateException"
	exNumberFormat     = "java.lang.NumberFormatException"
	exStringIndex      = "java.lang.StringIndexOutOfBoundsException"
	exIndexOutOfBounds = "java.lang.IndexOutOfBoundsException"
	exNullPointer      = "java.lang.NullPointerException"
	exRuntime          = "java.lang.RuntimeException"
	exBufferUnderflow  = "java.nio.BufferUnderflowException"
	exNoSuchElement    = "java.util.NoSuchElementException"
	exNoSuchFile       = "java.nio.file.NoSuchFileException"
	exAccessDenied     = "java.nio.file.AccessDeniedException"
	exFileSystem       = "java.nio.file.FileSystemException"
	exIO               = "java.io.IOException"
	exClassNotFound    = "java.lang.ClassNotFoundException"
	exKafka            = "org.apache.kafka.common.KafkaException"
	exInvalidRecord    = "org.apache.kafka.common.InvalidRecordException"
	exCorruptRecord    = "org.apache.kafka.common.errors.CorruptRecordException"
	exCorruptIndex     = "org.apache.kafka.storage.internals.log.CorruptIndexException"
	exUnsupportedVer   = "org.apache.kafka.common.errors.UnsupportedVersionException"
)

// asJava turns any error into the exception the JVM would report: a
// JavaException passes through, anything else (an I/O error we did not
// anticipate) becomes a java.io.IOException with its text.
func asJava(err error) *JavaException {
	var je *JavaException
	if errors.As(err, &je) {
		return je
	}
	return jex(exIO, "%s", err.Error())
}

// javaFile models java.io.File's path handling on Unix: the constructor
// drops duplicate and trailing slashes (and nothing else: "." and ".."
// stay), toString is that path, getName the part after the last slash.
type javaFile struct{ path string }

func newJavaFile(p string) javaFile {
	var b strings.Builder
	prevSlash := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '/' {
			if prevSlash {
				continue
			}
			prevSlash = true
		} else {
			prevSlash = false
		}
		b.WriteByte(c)
	}
	s := b.String()
	if len(s) > 1 && strings.HasSuffix(s, "/") {
		s = s[:len(s)-1]
	}
	return javaFile{path: s}
}

func (f javaFile) String() string { return f.path }

func (f javaFile) Name() string { return f.path[strings.LastIndexByte(f.path, '/')+1:] }

// Abs is File.getAbsolutePath: the path resolved against the working
// directory, without further normalisation.
func (f javaFile) Abs(cwd string) string {
	if strings.HasPrefix(f.path, "/") {
		return f.path
	}
	if f.path == "" {
		return cwd
	}
	if cwd == "/" {
		return "/" + f.path
	}
	return cwd + "/" + f.path
}

// Parent is File.getParent of an absolute path.
func parentOf(abs string) string {
	i := strings.LastIndexByte(abs, '/')
	if i <= 0 {
		return "/"
	}
	return abs[:i]
}

// parseJavaLong is java.lang.Long.parseLong(s) (what Scala's toLong calls).
func parseJavaLong(s string) (int64, *JavaException) {
	ok := s != "" && s != "+" && s != "-"
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9') && !(i == 0 && (c == '+' || c == '-')) {
			ok = false
		}
	}
	if ok {
		if v, err := strconv.ParseInt(s, 10, 64); err == nil {
			return v, nil
		}
	}
	return 0, jex(exNumberFormat, "For input string: \"%s\"", s)
}

// firstDotName is `name.split("\\.")(0)`: the part before the first dot
// (Java's split drops trailing empty strings, so "..." yields "" too).
func firstDotName(name string) string {
	if i := strings.IndexByte(name, '.'); i >= 0 {
		return name[:i]
	}
	return name
}

// splitJava is Java's String.split on a literal one-character separator:
// trailing empty strings are removed; an input without the separator
// yields itself.
func splitJava(s string, sep string) []string {
	if !strings.Contains(s, sep) {
		return []string{s}
	}
	parts := strings.Split(s, sep)
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// javaString decodes bytes as `new String(bytes, UTF_8)` does: each
// malformed sequence (the longest prefix of a valid sequence, or one bad
// byte) becomes one U+FFFD.
func javaString(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || n > 1 {
			sb.WriteRune(r)
			i += n
			continue
		}
		sb.WriteRune(utf8.RuneError)
		i += malformedLen(b[i:])
	}
	return sb.String()
}

// malformedLen is how many bytes the JDK's UTF-8 decoder replaces with one
// U+FFFD at the start of b, which does not start a valid sequence: a lead
// byte followed by valid continuation bytes of an incomplete sequence is
// replaced as a whole (the "maximal subpart" rule), and an encoded
// surrogate (ED A0..BF xx) is one malformed sequence of three bytes.
// (internal/zk/acl has the same rule for ZooKeeper's strings.)
func malformedLen(b []byte) int {
	c := b[0]
	var need int
	lo, hi := byte(0x80), byte(0xBF)
	switch {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c >= 0xE1 && c <= 0xEF:
		need = 2
	case c == 0xF0:
		need, lo = 3, 0x90
	case c >= 0xF1 && c <= 0xF3:
		need = 3
	case c == 0xF4:
		need, hi = 3, 0x8F
	default:
		return 1
	}
	n := 1
	for k := 0; k < need && n < len(b); k++ {
		x := b[n]
		if x < lo || x > hi {
			break
		}
		lo, hi = 0x80, 0xBF
		n++
	}
	return n
}

// scalaTable reproduces the iteration order of Scala 2.13's mutable.HashMap
// and mutable.HashSet, which the tool's report maps are: buckets indexed by
// the improved hash masked to the table size, each bucket sorted by hash.
// Only the table size depends on history, so it is simulated.
type scalaTable[K comparable] struct {
	keys   []K
	hashes []int32
	index  map[K]int
	size   int // table length
}

func newScalaTable[K comparable]() *scalaTable[K] {
	return &scalaTable[K]{index: map[K]int{}, size: 16}
}

func (t *scalaTable[K]) threshold() int { return int(float64(t.size) * 0.75) }

// put is HashMap.put / HashSet.add: the table grows before the lookup, so
// re-putting an existing key can grow it too.
func (t *scalaTable[K]) put(k K, hash int32) {
	if len(t.keys)+1 >= t.threshold() {
		t.size *= 2
	}
	if _, ok := t.index[k]; ok {
		return
	}
	t.index[k] = len(t.keys)
	t.keys = append(t.keys, k)
	t.hashes = append(t.hashes, hash)
}

// sizeHint is HashSet.sizeHint(n), called by addAll with a known size.
func (t *scalaTable[K]) sizeHint(n int) {
	c := int(float64(len(t.keys)+n+1) / 0.75)
	// tableSizeFor: the power of two just above max(c-1, 4)
	target := highestOneBit(max(c-1, 4)) * 2
	if target > t.size {
		t.size = target
	}
}

func highestOneBit(x int) int {
	h := 1
	for h<<1 <= x {
		h <<= 1
	}
	return h
}

func (t *scalaTable[K]) has(k K) bool { _, ok := t.index[k]; return ok }

// ordered returns the keys in iteration order.
func (t *scalaTable[K]) ordered() []K {
	type entry struct {
		bucket int
		hash   int32
		seq    int
	}
	es := make([]entry, len(t.keys))
	for i, h := range t.hashes {
		ih := h ^ int32(uint32(h)>>16)
		es[i] = entry{bucket: int(ih) & (t.size - 1), hash: ih, seq: i}
	}
	// insertion sort keeps it dependency-free and stable; these maps are tiny
	for i := 1; i < len(es); i++ {
		for j := i; j > 0; j-- {
			a, b := es[j-1], es[j]
			if a.bucket < b.bucket || (a.bucket == b.bucket && a.hash <= b.hash) {
				break
			}
			es[j-1], es[j] = b, a
		}
	}
	out := make([]K, len(es))
	for i, e := range es {
		out[i] = t.keys[e.seq]
	}
	return out
}
