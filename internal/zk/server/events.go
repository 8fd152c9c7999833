package server

import (
	"time"

	"github.com/wharf-project/wharf/internal/zk/jute"
	"github.com/wharf-project/wharf/internal/zk/tree"
)

// event is anything the core acts on.
type event interface{}

type evConnect struct {
	c   *conn
	req *jute.ConnectRequest
}

type evRequest struct {
	c         *conn
	xid       int32
	op        jute.OpCode
	kind      opKind
	body      jute.Record
	decodeErr jute.Code
	received  time.Time
}

type evClosed struct{ c *conn }

// evPersisted hands a batch back to the core after its fsync.
type evPersisted struct {
	batch []*item
	err   error
}

// evSnapshotDue asks the core for a snapshot (the persister rolled the log).
type evSnapshotDue struct{}

type evSnapshotDone struct {
	zxid int64
	err  error
}

// evCall runs fn on the core goroutine (four-letter words, AdminServer, tests).
type evCall struct {
	fn   func()
	done chan struct{}
}

// item is one request on its way through the pipeline. Items of a
// connection sit in its queue until answered; writes and barriers also pass
// through the persister.
type item struct {
	c        *conn // nil for requests the server makes itself (expiry, containers)
	xid      int32
	op       jute.OpCode
	kind     opKind
	body     jute.Record
	err      jute.Code // a decode failure to report instead of executing
	received time.Time

	hdr     *jute.TxnHeader // nil for barriers
	txn     jute.Record
	applied bool
	res     tree.Result
}
