package prep

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrInvalidPath is returned by ValidatePath.
var ErrInvalidPath = errors.New("prep: invalid path")

// ValidatePath is PathUtils.validatePath: an absolute path of non-empty
// names, no trailing slash, no "." or ".." names, and none of the characters
// ZooKeeper refuses (NUL, controls, U+007F-U+009F, U+D800-U+F8FF,
// U+FFF0-U+FFFF, and anything beyond the BMP, which Java holds as
// surrogates). Malformed UTF-8 is refused: Java would decode it to U+FFFD.
func ValidatePath(path string) error {
	switch {
	case path == "":
		return fmt.Errorf("%w: path length must be > 0", ErrInvalidPath)
	case path[0] != '/':
		return fmt.Errorf("%w: path must start with / character", ErrInvalidPath)
	case len(path) == 1:
		return nil
	case path[len(path)-1] == '/':
		return fmt.Errorf("%w: path must not end with / character", ErrInvalidPath)
	}
	lastc := rune('/')
	for i := 1; i < len(path); {
		c, n := utf8.DecodeRuneInString(path[i:])
		reason := ""
		switch {
		case c == 0:
			reason = "null character not allowed"
		case c == '/' && lastc == '/':
			reason = "empty node name specified"
		case c == '.' && lastc == '.':
			if path[i-2] == '/' && (i+1 == len(path) || path[i+1] == '/') {
				reason = "relative paths not allowed"
			}
		case c == '.':
			if path[i-1] == '/' && (i+1 == len(path) || path[i+1] == '/') {
				reason = "relative paths not allowed"
			}
		case invalidChar(c): // malformed UTF-8 decodes to U+FFFD
			reason = "invalid character"
		}
		if reason != "" {
			return fmt.Errorf("%w: %q caused by %s @%d", ErrInvalidPath, path, reason, i)
		}
		lastc = c
		i += n
	}
	return nil
}

func invalidChar(c rune) bool {
	return c > 0 && c <= 0x1f ||
		c >= 0x7f && c <= 0x9f ||
		c >= 0xd800 && c <= 0xf8ff ||
		c >= 0xfff0
}

// parentOf splits at the last slash as ZooKeeper does (path.substring(0,
// lastSlash)); ok is false without a slash or with a NUL. The root's children
// have parent "" in ZooKeeper, which names the root there; it is "/" here.
func parentOf(path string) (string, bool) {
	i := strings.LastIndexByte(path, '/')
	if i < 0 || strings.IndexByte(path, 0) >= 0 {
		return "", false
	}
	if i == 0 {
		return "/", true
	}
	return path[:i], true
}

// isSpecialPath is DataTree.isSpecialPath: nodes that may not be deleted.
func isSpecialPath(path string) bool {
	switch path {
	case "/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config":
		return true
	}
	return false
}

// sequential appends the sequence suffix: String.format("%010d", cversion).
func sequential(path string, cversion int32) string {
	var buf [11]byte
	digits := strconv.AppendInt(buf[:0], int64(cversion), 10)
	neg := cversion < 0
	if neg {
		digits = digits[1:]
	}
	width := 10
	if neg {
		width--
	}
	var b strings.Builder
	b.Grow(len(path) + 11)
	b.WriteString(path)
	if neg {
		b.WriteByte('-')
	}
	for i := len(digits); i < width; i++ {
		b.WriteByte('0')
	}
	b.Write(digits)
	return b.String()
}

// createMode is CreateMode.
type createMode struct {
	ephemeral, sequential, container, ttl bool
}

// modeFromFlag is CreateMode.fromFlag; ok is false for an unknown flag.
func modeFromFlag(flag int32) (createMode, bool) {
	switch flag {
	case 0:
		return createMode{}, true
	case 1:
		return createMode{ephemeral: true}, true
	case 2:
		return createMode{sequential: true}, true
	case 3:
		return createMode{ephemeral: true, sequential: true}, true
	case 4:
		return createMode{container: true}, true
	case 5:
		return createMode{ttl: true}, true
	case 6:
		return createMode{sequential: true, ttl: true}, true
	}
	return createMode{}, false
}

// EphemeralType encoding of ephemeralOwner.
const (
	containerOwner   = math.MinInt64      // EphemeralType.CONTAINER_EPHEMERAL_OWNER
	extendedMask     = -0x100000000000000 // 0xff00000000000000
	reservedBitsMask = 0x00ffff0000000000 // the extended feature bits
	maxTTL           = 0x000000ffffffffff // EphemeralType.TTL.maxValue()
)

type ephemeralType int

const (
	ephVoid ephemeralType = iota
	ephNormal
	ephContainer
	ephTTL
)

// ephemeralType is EphemeralType.get; ok is false where ZooKeeper throws
// IllegalArgumentException (an extended owner of an unknown feature).
func (p *Preparer) ephemeralType(owner int64) (ephemeralType, bool) {
	if p.opts.ExtendedTypesEnabled {
		if p.opts.Emulate353TTLNodes && owner != containerOwner && owner < 0 {
			return ephTTL, true
		}
		if owner&extendedMask == extendedMask {
			if owner&reservedBitsMask != 0 {
				return 0, false
			}
			return ephTTL, true
		}
	}
	switch owner {
	case containerOwner:
		return ephContainer, true
	case 0:
		return ephVoid, true
	}
	return ephNormal, true
}

// validTTL is EphemeralType.validateTTL: a TTL mode needs 0 < ttl <= maxTTL,
// any other mode a negative ttl.
func validTTL(m createMode, ttl int64) bool {
	if m.ttl {
		return ttl > 0 && ttl <= maxTTL
	}
	return ttl < 0
}
