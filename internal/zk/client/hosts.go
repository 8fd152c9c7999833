package client

import (
	"errors"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
)

// DefaultPort is the client port a host without one gets.
const DefaultPort = 2181

// ErrBadArgument is matched (errors.Is) by every *ArgumentError.
var ErrBadArgument = errors.New("client: bad argument")

// ArgumentError is a request the client refuses before sending it, Java's
// IllegalArgumentException. Msg is Java's message ("Path must start with /
// character"), which zkCli prints as is.
type ArgumentError struct{ Msg string }

func (e *ArgumentError) Error() string        { return "client: " + e.Msg }
func (e *ArgumentError) Is(target error) bool { return target == ErrBadArgument }

func argErr(msg string) error { return &ArgumentError{Msg: msg} }

// ParseConnectString splits "host:port,host:port/chroot" (ConnectStringParser)
// into addresses and a chroot ("" for none or "/"). A host without a port
// gets 2181; IPv6 literals are written in brackets.
func ParseConnectString(s string) (addrs []string, chroot string, err error) {
	if i := strings.IndexByte(s, '/'); i >= 0 {
		chroot = s[i:]
		s = s[:i]
		if chroot == "/" {
			chroot = ""
		} else if err := ValidatePath(chroot, false); err != nil {
			return nil, "", err
		}
	}
	for _, h := range strings.Split(s, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		host, port := h, DefaultPort
		if strings.HasPrefix(h, "[") {
			end := strings.IndexByte(h, ']')
			if end < 0 {
				return nil, "", argErr(h + " starts with '[' but has no matching ']:'")
			}
			host = h[1:end]
			if rest := h[end+1:]; rest != "" {
				if !strings.HasPrefix(rest, ":") {
					return nil, "", argErr(h + " does not have the form [IPv6]:port")
				}
				if port, err = parsePort(rest[1:]); err != nil {
					return nil, "", err
				}
			}
		} else if i := strings.LastIndexByte(h, ':'); i >= 0 {
			if i < len(h)-1 {
				if port, err = parsePort(h[i+1:]); err != nil {
					return nil, "", err
				}
			}
			host = h[:i]
		}
		addrs = append(addrs, net.JoinHostPort(host, strconv.Itoa(port)))
	}
	if len(addrs) == 0 {
		return nil, "", argErr("A HostProvider may not be empty!")
	}
	return addrs, chroot, nil
}

func parsePort(s string) (int, error) {
	p, err := strconv.Atoi(s)
	if err != nil || p < 0 || p > 65535 {
		return 0, argErr(`For input string: "` + s + `"`)
	}
	return p, nil
}

// hostList cycles through the servers in a shuffled order (StaticHostProvider).
// After a full round without a connection it asks the caller to pause.
type hostList struct {
	addrs   []string
	current int // index of the address last returned
	last    int // index of the address last connected to; -1 before the first round
}

func newHostList(addrs []string, shuffle bool) *hostList {
	a := append([]string(nil), addrs...)
	if shuffle {
		rand.Shuffle(len(a), func(i, j int) { a[i], a[j] = a[j], a[i] })
	}
	return &hostList{addrs: a, current: -1, last: -1}
}

// next returns the next address and whether a full round has passed since the
// last successful connection, in which case the caller should back off.
func (h *hostList) next() (addr string, roundDone bool) {
	h.current = (h.current + 1) % len(h.addrs)
	roundDone = h.current == h.last
	if h.last == -1 {
		h.last = 0
	}
	return h.addrs[h.current], roundDone
}

// connected records that the current address accepted a session.
func (h *hostList) connected() { h.last = h.current }

// ValidatePath checks a znode path as PathUtils.validatePath does; sequential
// paths are checked with a digit appended, since the server adds a suffix.
func ValidatePath(path string, sequential bool) error {
	if sequential {
		path += "1"
	}
	if path == "" {
		return argErr("Path length must be > 0")
	}
	if path[0] != '/' {
		return argErr("Path must start with / character")
	}
	if len(path) == 1 {
		return nil
	}
	if path[len(path)-1] == '/' {
		return argErr("Path must not end with / character")
	}
	// Java indexes UTF-16 code units; positions are reported the same way.
	chars := utf16Units(path)
	reason := ""
	for i := 1; i < len(chars) && reason == ""; i++ {
		c, last := chars[i], chars[i-1]
		switch {
		case c == 0:
			reason = "null character not allowed @" + strconv.Itoa(i)
		case c == '/' && last == '/':
			reason = "empty node name specified @" + strconv.Itoa(i)
		case c == '.' && last == '.':
			if chars[i-2] == '/' && (i+1 == len(chars) || chars[i+1] == '/') {
				reason = "relative paths not allowed @" + strconv.Itoa(i)
			}
		case c == '.':
			if last == '/' && (i+1 == len(chars) || chars[i+1] == '/') {
				reason = "relative paths not allowed @" + strconv.Itoa(i)
			}
		case c > 0 && c <= 0x1f, c >= 0x7f && c <= 0x9f, c >= 0xd800 && c <= 0xf8ff, c >= 0xfff0:
			reason = "invalid character @" + strconv.Itoa(i)
		}
	}
	if reason != "" {
		return argErr(`Invalid path string "` + path + `" caused by ` + reason)
	}
	return nil
}

// utf16Units returns s as UTF-16 code units, as Java's String.toCharArray.
// Invalid UTF-8 bytes become U+FFFD, as Java's decoder would make them.
func utf16Units(s string) []rune {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			out = append(out, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
			continue
		}
		out = append(out, r)
	}
	return out
}
