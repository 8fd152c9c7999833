package tree

import (
	"errors"
	"fmt"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// Errors of FromSnapshot.
var (
	ErrSnapshotNoRoot    = errors.New("tree: invalid snapshot: no root node")
	ErrSnapshotParent    = errors.New("tree: invalid snapshot: unable to find parent")
	ErrSnapshotPath      = errors.New("tree: invalid snapshot: bad path")
	ErrSnapshotDuplicate = errors.New("tree: invalid snapshot: duplicate path")
)

// Snapshot returns the tree's content in snapshot form: the ACL cache by
// index, the nodes in pre-order from the root (whose path is ""), and the
// digest of the current state (zxid 0 when no zxid is known yet). Sessions
// are left for the server to fill.
//
// The copy is shallow: data and ACL slices are shared, which is safe because
// the tree never modifies them in place. It is O(nodes) and must not run
// concurrently with Apply.
func (t *Tree) Snapshot() *jute.SnapshotData {
	s := &jute.SnapshotData{ACLs: t.acls.entries(), Digest: t.snapshotDigest()}
	s.Nodes = make([]jute.SnapNode, 0, len(t.nodes)-1)
	stack := []*node{t.root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		s.Nodes = append(s.Nodes, jute.SnapNode{Path: n.path, Node: jute.DataNode{Data: n.data, ACL: n.acl, Stat: n.stat}})
		for i := len(n.kids) - 1; i >= 0; i-- {
			stack = append(stack, n.kids[i])
		}
	}
	return s
}

// FromSnapshot builds a tree from snapshot content, as DataTree.deserialize
// does: parents must precede their children, the ephemeral, container and
// TTL indexes and ACL reference counts are rebuilt, quota stat nodes are
// recounted, and unused ACL entries are dropped. The tree takes ownership of
// the snapshot's slices.
//
// The snapshot's digest, if any, is checked when the replay of the log
// reaches its zxid. The last processed zxid is 0: the caller sets it to the
// snapshot's zxid with SetLastProcessedZxid before replaying.
//
// Node ACL indexes missing from the cache are accepted, as ZooKeeper does (a
// fuzzy snapshot can hold them; replaying the create repairs them), and read
// as an ACL that grants nothing.
func FromSnapshot(s *jute.SnapshotData, opts Options) (*Tree, error) {
	t := newBare(opts)
	t.acls.next = 1 // the config node's ACL was interned before ZooKeeper loads a snapshot
	t.acls.load(s.ACLs)
	for i := range s.Nodes {
		sn := &s.Nodes[i]
		n := &node{path: sn.Path, data: sn.Node.Data, acl: sn.Node.ACL, stat: sn.Node.Stat}
		if err := t.loadNode(n); err != nil {
			return nil, err
		}
	}
	if t.root == nil {
		return nil, ErrSnapshotNoRoot
	}
	t.nodes["/"] = t.root
	t.dataSize = t.approximateDataSize()
	t.setupQuota()
	t.acls.purgeUnused()
	if d := s.Digest; d != nil && d.Zxid > 0 && !opts.DigestDisabled {
		sd := *d
		t.snapDigest = &sd
	}
	return t, nil
}

func (t *Tree) loadNode(n *node) error {
	path := n.path
	if _, dup := t.nodes[path]; dup {
		return fmt.Errorf("%w: %q", ErrSnapshotDuplicate, path)
	}
	if path == "" {
		t.root = n
	} else {
		parentPath, _, ok := splitPath(path)
		if !ok || path == "/" {
			return fmt.Errorf("%w: %q", ErrSnapshotPath, path)
		}
		parent := t.nodes[parentPath]
		if parent == nil {
			return fmt.Errorf("%w %q of path %q", ErrSnapshotParent, parentPath, path)
		}
		owner := n.stat.EphemeralOwner
		typ, err := t.ephemeralType(owner)
		if err != nil {
			return fmt.Errorf("tree: invalid snapshot: node %q: %w", path, err)
		}
		parent.addKid(n)
		switch typ {
		case EphemeralContainer:
			t.containers[path] = struct{}{}
		case EphemeralTTL:
			t.ttls[path] = struct{}{}
		case EphemeralNormal:
			t.indexEphemeral(owner, path)
		}
	}
	if n.acl != OpenACLIndex && t.acls.byIndex[n.acl] == nil {
		t.log.Warn("tree: snapshot node's ACL is not in the ACL cache", "path", path, "acl", n.acl)
	}
	t.putNode(n)
	t.acls.addUsage(n.acl)
	return nil
}
