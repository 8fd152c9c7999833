package tree

import (
	"log/slog"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// System node paths (Quotas.java, ZooDefs.CONFIG_NODE).
const (
	ProcPath   = "/zookeeper"
	QuotaPath  = "/zookeeper/quota"
	ConfigPath = "/zookeeper/config"
)

// WatcherID identifies a watcher: the server's connection id.
type WatcherID uint64

// Options configure a Tree. The zero value is ZooKeeper's default setup.
type Options struct {
	// DigestDisabled turns the tree digest off (zookeeper.digest.enabled=false):
	// Digest returns 0 and snapshots carry no digest.
	DigestDisabled bool
	// ExtendedTypes enables TTL nodes (zookeeper.extendedTypesEnabled).
	ExtendedTypes bool
	// Emulate353TTL reads 3.5.3-style TTL owners (zookeeper.emulate353TTLNodes).
	Emulate353TTL bool
	// CanRead filters watch events by the znode's ACL (CVE-2024-23944): it is
	// asked, for every event a txn triggers, whether watcher w may READ a
	// node with the given ACL. The list is exactly what ZooKeeper 3.9.4 passes
	// to ServerCnxn.process: for NodeCreated the created node's ACL as in the
	// txn (nil when the txn had none), otherwise the node's (or, for
	// NodeChildrenChanged, the parent's) cached ACL. nil or empty means open.
	// A nil CanRead delivers every event. It must not call back into the Tree.
	CanRead func(w WatcherID, acl []jute.ACL) bool
	// Logger receives the warnings ZooKeeper logs (digest mismatches, missing
	// quota stat nodes, ...). nil discards them.
	Logger *slog.Logger
}

// node is a znode. path is its full path ("" for the root, as in snapshots);
// the node is also the value of its path in Tree.nodes.
type node struct {
	path   string
	data   []byte // never modified in place: setData replaces the slice
	acl    int64  // ACL cache index
	stat   jute.StatPersisted
	digest int64 // the node's share of the tree digest
	kids   []*node
	kidIdx map[string]int32 // name → index in kids; built when kids grow past smallKids
}

const smallKids = 8

func nameOf(path string) string { return path[strings.LastIndexByte(path, '/')+1:] }

func (n *node) findKid(name string) int {
	if n.kidIdx != nil {
		if i, ok := n.kidIdx[name]; ok {
			return int(i)
		}
		return -1
	}
	for i, k := range n.kids {
		if nameOf(k.path) == name {
			return i
		}
	}
	return -1
}

// addKid adds a child unless one of that name exists.
func (n *node) addKid(c *node) {
	name := nameOf(c.path)
	if n.findKid(name) >= 0 {
		return
	}
	n.kids = append(n.kids, c)
	switch {
	case n.kidIdx != nil:
		n.kidIdx[name] = int32(len(n.kids) - 1)
	case len(n.kids) > smallKids:
		n.kidIdx = make(map[string]int32, 2*len(n.kids))
		for i, k := range n.kids {
			n.kidIdx[nameOf(k.path)] = int32(i)
		}
	}
}

// removeKid removes the child of that name, if any; the last child takes its
// place.
func (n *node) removeKid(name string) {
	i := n.findKid(name)
	if i < 0 {
		return
	}
	last := len(n.kids) - 1
	if i != last {
		n.kids[i] = n.kids[last]
		if n.kidIdx != nil {
			n.kidIdx[nameOf(n.kids[i].path)] = int32(i)
		}
	}
	n.kids[last] = nil
	n.kids = n.kids[:last]
	if n.kidIdx != nil {
		delete(n.kidIdx, name)
		if len(n.kids) == 0 {
			n.kidIdx = nil
		}
	}
}

// Tree is ZooKeeper's DataTree: the znodes, the ephemeral, container and TTL
// indexes, the ACL cache, quota accounting, the digest and the watches.
//
// A Tree is not safe for concurrent use, with one exception: the read methods
// (they never modify the tree) and the watch methods (they lock the watch
// tables) may run concurrently with each other, provided nothing else runs —
// e.g. under a sync.RWMutex, read-locked for reads and watch registration,
// write-locked for Apply, KillSession, SetConfigNode and SetLastProcessedZxid.
type Tree struct {
	opts  Options
	log   *slog.Logger
	nodes map[string]*node // by full path; the root is under both "" and "/"
	root  *node
	acls  aclCache

	ephemerals map[int64]map[string]struct{} // session → paths (kept, maybe empty, until the session closes)
	containers map[string]struct{}
	ttls       map[string]struct{}
	quotas     map[string]struct{} // paths with a zookeeper_limits node (PathTrie)

	dataSize int64 // DataTree.nodeDataSize: the cached approximate data size

	dg               digester
	digest           int64
	lastZxid         int64
	lastDigest       jute.ZxidDigest
	lastDigestOK     bool
	digestLog        []jute.ZxidDigest
	snapDigest       *jute.ZxidDigest // digest of a loaded snapshot, until replay reaches its zxid
	snapDigestMissed bool
	mismatches       int64

	w      watches
	events []Event // events of the txn being applied
}

func newBare(opts Options) *Tree {
	lg := opts.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	return &Tree{
		opts:       opts,
		log:        lg,
		nodes:      map[string]*node{},
		acls:       newACLCache(),
		ephemerals: map[int64]map[string]struct{}{},
		containers: map[string]struct{}{},
		ttls:       map[string]struct{}{},
		quotas:     map[string]struct{}{},
		w:          newWatches(),
	}
}

// New returns the tree of an empty ZooKeeper: "/", "/zookeeper",
// "/zookeeper/quota" and "/zookeeper/config" (empty, world-readable).
func New(opts Options) *Tree {
	t := newBare(opts)
	t.root = &node{path: "", data: []byte{}, acl: OpenACLIndex}
	t.nodes[""] = t.root
	t.nodes["/"] = t.root
	t.addDigest(t.root)
	proc := &node{path: ProcPath, data: []byte{}, acl: OpenACLIndex}
	t.root.addKid(proc)
	t.putNode(proc)
	quota := &node{path: QuotaPath, data: []byte{}, acl: OpenACLIndex}
	proc.addKid(quota)
	t.putNode(quota)
	t.addConfigNode()
	t.dataSize = t.approximateDataSize()
	return t
}

func (t *Tree) putNode(n *node) {
	t.nodes[n.path] = n
	t.addDigest(n)
}

// addConfigNode creates /zookeeper/config, readable by anyone, with
// aversion -1 (DataTree.addConfigNode).
func (t *Tree) addConfigNode() {
	proc := t.nodes[ProcPath]
	if proc == nil {
		return
	}
	cfg := &node{path: ConfigPath, data: []byte{}, acl: OpenACLIndex}
	proc.addKid(cfg)
	t.putNode(cfg)
	t.setACL(ConfigPath, ReadACL, -1)
}

// javaLen is String.length(): the path's length in UTF-16 code units.
func javaLen(s string) int64 {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			n := int64(0)
			for _, r := range s {
				n++
				if r > 0xffff {
					n++
				}
			}
			return n
		}
	}
	return int64(len(s))
}

func nodeSize(path string, data []byte) int64 { return javaLen(path) + int64(len(data)) }

// approximateDataSize sums path and data lengths over the node map, the
// root's two names included (DataTree.approximateDataSize).
func (t *Tree) approximateDataSize() int64 {
	var sum int64
	for p, n := range t.nodes {
		sum += nodeSize(p, n.data)
	}
	return sum
}

// stat is DataNode.copyStat: the Stat clients see. cversion counts child
// creates in the tree and creates plus deletes for clients (2·cversion −
// numChildren); container and TTL owners read as 0.
func (t *Tree) stat(n *node) jute.Stat {
	nc := int32(len(n.kids))
	return jute.Stat{
		Czxid:          n.stat.Czxid,
		Mzxid:          n.stat.Mzxid,
		Ctime:          n.stat.Ctime,
		Mtime:          n.stat.Mtime,
		Version:        n.stat.Version,
		Cversion:       n.stat.Cversion*2 - nc,
		Aversion:       n.stat.Aversion,
		EphemeralOwner: t.clientOwner(n.stat.EphemeralOwner),
		DataLength:     int32(len(n.data)),
		NumChildren:    nc,
		Pzxid:          n.stat.Pzxid,
	}
}

// Node returns the Stat clients see for path and its ACL (shared: do not
// modify). Note the Stat's Cversion is the client view; the persisted
// cversion that sequential names are made from is (Cversion+NumChildren)/2,
// also in Raw.
func (t *Tree) Node(path string) (stat jute.Stat, acl []jute.ACL, ok bool) {
	n := t.nodes[path]
	if n == nil {
		return jute.Stat{}, nil, false
	}
	return t.stat(n), t.acls.get(n.acl), true
}

// RawNode is a znode as the tree stores it.
type RawNode struct {
	Data        []byte // shared, never modified
	Stat        jute.StatPersisted
	NumChildren int
	ACL         []jute.ACL // shared, do not modify
	ACLIndex    int64
	Digest      int64 // this node's DigestOf, 0 when excluded or disabled
}

// Raw returns the stored form of a znode: the persisted stat (raw owner,
// cversion counting creates) that PrepRequestProcessor works from.
func (t *Tree) Raw(path string) (RawNode, bool) {
	n := t.nodes[path]
	if n == nil {
		return RawNode{}, false
	}
	return RawNode{Data: n.data, Stat: n.stat, NumChildren: len(n.kids), ACL: t.acls.get(n.acl), ACLIndex: n.acl, Digest: n.digest}, true
}

// GetData returns a znode's data and Stat. The data slice is never modified
// by the tree (setData replaces it), so it may be handed to another goroutine.
func (t *Tree) GetData(path string) (data []byte, stat jute.Stat, ok bool) {
	n := t.nodes[path]
	if n == nil {
		return nil, jute.Stat{}, false
	}
	return n.data, t.stat(n), true
}

// Children returns a fresh, sorted slice of a znode's child names and its Stat.
func (t *Tree) Children(path string) ([]string, jute.Stat, bool) {
	n := t.nodes[path]
	if n == nil {
		return nil, jute.Stat{}, false
	}
	out := make([]string, len(n.kids))
	for i, k := range n.kids {
		out[i] = nameOf(k.path)
	}
	sort.Strings(out)
	return out, t.stat(n), true
}

// ACL returns a znode's ACL (shared: do not modify) and Stat.
func (t *Tree) ACL(path string) ([]jute.ACL, jute.Stat, bool) {
	n := t.nodes[path]
	if n == nil {
		return nil, jute.Stat{}, false
	}
	return t.acls.get(n.acl), t.stat(n), true
}

// AllChildrenNumber counts the descendants of path (getAllChildrenNumber);
// for "/" that is every node but the root, the system nodes included.
func (t *Tree) AllChildrenNumber(path string) int {
	if path == "/" {
		return len(t.nodes) - 2
	}
	n := t.nodes[path]
	if n == nil || path == "" {
		return 0
	}
	count := 0
	stack := append([]*node(nil), n.kids...)
	for len(stack) > 0 {
		k := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		count++
		stack = append(stack, k.kids...)
	}
	return count
}

// Ephemerals returns the paths of a session's ephemeral nodes, sorted.
func (t *Tree) Ephemerals(session int64) []string {
	set := t.ephemerals[session]
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// EphemeralsByPrefix is getEphemerals: a session's ephemerals whose path
// starts with prefix; a blank prefix or "/" selects them all.
func (t *Tree) EphemeralsByPrefix(session int64, prefix string) []string {
	all := t.Ephemerals(session)
	p := javaTrim(prefix)
	if p == "" || p == "/" {
		return all
	}
	out := all[:0]
	for _, e := range all {
		if strings.HasPrefix(e, prefix) {
			out = append(out, e)
		}
	}
	return out
}

// javaTrim is String.trim: strips the characters <= ' ' at both ends.
func javaTrim(s string) string {
	i, j := 0, len(s)
	for i < j && s[i] <= ' ' {
		i++
	}
	for j > i && s[j-1] <= ' ' {
		j--
	}
	return s[i:j]
}

// EphemeralsBySession returns every session's ephemeral paths, sorted, for
// the "dump" four-letter word. Sessions whose ephemerals were all deleted
// stay listed with no paths until they close, as in ZooKeeper.
func (t *Tree) EphemeralsBySession() map[int64][]string {
	out := make(map[int64][]string, len(t.ephemerals))
	for s := range t.ephemerals {
		out[s] = t.Ephemerals(s)
	}
	return out
}

// Sessions lists the sessions the ephemeral index knows, sorted: at startup
// the server kills those without a live session (KillSession).
func (t *Tree) Sessions() []int64 {
	out := make([]int64, 0, len(t.ephemerals))
	for s := range t.ephemerals {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// NodeCount is the size of the node map, the root counted under both its
// names (zk_znode_count: 5 on an empty server with /zookeeper/config).
func (t *Tree) NodeCount() int { return len(t.nodes) }

// ApproximateDataSize is zk_approximate_data_size: path lengths plus data
// lengths, maintained incrementally (quota stat updates are not counted).
func (t *Tree) ApproximateDataSize() int64 { return t.dataSize }

// EphemeralCount is the number of ephemeral nodes (zk_ephemerals_count).
func (t *Tree) EphemeralCount() int {
	n := 0
	for _, set := range t.ephemerals {
		n += len(set)
	}
	return n
}

// LastProcessedZxid is the highest zxid applied.
func (t *Tree) LastProcessedZxid() int64 { return t.lastZxid }

// SetLastProcessedZxid sets the last processed zxid, e.g. to a snapshot's
// zxid after FromSnapshot. A loaded snapshot digest older than z can no
// longer be checked and is dropped (FileSnap's rule). One taken at z itself
// — the usual case: a snapshot taken while no txn was being applied — is
// checked now. (ZooKeeper never checks that one, since the replay starts
// after z, and then stays "fuzzy", comparing no txn digest, until restart.)
func (t *Tree) SetLastProcessedZxid(z int64) {
	t.lastZxid = z
	if t.snapDigest == nil {
		return
	}
	switch {
	case t.snapDigest.Zxid < z:
		t.snapDigest = nil
	case t.snapDigest.Zxid == z:
		t.compareSnapshotDigest(z)
	}
}

// ContainerCandidates is ContainerManager.getCandidates: containers with no
// children that once had one (cversion > 0) — or, when
// maxNeverUsedIntervalMs > 0, that never had one and were last modified
// more than that long ago — and TTL nodes with no children whose TTL has
// passed since their last modification. Sorted.
func (t *Tree) ContainerCandidates(nowMs, maxNeverUsedIntervalMs int64) []string {
	var out []string
	for p := range t.containers {
		n := t.nodes[p]
		if n == nil || len(n.kids) > 0 {
			continue
		}
		if n.stat.Cversion > 0 || (maxNeverUsedIntervalMs != 0 && nowMs-n.stat.Mtime > maxNeverUsedIntervalMs) {
			out = append(out, p)
		}
	}
	for p := range t.ttls {
		n := t.nodes[p]
		if n == nil || len(n.kids) > 0 {
			continue
		}
		if typ, err := t.ephemeralType(n.stat.EphemeralOwner); err != nil || typ != EphemeralTTL {
			continue
		}
		if ttl := TTLOf(n.stat.EphemeralOwner); ttl != 0 && nowMs-n.stat.Mtime > ttl {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}
