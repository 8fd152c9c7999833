package cli

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// zkJavaDate formats ms since the epoch as java.util.Date.toString does, in
// the given zone: "Sat Jul 28 08:14:09 UTC 2018".
func zkJavaDate(ms int64, loc *time.Location) string {
	return time.UnixMilli(ms).In(loc).Format("Mon Jan 02 15:04:05 MST 2006")
}

// zkPrintStat prints a Stat as zkCli's StatPrinter.
func zkPrintStat(w io.Writer, s *jute.Stat, loc *time.Location) {
	fmt.Fprintf(w, "cZxid = 0x%s\nctime = %s\nmZxid = 0x%s\nmtime = %s\npZxid = 0x%s\n"+
		"cversion = %d\ndataVersion = %d\naclVersion = %d\nephemeralOwner = 0x%s\ndataLength = %d\nnumChildren = %d\n",
		zkHex(s.Czxid), zkJavaDate(s.Ctime, loc), zkHex(s.Mzxid), zkJavaDate(s.Mtime, loc), zkHex(s.Pzxid),
		s.Cversion, s.Version, s.Aversion, zkHex(s.EphemeralOwner), s.DataLength, s.NumChildren)
}

// zkHex is Long.toHexString: two's complement for negatives.
func zkHex(v int64) string { return strconv.FormatUint(uint64(v), 16) }

// zkJavaList formats strings as Java's List.toString: "[a, b]".
func zkJavaList(items []string) string { return "[" + strings.Join(items, ", ") + "]" }

// zkPermString is ZKUtil.getPermString: "cdrwa" order.
func zkPermString(perms int32) string {
	var b strings.Builder
	for _, p := range []struct {
		bit int32
		c   byte
	}{{jute.PermCreate, 'c'}, {jute.PermDelete, 'd'}, {jute.PermRead, 'r'}, {jute.PermWrite, 'w'}, {jute.PermAdmin, 'a'}} {
		if perms&p.bit != 0 {
			b.WriteByte(p.c)
		}
	}
	return b.String()
}

// zkIDString is the jute toString of an Id: "'world,'anyone\n" (the record
// ends with a newline, so getAcl's lines read "'world,'anyone\n: cdrwa").
func zkIDString(id jute.Id) string {
	return zkCSV(id.Scheme) + "," + zkCSV(id.ID) + "\n"
}

func zkCSV(s string) string {
	r := strings.NewReplacer("\x00", "%00", "\n", "%0A", "\r", "%0D", ",", "%2C", "}", "%7D", "%", "%25")
	return "'" + r.Replace(s)
}

// zkParseACL is AclParser.parse: "scheme:id:perms,..."; malformed entries
// and unknown permission letters are reported on errw and skipped.
func zkParseACL(s string, errw io.Writer) []jute.ACL {
	acl := []jute.ACL{}
	for _, a := range zkJavaSplit(s, ",") {
		first, last := strings.IndexByte(a, ':'), strings.LastIndexByte(a, ':')
		if first == -1 || first == last {
			fmt.Fprintln(errw, a+" does not have the form scheme:id:perm")
			continue
		}
		var perms int32
		for _, c := range a[last+1:] {
			switch c {
			case 'r':
				perms |= jute.PermRead
			case 'w':
				perms |= jute.PermWrite
			case 'c':
				perms |= jute.PermCreate
			case 'd':
				perms |= jute.PermDelete
			case 'a':
				perms |= jute.PermAdmin
			default:
				fmt.Fprintln(errw, "Unknown perm type: "+string(c))
			}
		}
		acl = append(acl, jute.ACL{Perms: perms, ID: jute.Id{Scheme: a[:first], ID: a[first+1 : last]}})
	}
	return acl
}

// zkJavaSplit is String.split with a literal separator: trailing empty
// strings are dropped (and "" splits to [""]).
func zkJavaSplit(s, sep string) []string {
	parts := strings.Split(s, sep)
	for len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) == 1 && parts[0] == "" && s != "" {
		return nil
	}
	return parts
}

// zkHexDump is netty's ByteBufUtil.prettyHexDump, as `get -x` prints it.
func zkHexDump(data []byte) string {
	if len(data) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("         +-------------------------------------------------+\n" +
		"         |  0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f |\n" +
		"+--------+-------------------------------------------------+----------------+")
	for off := 0; off < len(data); off += 16 {
		row := data[off:min(off+16, len(data))]
		fmt.Fprintf(&b, "\n|%08x|", off)
		for _, c := range row {
			fmt.Fprintf(&b, " %02x", c)
		}
		b.WriteString(strings.Repeat("   ", 16-len(row)) + " |")
		for _, c := range row {
			if c > 0x1f && c < 0x7f {
				b.WriteByte(c)
			} else {
				b.WriteByte('.')
			}
		}
		b.WriteString(strings.Repeat(" ", 16-len(row)) + "|")
	}
	b.WriteString("\n+--------+-------------------------------------------------+----------------+")
	return b.String()
}

// zkStats is StatsTrack, the quota format of /zookeeper/quota:
// "count=N,bytes=M" then, when hard limits are set, "=;byteHardLimit=B;countHardLimit=C".
type zkStats map[string]int64

const (
	zkQuotaRoot  = "/zookeeper/quota"
	zkLimitNode  = "zookeeper_limits"
	zkStatNode   = "zookeeper_stats"
	zkStatCount  = "count"
	zkStatBytes  = "bytes"
	zkHardCount  = "countHardLimit"
	zkHardBytes  = "byteHardLimit"
	zkNoQuotaVal = -1
)

var zkPairSep = regexp.MustCompile(`[,;]+`)

func zkParseStats(s string) zkStats {
	st := zkStats{}
	if s == "" {
		return st
	}
	for _, kv := range zkPairSep.Split(s, -1) {
		parts := zkJavaSplit(kv, "=")
		if len(parts) == 0 {
			continue
		}
		v := int64(zkNoQuotaVal)
		if len(parts) > 1 && parts[1] != "" {
			if n, err := strconv.ParseInt(parts[1], 10, 64); err == nil {
				v = n
			}
		}
		st[parts[0]] = v
	}
	return st
}

func (s zkStats) get(k string) int64 {
	if v, ok := s[k]; ok {
		return v
	}
	return zkNoQuotaVal
}

func (s zkStats) String() string {
	out := zkStatCount + "=" + strconv.FormatInt(s.get(zkStatCount), 10) + "," + zkStatBytes + "=" + strconv.FormatInt(s.get(zkStatBytes), 10)
	var keys []string
	for k := range s {
		if k != zkStatCount && k != zkStatBytes {
			keys = append(keys, k)
		}
	}
	if len(keys) > 0 {
		// The extra "=" makes old parsers ignore the new fields.
		out += "="
		slices.Sort(keys)
		for _, k := range keys {
			out += ";" + k + "=" + strconv.FormatInt(s[k], 10)
		}
	}
	return out
}
