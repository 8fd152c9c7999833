package prep

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// fakeTree is an in-memory View that applies txns as DataTree.processTxn
// does, so tests can commit what they prepared.
type fakeTree struct {
	nodes map[string]*fakeNode
	lax   bool    // skip txns that do not fit the tree instead of panicking
	types Options // the ephemeral-type settings, for the owners clients see
}

type fakeNode struct {
	stat jute.Stat
	acl  []jute.ACL
	data []byte
}

func newFakeTree() *fakeTree {
	t := &fakeTree{nodes: map[string]*fakeNode{}}
	open := []jute.ACL{{Perms: jute.PermAll, ID: jute.Id{Scheme: "world", ID: "anyone"}}}
	t.put("/", jute.Stat{}, open)
	t.put("/zookeeper", jute.Stat{}, open)
	t.put("/zookeeper/quota", jute.Stat{}, open)
	t.put("/zookeeper/config", jute.Stat{}, []jute.ACL{{Perms: jute.PermRead, ID: jute.Id{Scheme: "world", ID: "anyone"}}})
	return t
}

// put adds a node as is; the parent must exist.
func (t *fakeTree) put(path string, stat jute.Stat, acl []jute.ACL) {
	t.nodes[path] = &fakeNode{stat: stat, acl: acl}
}

func (t *fakeTree) Node(path string) (jute.Stat, []jute.ACL, bool) {
	n, ok := t.nodes[path]
	if !ok {
		return jute.Stat{}, nil, false
	}
	// The Stat clients see, as DataNode.copyStat makes it: cversion counts
	// creates and deletes, container and TTL owners read as 0.
	s := n.stat
	s.NumChildren = int32(len(t.children(path)))
	s.DataLength = int32(len(n.data))
	s.Cversion = 2*s.Cversion - s.NumChildren
	if et, ok := (&Preparer{opts: t.types}).ephemeralType(s.EphemeralOwner); ok && et != ephNormal {
		s.EphemeralOwner = 0
	}
	return s, n.acl, true
}

func (t *fakeTree) Ephemerals(session int64) []string {
	var out []string
	for p, n := range t.nodes {
		if n.stat.EphemeralOwner == session && session != 0 {
			out = append(out, p)
		}
	}
	return out
}

func (t *fakeTree) children(path string) []string {
	var out []string
	for p := range t.nodes {
		if p != "/" && parent(p) == path {
			out = append(out, p)
		}
	}
	return out
}

func parent(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/"
	}
	return p[:i]
}

// apply is DataTree.processTxn for the txns prep makes.
func (t *fakeTree) apply(hdr jute.TxnHeader, txn jute.Record) {
	switch r := txn.(type) {
	case *jute.CreateTxn:
		owner := int64(0)
		if r.Ephemeral {
			owner = hdr.ClientID
		}
		t.create(hdr, r.Path, r.Data, r.ACL, owner, r.ParentCVersion)
	case *jute.CreateContainerTxn:
		t.create(hdr, r.Path, r.Data, r.ACL, containerOwner, r.ParentCVersion)
	case *jute.CreateTTLTxn:
		t.create(hdr, r.Path, r.Data, r.ACL, extendedMask|r.TTL, r.ParentCVersion)
	case *jute.DeleteTxn:
		t.delete(hdr, r.Path)
	case *jute.SetDataTxn:
		if n := t.nodes[r.Path]; n != nil {
			n.data, n.stat.Version, n.stat.Mzxid, n.stat.Mtime = r.Data, r.Version, hdr.Zxid, hdr.Time
		}
	case *jute.SetACLTxn:
		if n := t.nodes[r.Path]; n != nil {
			n.acl, n.stat.Aversion = r.ACL, r.Version
		}
	case *jute.CloseSessionTxn:
		for _, p := range r.Paths {
			t.delete(hdr, p)
		}
	case *jute.MultiTxn:
		for _, sub := range r.Txns {
			if sub.Type == jute.OpError {
				return
			}
		}
		for _, sub := range r.Txns {
			rec, err := jute.NewTxnRecord(sub.Type)
			if err == nil {
				err = jute.Unmarshal(sub.Data, rec)
			}
			if err != nil {
				panic(err)
			}
			h := hdr
			h.Type = sub.Type
			t.apply(h, rec)
		}
	}
}

func (t *fakeTree) create(hdr jute.TxnHeader, path string, data []byte, acl []jute.ACL, owner int64, pcv int32) {
	p := t.nodes[parent(path)]
	if p == nil || t.nodes[path] != nil {
		if t.lax {
			return
		}
		panic(fmt.Sprintf("fake tree: create %s", path))
	}
	if pcv > p.stat.Cversion {
		p.stat.Cversion = pcv
		p.stat.Pzxid = hdr.Zxid
	}
	t.nodes[path] = &fakeNode{data: data, acl: acl, stat: jute.Stat{
		Czxid: hdr.Zxid, Mzxid: hdr.Zxid, Ctime: hdr.Time, Mtime: hdr.Time, EphemeralOwner: owner, Pzxid: hdr.Zxid,
	}}
}

func (t *fakeTree) delete(hdr jute.TxnHeader, path string) {
	if t.nodes[path] == nil || len(t.children(path)) > 0 {
		if t.lax {
			return
		}
		panic(fmt.Sprintf("fake tree: delete %s", path))
	}
	delete(t.nodes, path)
	if p := t.nodes[parent(path)]; p != nil && hdr.Zxid > p.stat.Pzxid {
		p.stat.Pzxid = hdr.Zxid
	}
}

// dump is a comparable description of the tree.
func (t *fakeTree) dump() string {
	var b strings.Builder
	for _, p := range slices.Sorted(maps.Keys(t.nodes)) {
		n := t.nodes[p]
		fmt.Fprintf(&b, "%s %+v %v %q\n", p, n.stat, n.acl, n.data)
	}
	return b.String()
}
