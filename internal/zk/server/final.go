package server

import (
	"strings"
	"time"

	"github.com/wharf-project/wharf/internal/zk/acl"
	"github.com/wharf-project/wharf/internal/zk/jute"
	"github.com/wharf-project/wharf/internal/zk/tree"
)

// answer is FinalRequestProcessor: it builds and sends the reply of an item
// whose turn has come (a read, or a write that has been applied).
func (k *core) answer(it *item) {
	c := it.c
	var code jute.Code
	var rsp jute.Record
	xid := it.xid
	switch {
	case it.err != jute.OK:
		code = it.err
	case it.op == jute.OpCreateSession:
		k.sendConnectResponse(c, true)
		k.srv.stats.record(c, it, "SESS", k.lastApplied)
		return
	case it.kind == kindPing:
		xid = jute.XidPing
	case it.kind == kindWrite:
		code, rsp = k.writeReply(it)
	case it.kind == kindBarrier:
		if p, ok := it.body.(*jute.PathRequest); ok {
			rsp = &jute.SyncResponse{Path: p.Path}
		}
	default:
		if sc := k.sessions.Check(c.sessionID); sc != jute.OK && c.sessionID != 0 {
			code = sc
		} else {
			code, rsp = k.read(c, it)
		}
	}
	if code != jute.OK {
		rsp = nil
	}
	c.release()
	c.send(&jute.ReplyHeader{Xid: xid, Zxid: k.lastApplied, Err: int32(code)}, rsp)
	k.srv.stats.record(c, it, lastOpName(it.op), k.lastApplied)
	if it.op == jute.OpCloseSession && it.kind == kindWrite {
		c.closed = true
		c.closeAfterFlush()
		k.forget(c)
	}
}

// writeReply builds the reply of an applied write.
func (k *core) writeReply(it *item) (jute.Code, jute.Record) {
	if it.hdr.Type == jute.OpError {
		if e, ok := it.txn.(*jute.ErrorTxn); ok {
			return jute.Code(e.Err), nil
		}
		return jute.SystemError, nil
	}
	r := &it.res
	switch it.op {
	case jute.OpMulti:
		return jute.OK, &jute.MultiResponse{Results: r.Multi}
	case jute.OpCreate:
		return r.Err, &jute.CreateResponse{Path: r.Path}
	case jute.OpCreate2, jute.OpCreateTTL, jute.OpCreateContainer:
		return r.Err, &jute.Create2Response{Path: r.Path, Stat: r.Stat}
	case jute.OpSetData:
		return r.Err, &jute.SetDataResponse{Stat: r.Stat}
	case jute.OpSetACL:
		return r.Err, &jute.SetACLResponse{Stat: r.Stat}
	case jute.OpReconfig:
		return r.Err, &jute.GetDataResponse{Stat: r.Stat}
	}
	return r.Err, nil // delete, deleteContainer, closeSession
}

// read serves a read from the committed tree, checking ACLs as
// FinalRequestProcessor does.
func (k *core) read(c *conn, it *item) (jute.Code, jute.Record) {
	w := tree.WatcherID(c.id)
	switch it.op {
	case jute.OpExists:
		req := it.body.(*jute.PathWatchRequest)
		if strings.IndexByte(req.Path, 0) >= 0 {
			return jute.BadArguments, nil
		}
		if _, a, ok := k.tree.Node(req.Path); ok && !k.canAccess(c, a, jute.PermRead) {
			return jute.NoAuth, nil
		}
		if req.Watch {
			k.tree.AddWatch(req.Path, w, tree.WatchExist)
		}
		st, _, ok := k.tree.Node(req.Path)
		if !ok {
			return jute.NoNode, nil
		}
		return jute.OK, &jute.ExistsResponse{Stat: st}
	case jute.OpGetData:
		return k.getData(c, it.body.(*jute.PathWatchRequest))
	case jute.OpGetChildren:
		return k.getChildren(c, it.body.(*jute.PathWatchRequest), false)
	case jute.OpGetChildren2:
		return k.getChildren(c, it.body.(*jute.PathWatchRequest), true)
	case jute.OpGetACL:
		req := it.body.(*jute.PathRequest)
		st, a, ok := k.tree.Node(req.Path)
		if !ok {
			return jute.NoNode, nil
		}
		if !k.canAccess(c, a, jute.PermRead|jute.PermAdmin) {
			return jute.NoAuth, nil
		}
		if !k.canAccess(c, a, jute.PermAdmin) {
			a = acl.MaskDigests(a)
		}
		return jute.OK, &jute.GetACLResponse{ACL: a, Stat: st}
	case jute.OpGetAllChildrenNumber:
		req := it.body.(*jute.PathRequest)
		_, a, ok := k.tree.Node(req.Path)
		if !ok {
			return jute.NoNode, nil
		}
		if !k.canAccess(c, a, jute.PermRead) {
			return jute.NoAuth, nil
		}
		return jute.OK, &jute.GetAllChildrenNumberResponse{Value: int32(k.tree.AllChildrenNumber(req.Path))}
	case jute.OpGetEphemerals:
		req := it.body.(*jute.PathRequest)
		return jute.OK, &jute.GetEphemeralsResponse{Strings: javaHashSetOrder(k.tree.EphemeralsByPrefix(c.sessionID, req.Path), 16)}
	case jute.OpMultiRead:
		return jute.OK, k.multiRead(c, it.body.(*jute.MultiRequest))
	case jute.OpSetWatches, jute.OpSetWatches2:
		req := it.body.(*jute.SetWatches)
		if req.DataWatches == nil || req.ExistWatches == nil || req.ChildWatches == nil ||
			req.V2 && (req.PersistentWatches == nil || req.PersistentRecursiveWatches == nil) {
			return jute.MarshallingError, nil // DataTree.setWatches iterates them: a null one throws
		}
		k.dispatch(k.tree.SetWatches(req.RelativeZxid, req.DataWatches, req.ExistWatches, req.ChildWatches,
			req.PersistentWatches, req.PersistentRecursiveWatches, w))
		return jute.OK, nil
	case jute.OpAddWatch:
		req := it.body.(*jute.PathTypeRequest)
		kind, ok := tree.AddWatchKind(req.Type)
		if !ok {
			return jute.MarshallingError, nil // WatcherMode.fromZooDef throws
		}
		k.tree.AddWatch(req.Path, w, kind)
		return jute.OK, &jute.ErrorResponse{}
	case jute.OpCheckWatches, jute.OpRemoveWatches:
		req := it.body.(*jute.PathTypeRequest)
		if req.Type < jute.WatcherChildren || req.Type > jute.WatcherPersistentRecursive {
			return jute.MarshallingError, nil // WatcherType.fromInt throws
		}
		if it.op == jute.OpCheckWatches {
			return k.tree.CheckWatches(req.Path, w, req.Type), nil
		}
		return k.tree.RemoveWatches(req.Path, w, req.Type), nil
	case jute.OpWhoAmI:
		return jute.OK, &jute.WhoAmIResponse{ClientInfo: acl.WhoAmI(c.auth, k.srv.aclOpts)}
	}
	return jute.Unimplemented, nil
}

func (k *core) getData(c *conn, req *jute.PathWatchRequest) (jute.Code, jute.Record) {
	_, a, ok := k.tree.Node(req.Path)
	if !ok {
		return jute.NoNode, nil
	}
	if !k.canAccess(c, a, jute.PermRead) {
		return jute.NoAuth, nil
	}
	data, st, _ := k.tree.GetData(req.Path)
	if req.Watch {
		k.tree.AddWatch(req.Path, tree.WatcherID(c.id), tree.WatchData)
	}
	return jute.OK, &jute.GetDataResponse{Data: data, Stat: st}
}

func (k *core) getChildren(c *conn, req *jute.PathWatchRequest, withStat bool) (jute.Code, jute.Record) {
	_, a, ok := k.tree.Node(req.Path)
	if !ok {
		return jute.NoNode, nil
	}
	if !k.canAccess(c, a, jute.PermRead) {
		return jute.NoAuth, nil
	}
	children, st, _ := k.tree.Children(req.Path)
	if req.Watch {
		k.tree.AddWatch(req.Path, tree.WatcherID(c.id), tree.WatchChild)
	}
	if withStat {
		return jute.OK, &jute.GetChildren2Response{Children: children, Stat: st}
	}
	return jute.OK, &jute.GetChildrenResponse{Strings: children}
}

// multiRead runs each read of a multiRead; a failed one becomes an error result.
func (k *core) multiRead(c *conn, req *jute.MultiRequest) jute.Record {
	out := &jute.MultiResponse{Results: make([]jute.MultiResult, 0, len(req.Ops))}
	for _, op := range req.Ops {
		var code jute.Code
		var rec jute.Record
		pw, ok := op.Op.(*jute.PathWatchRequest)
		switch {
		case ok && op.Type == jute.OpGetData:
			code, rec = k.getData(c, pw)
		case ok && op.Type == jute.OpGetChildren:
			code, rec = k.getChildren(c, pw, false)
		default:
			code = jute.MarshallingError
		}
		if code != jute.OK {
			out.Results = append(out.Results, jute.MultiResult{Type: jute.OpError, Err: int32(code)})
			continue
		}
		out.Results = append(out.Results, jute.MultiResult{Type: op.Type, Rec: rec})
	}
	return out
}

func (k *core) canAccess(c *conn, a []jute.ACL, perm int32) bool {
	return acl.Check(a, perm, c.auth, k.srv.aclOpts)
}

// record is kept here so stats stay next to the reply path.
var _ = time.Now
