package prep

import (
	"errors"
	"math"
	"reflect"
	"testing"

	"github.com/wharf-project/wharf/internal/zk/acl"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

const (
	sess  = int64(0x1000)
	other = int64(0x2000)
	zx    = int64(100)
	now   = int64(1700000000000)
)

var (
	world   = []jute.ACL{{Perms: jute.PermAll, ID: acl.Anyone}}
	alice   = jute.Id{Scheme: "digest", ID: acl.Digest("alice:pw")}
	localIP = acl.IPID("127.0.0.1")
)

func worldWith(perms int32) []jute.ACL { return []jute.ACL{{Perms: perms, ID: acl.Anyone}} }

// fixture is the committed tree most tests start from.
func fixture() *fakeTree {
	t := newFakeTree()
	t.put("/a", jute.Stat{Version: 3, Aversion: 1, Cversion: 7}, world)
	t.put("/a/b", jute.Stat{}, world)
	t.put("/eph", jute.Stat{EphemeralOwner: other}, world)
	t.put("/locked", jute.Stat{}, []jute.ACL{{Perms: jute.PermAll, ID: alice}, {Perms: jute.PermRead, ID: acl.Anyone}})
	t.put("/nocreate", jute.Stat{}, worldWith(jute.PermAll&^jute.PermCreate))
	t.put("/nocreate/y", jute.Stat{}, world)
	t.put("/bad", jute.Stat{EphemeralOwner: extendedMask | 0x0001000000000001}, world)
	t.put("/nodelete", jute.Stat{}, worldWith(jute.PermAll&^jute.PermDelete))
	t.put("/nodelete/x", jute.Stat{}, world)
	t.put("/c", jute.Stat{EphemeralOwner: containerOwner}, world)
	t.put("/ttl", jute.Stat{EphemeralOwner: extendedMask | 1000}, world)
	t.put("/full", jute.Stat{}, world)
	t.put("/full/x", jute.Stat{}, world)
	return t
}

func req(op jute.OpCode, body jute.Record) Request {
	return Request{SessionID: sess, Cxid: 7, Type: op, Body: body, Auth: []jute.Id{localIP}}
}

func create(path string, flags int32) *jute.CreateRequest {
	return &jute.CreateRequest{Path: path, Data: []byte("d"), ACL: world, Flags: flags}
}

func createTTL(path string, flags int32, ttl int64) *jute.CreateTTLRequest {
	return &jute.CreateTTLRequest{Path: path, Data: []byte("d"), ACL: world, Flags: flags, TTL: ttl}
}

func errTxn(c jute.Code) jute.Record { return &jute.ErrorTxn{Err: int32(c)} }

type opCase struct {
	name string
	opts func(*Options)
	req  Request
	want jute.Record // the txn, or errTxn(code) for a failure
}

func runOpCases(t *testing.T, cases []opCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := DefaultOptions()
			if c.opts != nil {
				c.opts(&opts)
			}
			tree := fixture()
			tree.types = opts
			p := New(opts, tree)
			hdr, txn := p.Prepare(c.req, zx, now)
			wantType := c.req.Type
			if _, failed := c.want.(*jute.ErrorTxn); failed {
				wantType = jute.OpError
			}
			wantHdr := jute.TxnHeader{ClientID: c.req.SessionID, Cxid: c.req.Cxid, Zxid: zx, Time: now, Type: wantType}
			if hdr != wantHdr {
				t.Errorf("header %+v, want %+v", hdr, wantHdr)
			}
			if !reflect.DeepEqual(txn, c.want) {
				t.Errorf("txn %#v, want %#v", txn, c.want)
			}
			if wantType == jute.OpError && p.Outstanding() != 0 {
				t.Errorf("a failed write left %d outstanding changes", p.Outstanding())
			}
		})
	}
}

func extended(o *Options) { o.ExtendedTypesEnabled = true }

func TestCreate(t *testing.T) {
	data := []byte("d")
	expired := func(r Request, c jute.Code) Request { r.SessionErr = c; return r }
	runOpCases(t, []opCase{
		{"persistent", nil, req(jute.OpCreate, create("/a/x", 0)),
			&jute.CreateTxn{Path: "/a/x", Data: data, ACL: world, ParentCVersion: 8}},
		{"create2", nil, req(jute.OpCreate2, create("/x", 0)),
			&jute.CreateTxn{Path: "/x", Data: data, ACL: world, ParentCVersion: 1}},
		{"ephemeral", nil, req(jute.OpCreate, create("/a/x", 1)),
			&jute.CreateTxn{Path: "/a/x", Data: data, ACL: world, Ephemeral: true, ParentCVersion: 8}},
		{"sequential takes the parent cversion", nil, req(jute.OpCreate, create("/a/x-", 2)),
			&jute.CreateTxn{Path: "/a/x-0000000007", Data: data, ACL: world, ParentCVersion: 8}},
		{"ephemeral sequential", nil, req(jute.OpCreate2, create("/a/", 3)),
			&jute.CreateTxn{Path: "/a/0000000007", Data: data, ACL: world, Ephemeral: true, ParentCVersion: 8}},
		{"sequential at the root's own path", nil, req(jute.OpCreate, create("/", 2)),
			&jute.CreateTxn{Path: "/0000000000", Data: data, ACL: world, ParentCVersion: 1}},
		{"container", nil, req(jute.OpCreateContainer, create("/a/x", 4)),
			&jute.CreateContainerTxn{Path: "/a/x", Data: data, ACL: world, ParentCVersion: 8}},
		{"container flag on create stays a create", nil, req(jute.OpCreate, create("/a/x", 4)),
			&jute.CreateTxn{Path: "/a/x", Data: data, ACL: world, ParentCVersion: 8}},
		{"child of a container", nil, req(jute.OpCreate, create("/c/x", 0)),
			&jute.CreateTxn{Path: "/c/x", Data: data, ACL: world, ParentCVersion: 1}},
		{"ttl", extended, req(jute.OpCreateTTL, createTTL("/a/x", 5, 1000)),
			&jute.CreateTTLTxn{Path: "/a/x", Data: data, ACL: world, ParentCVersion: 8, TTL: 1000}},
		{"sequential ttl", extended, req(jute.OpCreateTTL, createTTL("/a/x", 6, maxTTL)),
			&jute.CreateTTLTxn{Path: "/a/x0000000007", Data: data, ACL: world, ParentCVersion: 8, TTL: maxTTL}},
		{"child of a ttl node", extended, req(jute.OpCreate, create("/ttl/x", 0)),
			&jute.CreateTxn{Path: "/ttl/x", Data: data, ACL: world, ParentCVersion: 1}},
		{"auth ACL expands", nil, Request{SessionID: sess, Type: jute.OpCreate, Auth: []jute.Id{localIP, alice},
			Body: &jute.CreateRequest{Path: "/x", ACL: acl.CreatorAllACL()}},
			&jute.CreateTxn{Path: "/x", ACL: []jute.ACL{{Perms: jute.PermAll, ID: alice}}, ParentCVersion: 1}},
		{"super may create anywhere", nil, Request{SessionID: sess, Type: jute.OpCreate, Auth: []jute.Id{acl.Super},
			Body: create("/nocreate/x", 0)},
			&jute.CreateTxn{Path: "/nocreate/x", Data: data, ACL: world, ParentCVersion: 1}},
		{"skipACL", func(o *Options) { o.ACL.SkipACL = true }, req(jute.OpCreate, create("/nocreate/x", 0)),
			&jute.CreateTxn{Path: "/nocreate/x", Data: data, ACL: world, ParentCVersion: 1}},

		{"unknown flag", nil, req(jute.OpCreate, create("/a/x", 7)), errTxn(jute.BadArguments)},
		{"negative flag", nil, req(jute.OpCreate, create("/a/x", -1)), errTxn(jute.BadArguments)},
		{"ttl mode without extended types", nil, req(jute.OpCreateTTL, createTTL("/a/x", 5, 1000)), errTxn(jute.Unimplemented)},
		{"ttl flag on create without extended types", nil, req(jute.OpCreate, create("/a/x", 5)), errTxn(jute.Unimplemented)},
		{"ttl flag on create has no ttl", extended, req(jute.OpCreate, create("/a/x", 6)), errTxn(jute.BadArguments)},
		{"ttl zero", extended, req(jute.OpCreateTTL, createTTL("/a/x", 5, 0)), errTxn(jute.BadArguments)},
		{"ttl negative", extended, req(jute.OpCreateTTL, createTTL("/a/x", 5, -1)), errTxn(jute.BadArguments)},
		{"ttl too large", extended, req(jute.OpCreateTTL, createTTL("/a/x", 5, maxTTL+1)), errTxn(jute.BadArguments)},
		// As in ZooKeeper, createTTL with a non-TTL mode and no ttl passes,
		// and the txn carries ttl -1 (which ZooKeeper's DataTree then throws on).
		{"createTTL without a TTL mode or ttl", nil, req(jute.OpCreateTTL, createTTL("/a/x", 0, -1)),
			&jute.CreateTTLTxn{Path: "/a/x", Data: data, ACL: world, ParentCVersion: 8, TTL: -1}},
		{"ttl on a non-ttl mode", extended, req(jute.OpCreateTTL, createTTL("/a/x", 0, 1000)), errTxn(jute.BadArguments)},
		{"ttl check precedes the session", nil, expired(req(jute.OpCreateTTL, createTTL("/a/x", 5, 1000)), jute.SessionExpired), errTxn(jute.Unimplemented)},
		{"expired session", nil, expired(req(jute.OpCreate, create("/a/x", 0)), jute.SessionExpired), errTxn(jute.SessionExpired)},
		{"moved session", nil, expired(req(jute.OpCreate, create("/a/x", 0)), jute.SessionMoved), errTxn(jute.SessionMoved)},
		{"unknown session", nil, expired(req(jute.OpCreate, create("/a/x", 0)), jute.UnknownSession), errTxn(jute.UnknownSession)},
		{"unknown session, ephemeral: expired", nil, expired(req(jute.OpCreate, create("/a/x", 1)), jute.UnknownSession), errTxn(jute.SessionExpired)},
		{"session precedes the path", nil, expired(req(jute.OpCreate, create("", 0)), jute.SessionExpired), errTxn(jute.SessionExpired)},
		{"empty path", nil, req(jute.OpCreate, create("", 0)), errTxn(jute.BadArguments)},
		{"no slash", nil, req(jute.OpCreate, create("a", 0)), errTxn(jute.BadArguments)},
		{"NUL", nil, req(jute.OpCreate, create("/a\x00b", 0)), errTxn(jute.BadArguments)},
		{"trailing slash", nil, req(jute.OpCreate, create("/a/", 0)), errTxn(jute.BadArguments)},
		{"relative name", nil, req(jute.OpCreate, create("/a/..", 0)), errTxn(jute.BadArguments)},
		{"double slash looks for parent /a/", nil, req(jute.OpCreate, create("/a//b", 0)), errTxn(jute.NoNode)},
		{"relative parent", nil, req(jute.OpCreate, create("a/b", 0)), errTxn(jute.NoNode)},
		{"missing parent", nil, req(jute.OpCreate, create("/x/y", 0)), errTxn(jute.NoNode)},
		{"ACL precedes the parent", nil, req(jute.OpCreate, &jute.CreateRequest{Path: "/x/y"}), errTxn(jute.InvalidACL)},
		{"empty ACL", nil, req(jute.OpCreate, &jute.CreateRequest{Path: "/a/x", ACL: []jute.ACL{}}), errTxn(jute.InvalidACL)},
		{"auth ACL without authentication", nil, req(jute.OpCreate, &jute.CreateRequest{Path: "/a/x", ACL: acl.CreatorAllACL()}), errTxn(jute.InvalidACL)},
		{"no CREATE on the parent", nil, req(jute.OpCreate, create("/nocreate/x", 0)), errTxn(jute.NoAuth)},
		{"no CREATE without the digest", nil, req(jute.OpCreate, create("/locked/x", 0)), errTxn(jute.NoAuth)},
		{"exists", nil, req(jute.OpCreate, create("/a/b", 0)), errTxn(jute.NodeExists)},
		{"the root exists", nil, req(jute.OpCreate, create("/", 0)), errTxn(jute.NodeExists)},
		{"NoAuth precedes NodeExists", nil, req(jute.OpCreate, create("/nocreate/y", 0)), errTxn(jute.NoAuth)},
		{"child of an ephemeral", nil, req(jute.OpCreate, create("/eph/x", 0)), errTxn(jute.NoChildrenForEphemerals)},
		{"child of a ttl node without extended types", nil, req(jute.OpCreate, create("/ttl/x", 0)), errTxn(jute.NoChildrenForEphemerals)},
		{"data beyond jute.maxbuffer", func(o *Options) { o.MaxBuffer = 4 }, req(jute.OpCreate, &jute.CreateRequest{Path: "/a/x", ACL: world, Data: make([]byte, 5)}), errTxn(jute.BadArguments)},
		{"data at jute.maxbuffer", func(o *Options) { o.MaxBuffer = 4 }, req(jute.OpCreate, &jute.CreateRequest{Path: "/a/x", ACL: world, Data: make([]byte, 4)}),
			&jute.CreateTxn{Path: "/a/x", Data: make([]byte, 4), ACL: world, ParentCVersion: 8}},
		{"wrong body", nil, req(jute.OpCreate, createTTL("/a/x", 5, 1)), errTxn(jute.MarshallingError)},
		{"no body", nil, req(jute.OpCreateTTL, nil), errTxn(jute.MarshallingError)},
		{"unknown extended type of the parent", extended, req(jute.OpCreate, create("/bad/x", 0)), errTxn(jute.MarshallingError)},
		{"unknown extended type is ephemeral without extended types", nil, req(jute.OpCreate, create("/bad/x", 0)), errTxn(jute.NoChildrenForEphemerals)},
		{"3.5.3 TTL encoding", func(o *Options) { o.ExtendedTypesEnabled, o.Emulate353TTLNodes = true, true }, req(jute.OpCreate, create("/bad/x", 0)),
			&jute.CreateTxn{Path: "/bad/x", Data: data, ACL: world, ParentCVersion: 1}},
	})
}

func TestDelete(t *testing.T) {
	del := func(path string, v int32) Request {
		return req(jute.OpDelete, &jute.DeleteRequest{Path: path, Version: v})
	}
	expired := del("/a/b", -1)
	expired.SessionErr = jute.SessionExpired
	runOpCases(t, []opCase{
		{"any version", nil, del("/a/b", -1), &jute.DeleteTxn{Path: "/a/b"}},
		{"matching version", nil, del("/a/b", 0), &jute.DeleteTxn{Path: "/a/b"}},
		{"ephemeral of another session", nil, del("/eph", -1), &jute.DeleteTxn{Path: "/eph"}},
		{"container", nil, del("/c", -1), &jute.DeleteTxn{Path: "/c"}},
		{"bad version", nil, del("/a/b", 1), errTxn(jute.BadVersion)},
		{"children", nil, del("/a", -1), errTxn(jute.NotEmpty)},
		{"version precedes children", nil, del("/a", 0), errTxn(jute.BadVersion)},
		{"missing", nil, del("/a/zz", -1), errTxn(jute.NoNode)},
		{"missing parent", nil, del("/x/y", -1), errTxn(jute.NoNode)},
		{"no DELETE on the parent", nil, del("/nodelete/x", -1), errTxn(jute.NoAuth)},
		{"NoAuth precedes NoNode", nil, del("/nodelete/zz", -1), errTxn(jute.NoAuth)},
		{"root", nil, del("/", -1), errTxn(jute.BadArguments)},
		{"/zookeeper", nil, del("/zookeeper", -1), errTxn(jute.BadArguments)},
		{"/zookeeper/quota", nil, del("/zookeeper/quota", -1), errTxn(jute.BadArguments)},
		{"/zookeeper/config", nil, del("/zookeeper/config", -1), errTxn(jute.BadArguments)},
		{"no slash", nil, del("a", -1), errTxn(jute.BadArguments)},
		{"NUL", nil, del("/a/b\x00", -1), errTxn(jute.BadArguments)},
		{"no path validation", nil, del("/a/b/", -1), errTxn(jute.NoNode)},
		{"session", nil, expired, errTxn(jute.SessionExpired)},
		{"wrong body", nil, req(jute.OpDelete, &jute.PathRequest{Path: "/a/b"}), errTxn(jute.MarshallingError)},
	})
}

func TestSetData(t *testing.T) {
	set := func(path string, v int32) Request {
		return req(jute.OpSetData, &jute.SetDataRequest{Path: path, Data: []byte("new"), Version: v})
	}
	expired := set("/a", -1)
	expired.SessionErr = jute.SessionMoved
	runOpCases(t, []opCase{
		{"any version", nil, set("/a", -1), &jute.SetDataTxn{Path: "/a", Data: []byte("new"), Version: 4}},
		{"matching version", nil, set("/a", 3), &jute.SetDataTxn{Path: "/a", Data: []byte("new"), Version: 4}},
		{"root", nil, set("/", -1), &jute.SetDataTxn{Path: "/", Data: []byte("new"), Version: 1}},
		{"bad version", nil, set("/a", 4), errTxn(jute.BadVersion)},
		{"missing", nil, set("/a/zz", -1), errTxn(jute.NoNode)},
		{"invalid path", nil, set("/a/", -1), errTxn(jute.BadArguments)},
		{"no WRITE", nil, set("/locked", -1), errTxn(jute.NoAuth)},
		{"NoAuth precedes BadVersion", nil, set("/locked", 9), errTxn(jute.NoAuth)},
		{"too big", func(o *Options) { o.MaxBuffer = 2 }, set("/a", -1), errTxn(jute.BadArguments)},
		{"too big precedes BadVersion", func(o *Options) { o.MaxBuffer = 2 }, set("/a", 9), errTxn(jute.BadArguments)},
		{"session", nil, expired, errTxn(jute.SessionMoved)},
		{"the digest opens it", nil, Request{SessionID: sess, Type: jute.OpSetData, Auth: []jute.Id{alice},
			Body: &jute.SetDataRequest{Path: "/locked", Version: -1}}, &jute.SetDataTxn{Path: "/locked", Version: 1}},
	})
}

func TestSetACL(t *testing.T) {
	set := func(path string, acls []jute.ACL, v int32) Request {
		return req(jute.OpSetACL, &jute.SetACLRequest{Path: path, ACL: acls, Version: v})
	}
	read := worldWith(jute.PermRead)
	runOpCases(t, []opCase{
		{"any version", nil, set("/a", read, -1), &jute.SetACLTxn{Path: "/a", ACL: read, Version: 2}},
		{"the aversion is checked", nil, set("/a", read, 1), &jute.SetACLTxn{Path: "/a", ACL: read, Version: 2}},
		{"not the data version", nil, set("/a", read, 3), errTxn(jute.BadVersion)},
		{"duplicates removed", nil, set("/a", append(read, read...), -1), &jute.SetACLTxn{Path: "/a", ACL: read, Version: 2}},
		{"invalid ACL", nil, set("/a", []jute.ACL{{Perms: 1, ID: jute.Id{Scheme: "ip", ID: "1.2.3"}}}, -1), errTxn(jute.InvalidACL)},
		{"InvalidACL precedes NoNode", nil, set("/zz", nil, -1), errTxn(jute.InvalidACL)},
		{"missing", nil, set("/zz", read, -1), errTxn(jute.NoNode)},
		{"no ADMIN", nil, set("/locked", read, -1), errTxn(jute.NoAuth)},
		{"invalid path", nil, set("a", read, -1), errTxn(jute.BadArguments)},
	})
}

func TestDeleteContainer(t *testing.T) {
	del := func(path string) Request {
		return Request{Type: jute.OpDeleteContainer, Body: &jute.DeleteTxn{Path: path}, SessionErr: jute.SessionExpired}
	}
	runOpCases(t, []opCase{
		{"container", nil, del("/c"), &jute.DeleteTxn{Path: "/c"}},
		{"ttl", extended, del("/ttl"), &jute.DeleteTxn{Path: "/ttl"}},
		{"ttl without extended types is ephemeral", nil, del("/ttl"), errTxn(jute.BadVersion)},
		{"persistent (ZooKeeper only refuses ephemerals)", nil, del("/a/b"), &jute.DeleteTxn{Path: "/a/b"}},
		{"ephemeral", nil, del("/eph"), errTxn(jute.BadVersion)},
		{"children", nil, del("/full"), errTxn(jute.NotEmpty)},
		{"NotEmpty precedes the type", nil, del("/a"), errTxn(jute.NotEmpty)},
		{"gone", nil, del("/zz"), errTxn(jute.NoNode)},
		{"special", nil, del("/zookeeper"), errTxn(jute.BadArguments)},
		{"no ACL check", nil, del("/nodelete/x"), &jute.DeleteTxn{Path: "/nodelete/x"}},
		{"unknown extended type", extended, del("/bad"), errTxn(jute.MarshallingError)},
		{"wrong body", nil, Request{Type: jute.OpDeleteContainer, Body: &jute.DeleteRequest{Path: "/c"}}, errTxn(jute.MarshallingError)},
	})
}

func TestReconfig(t *testing.T) {
	body := &jute.ReconfigRequest{JoiningServers: "server.2=127.0.0.1:2888:3888;2182", CurConfigID: -1}
	enabled := func(o *Options) { o.ReconfigEnabled = true }
	expired := req(jute.OpReconfig, body)
	expired.SessionErr = jute.SessionExpired
	runOpCases(t, []opCase{
		{"disabled", nil, req(jute.OpReconfig, body), errTxn(jute.ReconfigDisabled)},
		{"disabled precedes the session", nil, expired, errTxn(jute.ReconfigDisabled)},
		{"standalone", enabled, req(jute.OpReconfig, body), errTxn(jute.Unimplemented)},
		{"session", enabled, expired, errTxn(jute.SessionExpired)},
		{"wrong body", nil, req(jute.OpReconfig, nil), errTxn(jute.MarshallingError)},
	})
}

func TestSessions(t *testing.T) {
	cs := &jute.CreateSessionTxn{TimeOut: 30000}
	runOpCases(t, []opCase{
		{"createSession carries the negotiated timeout", nil, req(jute.OpCreateSession, cs), cs},
		{"createSession without body", nil, req(jute.OpCreateSession, nil), errTxn(jute.MarshallingError)},
		{"closeSession without ephemerals", nil, req(jute.OpCloseSession, nil), &jute.CloseSessionTxn{Paths: []string{}, Present: true}},
		{"closeSession of the owner", nil, Request{SessionID: other, Type: jute.OpCloseSession},
			&jute.CloseSessionTxn{Paths: []string{"/eph"}, Present: true}},
		{"closeSession txn disabled", func(o *Options) { o.CloseSessionTxnDisabled = true }, Request{SessionID: other, Type: jute.OpCloseSession},
			&jute.CloseSessionTxn{Paths: []string{"/eph"}}},
	})
}

func TestNotWritesMakeNoTxn(t *testing.T) {
	p := New(DefaultOptions(), fixture())
	for _, op := range []jute.OpCode{jute.OpGetData, jute.OpExists, jute.OpGetChildren, jute.OpGetChildren2, jute.OpGetACL,
		jute.OpSync, jute.OpPing, jute.OpCheck, jute.OpMultiRead, jute.OpAuth, jute.OpSetWatches, jute.OpSASL, jute.OpWhoAmI,
		jute.OpAddWatch, jute.OpNotification, jute.OpError, 99} {
		if IsWrite(op) {
			t.Errorf("IsWrite(%s)", jute.OpName(op))
		}
		hdr, txn := p.Prepare(Request{Type: op, Body: &jute.CheckVersionRequest{Path: "/a"}}, zx, now)
		if txn != nil || hdr != (jute.TxnHeader{}) {
			t.Errorf("%s: %+v %#v", jute.OpName(op), hdr, txn)
		}
	}
	if p.Outstanding() != 0 {
		t.Fatal("reads left changes")
	}
}

func TestOptionsValidate(t *testing.T) {
	if err := DefaultOptions().Validate(); err != nil {
		t.Fatal(err)
	}
	if err := (Options{MaxBuffer: -1}).Validate(); !errors.Is(err, ErrOptions) {
		t.Fatalf("negative MaxBuffer: %v", err)
	}
	if err := (Options{ACL: acl.Options{Providers: []acl.Provider{nil}}}).Validate(); !errors.Is(err, ErrOptions) || !errors.Is(err, acl.ErrOptions) {
		t.Fatalf("nil provider: %v", err)
	}
}

func TestValidatePathAsZooKeeper(t *testing.T) {
	for _, c := range pathCases {
		err := ValidatePath(c.path)
		if (err == nil) != c.want {
			t.Errorf("ValidatePath(%q) = %v, want valid=%v", c.path, err, c.want)
		}
		if err != nil && !errors.Is(err, ErrInvalidPath) {
			t.Errorf("ValidatePath(%q) = %v, not ErrInvalidPath", c.path, err)
		}
	}
	for _, bad := range []string{"/a\xff", "/a\xe2\x82", "/\xed\xa0\x80", "/a/\xc0\xaf"} {
		if ValidatePath(bad) == nil {
			t.Errorf("ValidatePath(%q) accepted malformed UTF-8", bad)
		}
	}
}

func TestSequentialSuffixIsJavaFormat(t *testing.T) {
	// String.format("%010d", ...) as printed by OpenJDK 17.
	cases := map[int32]string{5: "0000000005", -1: "-000000001", math.MinInt32: "-2147483648", math.MaxInt32: "2147483647", 0: "0000000000"}
	for v, want := range cases {
		if got := sequential("/p", v); got != "/p"+want {
			t.Errorf("sequential(%d) = %q, want /p%s", v, got, want)
		}
	}
}
