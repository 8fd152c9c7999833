package tree

import (
	"sort"
	"strconv"
	"strings"
)

// Quotas (Quotas.java, StatsTrack.java, DataTree.updateQuotaStat): a path p
// has a quota when /zookeeper/quota<p>/zookeeper_limits exists; the tree then
// keeps /zookeeper/quota<p>/zookeeper_stats at "count=N,bytes=M" for the
// subtree of p (p itself included). Limits are not enforced here.

const (
	limitNode = "zookeeper_limits"
	statNode  = "zookeeper_stats"
)

// quotaComponents splits a path as PathTrie does: on "/", dropping
// components that are blank after trimming.
func quotaComponents(path string) []string {
	parts := strings.Split(path, "/")
	out := parts[:0]
	for _, p := range parts {
		if javaTrim(p) != "" {
			out = append(out, p)
		}
	}
	return out
}

// quotaKey normalises a path the way PathTrie stores and returns it.
func quotaKey(path string) string {
	return "/" + strings.Join(quotaComponents(path), "/")
}

func (t *Tree) addQuota(path string) {
	if path == "" { // PathTrie.addPath would throw
		return
	}
	t.quotas[quotaKey(path)] = struct{}{}
}

func (t *Tree) deleteQuota(path string) {
	if path == "" {
		return
	}
	delete(t.quotas, quotaKey(path))
}

// maxQuotaPrefix is getMaxPrefixWithQuota: the deepest quota path that is a
// prefix (by components) of path, if any besides the root.
func (t *Tree) maxQuotaPrefix(path string) (string, bool) {
	if len(t.quotas) == 0 {
		return "", false
	}
	best := ""
	var b strings.Builder
	for _, c := range quotaComponents(path) {
		b.WriteByte('/')
		b.WriteString(c)
		if _, ok := t.quotas[b.String()]; ok {
			best = b.String()
		}
	}
	return best, best != ""
}

// updateQuotaStat adds to the count and bytes of a quota's stat node. Like
// ZooKeeper it rewrites the node's data in place: no version, zxid, digest
// or data size change (the node is under /zookeeper/).
func (t *Tree) updateQuotaStat(prefix string, bytesDiff int64, countDiff int64) {
	statPath := QuotaPath + prefix + "/" + statNode
	n := t.nodes[statPath]
	if n == nil {
		t.log.Error("tree: missing quota stat node", "path", statPath)
		return
	}
	st := parseStatsTrack(n.data)
	st.set("count", st.get("count")+countDiff)
	st.set("bytes", st.get("bytes")+bytesDiff)
	n.data = st.bytes()
}

// updateQuotaForPath recounts a quota's subtree into its stat node.
func (t *Tree) updateQuotaForPath(path string) {
	var count, bytes int64
	t.countSubtree(path, &count, &bytes)
	statPath := QuotaPath + path + "/" + statNode
	n := t.nodes[statPath]
	if n == nil {
		t.log.Warn("tree: missing quota stat node", "path", statPath)
		return
	}
	st := statsTrack{}
	st.set("bytes", bytes)
	st.set("count", count)
	t.preChange(n)
	n.data = st.bytes()
	t.postChange(n)
}

// countSubtree is DataTree.getCounts: it walks child paths as strings, as
// ZooKeeper does, so odd paths count exactly as there.
func (t *Tree) countSubtree(path string, count, bytes *int64) {
	n := t.nodes[path]
	if n == nil {
		return
	}
	*count++
	*bytes += int64(len(n.data))
	for _, k := range n.kids {
		t.countSubtree(path+"/"+nameOf(k.path), count, bytes)
	}
}

// setupQuota rebuilds the quota paths and recounts every stat node after a
// snapshot is loaded (DataTree.setupQuota/traverseNode): every leaf under
// /zookeeper/quota named zookeeper_limits marks a quota.
func (t *Tree) setupQuota() {
	q := t.nodes[QuotaPath]
	if q == nil {
		return
	}
	stack := []*node{q}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if len(n.kids) > 0 {
			stack = append(stack, n.kids...)
			continue
		}
		const end = "/" + limitNode
		if !strings.HasSuffix(n.path, end) {
			continue
		}
		real := n.path[len(QuotaPath):strings.Index(n.path, end)]
		t.updateQuotaForPath(real)
		t.addQuota(real)
	}
}

// statsTrack is StatsTrack: "count=N,bytes=M", then any other keys sorted,
// after an extra "=" that old parsers ignore: "count=1,bytes=2=;k=v".
type statsTrack map[string]int64

// parseStatsTrack reads pairs separated by runs of ',' or ';'. Malformed
// pairs, on which ZooKeeper would throw, are skipped.
func parseStatsTrack(b []byte) statsTrack {
	st := statsTrack{}
	for _, pair := range strings.FieldsFunc(string(b), func(r rune) bool { return r == ',' || r == ';' }) {
		kv := javaSplit(pair, "=")
		if len(kv) < 2 {
			continue
		}
		v := int64(-1)
		if kv[1] != "" {
			n, err := strconv.ParseInt(kv[1], 10, 64)
			if err != nil {
				continue
			}
			v = n
		}
		st[kv[0]] = v
	}
	return st
}

// javaSplit is String.split with a literal separator: trailing empty
// strings are dropped.
func javaSplit(s, sep string) []string {
	parts := strings.Split(s, sep)
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

func (st statsTrack) get(k string) int64 {
	if v, ok := st[k]; ok {
		return v
	}
	return -1
}

func (st statsTrack) set(k string, v int64) { st[k] = v }

func (st statsTrack) bytes() []byte {
	b := []byte("count=")
	b = strconv.AppendInt(b, st.get("count"), 10)
	b = append(b, ",bytes="...)
	b = strconv.AppendInt(b, st.get("bytes"), 10)
	var keys []string
	for k := range st {
		if k != "count" && k != "bytes" {
			keys = append(keys, k)
		}
	}
	if len(keys) > 0 {
		b = append(b, '=')
		sort.Strings(keys)
		for _, k := range keys {
			b = append(b, ';')
			b = append(b, k...)
			b = append(b, '=')
			b = strconv.AppendInt(b, st[k], 10)
		}
	}
	return b
}

// QuotaStats is a quota's recorded usage and limits as zkCli listquota
// shows them; -1 means unset.
type QuotaStats struct {
	Path                          string
	Count, Bytes                  int64 // usage, from zookeeper_stats
	CountLimit, BytesLimit        int64 // soft limits, from zookeeper_limits
	CountHardLimit, ByteHardLimit int64
}

// Quotas lists the paths with a quota and their stats, sorted by path.
func (t *Tree) Quotas() []QuotaStats {
	out := make([]QuotaStats, 0, len(t.quotas))
	for p := range t.quotas {
		q := QuotaStats{Path: p, Count: -1, Bytes: -1, CountLimit: -1, BytesLimit: -1, CountHardLimit: -1, ByteHardLimit: -1}
		if n := t.nodes[QuotaPath+p+"/"+statNode]; n != nil {
			st := parseStatsTrack(n.data)
			q.Count, q.Bytes = st.get("count"), st.get("bytes")
		}
		if n := t.nodes[QuotaPath+p+"/"+limitNode]; n != nil {
			st := parseStatsTrack(n.data)
			q.CountLimit, q.BytesLimit = st.get("count"), st.get("bytes")
			q.CountHardLimit, q.ByteHardLimit = st.get("countHardLimit"), st.get("byteHardLimit")
		}
		out = append(out, q)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}
