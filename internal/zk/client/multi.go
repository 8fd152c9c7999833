package client

import (
	"context"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// Op is one operation of a Multi or MultiRead; build it with CreateOp,
// DeleteOp, SetDataOp, CheckOp, GetDataOp or GetChildrenOp.
type Op struct {
	typ  jute.OpCode
	path string
	rec  func(serverPath string) jute.Record
	err  error // refused before sending
}

// CreateOp creates a znode (op create, createContainer or createTTL; ttl is
// ignored unless mode is a TTL mode).
func CreateOp(path string, data []byte, acl []jute.ACL, mode CreateMode, ttl int64) Op {
	if !mode.TTL() {
		ttl = -1
	}
	op := Op{typ: jute.OpCreate, path: path}
	switch {
	case !mode.Valid():
	case mode.TTL():
		op.typ = jute.OpCreateTTL
	case mode.Container():
		op.typ = jute.OpCreateContainer
	}
	op.err = checkCreate(path, acl, mode, ttl)
	op.rec = func(sp string) jute.Record {
		if mode.TTL() {
			return &jute.CreateTTLRequest{Path: sp, Data: data, ACL: acl, Flags: int32(mode), TTL: ttl}
		}
		return &jute.CreateRequest{Path: sp, Data: data, ACL: acl, Flags: int32(mode)}
	}
	return op
}

func pathVersionOp(typ jute.OpCode, path string, version int32) Op {
	return Op{typ: typ, path: path, err: ValidatePath(path, false),
		rec: func(sp string) jute.Record { return &jute.PathVersionRequest{Path: sp, Version: version} }}
}

// DeleteOp deletes a znode if version matches (-1: any).
func DeleteOp(path string, version int32) Op { return pathVersionOp(jute.OpDelete, path, version) }

// CheckOp fails the transaction unless the znode's version matches.
func CheckOp(path string, version int32) Op { return pathVersionOp(jute.OpCheck, path, version) }

// SetDataOp sets a znode's data if version matches (-1: any).
func SetDataOp(path string, data []byte, version int32) Op {
	return Op{typ: jute.OpSetData, path: path, err: ValidatePath(path, false),
		rec: func(sp string) jute.Record { return &jute.SetDataRequest{Path: sp, Data: data, Version: version} }}
}

func readOp(typ jute.OpCode, path string) Op {
	return Op{typ: typ, path: path, err: ValidatePath(path, false),
		rec: func(sp string) jute.Record { return &jute.PathWatchRequest{Path: sp} }}
}

// GetDataOp reads a znode in a MultiRead.
func GetDataOp(path string) Op { return readOp(jute.OpGetData, path) }

// GetChildrenOp lists a znode's children in a MultiRead.
func GetChildrenOp(path string) Op { return readOp(jute.OpGetChildren, path) }

// OpResult is the outcome of one Op. Err is nil or a jute.Code; the other
// fields are set according to the op's type.
type OpResult struct {
	Type     jute.OpCode // the result's type: the op's, or jute.OpError
	Err      error
	Path     string     // create: the created path
	Stat     *jute.Stat // create2-style creates, setData, getData
	Data     []byte     // getData
	Children []string   // getChildren
}

// Multi runs write ops as one transaction: all succeed or none do. On
// failure the error is the first failing op's code and the results say which
// op failed (the others are RuntimeInconsistency or OK).
func (c *Client) Multi(ctx context.Context, ops ...Op) ([]OpResult, error) {
	return c.multi(ctx, jute.OpMulti, ops)
}

// MultiRead runs GetDataOp and GetChildrenOp reads together; each result
// carries its own error.
func (c *Client) MultiRead(ctx context.Context, ops ...Op) ([]OpResult, error) {
	return c.multi(ctx, jute.OpMultiRead, ops)
}

func (c *Client) multi(ctx context.Context, op jute.OpCode, ops []Op) ([]OpResult, error) {
	if len(ops) == 0 {
		return nil, nil
	}
	req := &jute.MultiRequest{}
	for _, o := range ops {
		if o.err != nil {
			return nil, o.err
		}
		req.Ops = append(req.Ops, jute.MultiOp{Type: o.typ, Op: o.rec(c.serverPath(o.path))})
	}
	var resp jute.MultiResponse
	code, err := c.call(ctx, &request{op: op, body: req, resp: &resp})
	if err != nil {
		return nil, err
	}
	results := make([]OpResult, 0, len(resp.Results))
	var first error
	for _, r := range resp.Results {
		res := OpResult{Type: r.Type}
		if r.Type == jute.OpError {
			if r.Err != 0 {
				res.Err = jute.Code(r.Err)
				if first == nil {
					first = res.Err
				}
			}
		}
		switch rec := r.Rec.(type) {
		case *jute.CreateResponse:
			res.Path = c.stripCreated(rec.Path)
		case *jute.Create2Response:
			res.Path, res.Stat = c.stripCreated(rec.Path), &rec.Stat
		case *jute.StatResponse:
			res.Stat = &rec.Stat
		case *jute.GetDataResponse:
			res.Data, res.Stat = rec.Data, &rec.Stat
		case *jute.StringsResponse:
			res.Children = rec.Strings
		}
		results = append(results, res)
	}
	if code != jute.OK {
		return results, code
	}
	if op == jute.OpMulti && first != nil {
		return results, first
	}
	return results, nil
}
