package acl

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// IPID is the ip id every connection starts with (NIOServerCnxn adds it on
// accept) and the one "addauth ip" adds.
func IPID(remoteIP string) jute.Id { return jute.Id{Scheme: SchemeIP, ID: HostAddress(remoteIP)} }

// HostAddress formats a client address as Java's InetAddress.getHostAddress
// does, since ip ACLs and whoAmI compare and show that text: IPv4 dotted
// (IPv4-mapped IPv6 addresses become IPv4), IPv6 as eight lower-case hex
// groups without "::" compression, a zone appended after "%". A "host:port"
// form is accepted; text that is no address is returned unchanged.
func HostAddress(remoteIP string) string {
	a, err := netip.ParseAddr(remoteIP)
	if err != nil {
		ap, err2 := netip.ParseAddrPort(remoteIP)
		if err2 != nil {
			return remoteIP
		}
		a = ap.Addr()
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	b := a.As16()
	buf := make([]byte, 0, 40+len(a.Zone()))
	for i := 0; i < 16; i += 2 {
		if i > 0 {
			buf = append(buf, ':')
		}
		buf = strconv.AppendUint(buf, uint64(b[i])<<8|uint64(b[i+1]), 16)
	}
	if z := a.Zone(); z != "" {
		buf = append(buf, '%')
		buf = append(buf, z...)
	}
	return string(buf)
}

// ipMatches is IPAuthenticationProvider.matches: the ACL expression is an
// address with an optional "/bits"; both addresses are masked to bits and
// must be the same family and equal.
func ipMatches(id, aclExpr string) bool {
	var acl, remote [16]byte
	addr, bitsText, hasBits := strings.Cut(aclExpr, "/")
	n := addrBytes(addr, &acl)
	if n == 0 {
		return false
	}
	bits := n * 8
	if hasBits {
		v, ok := javaParseInt(bitsText, 10)
		if !ok || v < 0 || int(v) > n*8 {
			return false
		}
		bits = int(v)
	}
	mask(acl[:n], bits)
	m := addrBytes(id, &remote)
	if m == 0 {
		return false
	}
	mask(remote[:m], bits)
	return m == n && acl == remote
}

// ipValid is IPAuthenticationProvider.isValid.
func ipValid(id string) bool {
	var b [16]byte
	addr, bitsText, hasBits := strings.Cut(id, "/")
	n := addrBytes(addr, &b)
	if n == 0 {
		return false
	}
	if hasBits {
		v, ok := javaParseInt(bitsText, 10)
		if !ok || v < 0 || int(v) > n*8 {
			return false
		}
	}
	return true
}

// mask clears all but the first bits bits of b.
func mask(b []byte, bits int) {
	start := bits / 8
	if start >= len(b) {
		return
	}
	b[start] &^= byte(1<<(8-bits%8) - 1)
	for i := start + 1; i < len(b); i++ {
		b[i] = 0
	}
}

// addrBytes is addr2Bytes: text with a colon is IPv6, else text with a dot is
// IPv4. It fills b and returns 4 or 16, or 0 if the text does not parse.
func addrBytes(addr string, b *[16]byte) int {
	switch {
	case strings.IndexByte(addr, ':') >= 0:
		if parseV6(addr, b) {
			return 16
		}
	case strings.IndexByte(addr, '.') >= 0:
		if parseV4(addr, b) {
			return 4
		}
	}
	return 0
}

// parseV4 is v4addr2Bytes: exactly four parts, each parsed by Integer.parseInt
// (so "+1" and "010" are accepted) into 0..255.
func parseV4(addr string, b *[16]byte) bool {
	if strings.Count(addr, ".") != 3 {
		return false
	}
	for i := 0; i < 4; i++ {
		part, rest, _ := strings.Cut(addr, ".")
		v, ok := javaParseInt(part, 10)
		if !ok || v < 0 || v > 255 {
			return false
		}
		b[i] = byte(v)
		addr = rest
	}
	return true
}

// parseV6 is parseV6addr (ZooKeeper 3.9.4, ZOOKEEPER-4240): eight groups, or
// fewer around a single "::"; each group one to four characters parsed by
// Integer.parseInt(s, 16), whose low 16 bits are kept.
func parseV6(addr string, b *[16]byte) bool {
	*b = [16]byte{}
	head, tail, compressed := strings.Cut(addr, "::")
	if !compressed {
		return strings.Count(addr, ":") == 7 && parseGroups(addr, b[:])
	}
	if strings.Contains(tail, "::") {
		return false
	}
	nh, nt := 0, 0
	if head != "" {
		nh = strings.Count(head, ":") + 1
	}
	if tail != "" {
		nt = strings.Count(tail, ":") + 1
	}
	if nh+nt >= 8 {
		return false
	}
	return (head == "" || parseGroups(head, b[:2*nh])) &&
		(tail == "" || parseGroups(tail, b[16-2*nt:]))
}

// parseGroups parses colon-separated groups into out, two bytes each; the
// caller has made len(out) twice the number of groups.
func parseGroups(s string, out []byte) bool {
	for i := 0; i < len(out); i += 2 {
		g, rest, _ := strings.Cut(s, ":")
		s = rest
		if g == "" || utf16Len(g) > 4 {
			return false
		}
		v, ok := javaParseInt(g, 16)
		if !ok {
			return false
		}
		out[i] = byte(v >> 8)
		out[i+1] = byte(v)
	}
	return true
}
