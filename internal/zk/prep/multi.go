package prep

import "github.com/wharf-project/wharf/internal/zk/jute"

// multi is pRequestHelper's multi case. ops run in order against the
// outstanding changes the earlier ones made; at the first failure those
// changes are rolled back and the rest are not tried. A malformed multi (an
// op MultiOperationRecord refuses to decode, a read op, a body of the wrong
// type) fails as a whole with MarshallingError.
func (p *Preparer) multi(req *Request, hdr *jute.TxnHeader) (jute.Record, jute.Code) {
	mr, ok := req.Body.(*jute.MultiRequest)
	if !ok || mr == nil {
		return nil, jute.MarshallingError
	}
	for _, op := range mr.Ops {
		if _, _, ok := multiOp(op); !ok {
			return nil, jute.MarshallingError
		}
	}

	txns := make([]jute.Txn, len(mr.Ops))
	if cap(p.ends) < len(mr.Ops) {
		p.ends = make([]int, len(mr.Ops))
	}
	ends := p.ends[:len(mr.Ops)]
	enc := jute.NewEncoder(make([]byte, 0, 64*len(mr.Ops)))

	mark := p.ch.mark()
	p.ch.logUndo = true
	defer func() { p.ch.logUndo = false; p.ch.undo = p.ch.undo[:0] }()

	failed := false
	for i, op := range mr.Ops {
		typ, body, _ := multiOp(op)
		if failed {
			txns[i].Type = jute.OpError
			(&jute.ErrorTxn{Err: int32(jute.RuntimeInconsistency)}).Encode(enc)
			ends[i] = enc.Len()
			continue
		}
		txn, code := p.op(req, hdr, typ, body)
		switch code {
		case jute.OK:
			txns[i].Type = typ
			txn.Encode(enc)
		case jute.MarshallingError:
			// Not a KeeperException in ZooKeeper: it escapes the multi.
			p.ch.rollback(mark)
			return nil, jute.MarshallingError
		default:
			failed = true
			p.ch.rollback(mark)
			txns[i].Type = jute.OpError
			(&jute.ErrorTxn{Err: int32(code)}).Encode(enc)
		}
		ends[i] = enc.Len()
	}
	buf := enc.Bytes()
	start := 0
	for i := range txns {
		txns[i].Data = buf[start:ends[i]:ends[i]]
		start = ends[i]
	}
	return &jute.MultiTxn{Txns: txns}, jute.OK
}

// multiOp is the op as MultiOperationRecord.deserialize rebuilds it through
// Op.create, whose type follows the create mode: a container flag makes any
// create a createContainer, a createTTL without a TTL mode becomes a plain
// create (its ttl dropped, an unknown flag kept for pRequest2Txn to refuse),
// and create, create2 or createContainer with a TTL or unknown flag does not
// decode at all. ok is false for anything that does not decode, reads
// included: a multi may not mix them with writes, and a multi of reads only
// is a multiRead.
func multiOp(op jute.MultiOp) (jute.OpCode, jute.Record, bool) {
	switch op.Type {
	case jute.OpCreate, jute.OpCreate2, jute.OpCreateContainer:
		r, ok := op.Op.(*jute.CreateRequest)
		if !ok || r == nil {
			return 0, nil, false
		}
		mode, ok := modeFromFlag(r.Flags)
		if !ok || mode.ttl {
			return 0, nil, false
		}
		if mode.container {
			return jute.OpCreateContainer, r, true
		}
		return op.Type, r, true
	case jute.OpCreateTTL:
		r, ok := op.Op.(*jute.CreateTTLRequest)
		if !ok || r == nil {
			return 0, nil, false
		}
		mode, _ := modeFromFlag(r.Flags)
		if mode.ttl {
			return jute.OpCreateTTL, r, true
		}
		typ := jute.OpCreate
		if mode.container {
			typ = jute.OpCreateContainer
		}
		return typ, &jute.CreateRequest{Path: r.Path, Data: r.Data, ACL: r.ACL, Flags: r.Flags}, true
	case jute.OpDelete, jute.OpCheck:
		r, ok := op.Op.(*jute.PathVersionRequest)
		return op.Type, r, ok && r != nil
	case jute.OpSetData:
		r, ok := op.Op.(*jute.SetDataRequest)
		return op.Type, r, ok && r != nil
	}
	return 0, nil, false
}
