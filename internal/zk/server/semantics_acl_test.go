package server

import (
	"fmt"
	"slices"
	"testing"

	"github.com/wharf-project/wharf/internal/zk/acl"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

const testSuperDigest = "super:D/InIHSb7yEEbrWz8b9l71RjZJU=" // password "test"

func aclOf(perms int32, scheme, id string) jute.ACL {
	return jute.ACL{Perms: perms, ID: jute.Id{Scheme: scheme, ID: id}}
}

func addAuth(r *rawConn, scheme, auth string) jute.Code {
	r.t.Helper()
	return jute.Code(r.call(jute.OpAuth, &jute.AuthPacket{Scheme: scheme, Auth: []byte(auth)}, nil).Err)
}

func getACL(r *rawConn, path string, want jute.Code) jute.GetACLResponse {
	r.t.Helper()
	var resp jute.GetACLResponse
	r.mustCall(jute.OpGetACL, &jute.PathRequest{Path: path}, &resp, want)
	return resp
}

func whoAmI(r *rawConn) []string {
	r.t.Helper()
	var resp jute.WhoAmIResponse
	r.mustCall(jute.OpWhoAmI, nil, &resp, jute.OK)
	var out []string
	for _, ci := range resp.ClientInfo {
		out = append(out, ci.AuthScheme+":"+ci.User)
	}
	slices.Sort(out)
	return out
}

// TestACLSchemes: world, auth, digest and ip identities grant exactly
// their permissions; the super digest bypasses every check.
func TestACLSchemes(t *testing.T) {
	s := startServer(t, func(o *Options) { o.TickTime = 1000; o.SuperDigest = testSuperDigest })
	addr := s.Addr().String()
	owner := rawSession(t, addr, 10000)
	other := rawSession(t, addr, 10000)
	if c := addAuth(owner, "digest", "owner:pw"); c != jute.OK {
		t.Fatalf("addauth: %v", c)
	}
	ownerID := acl.Digest("owner:pw")

	create := func(r *rawConn, path string, acls []jute.ACL, want jute.Code) {
		t.Helper()
		r.mustCall(jute.OpCreate, &jute.CreateRequest{Path: path, ACL: acls}, &jute.CreateResponse{}, want)
	}
	// world:anyone with READ only.
	create(owner, "/ro", []jute.ACL{aclOf(jute.PermRead, "world", "anyone")}, jute.OK)
	other.mustCall(jute.OpGetData, pw("/ro", false), &jute.GetDataResponse{}, jute.OK)
	other.mustCall(jute.OpSetData, &jute.SetDataRequest{Path: "/ro", Version: -1}, nil, jute.NoAuth)
	create(other, "/ro/c", openACL, jute.NoAuth)
	other.mustCall(jute.OpSetACL, &jute.SetACLRequest{Path: "/ro", ACL: openACL, Version: -1}, nil, jute.NoAuth)

	// Delete needs DELETE on the parent, not on the node.
	create(owner, "/nodel", []jute.ACL{aclOf(jute.PermRead|jute.PermCreate, "world", "anyone")}, jute.OK)
	create(other, "/nodel/c", []jute.ACL{aclOf(0, "world", "anyone")}, jute.OK)
	other.mustCall(jute.OpDelete, &jute.PathVersionRequest{Path: "/nodel/c", Version: -1}, nil, jute.NoAuth)
	create(owner, "/del", []jute.ACL{aclOf(jute.PermDelete|jute.PermCreate, "world", "anyone")}, jute.OK)
	create(other, "/del/c", []jute.ACL{aclOf(0, "world", "anyone")}, jute.OK)
	other.mustCall(jute.OpDelete, &jute.PathVersionRequest{Path: "/del/c", Version: -1}, nil, jute.OK)

	// auth: the creator's authenticated ids; none (only ip) is InvalidACL.
	create(other, "/authless", []jute.ACL{aclOf(jute.PermAll, "auth", "")}, jute.InvalidACL)
	create(owner, "/mine", []jute.ACL{aclOf(jute.PermAll, "auth", "")}, jute.OK)
	got := getACL(owner, "/mine", jute.OK)
	if want := []jute.ACL{aclOf(jute.PermAll, "digest", ownerID)}; !slices.Equal(got.ACL, want) {
		t.Fatalf("auth ACL expanded to %+v, want %+v", got.ACL, want)
	}
	other.mustCall(jute.OpGetData, pw("/mine", false), nil, jute.NoAuth)
	other.mustCall(jute.OpExists, pw("/mine", false), nil, jute.NoAuth) // 3.9: exists checks READ (ZOOKEEPER-2590)
	other.mustCall(jute.OpGetChildren, pw("/mine", false), nil, jute.NoAuth)
	other.mustCall(jute.OpGetAllChildrenNumber, &jute.PathRequest{Path: "/mine"}, nil, jute.NoAuth)

	// digest: the same identity from another connection.
	third := rawSession(t, addr, 10000)
	if c := addAuth(third, "digest", "owner:wrong"); c != jute.OK {
		t.Fatalf("a wrong digest password still authenticates (as another id): %v", c)
	}
	third.mustCall(jute.OpGetData, pw("/mine", false), nil, jute.NoAuth)
	addAuth(third, "digest", "owner:pw")
	third.mustCall(jute.OpGetData, pw("/mine", false), &jute.GetDataResponse{}, jute.OK)

	// ip: the connection's address, exact or by prefix.
	for _, tc := range []struct {
		id   string
		want jute.Code
	}{
		{"127.0.0.1", jute.OK}, {"127.0.0.0/8", jute.OK}, {"127.0.0.1/32", jute.OK}, {"0.0.0.0/0", jute.OK},
		{"10.0.0.0/8", jute.NoAuth}, {"127.0.0.2", jute.NoAuth}, {"128.0.0.0/1", jute.NoAuth},
	} {
		path := fmt.Sprintf("/ip%x", tc.id)
		create(owner, path, []jute.ACL{aclOf(jute.PermRead, "ip", tc.id)}, jute.OK)
		other.mustCall(jute.OpGetData, pw(path, false), nil, tc.want)
	}

	// super bypasses every ACL, and sees digests unmasked.
	super := rawSession(t, addr, 10000)
	if c := addAuth(super, "digest", "super:test"); c != jute.OK {
		t.Fatal(c)
	}
	super.mustCall(jute.OpGetData, pw("/mine", false), &jute.GetDataResponse{}, jute.OK)
	super.mustCall(jute.OpSetData, &jute.SetDataRequest{Path: "/mine", Data: []byte("x"), Version: -1}, &jute.SetDataResponse{}, jute.OK)
	if got := getACL(super, "/mine", jute.OK); got.ACL[0].ID.ID != ownerID {
		t.Fatalf("super's getACL: %+v", got.ACL)
	}
	create(super, "/mine/c", []jute.ACL{aclOf(jute.PermAll, "auth", "")}, jute.OK)
	if got := whoAmI(super); !slices.Equal(got, []string{"digest:super", "ip:127.0.0.1", "super:"}) {
		t.Fatalf("super whoAmI %q", got)
	}
	super.mustCall(jute.OpDelete, &jute.PathVersionRequest{Path: "/mine/c", Version: -1}, nil, jute.OK)
	super.mustCall(jute.OpDelete, &jute.PathVersionRequest{Path: "/mine", Version: -1}, nil, jute.OK)
	// A wrong super password is just another digest identity.
	notSuper := rawSession(t, addr, 10000)
	addAuth(notSuper, "digest", "super:nope")
	notSuper.mustCall(jute.OpSetData, &jute.SetDataRequest{Path: "/ro", Version: -1}, nil, jute.NoAuth)
}

// TestGetACLPermissions: getACL needs READ or ADMIN; with READ alone the
// digest ids come back masked as user:x (CVE-2019-0201).
func TestGetACLPermissions(t *testing.T) {
	s := startServer(t, func(o *Options) { o.TickTime = 1000 })
	owner := rawSession(t, s.Addr().String(), 10000)
	other := rawSession(t, s.Addr().String(), 10000)
	addAuth(owner, "digest", "owner:pw")
	ownerID := acl.Digest("owner:pw")
	readable := []jute.ACL{aclOf(jute.PermAll, "digest", ownerID), aclOf(jute.PermRead, "world", "anyone"),
		aclOf(jute.PermRead, "ip", "127.0.0.1")}
	owner.mustCall(jute.OpCreate, &jute.CreateRequest{Path: "/readable", ACL: readable}, &jute.CreateResponse{}, jute.OK)
	owner.mustCall(jute.OpCreate, &jute.CreateRequest{Path: "/private", ACL: readable[:1]}, &jute.CreateResponse{}, jute.OK)
	owner.mustCall(jute.OpCreate, &jute.CreateRequest{Path: "/adminonly",
		ACL: []jute.ACL{readable[0], aclOf(jute.PermAdmin, "world", "anyone")}}, &jute.CreateResponse{}, jute.OK)

	masked := getACL(other, "/readable", jute.OK)
	want := slices.Clone(readable)
	want[0].ID.ID = "owner:x"
	if !slices.Equal(masked.ACL, want) {
		t.Fatalf("READ-only getACL: %+v, want %+v", masked.ACL, want)
	}
	if full := getACL(owner, "/readable", jute.OK); !slices.Equal(full.ACL, readable) {
		t.Fatalf("ADMIN getACL: %+v", full.ACL)
	}
	getACL(other, "/private", jute.NoAuth)
	if got := getACL(other, "/adminonly", jute.OK); got.ACL[0].ID.ID != ownerID || got.Stat.Aversion != 0 {
		t.Fatalf("ADMIN-only getACL: %+v", got)
	}
	getACL(other, "/nonexistent", jute.NoNode)
}

// TestInvalidACL: malformed ACL lists are refused with InvalidACL on
// create and setACL.
func TestInvalidACL(t *testing.T) {
	s := startServer(t, nil)
	r := rawSession(t, s.Addr().String(), 4000)
	r.mustCall(jute.OpCreate, createReq("/n", "", 0), &jute.CreateResponse{}, jute.OK)
	for _, tc := range []struct {
		name string
		acls []jute.ACL
	}{
		{"empty", []jute.ACL{}},
		{"null", nil},
		{"unknown scheme", []jute.ACL{aclOf(jute.PermAll, "foo", "bar")}},
		{"world but not anyone", []jute.ACL{aclOf(jute.PermAll, "world", "someone")}},
		{"digest without colon", []jute.ACL{aclOf(jute.PermAll, "digest", "nocolon")}},
		{"digest with two colons", []jute.ACL{aclOf(jute.PermAll, "digest", "a:b:c")}},
		{"ip not an address", []jute.ACL{aclOf(jute.PermAll, "ip", "1.2.3")}},
		{"ip prefix too long", []jute.ACL{aclOf(jute.PermAll, "ip", "127.0.0.1/33")}},
		{"ip prefix not a number", []jute.ACL{aclOf(jute.PermAll, "ip", "127.0.0.1/x")}},
		{"auth without credentials", []jute.ACL{aclOf(jute.PermAll, "auth", "")}},
		{"one bad among good", []jute.ACL{openACL[0], aclOf(jute.PermAll, "foo", "bar")}},
	} {
		if h := r.call(jute.OpCreate, &jute.CreateRequest{Path: "/bad", ACL: tc.acls}, nil); h.Err != int32(jute.InvalidACL) {
			t.Errorf("create with %s ACL: %v, want InvalidACL", tc.name, jute.Code(h.Err))
		}
		if h := r.call(jute.OpSetACL, &jute.SetACLRequest{Path: "/n", ACL: tc.acls, Version: -1}, nil); h.Err != int32(jute.InvalidACL) {
			t.Errorf("setACL with %s ACL: %v, want InvalidACL", tc.name, jute.Code(h.Err))
		}
	}
	// Valid ones for contrast, duplicates folded.
	var resp jute.GetACLResponse
	dup := []jute.ACL{aclOf(jute.PermRead, "ip", "10.1.0.0/16"), aclOf(jute.PermRead, "ip", "10.1.0.0/16"), openACL[0]}
	r.mustCall(jute.OpSetACL, &jute.SetACLRequest{Path: "/n", ACL: dup, Version: -1}, &jute.SetACLResponse{}, jute.OK)
	r.mustCall(jute.OpGetACL, &jute.PathRequest{Path: "/n"}, &resp, jute.OK)
	if !slices.Equal(resp.ACL, dup[1:]) {
		t.Fatalf("duplicates kept: %+v", resp.ACL)
	}
}

// TestSetACLVersions: setACL checks the ACL version (aversion), -1 matches
// any, and each success bumps it; it needs ADMIN.
func TestSetACLVersions(t *testing.T) {
	s := startServer(t, nil)
	r := rawSession(t, s.Addr().String(), 4000)
	other := rawSession(t, s.Addr().String(), 4000)
	r.mustCall(jute.OpCreate, createReq("/v", "", 0), &jute.CreateResponse{}, jute.OK)
	ro := []jute.ACL{aclOf(jute.PermRead|jute.PermWrite, "world", "anyone")}
	r.mustCall(jute.OpSetACL, &jute.SetACLRequest{Path: "/v", ACL: ro, Version: 3}, nil, jute.BadVersion)
	var st jute.SetACLResponse
	h := r.mustCall(jute.OpSetACL, &jute.SetACLRequest{Path: "/v", ACL: openACL, Version: 0}, &st, jute.OK)
	if st.Stat.Aversion != 1 || st.Stat.Version != 0 || st.Stat.Mzxid == h.Zxid {
		t.Fatalf("setACL stat %+v at %#x (setACL changes neither data version nor mzxid)", st.Stat, h.Zxid)
	}
	r.mustCall(jute.OpSetACL, &jute.SetACLRequest{Path: "/v", ACL: ro, Version: 0}, nil, jute.BadVersion)
	r.mustCall(jute.OpSetACL, &jute.SetACLRequest{Path: "/v", ACL: ro, Version: -1}, &st, jute.OK)
	if st.Stat.Aversion != 2 {
		t.Fatalf("aversion %d", st.Stat.Aversion)
	}
	// No ADMIN any more.
	other.mustCall(jute.OpSetACL, &jute.SetACLRequest{Path: "/v", ACL: openACL, Version: -1}, nil, jute.NoAuth)
	r.mustCall(jute.OpSetACL, &jute.SetACLRequest{Path: "/none", ACL: openACL, Version: -1}, nil, jute.NoNode)
	got := getACL(other, "/v", jute.OK)
	if !slices.Equal(got.ACL, ro) || got.Stat.Aversion != 2 {
		t.Fatalf("getACL %+v", got)
	}
}

// TestWhoAmIAndAuthFailures: whoAmI lists the connection's identities;
// an unknown scheme fails authentication and closes the connection.
func TestWhoAmIAndAuthFailures(t *testing.T) {
	s := startServer(t, nil)
	r := rawSession(t, s.Addr().String(), 4000)
	if got := whoAmI(r); !slices.Equal(got, []string{"ip:127.0.0.1"}) {
		t.Fatalf("whoAmI %q", got)
	}
	addAuth(r, "digest", "alice:pw")
	addAuth(r, "digest", "alice:pw") // again: one identity
	addAuth(r, "digest", "bob:pw")
	if got := whoAmI(r); !slices.Equal(got, []string{"digest:alice", "digest:bob", "ip:127.0.0.1"}) {
		t.Fatalf("whoAmI %q", got)
	}
	// ZooKeeper keeps a connection's identities in a ConcurrentHashMap-backed
	// set: whoAmI lists them, and an auth ACL expands them, in that map's
	// order (bucket of the Id's hashCode), not in the order they were added.
	var resp jute.WhoAmIResponse
	r.mustCall(jute.OpWhoAmI, nil, &resp, jute.OK)
	if want := []jute.ClientInfo{{AuthScheme: "digest", User: "bob"}, {AuthScheme: "ip", User: "127.0.0.1"},
		{AuthScheme: "digest", User: "alice"}}; !slices.Equal(resp.ClientInfo, want) {
		t.Fatalf("whoAmI order %v, want %v", resp.ClientInfo, want)
	}
	r.mustCall(jute.OpCreate, &jute.CreateRequest{Path: "/both", ACL: []jute.ACL{aclOf(jute.PermRead|jute.PermAdmin, "auth", "")}},
		&jute.CreateResponse{}, jute.OK)
	got := getACL(r, "/both", jute.OK)
	const ra = jute.PermRead | jute.PermAdmin
	if want := []jute.ACL{aclOf(ra, "digest", acl.Digest("bob:pw")), aclOf(ra, "digest", acl.Digest("alice:pw"))}; !slices.Equal(got.ACL, want) {
		t.Fatalf("auth ACL expanded to %v, want %v", got.ACL, want)
	}
	// addauth ip is the connection's own address, no matter what it says.
	if c := addAuth(r, "ip", "10.0.0.1"); c != jute.OK {
		t.Fatalf("addauth ip: %v", c)
	}
	if got := whoAmI(r); len(got) != 3 {
		t.Fatalf("whoAmI after addauth ip %q", got)
	}

	for _, pkt := range []*jute.AuthPacket{
		{Scheme: "foo", Auth: []byte("x")},
		{Scheme: "digest", Auth: nil},
	} {
		c := rawSession(t, s.Addr().String(), 4000)
		h := c.call(jute.OpAuth, pkt, nil)
		if h.Err != int32(jute.AuthFailed) || h.Xid != jute.XidAuth {
			t.Fatalf("addauth %q: %+v", pkt.Scheme, h)
		}
		if frames := c.expectClosed(); len(frames) != 0 {
			t.Fatalf("frames after AuthFailed: %x", frames)
		}
	}
	r.mustCall(jute.OpExists, pw("/", false), &jute.ExistsResponse{}, jute.OK)
}
