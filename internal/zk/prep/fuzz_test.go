package prep

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// fuzzOps are the request types a fuzz input can name, with the record its
// body decodes into (nil: no body).
var fuzzOps = []struct {
	op  jute.OpCode
	rec func() jute.Record
}{
	{jute.OpCreate, func() jute.Record { return &jute.CreateRequest{} }},
	{jute.OpCreate2, func() jute.Record { return &jute.CreateRequest{} }},
	{jute.OpCreateContainer, func() jute.Record { return &jute.CreateRequest{} }},
	{jute.OpCreateTTL, func() jute.Record { return &jute.CreateTTLRequest{} }},
	{jute.OpDelete, func() jute.Record { return &jute.DeleteRequest{} }},
	{jute.OpSetData, func() jute.Record { return &jute.SetDataRequest{} }},
	{jute.OpSetACL, func() jute.Record { return &jute.SetACLRequest{} }},
	{jute.OpMulti, func() jute.Record { return &jute.MultiRequest{} }},
	{jute.OpReconfig, func() jute.Record { return &jute.ReconfigRequest{} }},
	{jute.OpCreateSession, func() jute.Record { return &jute.CreateSessionTxn{} }},
	{jute.OpCloseSession, nil},
	{jute.OpDeleteContainer, func() jute.Record { return &jute.DeleteTxn{} }},
	{jute.OpCheck, func() jute.Record { return &jute.CheckVersionRequest{} }},
	{jute.OpGetData, func() jute.Record { return &jute.GetDataRequest{} }},
}

func fuzzIndex(op jute.OpCode) byte {
	for i, f := range fuzzOps {
		if f.op == op {
			return byte(i)
		}
	}
	panic(op)
}

// fuzzInput encodes requests as the fuzz target reads them: per request an op
// index, a session byte, a two-byte body length and the body.
func fuzzInput(flags byte, reqs ...Request) []byte {
	out := []byte{flags, 1, 2, 3, 4, 5, 6, 7, 8}
	for _, r := range reqs {
		var body []byte
		if r.Body != nil {
			body = jute.Marshal(r.Body)
		}
		out = append(out, fuzzIndex(r.Type), 0)
		out = binary.BigEndian.AppendUint16(out, uint16(len(body)))
		out = append(out, body...)
	}
	return out
}

func FuzzPrepare(f *testing.F) {
	f.Add(fuzzInput(0,
		req(jute.OpCreate, create("/a/x", 2)),
		req(jute.OpSetData, &jute.SetDataRequest{Path: "/a/x0000000007", Version: 0}),
		req(jute.OpDelete, &jute.DeleteRequest{Path: "/a/x0000000007", Version: -1}),
	))
	f.Add(fuzzInput(1,
		multi(opCreate("/m", 0), opCreate("/m/c", 3), opCheck("/m", 0), opSetData("/a", 3), opDelete("/a/b", -1)),
		req(jute.OpCreateTTL, createTTL("/t", 5, 100)),
		Request{Type: jute.OpDeleteContainer, Body: &jute.DeleteTxn{Path: "/c"}},
	))
	f.Add(fuzzInput(6,
		req(jute.OpSetACL, &jute.SetACLRequest{Path: "/a", ACL: world, Version: 1}),
		req(jute.OpCreate, create("/a/e", 1)),
		req(jute.OpCloseSession, nil),
		req(jute.OpReconfig, &jute.ReconfigRequest{CurConfigID: -1}),
		req(jute.OpCreateSession, &jute.CreateSessionTxn{TimeOut: 5000}),
	))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 9 {
			return
		}
		flags := data[0]
		opts := DefaultOptions()
		opts.ExtendedTypesEnabled = flags&1 != 0
		opts.Emulate353TTLNodes = flags&2 != 0
		opts.ReconfigEnabled = flags&4 != 0
		opts.ACL.SkipACL = flags&8 != 0
		opts.MaxBuffer = int(flags>>4) * 64
		tree := fuzzTree(binary.BigEndian.Uint64(data[1:9]))
		pl := newPipeline(t, tree, opts)
		lag := rand.New(rand.NewPCG(uint64(flags), 1))

		d := data[9:]
		for len(d) >= 4 {
			spec := fuzzOps[int(d[0])%len(fuzzOps)]
			r := Request{SessionID: modelSessions[int(d[1]&3)%len(modelSessions)], Cxid: int32(len(d)), Type: spec.op}
			r.Auth = []jute.Id{localIP}
			if d[1]&4 != 0 {
				r.Auth = append(r.Auth, alice)
			}
			r.SessionErr = []jute.Code{jute.OK, jute.OK, jute.OK, jute.SessionExpired, jute.SessionMoved, jute.UnknownSession, jute.OK, jute.OK}[d[1]>>5]
			n := int(binary.BigEndian.Uint16(d[2:4]))
			d = d[4:]
			n = min(n, len(d))
			body := d[:n]
			d = d[n:]
			if spec.rec != nil {
				rec := spec.rec()
				if err := jute.Unmarshal(body, rec); err == nil || r.Cxid&1 == 0 {
					r.Body = rec // a partly decoded record too, sometimes
				}
			}
			checkPrepared(t, pl, r)
			if lag.IntN(3) == 0 {
				pl.applyFirst(lag.IntN(len(pl.pending) + 1))
			}
		}
		pl.applyAll()
	})
}

// checkPrepared prepares r and checks what every txn must satisfy.
func checkPrepared(t *testing.T, pl *pipeline, r Request) {
	zxid := pl.zxid + 1
	hdr, txn := pl.prep(r)
	if !IsWrite(r.Type) {
		if txn != nil || hdr != (jute.TxnHeader{}) {
			t.Fatalf("%s made a txn", jute.OpName(r.Type))
		}
		return
	}
	if txn == nil || hdr.Zxid != zxid || hdr.ClientID != r.SessionID || hdr.Cxid != r.Cxid {
		t.Fatalf("%s: header %+v txn %#v", jute.OpName(r.Type), hdr, txn)
	}
	if hdr.Type != r.Type && hdr.Type != jute.OpError {
		t.Fatalf("%s: header type %d", jute.OpName(r.Type), hdr.Type)
	}
	if et, ok := txn.(*jute.ErrorTxn); ok != (hdr.Type == jute.OpError) || ok && et.Err >= 0 {
		t.Fatalf("%s: header type %d with %#v", jute.OpName(r.Type), hdr.Type, txn)
	}
	// What is logged must read back as the same txn.
	b := encodeTxn(hdr, txn)
	h2, t2, _, err := jute.DecodeTxn(b)
	if err != nil || h2 != hdr || !bytes.Equal(encodeTxn(h2, t2), b) {
		t.Fatalf("%s: txn %#v does not round-trip: %v", jute.OpName(r.Type), txn, err)
	}
	if m, ok := txn.(*jute.MultiTxn); ok {
		failed := false
		for _, x := range m.Txns {
			rec, err := jute.NewTxnRecord(x.Type)
			if err == nil {
				err = jute.Unmarshal(x.Data, rec)
			}
			if err != nil {
				t.Fatalf("multi sub-txn %d: %v", x.Type, err)
			}
			if failed && (x.Type != jute.OpError || rec.(*jute.ErrorTxn).Err != int32(jute.RuntimeInconsistency)) {
				t.Fatalf("multi: sub-txn after a failure is %d %+v", x.Type, rec)
			}
			failed = failed || x.Type == jute.OpError
		}
	}
}

// fuzzTree is the fixture with a few random nodes, some with odd owners.
func fuzzTree(seed uint64) *fakeTree {
	t := fixture()
	t.lax = true
	r := rand.New(rand.NewPCG(seed, 2))
	owners := []int64{0, sess, other, containerOwner, extendedMask | 77, extendedMask | 0x0000010000000001, -5}
	for i := r.IntN(6); i > 0; i-- {
		p := modelPaths[r.IntN(len(modelPaths))]
		if _, ok := t.nodes[parent(p)]; ok && t.nodes[p] == nil {
			t.put(p, jute.Stat{Version: r.Int32N(3), Cversion: r.Int32N(3), Aversion: r.Int32N(3),
				EphemeralOwner: owners[r.IntN(len(owners))]}, modelACLs[r.IntN(len(modelACLs))])
		}
	}
	return t
}
