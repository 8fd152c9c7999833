package prep

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/wharf-project/wharf/internal/zk/acl"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// The outstanding changes must model the tree exactly: preparing a request
// while earlier txns are still unapplied has to give the txn it would get once
// they are applied. TestPipelinedEqualsSequential prepares random request
// streams twice, once applying each txn before the next is prepared and once
// with applies lagging behind at random, and requires identical txns and
// trees.

var (
	modelPaths    = []string{"/a", "/b", "/a/x", "/a/y", "/b/x", "/a/x/z", "/c", "/c/k"}
	modelSessions = []int64{0x1000, 0x2000, 0x3000}
	modelACLs     = [][]jute.ACL{
		world,
		worldWith(jute.PermAll &^ jute.PermCreate),
		{{Perms: jute.PermAll, ID: alice}, {Perms: jute.PermRead, ID: acl.Anyone}},
		acl.CreatorAllACL(),
	}
)

type modelGen struct{ r *rand.Rand }

func (g modelGen) path() string { return modelPaths[g.r.IntN(len(modelPaths))] }

func (g modelGen) version() int32 {
	if g.r.IntN(3) == 0 {
		return int32(g.r.IntN(3))
	}
	return -1
}

func (g modelGen) createOp() (jute.OpCode, jute.Record) {
	p := g.path()
	a := modelACLs[g.r.IntN(len(modelACLs))]
	switch g.r.IntN(8) {
	case 0:
		return jute.OpCreateContainer, &jute.CreateRequest{Path: p, ACL: a, Flags: jute.ModeContainer}
	case 1:
		return jute.OpCreateTTL, &jute.CreateTTLRequest{Path: p, ACL: a, Flags: 5 + g.r.Int32N(2), TTL: 1 + g.r.Int64N(5000)}
	case 2:
		return jute.OpCreate2, &jute.CreateRequest{Path: p, ACL: a, Flags: g.r.Int32N(4)}
	}
	return jute.OpCreate, &jute.CreateRequest{Path: p, Data: []byte(p), ACL: a, Flags: g.r.Int32N(4)}
}

// subOp is a write a multi may hold.
func (g modelGen) subOp() (jute.OpCode, jute.Record) {
	switch g.r.IntN(4) {
	case 0:
		return g.createOp()
	case 1:
		return jute.OpDelete, &jute.DeleteRequest{Path: g.path(), Version: g.version()}
	case 2:
		return jute.OpSetData, &jute.SetDataRequest{Path: g.path(), Data: []byte{byte(g.r.IntN(256))}, Version: g.version()}
	}
	return jute.OpCheck, &jute.CheckVersionRequest{Path: g.path(), Version: g.version()}
}

func (g modelGen) request() Request {
	r := Request{SessionID: modelSessions[g.r.IntN(len(modelSessions))], Cxid: g.r.Int32()}
	r.Auth = []jute.Id{localIP}
	if g.r.IntN(2) == 0 {
		r.Auth = append(r.Auth, alice)
	}
	switch n := g.r.IntN(20); {
	case n < 8:
		r.Type, r.Body = g.subOp()
		if r.Type == jute.OpCheck {
			r.Type, r.Body = g.createOp()
		}
	case n < 11:
		ops := make([]jute.MultiOp, 1+g.r.IntN(4))
		for i := range ops {
			ops[i].Type, ops[i].Op = g.subOp()
		}
		r.Type, r.Body = jute.OpMulti, &jute.MultiRequest{Ops: ops}
	case n < 13:
		r.Type = jute.OpSetACL
		r.Body = &jute.SetACLRequest{Path: g.path(), ACL: modelACLs[g.r.IntN(len(modelACLs))], Version: g.version()}
	case n < 15:
		r.Type, r.Body = jute.OpDeleteContainer, &jute.DeleteTxn{Path: g.path()}
	case n < 16:
		r.Type = jute.OpCloseSession
	case n < 17:
		r.Type, r.Body = jute.OpCreateSession, &jute.CreateSessionTxn{TimeOut: 4000}
	default:
		r.Type = jute.OpSetData
		r.Body = &jute.SetDataRequest{Path: g.path(), Data: []byte("v"), Version: g.version()}
	}
	return r
}

func encodeTxn(hdr jute.TxnHeader, txn jute.Record) []byte {
	e := jute.NewEncoder(nil)
	jute.EncodeTxn(e, &hdr, txn, nil)
	return e.Bytes()
}

func TestPipelinedEqualsSequential(t *testing.T) {
	opts := DefaultOptions()
	opts.ExtendedTypesEnabled = true
	for seed := uint64(1); seed <= 40; seed++ {
		g := modelGen{rand.New(rand.NewPCG(seed, 7))}
		lag := rand.New(rand.NewPCG(seed, 8))
		seqTree, lagTree := newFakeTree(), newFakeTree()
		seqTree.types = opts
		seq := New(opts, seqTree)
		pl := newPipeline(t, lagTree, opts)
		failures := 0
		for i := 0; i < 400; i++ {
			r := g.request()
			zxid := pl.zxid + 1
			h1, t1 := seq.Prepare(r, zxid, now+zxid)
			seqTree.apply(h1, t1)
			seq.Applied(zxid)

			h2, t2 := pl.prep(r)
			if a, b := encodeTxn(h1, t1), encodeTxn(h2, t2); !bytes.Equal(a, b) {
				t.Fatalf("seed %d, request %d (%s %+v):\nsequential %+v %s\npipelined  %+v %s",
					seed, i, jute.OpName(r.Type), r.Body, h1, describe(t1), h2, describe(t2))
			}
			if h1.Type == jute.OpError {
				failures++
			}
			if lag.IntN(4) == 0 {
				pl.applyFirst(lag.IntN(len(pl.pending) + 1))
			}
		}
		pl.applyAll()
		if a, b := seqTree.dump(), lagTree.dump(); a != b {
			t.Fatalf("seed %d: trees differ\n%s\n---\n%s", seed, a, b)
		}
		if failures == 0 || failures == 400 {
			t.Fatalf("seed %d: %d of 400 requests failed; the generator is not exercising both paths", seed, failures)
		}
	}
}

func describe(txn jute.Record) string {
	if m, ok := txn.(*jute.MultiTxn); ok {
		s := "multi["
		for _, x := range m.Txns {
			rec, _ := jute.NewTxnRecord(x.Type)
			if rec != nil {
				_ = jute.Unmarshal(x.Data, rec)
			}
			s += fmt.Sprintf(" %s %+v", jute.OpName(x.Type), rec)
		}
		return s + " ]"
	}
	return fmt.Sprintf("%+v", txn)
}
