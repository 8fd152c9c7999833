package config

import (
	"bufio"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// isQuorumKey reports the keys that describe the ensemble (QuorumMaj and
// QuorumHierarchical read them).
func isQuorumKey(key string) bool {
	return strings.HasPrefix(key, "server.") || strings.HasPrefix(key, "group") || strings.HasPrefix(key, "weight")
}

// servers reads the server.N lines among keys (raw keys of props), and keeps
// group/weight keys in Extra. file names the source in errors.
func (p *zooParser) servers(props map[string]string, keys []string, file string) error {
	for _, rawKey := range keys {
		key, v := javaTrim(rawKey), javaTrim(props[rawKey])
		if !strings.HasPrefix(key, "server.") {
			p.c.Extra[key] = v
			continue
		}
		idText := strings.TrimPrefix(key, "server.")
		id, err := javaParseInt(idText, 64)
		if err != nil {
			return &Error{File: file, Key: key, Value: idText, HasValue: true, Msg: "is not a server id"}
		}
		s, err := parseServerLine(id, v)
		if err != nil {
			return &Error{File: file, Key: key, Value: v, HasValue: true, Msg: err.Error()}
		}
		if len(s.MoreAddrs) > 0 {
			p.warnf("%s: Wharf uses only the first of its addresses (%s:%d:%d)", key, s.Host, s.QuorumPort, s.ElectionPort)
		}
		p.c.Servers[id] = s
	}
	return p.checkMembers(file)
}

// checkMembers applies QuorumPeerConfig.parseDynamicConfig's rules about
// participants and observers.
func (p *zooParser) checkMembers(file string) error {
	c := p.c
	participants, observers := len(c.Participants()), len(c.Observers())
	switch {
	case participants == 0 && len(c.Servers) > 0 && !c.StandaloneEnabled:
		return &Error{File: file, Key: "standaloneEnabled", Msg: "is false, so there must be at least one participant"}
	case participants == 0 && observers > 0:
		return &Error{File: file, Msg: "observers without participants are not a valid ensemble"}
	case participants == 1 && c.StandaloneEnabled && observers > 0:
		return &Error{File: file, Msg: "observers need a quorum: one participant runs standalone (set standaloneEnabled=false)"}
	case participants == 1 && c.StandaloneEnabled:
		p.warnf("only one server is listed: running standalone (ignoring it)")
	case participants == 2:
		p.warnf("no server failure will be tolerated: you need at least 3 servers")
	case participants > 2 && participants%2 == 0:
		p.warnf("non-optimal configuration: consider an odd number of servers")
	}
	return nil
}

// parseServerLine parses the value of server.N:
// host:quorumPort:electionPort[:type][|host:...][;[clientHost:]clientPort].
// Errors are valueErrors describing what is wrong.
func parseServerLine(id int64, v string) (Server, error) {
	s := Server{ID: id, Type: PeerParticipant}
	parts := javaSplit(v, ";")
	if len(parts) == 0 {
		return s, valueError("has no address")
	}
	if len(parts) > 2 {
		return s, valueError("has more than one ';'")
	}
	if len(parts) == 2 {
		cp, err := hostAndPort(parts[1])
		if err != nil {
			return s, err
		}
		if len(cp) > 2 {
			return s, valueError("has a client address that is not [host:]port")
		}
		s.ClientAddr = "0.0.0.0"
		if len(cp) == 2 {
			s.ClientAddr = cp[0]
		}
		port, err := parsePort(cp[len(cp)-1])
		if err != nil {
			return s, valueError("has a client port that " + err.Error())
		}
		s.ClientPort = port
	}
	typ := ""
	for i, addr := range strings.Split(parts[0], "|") {
		hp, err := hostAndPort(addr)
		if err != nil {
			return s, err
		}
		if len(hp) < 3 || len(hp) > 4 {
			return s, valueError("is not host:quorumPort:electionPort[:participant|:observer][;[clientAddress:]clientPort]")
		}
		qp, err := parsePort(hp[1])
		if err != nil {
			return s, valueError("has a quorum port that " + err.Error())
		}
		ep, err := parsePort(hp[2])
		if err != nil {
			return s, valueError("has an election port that " + err.Error())
		}
		if qp == ep {
			return s, valueError("uses one port for quorum and election; they must differ")
		}
		if len(hp) == 4 {
			t, err := peerTypeOf(hp[3])
			if err != nil {
				return s, valueError(fmt.Sprintf("has an unknown peer type %q", hp[3]))
			}
			if typ != "" && t != typ {
				return s, valueError("gives its addresses different peer types")
			}
			typ = t
		}
		if i == 0 {
			s.Host, s.QuorumPort, s.ElectionPort = hp[0], qp, ep
		} else {
			s.MoreAddrs = append(s.MoreAddrs, fmt.Sprintf("%s:%d:%d", bracketHost(hp[0]), qp, ep))
		}
	}
	if typ != "" {
		s.Type = typ
	}
	return s, nil
}

func parsePort(v string) (int, error) {
	n, err := javaParseInt(v, 32)
	if err != nil {
		return 0, err
	}
	if n < 0 || n > 65535 {
		return 0, valueError("is out of range")
	}
	return int(n), nil
}

// hostAndPort splits "host:p1:p2..." or "[v6]:p1:p2..." (ConfigUtils.getHostAndPort).
func hostAndPort(s string) ([]string, error) {
	if !strings.HasPrefix(s, "[") {
		return javaSplit(s, ":"), nil
	}
	i := strings.IndexByte(s, ']')
	switch {
	case i < 0:
		return nil, valueError("starts with '[' but has no matching ']'")
	case i+2 == len(s):
		return nil, valueError("has no port after the IPv6 address")
	case i+2 > len(s):
		return []string{strings.NewReplacer("[", "", "]", "").Replace(s)}, nil
	}
	return append([]string{s[1:i]}, javaSplit(s[i+2:], ":")...), nil
}

// javaSplit is String.split with a literal separator: trailing empty strings
// are dropped, so "a:1:2:" has three parts.
func javaSplit(s, sep string) []string {
	parts := strings.Split(s, sep)
	for len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) == 1 && parts[0] == "" && s != "" {
		return []string{}
	}
	return parts
}

func bracketHost(h string) string {
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}

// javaHost renders a host as InetSocketAddress.getHostString does, bracketed
// when IPv6: names stay as written, an IPv6 literal is spelled out in full
// (::1 is 0:0:0:0:0:0:0:1), an IPv4-mapped one becomes IPv4.
func javaHost(h string) string {
	a, err := netip.ParseAddr(h)
	if err != nil || !a.Is6() {
		return bracketHost(h)
	}
	if a.Is4In6() {
		return a.Unmap().String()
	}
	b := a.As16()
	groups := make([]string, 8)
	for i := range groups {
		groups[i] = strconv.FormatUint(uint64(b[2*i])<<8|uint64(b[2*i+1]), 16)
	}
	out := strings.Join(groups, ":")
	if z := a.Zone(); z != "" {
		out += "%" + z
	}
	return "[" + out + "]"
}

// readDynamic reads the servers from dynamicConfigFile; its version comes
// from the file name's hex suffix (zoo.cfg.dynamic.100000000).
func (p *zooParser) readDynamic() error {
	c := p.c
	path := c.DynamicConfigFile
	var data []byte
	fi, err := os.Stat(path)
	if err == nil && !fi.Mode().IsRegular() {
		err = errors.New("not a regular file")
	}
	if err == nil {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return &Error{File: p.file, Key: "dynamicConfigFile", Value: path, HasValue: true, Msg: "cannot be read: " + unwrapPathError(err)}
	}
	props, order, err := ParseProperties(data)
	if err != nil {
		var perr *PropertiesError
		if errors.As(err, &perr) {
			perr.File = path
		}
		return err
	}
	var keys []string
	for _, rawKey := range order {
		key := javaTrim(rawKey)
		switch {
		case key == "version":
			return &Error{File: path, Key: "version", Msg: "must not be in a dynamic config file (the version is its file name's suffix)"}
		case !isQuorumKey(key):
			return &Error{File: path, Key: key, Msg: "is not a dynamic config parameter (only server.N, group.N and weight.N are)"}
		}
		keys = append(keys, rawKey)
	}
	if i := strings.LastIndexByte(filepath.Base(path), '.'); i >= 0 {
		if v, err := strconv.ParseInt(filepath.Base(path)[i+1:], 16, 64); err == nil {
			c.ConfigVersion = v
		}
	}
	return p.servers(props, keys, path)
}

// readMyID reads dataDir/myid when it exists (QuorumPeerConfig.setupMyId):
// its first line must be a number.
func (p *zooParser) readMyID() error {
	c := p.c
	path := c.DataDir + "/myid"
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return nil // standalone servers need no myid
	}
	f, err := os.Open(path)
	if err != nil {
		return &Error{File: path, Msg: "cannot be read: " + unwrapPathError(err)}
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Split(scanJavaLines)
	line := ""
	if sc.Scan() {
		line = sc.Text()
	}
	if err := sc.Err(); err != nil {
		return &Error{File: path, Msg: "cannot be read: " + err.Error()}
	}
	id, err := javaParseInt(line, 64)
	if err != nil {
		return &Error{File: path, Value: line, HasValue: true, Msg: "is not a server id (a number)"}
	}
	c.MyID, c.HasMyID = id, true
	return nil
}

// scanJavaLines splits like BufferedReader.readLine: at \n, \r or \r\n.
func scanJavaLines(data []byte, atEOF bool) (int, []byte, error) {
	for i, b := range data {
		switch b {
		case '\n':
			return i + 1, data[:i], nil
		case '\r':
			if i+1 < len(data) {
				if data[i+1] == '\n' {
					return i + 2, data[:i], nil
				}
				return i + 1, data[:i], nil
			}
			if atEOF {
				return i + 1, data[:i], nil
			}
			return 0, nil, nil // need to see whether \n follows
		}
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// ownServerLine applies this server's own server.N line
// (QuorumPeerConfig.setupClientPort and setupPeerType): its client address
// replaces clientPort/clientPortAddress, and its type decides the peer type.
func (p *zooParser) ownServerLine() error {
	c := p.c
	own, ok := c.Servers[c.MyID]
	if !c.HasMyID {
		ok = false
	}
	if ok && own.ClientPort != 0 {
		if c.ClientPort != 0 {
			wild := c.ClientPortAddress == "" || isWildcard(c.ClientPortAddress)
			if (wild && c.ClientPort != own.ClientPort) ||
				(!wild && (c.ClientPort != own.ClientPort || c.ClientPortAddress != own.ClientAddr)) {
				return &Error{File: p.file, Key: "clientPort", Msg: fmt.Sprintf(
					"client address %s differs from %s:%d in server.%d",
					joinHostPort(c.ClientPortAddress, c.ClientPort), bracketHost(own.ClientAddr), own.ClientPort, own.ID)}
			}
		}
		c.ClientPort, c.ClientPortAddress = own.ClientPort, own.ClientAddr
	}
	role := PeerParticipant
	if ok && own.Type == PeerObserver {
		role = PeerObserver
	}
	if role != c.PeerType {
		p.warnf("peer type from the servers list (%s) doesn't match peerType (%s); using the servers list", role, c.PeerType)
		c.PeerType = role
	}
	return nil
}

func isWildcard(addr string) bool {
	switch addr {
	case "0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0":
		return true
	}
	return false
}

func joinHostPort(host string, port int) string {
	if host == "" {
		host = "0.0.0.0"
	}
	return fmt.Sprintf("%s:%d", bracketHost(host), port)
}

func unwrapPathError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
