package tree

import (
	"sort"
	"strings"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// The mutations below follow DataTree's createNode, deleteNode, setData,
// setACL, killSession and setCversionPzxid. Each checks everything that can
// fail before it changes anything, so a failed op leaves the tree as it was
// (except where ZooKeeper itself changes state on the failure path, noted).

func splitPath(path string) (parent, child string, ok bool) {
	i := strings.LastIndexByte(path, '/')
	if i < 0 {
		return "", "", false
	}
	return path[:i], path[i+1:], true
}

// splitTxnPath splits the path of a create or delete. A parent of "/" (the
// path starts with "//") is refused: "/" is only the root's alias, and
// ZooKeeper would file the child under the root's real name, making it
// unreachable (a delete would unlink "/x" for "//x").
func splitTxnPath(path string) (parent, child string, ok bool) {
	parent, child, ok = splitPath(path)
	return parent, child, ok && parent != "/"
}

// watchPath is the path a parent's child watch is registered under: the
// root's parent name is "" but its watches live under "/".
func watchPath(parent string) string {
	if parent == "" {
		return "/"
	}
	return parent
}

func createStat(zxid, time, owner int64) jute.StatPersisted {
	return jute.StatPersisted{Czxid: zxid, Mzxid: zxid, Pzxid: zxid, Ctime: time, Mtime: time, EphemeralOwner: owner}
}

// createNode adds a znode. parentCVersion -1 means "the parent's cversion
// + 1"; the parent's cversion and pzxid only move forward, so replaying a
// create over a fuzzy snapshot cannot turn them back.
//
// On NodeExists the existing node takes the txn's ACL, as in ZooKeeper 3.9
// (it repairs a node whose ACL was missing from a fuzzy snapshot); unlike
// ZooKeeper the old ACL's reference is released, so the counts stay exact.
func (t *Tree) createNode(path string, data []byte, acl []jute.ACL, owner int64, parentCVersion int32, zxid, time int64) (*node, jute.Code) {
	parentName, childName, ok := splitTxnPath(path)
	if !ok {
		return nil, jute.BadArguments
	}
	typ, err := t.ephemeralType(owner)
	if err != nil {
		return nil, jute.BadArguments
	}
	parent := t.nodes[parentName]
	if parent == nil {
		return nil, jute.NoNode
	}
	parentACL := t.acls.get(parent.acl)
	idx := t.acls.convert(acl)
	if existing := t.nodes[path]; existing != nil {
		old := existing.acl
		existing.acl = idx
		t.acls.removeUsage(old)
		return nil, jute.NodeExists
	}

	t.preChange(parent)
	if parentCVersion == -1 {
		parentCVersion = parent.stat.Cversion + 1
	}
	if parentCVersion > parent.stat.Cversion {
		parent.stat.Cversion = parentCVersion
		parent.stat.Pzxid = zxid
	}
	child := &node{path: path, data: data, acl: idx, stat: createStat(zxid, time, owner)}
	parent.addKid(child)
	t.postChange(parent)
	t.dataSize += nodeSize(path, data)
	t.putNode(child)
	switch typ {
	case EphemeralContainer:
		t.containers[path] = struct{}{}
	case EphemeralTTL:
		t.ttls[path] = struct{}{}
	case EphemeralNormal:
		t.indexEphemeral(owner, path)
	}

	if strings.HasPrefix(parentName, QuotaPath) {
		switch childName {
		case limitNode:
			t.addQuota(parentName[len(QuotaPath):])
		case statNode:
			t.updateQuotaForPath(parentName[len(QuotaPath):])
		}
	}
	if prefix, ok := t.maxQuotaPrefix(path); ok {
		t.updateQuotaStat(prefix, int64(len(data)), 1)
	}
	t.fire(&t.w.data, path, jute.EventNodeCreated, zxid, acl, nil)
	t.fire(&t.w.child, watchPath(parentName), jute.EventNodeChildrenChanged, zxid, parentACL, nil)
	return child, jute.OK
}

// deleteNode removes a znode. As in ZooKeeper the parent's pzxid moves
// forward even when the child turns out to be missing. Unlike ZooKeeper a
// node that still has children is refused with NotEmpty (ZooKeeper would
// orphan them; only an inconsistent log can ask for it), and the root
// cannot be deleted.
func (t *Tree) deleteNode(path string, zxid int64) jute.Code {
	parentName, childName, ok := splitTxnPath(path)
	if !ok || path == "/" {
		return jute.BadArguments
	}
	parent := t.nodes[parentName]
	if parent == nil {
		return jute.NoNode
	}
	n := t.nodes[path]
	if n != nil && len(n.kids) > 0 {
		return jute.NotEmpty
	}
	t.preChange(parent)
	parent.removeKid(childName)
	if zxid > parent.stat.Pzxid {
		parent.stat.Pzxid = zxid
	}
	t.postChange(parent)
	if n == nil {
		return jute.NoNode
	}

	delete(t.nodes, path)
	t.digest -= n.digest
	acl := t.acls.get(n.acl)
	t.acls.removeUsage(n.acl)
	t.dataSize -= nodeSize(path, n.data)
	parentACL := t.acls.get(parent.acl)
	owner := n.stat.EphemeralOwner
	typ, _ := t.ephemeralType(owner)
	switch typ {
	case EphemeralContainer:
		delete(t.containers, path)
	case EphemeralTTL:
		delete(t.ttls, path)
	case EphemeralNormal:
		if set := t.ephemerals[owner]; set != nil {
			delete(set, path)
		}
	}

	// ZooKeeper tests the "/zookeeper" prefix here but strips the length of
	// "/zookeeper/quota"; a shorter parent would make it throw.
	if strings.HasPrefix(parentName, ProcPath) && childName == limitNode && len(parentName) >= len(QuotaPath) {
		t.deleteQuota(parentName[len(QuotaPath):])
	}
	if prefix, ok := t.maxQuotaPrefix(path); ok {
		t.updateQuotaStat(prefix, -int64(len(n.data)), -1)
	}

	processed := t.fire(&t.w.data, path, jute.EventNodeDeleted, zxid, acl, nil)
	t.fire(&t.w.child, path, jute.EventNodeDeleted, zxid, acl, processed)
	t.fire(&t.w.child, watchPath(parentName), jute.EventNodeChildrenChanged, zxid, parentACL, nil)
	return jute.OK
}

// setData replaces a znode's data; version is the new data version.
func (t *Tree) setData(path string, data []byte, version int32, zxid, time int64) (jute.Stat, jute.Code) {
	n := t.nodes[path]
	if n == nil {
		return jute.Stat{}, jute.NoNode
	}
	acl := t.acls.get(n.acl)
	last := n.data
	t.preChange(n)
	n.data = data
	n.stat.Mtime = time
	n.stat.Mzxid = zxid
	n.stat.Version = version
	t.postChange(n)
	st := t.stat(n)
	if prefix, ok := t.maxQuotaPrefix(path); ok {
		t.updateQuotaStat(prefix, int64(len(data))-int64(len(last)), 0)
	}
	t.dataSize += nodeSize(path, data) - nodeSize(path, last)
	t.fire(&t.w.data, path, jute.EventNodeDataChanged, zxid, acl, nil)
	return st, jute.OK
}

// setACL replaces a znode's ACL; version is the new aversion. No watch fires.
func (t *Tree) setACL(path string, acl []jute.ACL, version int32) (jute.Stat, jute.Code) {
	n := t.nodes[path]
	if n == nil {
		return jute.Stat{}, jute.NoNode
	}
	t.acls.removeUsage(n.acl)
	t.preChange(n)
	n.stat.Aversion = version
	n.acl = t.acls.convert(acl)
	t.postChange(n)
	return t.stat(n), jute.OK
}

// setCversionPzxid moves a node's cversion (and pzxid) forward; -1 means
// cversion + 1. It repairs the parent when a create is replayed over a
// snapshot that already holds the child.
func (t *Tree) setCversionPzxid(path string, cversion int32, zxid int64) jute.Code {
	path = strings.TrimSuffix(path, "/")
	n := t.nodes[path]
	if n == nil {
		return jute.NoNode
	}
	if cversion == -1 {
		cversion = n.stat.Cversion + 1
	}
	if cversion > n.stat.Cversion {
		t.preChange(n)
		n.stat.Cversion = cversion
		n.stat.Pzxid = zxid
		t.postChange(n)
	}
	return jute.OK
}

// killSession deletes a session's ephemerals: first the paths the
// closeSession txn lists (when it lists them), then whatever else the
// ephemeral index still holds for the session, children before parents.
// Missing nodes are skipped.
//
// Prep never lets an ephemeral have children, but a txn log may (DataTree
// accepts such creates). ZooKeeper would then delete the parent and orphan
// the children; here a parent that is not empty yet is retried once the
// rest is gone, and one that still cannot go stays indexed under its owner.
func (t *Tree) killSession(session, zxid int64, listed []string, hasList bool) {
	local := t.ephemerals[session]
	delete(t.ephemerals, session)
	var notEmpty []string
	if hasList {
		notEmpty = t.deleteNodes(session, zxid, listed, notEmpty)
		for _, p := range listed {
			delete(local, p)
		}
		if len(local) > 0 {
			t.log.Warn("tree: session has ephemerals the closeSession txn does not list", "session", session, "zxid", zxid, "count", len(local))
		}
	}
	rest := make([]string, 0, len(local))
	for p := range local {
		rest = append(rest, p)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(rest)))
	notEmpty = t.deleteNodes(session, zxid, rest, notEmpty)
	for len(notEmpty) > 0 {
		again := t.deleteNodes(session, zxid, notEmpty, nil)
		if len(again) == len(notEmpty) {
			break
		}
		notEmpty = again
	}
	for _, p := range notEmpty {
		if n := t.nodes[p]; n != nil {
			if typ, _ := t.ephemeralType(n.stat.EphemeralOwner); typ == EphemeralNormal {
				t.indexEphemeral(n.stat.EphemeralOwner, p)
			}
		}
	}
}

// deleteNodes deletes paths, appending those that still have children to
// notEmpty.
func (t *Tree) deleteNodes(session, zxid int64, paths []string, notEmpty []string) []string {
	for _, p := range paths {
		switch code := t.deleteNode(p, zxid); code {
		case jute.OK:
		case jute.NotEmpty:
			notEmpty = append(notEmpty, p)
		default:
			t.log.Warn("tree: ignoring failure to delete an ephemeral of a closed session", "path", p, "session", session, "err", code.Message())
		}
	}
	return notEmpty
}

func (t *Tree) indexEphemeral(owner int64, path string) {
	set := t.ephemerals[owner]
	if set == nil {
		set = map[string]struct{}{}
		t.ephemerals[owner] = set
	}
	set[path] = struct{}{}
}

// KillSession deletes the ephemerals of a session that is gone without a
// closeSession txn (ZooKeeperServer.killSession at startup, for sessions
// the snapshot no longer knows). It returns the events it triggered.
func (t *Tree) KillSession(session, zxid int64) []Event {
	t.events = nil
	t.killSession(session, zxid, nil, false)
	ev := t.events
	t.events = nil
	return ev
}

// SetConfigNode stores the ensemble configuration in /zookeeper/config as
// ZKDatabase.initConfigInZKDatabase does: a setData with version -1, the
// config version as zxid, and the given time. The node is re-created if a
// pre-3.5 snapshot lacked it. Standalone servers leave it empty.
func (t *Tree) SetConfigNode(data []byte, configVersion, timeMs int64) []Event {
	t.events = nil
	if t.nodes[ConfigPath] == nil {
		t.addConfigNode()
	}
	t.setData(ConfigPath, data, -1, configVersion, timeMs)
	ev := t.events
	t.events = nil
	return ev
}
