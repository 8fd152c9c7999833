package prep

import (
	"errors"
	"fmt"

	"github.com/wharf-project/wharf/internal/zk/acl"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// View is the committed tree as prep reads it; the tree package implements it.
type View interface {
	// Node returns the committed znode at path: Stat (with NumChildren, DataLength) and ACL.
	// The Stat is the one clients see (DataNode.copyStat): cversion counts
	// creates and deletes (2·cversion − numChildren) and container and TTL
	// owners read as 0. Prep turns the cversion back into the persisted count
	// that sequential names come from; the owners it only tests for a
	// session's ephemeral, which both forms show alike. The root is "/".
	Node(path string) (stat jute.Stat, acl []jute.ACL, ok bool)
	// Ephemerals returns the paths of a session's committed ephemeral znodes.
	Ephemerals(session int64) []string
}

// ErrOptions reports an invalid Options value.
var ErrOptions = errors.New("prep: invalid options")

// Options configures a Preparer. Names follow ZooKeeper's settings.
type Options struct {
	// ExtendedTypesEnabled is zookeeper.extendedTypesEnabled: TTL nodes may
	// be created, and ephemeralOwner values with the high byte 0xff are TTLs.
	ExtendedTypesEnabled bool
	// Emulate353TTLNodes is zookeeper.emulate353TTLNodes: with extended types
	// enabled, any negative ephemeralOwner but the container marker is a TTL
	// (ZooKeeper 3.5.3's encoding, ZOOKEEPER-2901).
	Emulate353TTLNodes bool
	// MaxBuffer is jute.maxbuffer. Data longer than this is refused with
	// BadArguments (ZooKeeper relies on the packet length check alone; see
	// Prepare). 0 disables the check.
	MaxBuffer int
	// ACL holds skipACL, the super digest and the auth providers.
	ACL acl.Options
	// ReconfigEnabled is reconfigEnabled; when false reconfig fails with
	// ReconfigDisabled.
	ReconfigEnabled bool
	// Standalone is true for a server that is not part of an ensemble; its
	// reconfig fails with Unimplemented, as ZooKeeper's does. (An ensemble
	// reconfig is not implemented yet and fails the same way.)
	Standalone bool
	// CloseSessionTxnDisabled is zookeeper.closeSessionTxn.enabled=false:
	// closeSession txns carry no list of ephemerals (the pre-3.6 form).
	CloseSessionTxnDisabled bool
}

// DefaultOptions returns ZooKeeper's defaults for a standalone server.
func DefaultOptions() Options {
	return Options{MaxBuffer: jute.MaxBuffer, ACL: acl.DefaultOptions(), Standalone: true}
}

// Validate checks the options.
func (o Options) Validate() error {
	if o.MaxBuffer < 0 {
		return fmt.Errorf("%w: MaxBuffer %d is negative", ErrOptions, o.MaxBuffer)
	}
	if err := o.ACL.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrOptions, err)
	}
	return nil
}

// Request is a write as the server received it.
type Request struct {
	SessionID int64
	Cxid      int32 // the client's xid
	Type      jute.OpCode
	// Body is the decoded request record: *jute.CreateRequest (create,
	// create2, createContainer), *jute.CreateTTLRequest, *jute.DeleteRequest,
	// *jute.SetDataRequest, *jute.SetACLRequest, *jute.MultiRequest,
	// *jute.ReconfigRequest, *jute.CreateSessionTxn (createSession, with the
	// negotiated timeout), nothing for closeSession, *jute.DeleteTxn for the
	// server's own deleteContainer. A missing or mistyped body is a request
	// that failed to decode: it becomes an error txn with MarshallingError.
	Body jute.Record
	// Auth is the connection's identities.
	Auth []jute.Id
	// SessionErr is the session tracker's checkSession verdict for
	// SessionID: jute.OK, or SessionExpired (closing), SessionMoved or
	// UnknownSession. Prepare reports it where ZooKeeper's checkSession
	// throws, so it only wins over the errors checked before that point.
	// Ephemeral creates check the session as checkGlobalSession does:
	// UnknownSession is reported as SessionExpired.
	SessionErr jute.Code
}

// Preparer turns writes into txns. It is not safe for concurrent use.
type Preparer struct {
	view View
	opts Options
	ch   changes
	ends []int // scratch for multi: end offset of each sub-txn
}

// New returns a Preparer reading the committed tree through view.
func New(opts Options, view View) *Preparer {
	p := &Preparer{view: view, opts: opts}
	p.ch.init()
	return p
}

// IsWrite reports whether op is prepared into a txn and consumes a zxid. Reads,
// pings, watches, auth and sasl are not; neither is a single check, which
// ZooKeeper 3.9.4 refuses as Unimplemented before it is prepared
// (ZOOKEEPER-2623).
func IsWrite(op jute.OpCode) bool {
	switch op {
	case jute.OpCreate, jute.OpCreate2, jute.OpCreateContainer, jute.OpCreateTTL,
		jute.OpDelete, jute.OpDeleteContainer, jute.OpSetData, jute.OpSetACL,
		jute.OpReconfig, jute.OpMulti, jute.OpCreateSession, jute.OpCloseSession:
		return true
	}
	return false
}

// Prepare is pRequest for a write: it validates req against the outstanding
// changes and the committed tree, and returns the txn header (zxid and nowMs,
// ClientID = session, Cxid = xid) and body. A failed write gets header type
// jute.OpError and a *jute.ErrorTxn; a multi keeps type jute.OpMulti and a
// *jute.MultiTxn unless the whole multi is malformed. For an op that is not a
// write (see IsWrite) it returns a zero header and a nil txn and consumes
// nothing.
//
// Where Wharf deliberately differs from ZooKeeper 3.9.4:
//   - A body that failed to decode is logged with the zxid given, where
//     ZooKeeper reuses the last zxid (a duplicate in its log).
//   - A setACL's outstanding change carries the new ACL, so writes prepared
//     after it are checked against it; ZooKeeper keeps the old ACL there until
//     the setACL is applied.
//   - closeSession lowers the outstanding child count of each deleted
//     ephemeral's parent, so a delete of the parent prepared after it does not
//     fail with NotEmpty.
//   - A multi aborted by a malformed op is rolled back like any failed multi.
//   - Data longer than MaxBuffer is refused (BadArguments) in create and
//     setData; ZooKeeper never sees such a request from a client, since the
//     packet is bounded by jute.maxbuffer, but a forwarded one could reach it.
//   - No tree digest is computed; the closeSession ephemerals are sorted.
func (p *Preparer) Prepare(req Request, zxid, nowMs int64) (jute.TxnHeader, jute.Record) {
	if !IsWrite(req.Type) {
		return jute.TxnHeader{}, nil
	}
	hdr := jute.TxnHeader{ClientID: req.SessionID, Cxid: req.Cxid, Zxid: zxid, Time: nowMs, Type: req.Type}
	var txn jute.Record
	var code jute.Code
	if req.Type == jute.OpMulti {
		txn, code = p.multi(&req, &hdr)
	} else {
		txn, code = p.op(&req, &hdr, req.Type, req.Body)
	}
	if code != jute.OK {
		hdr.Type = jute.OpError
		return hdr, &jute.ErrorTxn{Err: int32(code)}
	}
	return hdr, txn
}

// Applied drops the outstanding changes of txns up to zxid, once the tree
// has applied them.
func (p *Preparer) Applied(zxid int64) { p.ch.applied(zxid) }

// Reset drops every outstanding change: prepared txns were abandoned (a
// failed persist, a change of leader) and the tree is the only truth.
func (p *Preparer) Reset() { p.ch.reset() }

// Outstanding returns the number of outstanding change records.
func (p *Preparer) Outstanding() int { return p.ch.len() }

// op is pRequest2Txn for one op, alone or inside a multi.
func (p *Preparer) op(req *Request, hdr *jute.TxnHeader, typ jute.OpCode, body jute.Record) (jute.Record, jute.Code) {
	switch typ {
	case jute.OpCreate, jute.OpCreate2, jute.OpCreateContainer:
		r, ok := body.(*jute.CreateRequest)
		if !ok || r == nil {
			return nil, jute.MarshallingError
		}
		return p.create(req, hdr, typ, createArgs{r.Path, r.Data, r.ACL, r.Flags, -1})
	case jute.OpCreateTTL:
		r, ok := body.(*jute.CreateTTLRequest)
		if !ok || r == nil {
			return nil, jute.MarshallingError
		}
		return p.create(req, hdr, typ, createArgs{r.Path, r.Data, r.ACL, r.Flags, r.TTL})
	case jute.OpDelete:
		r, ok := body.(*jute.DeleteRequest)
		if !ok || r == nil {
			return nil, jute.MarshallingError
		}
		return p.delete(req, hdr, r)
	case jute.OpDeleteContainer:
		r, ok := body.(*jute.DeleteTxn)
		if !ok || r == nil {
			return nil, jute.MarshallingError
		}
		return p.deleteContainer(hdr, r)
	case jute.OpSetData:
		r, ok := body.(*jute.SetDataRequest)
		if !ok || r == nil {
			return nil, jute.MarshallingError
		}
		return p.setData(req, hdr, r)
	case jute.OpSetACL:
		r, ok := body.(*jute.SetACLRequest)
		if !ok || r == nil {
			return nil, jute.MarshallingError
		}
		return p.setACL(req, hdr, r)
	case jute.OpCheck:
		r, ok := body.(*jute.CheckVersionRequest)
		if !ok || r == nil {
			return nil, jute.MarshallingError
		}
		return p.check(req, r)
	case jute.OpReconfig:
		if r, ok := body.(*jute.ReconfigRequest); !ok || r == nil {
			return nil, jute.MarshallingError
		}
		return p.reconfig(req)
	case jute.OpCreateSession:
		r, ok := body.(*jute.CreateSessionTxn)
		if !ok || r == nil {
			return nil, jute.MarshallingError
		}
		return r, jute.OK
	case jute.OpCloseSession:
		return p.closeSession(req, hdr), jute.OK
	}
	// An op type a multi cannot hold.
	return nil, jute.MarshallingError
}
