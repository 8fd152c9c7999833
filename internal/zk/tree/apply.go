package tree

import (
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// Result is what applying one txn did (DataTree.ProcessTxnResult).
type Result struct {
	Type int32     // the txn type (hdr.Type)
	Err  jute.Code // OK, the op's error, or for a multi the first sub-op error
	Path string    // the txn's path (the created path for creates)
	// Stat is the created or changed node's Stat, for creates, setData and
	// setACL that succeeded.
	Stat jute.Stat
	// Multi holds a multi's results as the reply carries them: CreateResult
	// (OpCreate with *jute.CreateResponse, or OpCreate2 with
	// *jute.Create2Response for create2, createTTL and createContainer),
	// SetDataResult (*jute.SetDataResponse), DeleteResult, CheckResult, and
	// ErrorResult (OpError with Err and *jute.ErrorResponse).
	Multi []jute.MultiResult
	// Events are the watch notifications the txn triggered, in trigger
	// order (for a create NodeCreated, then NodeChildrenChanged of the
	// parent), each trigger's by WatcherID, at most one per watcher per
	// trigger, already filtered by Options.CanRead.
	Events []Event
}

// Apply applies one committed txn (DataTree.processTxn) and returns its
// result and watch events. It never panics: a txn that does not fit the
// tree (a missing parent, an existing node, a record of the wrong type)
// yields an error code and, except where ZooKeeper also does so on the
// failure path, no change. Replaying a log over a snapshot that already
// contains some of its effects gives NodeExists/NoNode errors that the
// caller ignores, as FileTxnSnapLog does.
//
// Apply takes ownership of the byte and ACL slices in txn: they become the
// node's and must not be modified afterwards. hdr.Time is the ctime/mtime of
// what the txn creates or changes; the last processed zxid becomes hdr.Zxid
// if higher.
func (t *Tree) Apply(hdr *jute.TxnHeader, txn jute.Record) Result {
	if hdr == nil {
		return Result{Err: jute.BadArguments}
	}
	t.events = nil
	sub := t.process(hdr, txn)
	r := Result{Type: hdr.Type, Err: sub.err, Path: sub.path, Stat: sub.stat, Multi: sub.multi}
	t.afterTxn(hdr.Zxid)
	r.Events = t.events
	t.events = nil
	return r
}

type subResult struct {
	typ   int32
	err   jute.Code
	path  string
	stat  jute.Stat
	multi []jute.MultiResult
}

// process applies a txn or a multi's sub-txn.
func (t *Tree) process(hdr *jute.TxnHeader, txn jute.Record) subResult {
	r := subResult{typ: hdr.Type}
	switch hdr.Type {
	case jute.OpCreate, jute.OpCreate2:
		c, ok := txn.(*jute.CreateTxn)
		if !ok {
			r.err = jute.MarshallingError
			break
		}
		r.path = c.Path
		owner := int64(0)
		if c.Ephemeral {
			owner = hdr.ClientID
		}
		r.stat, r.err = t.create(c.Path, c.Data, c.ACL, owner, c.ParentCVersion, hdr)
		if r.err == jute.NodeExists && hdr.Type == jute.OpCreate {
			// The snapshot already holds the node: bring the parent's
			// cversion and pzxid to what the create made them.
			parent, _, _ := splitPath(c.Path)
			if code := t.setCversionPzxid(parent, c.ParentCVersion, hdr.Zxid); code != jute.OK {
				r.err = code
			}
		}
	case jute.OpCreateTTL:
		c, ok := txn.(*jute.CreateTTLTxn)
		if !ok {
			r.err = jute.MarshallingError
			break
		}
		r.path = c.Path
		owner, ok := TTLOwner(c.TTL)
		if !ok {
			r.err = jute.BadArguments
			break
		}
		r.stat, r.err = t.create(c.Path, c.Data, c.ACL, owner, c.ParentCVersion, hdr)
	case jute.OpCreateContainer:
		c, ok := txn.(*jute.CreateContainerTxn)
		if !ok {
			r.err = jute.MarshallingError
			break
		}
		r.path = c.Path
		r.stat, r.err = t.create(c.Path, c.Data, c.ACL, ContainerOwner, c.ParentCVersion, hdr)
	case jute.OpDelete, jute.OpDeleteContainer:
		d, ok := txn.(*jute.DeleteTxn)
		if !ok {
			r.err = jute.MarshallingError
			break
		}
		r.path = d.Path
		r.err = t.deleteNode(d.Path, hdr.Zxid)
	case jute.OpSetData, jute.OpReconfig:
		s, ok := txn.(*jute.SetDataTxn)
		if !ok {
			r.err = jute.MarshallingError
			break
		}
		r.path = s.Path
		r.stat, r.err = t.setData(s.Path, s.Data, s.Version, hdr.Zxid, hdr.Time)
	case jute.OpSetACL:
		s, ok := txn.(*jute.SetACLTxn)
		if !ok {
			r.err = jute.MarshallingError
			break
		}
		r.path = s.Path
		r.stat, r.err = t.setACL(s.Path, s.ACL, s.Version)
	case jute.OpCloseSession:
		var listed []string
		hasList := false
		switch c := txn.(type) {
		case nil:
		case *jute.CloseSessionTxn:
			listed, hasList = c.Paths, c.Present && c.Paths != nil
		default:
			r.err = jute.MarshallingError
		}
		if r.err == jute.OK {
			t.killSession(hdr.ClientID, hdr.Zxid, listed, hasList)
		}
	case jute.OpError:
		e, ok := txn.(*jute.ErrorTxn)
		if !ok {
			r.err = jute.MarshallingError
			break
		}
		r.err = jute.Code(e.Err)
	case jute.OpCheck:
		c, ok := txn.(*jute.CheckVersionTxn)
		if !ok {
			r.err = jute.MarshallingError
			break
		}
		r.path = c.Path
	case jute.OpMulti:
		m, ok := txn.(*jute.MultiTxn)
		if !ok {
			r.err = jute.MarshallingError
			break
		}
		r.multi, r.err = t.multi(hdr, m)
	}
	// createSession, the legacy setMaxChildren and unknown types change
	// nothing, as in ZooKeeper.
	return r
}

func (t *Tree) create(path string, data []byte, acl []jute.ACL, owner int64, pcv int32, hdr *jute.TxnHeader) (jute.Stat, jute.Code) {
	n, code := t.createNode(path, data, acl, owner, pcv, hdr.Zxid, hdr.Time)
	if code != jute.OK {
		return jute.Stat{}, code
	}
	return t.stat(n), jute.OK
}

// multi applies a multi's sub-txns in order. If any sub-txn is an error
// txn the multi failed in prep: every other sub-txn is applied as an error
// too, with code 0 before the first error txn and RuntimeInconsistency
// after it. Otherwise each sub-txn is applied, and (on replay only) one
// that fails does not stop the others. A sub-txn that cannot be decoded or
// may not be in a multi ends the multi there with MarshallingError.
func (t *Tree) multi(hdr *jute.TxnHeader, m *jute.MultiTxn) ([]jute.MultiResult, jute.Code) {
	failed := false
	for i := range m.Txns {
		if m.Txns[i].Type == jute.OpError {
			failed = true
			break
		}
	}
	results := make([]jute.MultiResult, 0, len(m.Txns))
	first := jute.OK
	postFailed := false
	for i := range m.Txns {
		st := &m.Txns[i]
		typ := st.Type
		if !multiOpAllowed(typ) {
			return results, firstOr(first, jute.MarshallingError)
		}
		rec, err := jute.NewTxnRecord(typ)
		if err != nil {
			return results, firstOr(first, jute.MarshallingError)
		}
		d := jute.NewDecoder(st.Data)
		rec.Decode(d)
		if d.Err() != nil {
			return results, firstOr(first, jute.MarshallingError)
		}
		if typ == jute.OpError {
			postFailed = true
		}
		if failed && typ != jute.OpError {
			code := int32(jute.OK)
			if postFailed {
				code = int32(jute.RuntimeInconsistency)
			}
			typ, rec = jute.OpError, &jute.ErrorTxn{Err: code}
		}
		subHdr := *hdr
		subHdr.Type = typ
		sub := t.process(&subHdr, rec)
		results = append(results, multiResult(sub))
		if sub.err != jute.OK && first == jute.OK {
			first = sub.err
		}
	}
	return results, first
}

func firstOr(first, code jute.Code) jute.Code {
	if first != jute.OK {
		return first
	}
	return code
}

func multiOpAllowed(typ int32) bool {
	switch typ {
	case jute.OpCreate, jute.OpCreate2, jute.OpCreateTTL, jute.OpCreateContainer,
		jute.OpDelete, jute.OpDeleteContainer, jute.OpSetData, jute.OpError, jute.OpCheck:
		return true
	}
	return false
}

// multiResult is the OpResult FinalRequestProcessor builds for a sub-txn.
func multiResult(s subResult) jute.MultiResult {
	switch s.typ {
	case jute.OpCreate:
		return jute.MultiResult{Type: jute.OpCreate, Rec: &jute.CreateResponse{Path: s.path}}
	case jute.OpCreate2, jute.OpCreateTTL, jute.OpCreateContainer:
		return jute.MultiResult{Type: jute.OpCreate2, Rec: &jute.Create2Response{Path: s.path, Stat: s.stat}}
	case jute.OpDelete, jute.OpDeleteContainer:
		return jute.MultiResult{Type: jute.OpDelete}
	case jute.OpSetData:
		return jute.MultiResult{Type: jute.OpSetData, Rec: &jute.SetDataResponse{Stat: s.stat}}
	case jute.OpCheck:
		return jute.MultiResult{Type: jute.OpCheck}
	}
	return jute.MultiResult{Type: jute.OpError, Err: int32(s.err), Rec: &jute.ErrorResponse{Err: int32(s.err)}}
}
