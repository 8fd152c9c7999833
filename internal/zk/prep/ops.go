package prep

import (
	"sort"

	"github.com/wharf-project/wharf/internal/zk/acl"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// Each op follows its case of PrepRequestProcessor.pRequest2Txn, checks in
// the same order, so that a request wrong in several ways fails with the
// code ZooKeeper gives.

type createArgs struct {
	path  string
	data  []byte
	acl   []jute.ACL
	flags int32
	ttl   int64 // -1 unless createTTL
}

// create is pRequest2TxnCreate.
func (p *Preparer) create(req *Request, hdr *jute.TxnHeader, typ jute.OpCode, a createArgs) (jute.Record, jute.Code) {
	mode, ok := modeFromFlag(a.flags)
	if !ok {
		return nil, jute.BadArguments
	}
	// validateCreateRequest
	if mode.ttl && !p.opts.ExtendedTypesEnabled {
		return nil, jute.Unimplemented
	}
	if !validTTL(mode, a.ttl) {
		return nil, jute.BadArguments
	}
	if c := sessionCheck(req, mode.ephemeral); c != jute.OK {
		return nil, c
	}
	parentPath, ok := parentOf(a.path)
	if !ok {
		return nil, jute.BadArguments
	}
	acls, c := acl.FixupACL(a.acl, req.Auth, p.opts.ACL)
	if c != jute.OK {
		return nil, c
	}
	parent, ok := p.ch.get(p.view, parentPath)
	if !ok {
		return nil, jute.NoNode
	}
	if !acl.Check(parent.acl, jute.PermCreate, req.Auth, p.opts.ACL) {
		return nil, jute.NoAuth
	}
	path := a.path
	if mode.sequential {
		path = sequential(path, parent.stat.Cversion)
	}
	if ValidatePath(path) != nil {
		return nil, jute.BadArguments
	}
	if _, exists := p.ch.get(p.view, path); exists {
		return nil, jute.NodeExists
	}
	et, ok := p.ephemeralType(parent.stat.EphemeralOwner)
	if !ok {
		return nil, jute.MarshallingError
	}
	if et == ephNormal {
		return nil, jute.NoChildrenForEphemerals
	}
	if p.tooBig(a.data) {
		return nil, jute.BadArguments
	}
	newCversion := parent.stat.Cversion + 1
	var txn jute.Record
	switch typ {
	case jute.OpCreateContainer:
		txn = &jute.CreateContainerTxn{Path: path, Data: a.data, ACL: acls, ParentCVersion: newCversion}
	case jute.OpCreateTTL:
		txn = &jute.CreateTTLTxn{Path: path, Data: a.data, ACL: acls, ParentCVersion: newCversion, TTL: a.ttl}
	default:
		txn = &jute.CreateTxn{Path: path, Data: a.data, ACL: acls, Ephemeral: mode.ephemeral, ParentCVersion: newCversion}
	}
	// The outstanding owner follows the mode, as ZooKeeper's does, even where
	// the txn type decides otherwise when applied (create with the container
	// flag, createContainer with another).
	var owner int64
	switch {
	case mode.container:
		owner = containerOwner
	case mode.ttl:
		owner = extendedMask | a.ttl
	case mode.ephemeral:
		owner = req.SessionID
	}
	parent.zxid = hdr.Zxid
	parent.stat.NumChildren++
	parent.stat.Cversion = newCversion
	parent.stat.Pzxid = hdr.Zxid
	p.ch.add(parent)
	p.ch.add(change{zxid: hdr.Zxid, path: path, acl: acls, stat: jute.Stat{
		Czxid: hdr.Zxid, Mzxid: hdr.Zxid, Ctime: hdr.Time, Mtime: hdr.Time,
		EphemeralOwner: owner, DataLength: int32(len(a.data)), Pzxid: hdr.Zxid,
	}})
	return txn, jute.OK
}

func (p *Preparer) delete(req *Request, hdr *jute.TxnHeader, r *jute.DeleteRequest) (jute.Record, jute.Code) {
	if req.SessionErr != jute.OK {
		return nil, req.SessionErr
	}
	parentPath, ok := deletable(r.Path)
	if !ok {
		return nil, jute.BadArguments
	}
	parent, ok := p.ch.get(p.view, parentPath)
	if !ok {
		return nil, jute.NoNode
	}
	if !acl.Check(parent.acl, jute.PermDelete, req.Auth, p.opts.ACL) {
		return nil, jute.NoAuth
	}
	node, ok := p.ch.get(p.view, r.Path)
	if !ok {
		return nil, jute.NoNode
	}
	if !versionMatches(node.stat.Version, r.Version) {
		return nil, jute.BadVersion
	}
	if node.stat.NumChildren > 0 {
		return nil, jute.NotEmpty
	}
	p.removeNode(hdr.Zxid, r.Path, parent)
	return &jute.DeleteTxn{Path: r.Path}, jute.OK
}

// deleteContainer is the ContainerManager's delete: only a childless node
// that is not a session's ephemeral (BadVersion then), with no ACL or
// session check.
func (p *Preparer) deleteContainer(hdr *jute.TxnHeader, r *jute.DeleteTxn) (jute.Record, jute.Code) {
	parentPath, ok := deletable(r.Path)
	if !ok {
		return nil, jute.BadArguments
	}
	node, ok := p.ch.get(p.view, r.Path)
	if !ok {
		return nil, jute.NoNode
	}
	if node.stat.NumChildren > 0 {
		return nil, jute.NotEmpty
	}
	et, ok := p.ephemeralType(node.stat.EphemeralOwner)
	if !ok {
		return nil, jute.MarshallingError
	}
	if et == ephNormal {
		return nil, jute.BadVersion
	}
	parent, ok := p.ch.get(p.view, parentPath)
	if !ok {
		return nil, jute.NoNode
	}
	p.removeNode(hdr.Zxid, r.Path, parent)
	return &jute.DeleteTxn{Path: r.Path}, jute.OK
}

// deletable is getParentPathAndValidate: the parent, unless the path has no
// slash, a NUL, or is one of the nodes ZooKeeper keeps.
func deletable(path string) (string, bool) {
	if isSpecialPath(path) {
		return "", false
	}
	return parentOf(path)
}

// removeNode records a deletion and its parent's new child count and pzxid.
func (p *Preparer) removeNode(zxid int64, path string, parent change) {
	parent.zxid = zxid
	parent.stat.NumChildren--
	parent.stat.Pzxid = zxid
	p.ch.add(parent)
	p.ch.add(change{zxid: zxid, path: path, deleted: true})
}

// existing is the start setData and check share: the session, the path, the
// node, and perm on it.
func (p *Preparer) existing(req *Request, path string, perm int32) (change, jute.Code) {
	if req.SessionErr != jute.OK {
		return change{}, req.SessionErr
	}
	if ValidatePath(path) != nil {
		return change{}, jute.BadArguments
	}
	node, ok := p.ch.get(p.view, path)
	if !ok {
		return change{}, jute.NoNode
	}
	if !acl.Check(node.acl, perm, req.Auth, p.opts.ACL) {
		return change{}, jute.NoAuth
	}
	return node, jute.OK
}

func (p *Preparer) setData(req *Request, hdr *jute.TxnHeader, r *jute.SetDataRequest) (jute.Record, jute.Code) {
	node, c := p.existing(req, r.Path, jute.PermWrite)
	if c != jute.OK {
		return nil, c
	}
	if p.tooBig(r.Data) {
		return nil, jute.BadArguments
	}
	if !versionMatches(node.stat.Version, r.Version) {
		return nil, jute.BadVersion
	}
	v := node.stat.Version + 1
	node.zxid = hdr.Zxid
	node.stat.Version = v
	node.stat.Mtime = hdr.Time
	node.stat.Mzxid = hdr.Zxid
	node.stat.DataLength = int32(len(r.Data))
	p.ch.add(node)
	return &jute.SetDataTxn{Path: r.Path, Data: r.Data, Version: v}, jute.OK
}

func (p *Preparer) setACL(req *Request, hdr *jute.TxnHeader, r *jute.SetACLRequest) (jute.Record, jute.Code) {
	if req.SessionErr != jute.OK {
		return nil, req.SessionErr
	}
	if ValidatePath(r.Path) != nil {
		return nil, jute.BadArguments
	}
	acls, c := acl.FixupACL(r.ACL, req.Auth, p.opts.ACL)
	if c != jute.OK {
		return nil, c
	}
	node, ok := p.ch.get(p.view, r.Path)
	if !ok {
		return nil, jute.NoNode
	}
	if !acl.Check(node.acl, jute.PermAdmin, req.Auth, p.opts.ACL) {
		return nil, jute.NoAuth
	}
	if !versionMatches(node.stat.Aversion, r.Version) {
		return nil, jute.BadVersion
	}
	v := node.stat.Aversion + 1
	node.zxid = hdr.Zxid
	node.stat.Aversion = v
	node.acl = acls
	p.ch.add(node)
	return &jute.SetACLTxn{Path: r.Path, ACL: acls, Version: v}, jute.OK
}

// check is a multi's version check: READ on the node, and the txn records
// the version plus one, as ZooKeeper's checkAndIncVersion returns it.
func (p *Preparer) check(req *Request, r *jute.CheckVersionRequest) (jute.Record, jute.Code) {
	node, c := p.existing(req, r.Path, jute.PermRead)
	if c != jute.OK {
		return nil, c
	}
	if !versionMatches(node.stat.Version, r.Version) {
		return nil, jute.BadVersion
	}
	return &jute.CheckVersionTxn{Path: r.Path, Version: node.stat.Version + 1}, jute.OK
}

// reconfig is answered as a server without dynamic reconfiguration does:
// ReconfigDisabled unless enabled, then the session check, then Unimplemented
// (ZooKeeper's standalone answer; Wharf has no ensemble reconfig yet).
func (p *Preparer) reconfig(req *Request) (jute.Record, jute.Code) {
	if !p.opts.ReconfigEnabled {
		return nil, jute.ReconfigDisabled
	}
	if req.SessionErr != jute.OK {
		return nil, req.SessionErr
	}
	return nil, jute.Unimplemented
}

// closeSession lists the session's ephemerals: the committed ones, less those
// an outstanding change deletes, plus those an outstanding change creates, and
// records their deletion. It never fails.
func (p *Preparer) closeSession(req *Request, hdr *jute.TxnHeader) jute.Record {
	es := make(map[string]struct{})
	for _, path := range p.view.Ephemerals(req.SessionID) {
		es[path] = struct{}{}
	}
	p.ch.live(func(r *change) {
		if r.deleted {
			delete(es, r.path)
		} else if r.stat.EphemeralOwner == req.SessionID {
			es[r.path] = struct{}{}
		}
	})
	paths := make([]string, 0, len(es))
	for path := range es {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	for _, path := range paths {
		if parentPath, ok := parentOf(path); ok {
			if parent, ok := p.ch.get(p.view, parentPath); ok {
				parent.zxid = hdr.Zxid
				parent.stat.NumChildren--
				parent.stat.Pzxid = hdr.Zxid
				p.ch.add(parent)
			}
		}
		p.ch.add(change{zxid: hdr.Zxid, path: path, deleted: true})
	}
	return &jute.CloseSessionTxn{Paths: paths, Present: !p.opts.CloseSessionTxnDisabled}
}

// sessionCheck is checkSession, or checkGlobalSession for an ephemeral, which
// reports an unknown session as expired.
func sessionCheck(req *Request, ephemeral bool) jute.Code {
	if ephemeral && req.SessionErr == jute.UnknownSession {
		return jute.SessionExpired
	}
	return req.SessionErr
}

// versionMatches is checkAndIncVersion's test: -1 matches any version.
func versionMatches(current, expected int32) bool {
	return expected == -1 || expected == current
}

func (p *Preparer) tooBig(data []byte) bool {
	return p.opts.MaxBuffer > 0 && len(data) > p.opts.MaxBuffer
}
