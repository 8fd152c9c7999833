package prep

import (
	"reflect"
	"testing"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

func multi(ops ...jute.MultiOp) Request {
	return req(jute.OpMulti, &jute.MultiRequest{Ops: ops})
}

func opCreate(path string, flags int32) jute.MultiOp {
	return jute.MultiOp{Type: jute.OpCreate, Op: create(path, flags)}
}

func opDelete(path string, v int32) jute.MultiOp {
	return jute.MultiOp{Type: jute.OpDelete, Op: &jute.DeleteRequest{Path: path, Version: v}}
}

func opSetData(path string, v int32) jute.MultiOp {
	return jute.MultiOp{Type: jute.OpSetData, Op: &jute.SetDataRequest{Path: path, Data: []byte("m"), Version: v}}
}

func opCheck(path string, v int32) jute.MultiOp {
	return jute.MultiOp{Type: jute.OpCheck, Op: &jute.CheckVersionRequest{Path: path, Version: v}}
}

// sub is one decoded sub-txn.
type sub struct {
	typ jute.OpCode
	rec jute.Record
}

func decodeMulti(t *testing.T, txn jute.Record) []sub {
	t.Helper()
	mt, ok := txn.(*jute.MultiTxn)
	if !ok {
		t.Fatalf("txn %#v is not a MultiTxn", txn)
	}
	// The MultiTxn must also survive the log's encoding.
	var back jute.MultiTxn
	if err := jute.Unmarshal(jute.Marshal(mt), &back); err != nil || !reflect.DeepEqual(back.Txns, mt.Txns) {
		t.Fatalf("MultiTxn round trip: %v", err)
	}
	out := make([]sub, len(mt.Txns))
	for i, x := range mt.Txns {
		rec, err := jute.NewTxnRecord(x.Type)
		if err != nil {
			t.Fatal(err)
		}
		if err := jute.Unmarshal(x.Data, rec); err != nil {
			t.Fatal(err)
		}
		if got := jute.Marshal(rec); !reflect.DeepEqual(got, x.Data) {
			t.Fatalf("sub-txn %d: %x re-encodes as %x", i, x.Data, got)
		}
		out[i] = sub{x.Type, rec}
	}
	return out
}

func TestMultiSuccess(t *testing.T) {
	p := New(DefaultOptions(), fixture())
	hdr, txn := p.Prepare(multi(
		opCreate("/m", 0),
		opCreate("/m/child", 2), // sees the /m the first op creates
		opSetData("/m", 0),
		opCheck("/m", 1), // and its new version
		opDelete("/a/b", 0),
		jute.MultiOp{Type: jute.OpCreate2, Op: create("/a/b", 1)}, // recreated after the delete
	), zx, now)
	if want := (jute.TxnHeader{ClientID: sess, Cxid: 7, Zxid: zx, Time: now, Type: jute.OpMulti}); hdr != want {
		t.Fatalf("header %+v", hdr)
	}
	d := []byte("d")
	want := []sub{
		{jute.OpCreate, &jute.CreateTxn{Path: "/m", Data: d, ACL: world, ParentCVersion: 1}},
		{jute.OpCreate, &jute.CreateTxn{Path: "/m/child0000000000", Data: d, ACL: world, ParentCVersion: 1}},
		{jute.OpSetData, &jute.SetDataTxn{Path: "/m", Data: []byte("m"), Version: 1}},
		{jute.OpCheck, &jute.CheckVersionTxn{Path: "/m", Version: 2}},
		{jute.OpDelete, &jute.DeleteTxn{Path: "/a/b"}},
		{jute.OpCreate2, &jute.CreateTxn{Path: "/a/b", Data: d, ACL: world, Ephemeral: true, ParentCVersion: 8}},
	}
	if got := decodeMulti(t, txn); !reflect.DeepEqual(got, want) {
		t.Fatalf("sub-txns\n got %+v\nwant %+v", got, want)
	}
	// The multi's changes are outstanding: a second create of /m fails.
	_, txn = p.Prepare(req(jute.OpCreate, create("/m", 0)), zx+1, now)
	if !reflect.DeepEqual(txn, errTxn(jute.NodeExists)) {
		t.Fatalf("create /m after the multi: %#v", txn)
	}
}

func TestMultiEmpty(t *testing.T) {
	p := New(DefaultOptions(), fixture())
	hdr, txn := p.Prepare(multi(), zx, now)
	if hdr.Type != jute.OpMulti || !reflect.DeepEqual(txn, &jute.MultiTxn{Txns: []jute.Txn{}}) {
		t.Fatalf("%+v %#v", hdr, txn)
	}
	// ZooKeeper writes an empty vector, not a null one.
	if got := jute.Marshal(txn); !reflect.DeepEqual(got, []byte{0, 0, 0, 0}) {
		t.Fatalf("encoded %x", got)
	}
}

// TestMultiFailureAtEveryPosition puts one failing op at each position of a
// multi: the ops before it keep their txns, it gets its code, the rest
// RuntimeInconsistency, and the outstanding changes are as before the multi.
func TestMultiFailureAtEveryPosition(t *testing.T) {
	good := []jute.MultiOp{opCreate("/m", 0), opSetData("/a", 3), opCreate("/a/s-", 2), opDelete("/a/b", -1)}
	failing := []struct {
		op   jute.MultiOp
		code jute.Code
	}{
		{opCheck("/a", 0), jute.BadVersion},
		{opDelete("/full", -1), jute.NotEmpty},
		{opCreate("/zz/x", 0), jute.NoNode},
		{opCreate("/eph/x", 0), jute.NoChildrenForEphemerals},
		{opSetData("/locked", -1), jute.NoAuth},
		{opCreate("/nocreate/y", 0), jute.NoAuth},
		{jute.MultiOp{Type: jute.OpCreate, Op: &jute.CreateRequest{Path: "/a/x"}}, jute.InvalidACL},
		{opCheck("/a/", -1), jute.BadArguments},
	}
	for _, f := range failing {
		for pos := 0; pos <= len(good); pos++ {
			ops := append(append(append([]jute.MultiOp{}, good[:pos]...), f.op), good[pos:]...)
			p := New(DefaultOptions(), fixture())
			// An outstanding change from before the multi, which must survive it.
			p.Prepare(req(jute.OpSetData, &jute.SetDataRequest{Path: "/a/b", Version: -1}), zx-1, now)
			before := p.Outstanding()

			hdr, txn := p.Prepare(multi(ops...), zx, now)
			if hdr.Type != jute.OpMulti {
				t.Fatalf("%v at %d: header type %d", f.code, pos, hdr.Type)
			}
			got := decodeMulti(t, txn)
			for i, s := range got {
				switch {
				case i < pos:
					if s.typ != ops[i].Type {
						t.Errorf("%v at %d: op %d has type %d, want its own txn", f.code, pos, i, s.typ)
					}
				case i == pos:
					if s.typ != jute.OpError || s.rec.(*jute.ErrorTxn).Err != int32(f.code) {
						t.Errorf("%v at %d: failing op is %d %+v", f.code, pos, s.typ, s.rec)
					}
				default:
					if s.typ != jute.OpError || s.rec.(*jute.ErrorTxn).Err != int32(jute.RuntimeInconsistency) {
						t.Errorf("%v at %d: op %d after the failure is %d %+v", f.code, pos, i, s.typ, s.rec)
					}
				}
			}
			if p.Outstanding() != before {
				t.Fatalf("%v at %d: %d outstanding changes, want %d", f.code, pos, p.Outstanding(), before)
			}
			// The rolled-back ops are gone: /m can be created, /a keeps
			// version 3, and /a/b, at the version the earlier setData left,
			// can be deleted.
			for _, r := range []Request{
				req(jute.OpCreate, create("/m", 0)),
				req(jute.OpSetData, &jute.SetDataRequest{Path: "/a", Version: 3}),
				req(jute.OpDelete, &jute.DeleteRequest{Path: "/a/b", Version: 1}),
			} {
				if h, txn := p.Prepare(r, zx+1, now); h.Type == jute.OpError {
					t.Fatalf("%v at %d: %s after the failed multi: %+v", f.code, pos, jute.OpName(r.Type), txn)
				}
			}
		}
	}
}

// A sequential create rolled back with its multi does not use up its number
// (ZOOKEEPER-1624).
func TestMultiRollbackRestoresSequence(t *testing.T) {
	p := New(DefaultOptions(), fixture())
	p.Prepare(req(jute.OpCreate, create("/a/s-", 2)), zx, now) // takes 7, parent cversion 8 outstanding
	p.Prepare(multi(opCreate("/a/s-", 2), opCreate("/zz/x", 0)), zx+1, now)
	_, txn := p.Prepare(req(jute.OpCreate, create("/a/s-", 2)), zx+2, now)
	if got := txn.(*jute.CreateTxn).Path; got != "/a/s-0000000008" {
		t.Fatalf("next sequential node %s, want /a/s-0000000008", got)
	}
}

func TestMultiMalformed(t *testing.T) {
	read := jute.MultiOp{Type: jute.OpGetData, Op: &jute.GetDataRequest{Path: "/a"}}
	cases := []struct {
		name string
		req  Request
	}{
		{"a read among writes", multi(opCreate("/m", 0), read)},
		{"reads only", multi(read, jute.MultiOp{Type: jute.OpGetChildren, Op: &jute.GetChildrenRequest{Path: "/"}})},
		{"TTL flag on create", multi(opCreate("/m", 5))},
		{"unknown flag on create", multi(opCreate("/m", 0), opCreate("/n", 9))},
		{"setACL", multi(jute.MultiOp{Type: jute.OpSetACL, Op: &jute.SetACLRequest{Path: "/a", ACL: world, Version: -1}})},
		{"deleteContainer", multi(jute.MultiOp{Type: jute.OpDeleteContainer, Op: &jute.DeleteTxn{Path: "/c"}})},
		{"wrong record", multi(jute.MultiOp{Type: jute.OpSetData, Op: &jute.DeleteRequest{Path: "/a"}})},
		{"nil record", multi(jute.MultiOp{Type: jute.OpDelete})},
		{"not a multi body", req(jute.OpMulti, create("/m", 0))},
		{"unknown extended owner", multi(opCreate("/m", 0), opCreate("/bad/x", 0))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := DefaultOptions()
			opts.ExtendedTypesEnabled = true
			p := New(opts, fixture())
			hdr, txn := p.Prepare(c.req, zx, now)
			if hdr.Type != jute.OpError || !reflect.DeepEqual(txn, errTxn(jute.MarshallingError)) {
				t.Fatalf("%+v %#v, want an error txn with MarshallingError", hdr, txn)
			}
			if p.Outstanding() != 0 {
				t.Fatalf("%d changes left", p.Outstanding())
			}
		})
	}
}

// MultiOperationRecord rebuilds create ops from their mode: the container
// flag makes a createContainer; createTTL without a TTL mode is a create whose
// ttl is dropped; an unknown flag there survives to fail as BadArguments.
func TestMultiCreateTypeFollowsMode(t *testing.T) {
	opts := DefaultOptions()
	p := New(opts, fixture())
	_, txn := p.Prepare(multi(
		opCreate("/m1", 4),
		jute.MultiOp{Type: jute.OpCreate2, Op: create("/m2", 4)},
		jute.MultiOp{Type: jute.OpCreateContainer, Op: create("/m3", 1)},
		jute.MultiOp{Type: jute.OpCreateTTL, Op: createTTL("/m4", 0, 5000)},
		jute.MultiOp{Type: jute.OpCreateTTL, Op: createTTL("/m5", 4, 5000)},
	), zx, now)
	got := decodeMulti(t, txn)
	wantTypes := []jute.OpCode{jute.OpCreateContainer, jute.OpCreateContainer, jute.OpCreateContainer, jute.OpCreate, jute.OpCreateContainer}
	for i, s := range got {
		if s.typ != wantTypes[i] {
			t.Errorf("op %d: type %d, want %d", i, s.typ, wantTypes[i])
		}
	}
	if ct := got[3].rec.(*jute.CreateTxn); ct.Path != "/m4" || ct.Ephemeral {
		t.Errorf("createTTL without TTL mode: %+v", ct)
	}

	_, txn = New(opts, fixture()).Prepare(multi(jute.MultiOp{Type: jute.OpCreateTTL, Op: createTTL("/m", 9, 5000)}), zx, now)
	if got := decodeMulti(t, txn); got[0].typ != jute.OpError || got[0].rec.(*jute.ErrorTxn).Err != int32(jute.BadArguments) {
		t.Fatalf("createTTL with an unknown flag: %+v", got)
	}
	// A real TTL create needs extended types, inside a multi as alone.
	_, txn = New(opts, fixture()).Prepare(multi(jute.MultiOp{Type: jute.OpCreateTTL, Op: createTTL("/m", 5, 5000)}), zx, now)
	if got := decodeMulti(t, txn); got[0].typ != jute.OpError || got[0].rec.(*jute.ErrorTxn).Err != int32(jute.Unimplemented) {
		t.Fatalf("createTTL without extended types: %+v", got)
	}
	opts.ExtendedTypesEnabled = true
	_, txn = New(opts, fixture()).Prepare(multi(jute.MultiOp{Type: jute.OpCreateTTL, Op: createTTL("/m", 5, 5000)}), zx, now)
	if got := decodeMulti(t, txn); got[0].typ != jute.OpCreateTTL || got[0].rec.(*jute.CreateTTLTxn).TTL != 5000 {
		t.Fatalf("createTTL: %+v", got)
	}
}

func TestMultiSessionErrorFailsFirstOp(t *testing.T) {
	r := multi(opCreate("/m", 0), opSetData("/a", -1))
	r.SessionErr = jute.SessionExpired
	_, txn := New(DefaultOptions(), fixture()).Prepare(r, zx, now)
	got := decodeMulti(t, txn)
	if got[0].rec.(*jute.ErrorTxn).Err != int32(jute.SessionExpired) || got[1].rec.(*jute.ErrorTxn).Err != int32(jute.RuntimeInconsistency) {
		t.Fatalf("%+v", got)
	}
}
