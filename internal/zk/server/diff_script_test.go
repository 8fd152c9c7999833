package server

import (
	"encoding/binary"
	"strconv"
	"time"

	"github.com/wharf-project/wharf/internal/zk/acl"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// The differential script: every opcode and the main error paths, on a few
// connections. Connections: 0 main, 1 watcher, 2 digest users "alice" and
// "bob", 3 super, 4 an old-style client (no readOnly byte), 5 the watcher's
// session resumed after its connection drops, 22 the main session resumed
// after the session-move steps; the others are throwaway connections for
// requests that end them.

func connectStep(conn int, timeout int32, withRO bool, note string) step {
	return step{kind: stepConnect, conn: conn, resumeFrom: -1, note: note,
		connect: jute.ConnectRequest{TimeOut: timeout, HasReadOnly: withRO}}
}

func resumeStep(conn, from int, note string) step {
	return step{kind: stepConnect, conn: conn, resumeFrom: from, note: note,
		connect: jute.ConnectRequest{TimeOut: 30000, HasReadOnly: true}}
}

func rq(conn int, op jute.OpCode, body jute.Record, resp func() jute.Record, note string) step {
	return step{kind: stepRequest, conn: conn, op: op, body: body, resp: resp, note: note}
}

func newStat() jute.Record     { return &jute.StatResponse{} }
func newCreated() jute.Record  { return &jute.PathRequest{} }
func newCreated2() jute.Record { return &jute.Create2Response{} }
func newData() jute.Record     { return &jute.GetDataResponse{} }
func newKids() jute.Record     { return &jute.StringsResponse{} }
func newKids2() jute.Record    { return &jute.GetChildren2Response{} }
func newACLResp() jute.Record  { return &jute.GetACLResponse{} }
func newMultiRsp() jute.Record { return &jute.MultiResponse{} }
func newInt() jute.Record      { return &jute.IntResponse{} }
func newErrResp() jute.Record  { return &jute.ErrorResponse{} }
func newWhoAmI() jute.Record   { return &jute.WhoAmIResponse{} }

// Request shorthands for the script.
func sCreate(c int, path, data string, flags int32, note string) step {
	return rq(c, jute.OpCreate, createReq(path, data, flags), newCreated, note)
}
func sCreateACL(c int, path string, acls []jute.ACL, note string) step {
	return rq(c, jute.OpCreate, &jute.CreateRequest{Path: path, ACL: acls}, newCreated, note)
}
func sCreate2(c int, path, data string, flags int32, note string) step {
	return rq(c, jute.OpCreate2, createReq(path, data, flags), newCreated2, note)
}
func sDelete(c int, path string, version int32, note string) step {
	return rq(c, jute.OpDelete, &jute.PathVersionRequest{Path: path, Version: version}, nil, note)
}
func sExists(c int, path string, watch bool, note string) step {
	return rq(c, jute.OpExists, pw(path, watch), newStat, note)
}
func sGet(c int, path string, watch bool, note string) step {
	return rq(c, jute.OpGetData, pw(path, watch), newData, note)
}
func sSet(c int, path, data string, version int32, note string) step {
	return rq(c, jute.OpSetData, &jute.SetDataRequest{Path: path, Data: []byte(data), Version: version}, newStat, note)
}
func sKids(c int, path string, watch bool, note string) step {
	return rq(c, jute.OpGetChildren, pw(path, watch), newKids, note)
}
func sKids2(c int, path string, watch bool, note string) step {
	return rq(c, jute.OpGetChildren2, pw(path, watch), newKids2, note)
}
func sGetACL(c int, path, note string) step {
	return rq(c, jute.OpGetACL, &jute.PathRequest{Path: path}, newACLResp, note)
}
func sSetACL(c int, path string, acls []jute.ACL, version int32, note string) step {
	return rq(c, jute.OpSetACL, &jute.SetACLRequest{Path: path, ACL: acls, Version: version}, newStat, note)
}
func sAuth(c int, scheme, auth, note string) step {
	return rq(c, jute.OpAuth, &jute.AuthPacket{Scheme: scheme, Auth: []byte(auth)}, nil, note)
}
func sMulti(c int, note string, ops ...jute.MultiOp) step {
	return rq(c, jute.OpMulti, &jute.MultiRequest{Ops: ops}, newMultiRsp, note)
}
func sMultiRead(c int, note string, ops ...jute.MultiOp) step {
	return rq(c, jute.OpMultiRead, &jute.MultiRequest{Ops: ops}, newMultiRsp, note)
}
func sWatchOp(c int, op jute.OpCode, path string, typ int32, note string) step {
	var resp func() jute.Record
	if op == jute.OpAddWatch {
		resp = newErrResp
	}
	return rq(c, op, &jute.PathTypeRequest{Path: path, Type: typ}, resp, note)
}

func mCreate(path, data string, flags int32) jute.MultiOp {
	return jute.MultiOp{Type: jute.OpCreate, Op: createReq(path, data, flags)}
}
func mSet(path, data string, version int32) jute.MultiOp {
	return jute.MultiOp{Type: jute.OpSetData, Op: &jute.SetDataRequest{Path: path, Data: []byte(data), Version: version}}
}
func mDelete(path string, version int32) jute.MultiOp {
	return jute.MultiOp{Type: jute.OpDelete, Op: &jute.PathVersionRequest{Path: path, Version: version}}
}
func mCheck(path string, version int32) jute.MultiOp {
	return jute.MultiOp{Type: jute.OpCheck, Op: &jute.PathVersionRequest{Path: path, Version: version}}
}
func mGet(op jute.OpCode, path string) jute.MultiOp {
	return jute.MultiOp{Type: op, Op: pw(path, false)}
}

var (
	aliceID  = acl.Digest("alice:secret")
	aliceAll = []jute.ACL{aclOf(jute.PermAll, "digest", aliceID)}
)

// frameOf prefixes payload with its length.
func frameOf(payload []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(payload))), payload...)
}

// diffScript is the scripted conversation. It avoids what depends on time
// (expiry, the container reaper) and on what 3.8 lacks (see diffSkips).
func diffScript() []step {
	s := []step{
		connectStep(0, 30000, true, "new session with readOnly byte"),
		connectStep(1, 30000, true, "watcher session"),
		connectStep(4, 30000, false, "old-style ConnectRequest without readOnly"),
		connectStep(2, 100, true, "timeout below min: clamped"),
		connectStep(3, 1000000, true, "timeout above max: clamped"),

		// The initial tree.
		sExists(0, "/", false, "root stat"),
		sKids2(0, "/", false, "root children"),
		sGet(0, "/zookeeper", false, "/zookeeper"),
		sKids2(0, "/zookeeper", false, "/zookeeper children"),
		sGet(0, "/zookeeper/config", false, "config node"),
		sGet(0, "/zookeeper/quota", false, "quota node"),
		sGetACL(0, "/", "root ACL"),
		sGetACL(0, "/zookeeper/config", "config ACL"),
		rq(0, jute.OpGetAllChildrenNumber, &jute.PathRequest{Path: "/"}, newInt, "count all"),
		rq(0, jute.OpWhoAmI, nil, newWhoAmI, "whoAmI anonymous"),
		rq(4, jute.OpWhoAmI, nil, newWhoAmI, "whoAmI old client"),

		// Creates and their errors.
		sCreate(0, "/d", "data", 0, "create"),
		sCreate(0, "/d", "again", 0, "NodeExists"),
		sCreate2(0, "/d/a", "", 0, "create2"),
		sCreate2(0, "/d/a", "", 0, "create2 NodeExists"),
		sCreate(0, "/d/s-", "", jute.ModePersistentSequential, "sequential"),
		sCreate2(0, "/d/s-", "x", jute.ModePersistentSequential, "sequential create2"),
		sCreate(0, "/d/e", "", jute.ModeEphemeral, "ephemeral"),
		sCreate(0, "/d/es-", "", jute.ModeEphemeralSequential, "ephemeral sequential"),
		sCreate(0, "/d/e/x", "", 0, "NoChildrenForEphemerals"),
		sCreate(0, "/nonexistent/x", "", 0, "NoNode parent"),
		sCreate(0, "/d/s-/x", "", jute.ModePersistentSequential, "NoNode sequential parent"),
		sCreate(0, "/d/e", "", 0, "NodeExists on an ephemeral"),
		rq(0, jute.OpCreate, &jute.CreateRequest{Path: "/d/nulldata", Data: nil, ACL: openACL}, newCreated, "null data"),
		sCreate(0, "/d/flags", "", 7, "invalid flags 7"),
		sCreate(0, "/d/flags", "", -1, "invalid flags -1"),
		sCreate(0, "/zookeeper/mine", "", 0, "create under /zookeeper"),
		sCreate(0, "/zookeeper/config/x", "", 0, "create under config (READ only)"),
	}
	for _, p := range []string{"", "d", "/d/", "//d", "/d//x", "/d/./x", "/d/../x", "/d/.", "/d/..", "/d/x\x00y",
		"/d/\u0001x", "/d/\xed\xa0\x80", "/d/\xff", "/d/\uf8ffx", "/d/\ufff0x", "/d/\u00a0", "/"} {
		s = append(s, sCreate(0, p, "", 0, "bad path "+quoteNote(p)))
	}
	s = append(s,
		sCreate(0, "/d/", "", jute.ModePersistentSequential, "sequential with a trailing slash"),
		sCreate(0, "/d/./s", "", jute.ModePersistentSequential, "sequential with a dot"),
		sCreate(0, "/d/ünïcødé", "ü", 0, "unicode name"),
		sExists(0, "/d/x\x00y", false, "exists with a NUL"),
		sGet(0, "bad", false, "getData with a relative path"),
		sDelete(0, "/d//a", -1, "delete bad path"),
		sSet(0, "d/a", "", -1, "setData bad path"),

		// Reads.
		sExists(0, "", false, "exists of the root alias \"\""),
		sGet(0, "", false, "getData of \"\""),
		sKids2(0, "", false, "getChildren2 of \"\""),
		sGetACL(0, "", "getACL of \"\""),
		sExists(0, "/d", false, "exists"),
		sExists(0, "/d/e", false, "an ephemeral's stat"),
		sGet(1, "/d/es-0000000004", false, "another session's ephemeral"),
		sSet(0, "/zookeeper/config", "x", -1, "setData on the config node"),
		sDelete(0, "/zookeeper/config", -1, "delete the config node"),
		sSetACL(0, "/zookeeper/config", openACL, -1, "setACL on the config node"),
		sExists(0, "/nonexistent", false, "exists NoNode"),
		sGet(0, "/d", false, "getData"),
		sGet(0, "/d/nulldata", false, "getData of null data"),
		sGet(0, "/nonexistent", false, "getData NoNode"),
		sKids(0, "/d", false, "getChildren"),
		sKids2(0, "/d", false, "getChildren2"),
		sKids(0, "/nonexistent", false, "getChildren NoNode"),
		sKids2(0, "/d/a", false, "getChildren2 leaf"),
		rq(0, jute.OpGetAllChildrenNumber, &jute.PathRequest{Path: "/d"}, newInt, "getAllChildrenNumber"),
		rq(0, jute.OpGetAllChildrenNumber, &jute.PathRequest{Path: "/nonexistent"}, newInt, "getAllChildrenNumber NoNode"),
		rq(0, jute.OpGetAllChildrenNumber, &jute.PathRequest{Path: "/zookeeper"}, newInt, "getAllChildrenNumber /zookeeper"),
		rq(0, jute.OpGetEphemerals, &jute.PathRequest{Path: "/"}, newKids, "getEphemerals /"),
		rq(0, jute.OpGetEphemerals, &jute.PathRequest{Path: "/d/es"}, newKids, "getEphemerals prefix"),
		rq(0, jute.OpGetEphemerals, &jute.PathRequest{Path: ""}, newKids, "getEphemerals empty"),
		rq(1, jute.OpGetEphemerals, &jute.PathRequest{Path: "/"}, newKids, "getEphemerals none"),
		rq(0, jute.OpSync, &jute.PathRequest{Path: "/d"}, newCreated, "sync"),
		rq(0, jute.OpSync, &jute.PathRequest{Path: "/nonexistent"}, newCreated, "sync a missing path"),

		// setData and delete with versions.
		sSet(0, "/d", "v1", 0, "setData version 0"),
		sSet(0, "/d", "stale", 0, "setData BadVersion"),
		sSet(0, "/d", "any", -1, "setData any version"),
		sSet(0, "/nonexistent", "", -1, "setData NoNode"),
		sSet(0, "/d/a", "", -2, "setData version -2"),
		sDelete(0, "/d", -1, "delete NotEmpty"),
		sDelete(0, "/d/a", 5, "delete BadVersion"),
		sDelete(0, "/nonexistent", -1, "delete NoNode"),
		sDelete(0, "/", -1, "delete root"),
		sDelete(0, "/zookeeper", -1, "delete /zookeeper"),
		sDelete(0, "/zookeeper/quota", -1, "delete /zookeeper/quota"),
		sDelete(0, "/d/a", 0, "delete"),
		sCreate(0, "/d/a", "", 0, "create again"),

		// One-shot watches and their events.
		sGet(1, "/d", true, "data watch"),
		sExists(1, "/d/w", true, "exist watch on a missing node"),
		sKids(1, "/d", true, "child watch"),
		sKids2(1, "/d/a", true, "child watch via getChildren2"),
		sSet(0, "/d", "w1", -1, "fires the data watch"),
		sSet(0, "/d", "w2", -1, "fires nothing"),
		sCreate(0, "/d/w", "", 0, "fires NodeCreated and NodeChildrenChanged"),
		sExists(1, "/d/w", true, "exist watch on an existing node"),
		sGet(1, "/d/w", true, "and a data watch on it"),
		sKids(1, "/d/w", true, "and a child watch on it"),
		sKids(1, "/d", true, "child watch again"),
		sDelete(0, "/d/w", -1, "fires one NodeDeleted and NodeChildrenChanged"),
		sCreate(0, "/d/a/b", "", 0, "fires the getChildren2 watch"),

		sGet(1, "/d/nowatch", true, "getData watch on a missing node registers nothing"),
		sCreate(0, "/d/nowatch", "", 0, "so its create fires nothing"),
		sCreate(0, "/mw", "", 0, "parent for multi events"),
		sExists(1, "/mw/a", true, "exist watch a"),
		sExists(1, "/mw/b", true, "exist watch b"),
		sKids(1, "/mw", true, "child watch on the parent"),
		sGet(1, "/d/nowatch", true, "data watch on a node the multi deletes"),
		sMulti(0, "multi firing several watches", mCreate("/mw/b", "", 0), mCreate("/mw/a", "", 0),
			mDelete("/d/nowatch", -1), mSet("/mw", "x", -1)),

		// Quota nodes: ZooKeeper keeps zookeeper_stats current in memory.
		sCreate(0, "/zookeeper/quota/q", "", 0, "quota parent"),
		sCreate(0, "/zookeeper/quota/q/zookeeper_limits", "count=10,bytes=1000", 0, "quota limits"),
		sCreate(0, "/zookeeper/quota/q/zookeeper_stats", "count=1,bytes=0", 0, "quota stats"),
		sCreate(0, "/q", "", 0, "quota root"),
		sCreate(0, "/q/a", "12345", 0, "counted"),
		sSet(0, "/q/a", "123", -1, "bytes change"),
		sGet(0, "/zookeeper/quota/q/zookeeper_stats", false, "the stats"),
		sCreate(0, "/q/b", "", jute.ModeEphemeral, "an ephemeral counts"),
		sDelete(0, "/q/a", -1, "a delete counts"),
		sGet(0, "/zookeeper/quota/q/zookeeper_stats", false, "the stats again"),
		rq(0, jute.OpGetAllChildrenNumber, &jute.PathRequest{Path: "/zookeeper/quota"}, newInt, "quota subtree count"),

		// The largest request: a frame of exactly jute.maxbuffer.
		rq(0, jute.OpCreate, &jute.CreateRequest{Path: "/big", Data: maxData(), ACL: openACL}, newCreated, "create with a jute.maxbuffer frame"),
		sGet(0, "/big", false, "read it back (a reply larger than jute.maxbuffer)"),
		sSet(0, "/big", "", -1, "shrink it"),

		// Special xids on ordinary requests.
		step{kind: stepRequest, conn: 0, op: jute.OpAuth, xid: 55, body: &jute.AuthPacket{Scheme: "digest", Auth: []byte("x:y")},
			note: "auth with xid 55"},
		step{kind: stepRequest, conn: 0, op: jute.OpSetWatches, xid: 56, body: &jute.SetWatches{}, note: "setWatches with xid 56"},
		step{kind: stepRequest, conn: 0, op: jute.OpGetData, xid: -2, body: pw("/d", false), resp: newData, note: "getData with the ping xid"},
		rq(0, jute.OpWhoAmI, nil, newWhoAmI, "whoAmI after auth with another xid"),

		// Multi.
		sMulti(0, "multi success",
			mCreate("/m", "", 0), mCreate("/m/a", "1", 0),
			jute.MultiOp{Type: jute.OpCreate2, Op: createReq("/m/b", "2", 0)},
			mSet("/m/a", "3", 0), mCheck("/m/a", 1), mDelete("/m/b", 0),
			mCreate("/m/s-", "", jute.ModePersistentSequential),
			jute.MultiOp{Type: jute.OpCreateContainer, Op: createReq("/m/c", "", jute.ModeContainer)},
			jute.MultiOp{Type: jute.OpCreateTTL, Op: &jute.CreateTTLRequest{Path: "/m/t", ACL: openACL,
				Flags: jute.ModePersistentWithTTL, TTL: 600000}}),
		sGet(0, "/m/a", false, "after the multi"),
		sKids2(0, "/m", false, "children after the multi"),
		sMulti(0, "multi failing on a check", mCreate("/m/x", "", 0), mCheck("/m/a", 0), mSet("/m/a", "", -1)),
		sMulti(0, "multi failing on NoNode", mSet("/m/a", "", -1), mDelete("/m/none", -1), mCreate("/m/y", "", 0)),
		sMulti(0, "multi failing on NodeExists first", mCreate("/m", "", 0), mCreate("/m/z", "", 0)),
		sMulti(0, "multi failing on NotEmpty", mDelete("/m", -1)),
		sMulti(0, "multi create then child of ephemeral", mCreate("/m/e", "", jute.ModeEphemeral), mCreate("/m/e/x", "", 0)),
		sMulti(0, "multi bad path", mCreate("m/bad", "", 0)),
		sMulti(0, "multi with bad ACL", jute.MultiOp{Type: jute.OpCreate, Op: &jute.CreateRequest{Path: "/m/acl"}}),
		sMulti(0, "multi delete then recreate", mDelete("/m/a", -1), mCreate("/m/a", "new", 0)),
		sMulti(0, "empty multi"),
		sExists(0, "/m/x", false, "failed multi left nothing"),
		rq(0, jute.OpMulti, nil, newMultiRsp, "multi with no body"),
		step{kind: stepRequest, conn: 0, op: jute.OpMulti, raw: multiHeaderBytes(jute.OpGetData, "/m"), resp: newMultiRsp,
			note: "multi with a read op"},

		// multiRead.
		sMultiRead(0, "multiRead", mGet(jute.OpGetData, "/m/a"), mGet(jute.OpGetChildren, "/m"),
			mGet(jute.OpGetData, "/nonexistent"), mGet(jute.OpGetChildren, "/nonexistent"), mGet(jute.OpGetData, "/d/x\x00")),
		sMultiRead(0, "empty multiRead"),
		step{kind: stepRequest, conn: 0, op: jute.OpMultiRead, raw: multiHeaderBytes(jute.OpCreate, "/m"), resp: newMultiRsp,
			note: "multiRead with a write op"},

		// ACLs and auth.
		sAuth(2, "digest", "alice:secret", "addauth digest"),
		sAuth(2, "digest", "alice:secret", "addauth the same again"),
		rq(2, jute.OpWhoAmI, nil, newWhoAmI, "whoAmI alice"),
		sAuth(2, "digest", "bob:secret", "addauth a second user"),
		rq(2, jute.OpWhoAmI, nil, newWhoAmI, "whoAmI alice and bob"),
		sCreateACL(2, "/both", []jute.ACL{aclOf(jute.PermAll, "auth", "")}, "auth ACL with two users"),
		sGetACL(2, "/both", "expanded to both"),
		sCreateACL(2, "/alice", []jute.ACL{aclOf(jute.PermAll, "auth", "")}, "create with auth ACL"),
		sGetACL(2, "/alice", "expanded ACL"),
		sCreateACL(0, "/anon", []jute.ACL{aclOf(jute.PermAll, "auth", "")}, "auth ACL without credentials"),
		sGet(0, "/alice", false, "NoAuth getData"),
		sExists(0, "/alice", false, "exists without READ"),
		sKids(0, "/alice", false, "NoAuth getChildren"),
		sKids2(0, "/alice", false, "NoAuth getChildren2"),
		sSet(0, "/alice", "", -1, "NoAuth setData"),
		sCreate(0, "/alice/x", "", 0, "NoAuth create"),
		sGetACL(0, "/alice", "NoAuth getACL"),
		rq(0, jute.OpGetAllChildrenNumber, &jute.PathRequest{Path: "/alice"}, newInt, "NoAuth getAllChildrenNumber"),
		sMultiRead(0, "multiRead NoAuth", mGet(jute.OpGetData, "/alice"), mGet(jute.OpGetChildren, "/alice")),
		sSetACL(2, "/alice", append(append([]jute.ACL{}, aliceAll...), aclOf(jute.PermRead, "world", "anyone")), 0, "setACL"),
		sSetACL(2, "/alice", aliceAll, 0, "setACL BadVersion"),
		sGetACL(0, "/alice", "masked getACL"),
		sGetACL(2, "/alice", "unmasked getACL"),
		sGet(0, "/alice", false, "readable now"),
		sSetACL(0, "/alice", openACL, -1, "setACL NoAuth"),
		sSetACL(2, "/nonexistent", openACL, -1, "setACL NoNode"),
		sSetACL(2, "/alice", nil, -1, "setACL null ACL"),
		sSetACL(2, "/alice", []jute.ACL{}, -1, "setACL empty ACL"),
		sCreateACL(0, "/badacl", []jute.ACL{aclOf(jute.PermAll, "foo", "bar")}, "unknown scheme"),
		sCreateACL(0, "/badacl", []jute.ACL{aclOf(jute.PermAll, "world", "someone")}, "world:someone"),
		sCreateACL(0, "/badacl", []jute.ACL{aclOf(jute.PermAll, "digest", "nocolon")}, "digest without colon"),
		sCreateACL(0, "/badacl", []jute.ACL{aclOf(jute.PermAll, "ip", "300.1.1.1")}, "ip out of range"),
		sCreateACL(0, "/badacl", []jute.ACL{aclOf(jute.PermAll, "ip", "10.0.0.0/33")}, "ip prefix too long"),
		sCreateACL(0, "/ipacl", []jute.ACL{aclOf(jute.PermRead, "ip", "127.0.0.0/8"),
			aclOf(jute.PermRead, "ip", "127.0.0.0/8"), aclOf(jute.PermAll, "ip", "10.1.2.3")}, "ip ACL with a duplicate"),
		sGetACL(0, "/ipacl", "ip ACL"),
		sGet(0, "/ipacl", false, "readable by ip"),
		sSet(0, "/ipacl", "", -1, "not writable by ip"),
		sCreateACL(0, "/zeroperm", []jute.ACL{aclOf(0, "world", "anyone")}, "zero permissions"),
		sGetACL(0, "/zeroperm", "getACL without READ or ADMIN"),
		sCreateACL(0, "/admin", []jute.ACL{aclOf(jute.PermAdmin, "world", "anyone"), aclOf(jute.PermAll, "digest", aliceID)}, "ADMIN only"),
		sGetACL(0, "/admin", "getACL with ADMIN only is unmasked"),
		sAuth(3, "digest", "super:test", "addauth super"),
		rq(3, jute.OpWhoAmI, nil, newWhoAmI, "whoAmI super"),
		sGet(3, "/zeroperm", false, "super reads anything"),
		sGetACL(3, "/alice", "super getACL"),
		sSetACL(3, "/zeroperm", openACL, -1, "super setACL"),
		sAuth(3, "ip", "ignored", "addauth ip"),
		rq(3, jute.OpWhoAmI, nil, newWhoAmI, "whoAmI after addauth ip"),

		// Persistent watches.
		sWatchOp(1, jute.OpAddWatch, "/p", jute.AddWatchPersistent, "addWatch persistent"),
		sWatchOp(1, jute.OpAddWatch, "/r", jute.AddWatchPersistentRecursive, "addWatch recursive"),
		sCreate(0, "/p", "", 0, "persistent NodeCreated"),
		sCreate(0, "/p/c", "", 0, "persistent NodeChildrenChanged"),
		sCreate(0, "/p/c/g", "", 0, "not below a persistent watch"),
		sSet(0, "/p", "x", -1, "persistent NodeDataChanged"),
		sCreate(0, "/r", "", 0, "recursive NodeCreated"),
		sCreate(0, "/r/c", "", 0, "recursive child NodeCreated"),
		sCreate(0, "/r/c/g", "", 0, "recursive grandchild"),
		sSet(0, "/r/c/g", "x", -1, "recursive NodeDataChanged"),
		sDelete(0, "/r/c/g", -1, "recursive NodeDeleted"),
		sWatchOp(1, jute.OpCheckWatches, "/p", jute.WatcherData, "checkWatches data on persistent"),
		sWatchOp(1, jute.OpCheckWatches, "/p", jute.WatcherAny, "checkWatches any"),
		sWatchOp(1, jute.OpCheckWatches, "/nowatch", jute.WatcherAny, "checkWatches NoWatcher"),
		sGet(1, "/p/c", true, "data watch"),
		sKids(1, "/p/c", true, "child watch"),
		sWatchOp(1, jute.OpCheckWatches, "/p/c", jute.WatcherData, "checkWatches data"),
		sWatchOp(1, jute.OpCheckWatches, "/p/c", jute.WatcherChildren, "checkWatches children"),
		sWatchOp(1, jute.OpRemoveWatches, "/p/c", jute.WatcherData, "removeWatches data"),
		sWatchOp(1, jute.OpRemoveWatches, "/p/c", jute.WatcherData, "removeWatches data NoWatcher"),
		sWatchOp(1, jute.OpCheckWatches, "/p/c", jute.WatcherChildren, "child watch still there"),
		sWatchOp(1, jute.OpRemoveWatches, "/p/c", jute.WatcherAny, "removeWatches any"),
		sWatchOp(1, jute.OpRemoveWatches, "/p/c", jute.WatcherChildren, "removeWatches children NoWatcher"),
		sSet(0, "/p/c", "x", -1, "no event after removal"),
		sWatchOp(1, jute.OpAddWatch, "/p", 2, "addWatch unknown mode"),
		sWatchOp(1, jute.OpCheckWatches, "/p", 9, "checkWatches unknown type"),
		sWatchOp(1, jute.OpRemoveWatches, "/p", 0, "removeWatches type 0"),

		// Containers and TTL nodes.
		rq(0, jute.OpCreateContainer, createReq("/ctr", "c", jute.ModeContainer), newCreated2, "createContainer"),
		rq(0, jute.OpCreateContainer, createReq("/ctr2", "c", 0), newCreated2, "createContainer with flags 0"),
		sCreate(0, "/ctr/child", "", jute.ModeContainer, "create with the container flag"),
		sExists(0, "/ctr/child", false, "a plain node"),
		rq(0, jute.OpCreateTTL, &jute.CreateTTLRequest{Path: "/ttl", ACL: openACL, Flags: jute.ModePersistentWithTTL, TTL: 600000},
			newCreated2, "createTTL"),
		rq(0, jute.OpCreateTTL, &jute.CreateTTLRequest{Path: "/ttl-", ACL: openACL, Flags: jute.ModePersistentSequentialWithTTL, TTL: 1},
			newCreated2, "createTTL sequential"),
		rq(0, jute.OpCreateTTL, &jute.CreateTTLRequest{Path: "/ttlbad", ACL: openACL, Flags: jute.ModePersistentWithTTL, TTL: 0},
			newCreated2, "createTTL ttl 0"),
		rq(0, jute.OpCreateTTL, &jute.CreateTTLRequest{Path: "/ttlbad", ACL: openACL, Flags: jute.ModePersistentWithTTL, TTL: 1 << 40},
			newCreated2, "createTTL ttl too big"),
		rq(0, jute.OpCreateTTL, &jute.CreateTTLRequest{Path: "/ttlbad", ACL: openACL, Flags: 0, TTL: 100},
			newCreated2, "createTTL persistent mode"),
		sCreate(0, "/ttlbad", "", jute.ModePersistentWithTTL, "create with a TTL flag"),
		rq(0, jute.OpCreate2, createReq("/ttlbad", "", jute.ModePersistentWithTTL), newCreated2, "create2 with a TTL flag"),
		sExists(0, "/ttl", false, "TTL node stat"),
		sGet(0, "/ctr", false, "container stat"),

		// Sessions: resume the watcher on a new connection, setWatches.
		sGet(1, "/d", true, "data watch before the move"),
		sKids(1, "/d", true, "child watch before the move"),
		step{kind: stepDrop, conn: 1, note: "watcher's connection drops"},
		sSet(0, "/d", "moved", -1, "change while disconnected"),
		sCreate(0, "/d/while", "", 0, "child while disconnected"),
		resumeStep(5, 1, "resume the watcher's session"),
		rq(5, jute.OpSetWatches, &jute.SetWatches{RelativeZxid: 0,
			DataWatches: []string{"/d", "/d/a", "/gone"}, ExistWatches: []string{"/d/while", "/later"},
			ChildWatches: []string{"/d", "/gone"}}, nil, "setWatches at zxid 0"),
		rq(5, jute.OpSetWatches2, &jute.SetWatches{V2: true, RelativeZxid: 0x7fffffff,
			DataWatches: []string{"/d/a"}, ExistWatches: []string{"/later2"}, ChildWatches: []string{"/m"},
			PersistentWatches: []string{"/p"}, PersistentRecursiveWatches: []string{"/r"}}, nil, "setWatches2 in the future"),
		sCreate(0, "/later", "", 0, "fires the re-set exist watch"),
		sSet(0, "/d/a", "x", -1, "fires the re-set data watch"),
		sCreate(0, "/r/again", "", 0, "fires the re-set recursive watch"),
		resumeStep(6, 0, "resume session 0 on a second connection"),
		rq(6, jute.OpGetEphemerals, &jute.PathRequest{Path: "/"}, newKids, "the session's ephemerals"),
		sGet(0, "/d", false, "old connection is closed"),
		step{kind: stepConnect, conn: 7, resumeFrom: 6, badPasswd: true, note: "wrong password",
			connect: jute.ConnectRequest{TimeOut: 30000, HasReadOnly: true}},
		step{kind: stepConnect, conn: 8, resumeFrom: 4, badPasswd: true, note: "wrong password, old client",
			connect: jute.ConnectRequest{TimeOut: 30000}},
		sGet(6, "/d", false, "session 0's new connection was closed by the wrong password"),
		resumeStep(22, 6, "resume session 0 once more (c22 stands for c0 from here on)"),
		sGet(22, "/d", false, "the session lives"),
		step{kind: stepConnect, conn: 9, resumeFrom: -1, zxidAhead: true, note: "lastZxidSeen ahead",
			connect: jute.ConnectRequest{TimeOut: 30000, HasReadOnly: true}},

		// Reconfig, check, sasl, unknown opcodes, malformed bodies.
		rq(2, jute.OpReconfig, &jute.ReconfigRequest{JoiningServers: "server.5=127.0.0.1:1234:1235", CurConfigID: -1},
			newData, "reconfig disabled"),
		rq(2, jute.OpSync, nil, newCreated, "sync without a body"),
		rq(2, jute.OpGetData, nil, newData, "getData without a body"),
		step{kind: stepRequest, conn: 2, op: jute.OpExists, raw: []byte{0xff, 0xff, 0xff, 0xff, 0}, note: "exists with a null path"},
		rq(2, jute.OpExists, pw("/d", false), newStat, "still serving"),
		step{kind: stepRequest, conn: 2, op: jute.OpPing, xid: 77, note: "ping with an ordinary xid"},
		connectStep(11, 30000, true, "for an unknown opcode"),
		step{kind: stepRequest, conn: 11, op: 999, note: "unknown opcode", closes: true},
		connectStep(12, 30000, true, "for notification opcode"),
		step{kind: stepRequest, conn: 12, op: jute.OpNotification, note: "opcode 0", closes: true},
		connectStep(14, 30000, true, "for auth failure"),
		step{kind: stepRequest, conn: 14, op: jute.OpAuth, body: &jute.AuthPacket{Scheme: "nope", Auth: []byte("x")},
			note: "unknown auth scheme", closes: true},
		connectStep(15, 30000, true, "for a short header"),
		step{kind: stepFrame, conn: 15, frame: frameOf([]byte{0, 0, 0, 1, 0, 0}), note: "a 6-byte request"},
		connectStep(16, 30000, true, "for a negative length"),
		step{kind: stepFrame, conn: 16, frame: []byte{0xff, 0xff, 0xff, 0xfe}, note: "negative frame length"},
		connectStep(17, 30000, true, "for a huge length"),
		step{kind: stepFrame, conn: 17, frame: []byte{0x7f, 0xff, 0xff, 0xff}, note: "frame length 0x7fffffff"},
		step{kind: stepDial, conn: 18, note: "connect without a handshake"},
		step{kind: stepFrame, conn: 18, note: "garbage instead of a ConnectRequest", frame: frameOf([]byte{1, 2, 3})},
		step{kind: stepDial, conn: 20, note: "connect without a handshake"},
		step{kind: stepFrame, conn: 20, note: "frame length 0x7fffffff first", frame: []byte{0x7f, 0xff, 0xff, 0xff}},
		step{kind: stepDial, conn: 21, note: "connect without a handshake"},
		step{kind: stepFrame, conn: 21, note: "a ConnectRequest cut short", frame: frameOf(jute.Marshal(&jute.ConnectRequest{TimeOut: 30000})[:20])},

		// closeSession.
		sCreate(3, "/super-eph", "", jute.ModeEphemeral, "ephemeral of the super session"),
		sExists(22, "/super-eph", true, "watch it"),
		step{kind: stepRequest, conn: 3, op: jute.OpCloseSession, note: "closeSession", closes: true},
		resumeStep(19, 3, "resume a closed session"),
		sExists(22, "/super-eph", false, "ephemeral gone"),
		rq(22, jute.OpGetAllChildrenNumber, &jute.PathRequest{Path: "/"}, newInt, "count all at the end"),
		sKids2(22, "/", false, "root at the end"),
	)
	return append(s, diffTail()...)
}

// diffTail holds the steps where ZooKeeper 3.8.0 and 3.9 answer
// differently in ways that shift later zxids or leave connections hanging;
// they come last, and diffAllowed says what may differ in each.
func diffTail() []step {
	return []step{
		step{kind: stepRequest, conn: 2, op: jute.OpCreate, raw: []byte{0, 0, 0, 2, '/'}, note: "truncated create"},
		step{kind: stepRequest, conn: 2, op: jute.OpSetData, raw: []byte{0, 0, 0, 2, '/', 'd', 0xff, 0xff, 0xff, 0xf0},
			note: "setData with a negative length"},
		sExists(2, "/d", false, "after the malformed writes"),
		sMulti(22, "multi create with invalid flags", mCreate("/tail", "", 0), mCreate("/tail2", "", 7)),
		sMulti(22, "multi mixing reads and writes", mCreate("/tail", "", 0), mGet(jute.OpGetData, "/")),
		sExists(22, "/tail", false, "neither multi created anything"),
		connectStep(10, 30000, true, "for check"),
		step{kind: stepRequest, conn: 10, op: jute.OpCheck, body: &jute.PathVersionRequest{Path: "/d", Version: -1},
			note: "top-level check", closes: true, wait: time.Second},
		sWatchOp(5, jute.OpAddWatch, "/pw", jute.AddWatchPersistent, "persistent watch to remove"),
		sWatchOp(5, jute.OpRemoveWatches, "/pw", jute.WatcherPersistent, "removeWatches persistent"),
		sWatchOp(5, jute.OpCheckWatches, "/r", jute.WatcherPersistentRecursive, "checkWatches recursive"),
		sCreate(22, "/pw", "", 0, "fires nothing after the removal"),
		connectStep(23, 30000, true, "for sasl"),
		step{kind: stepRequest, conn: 23, op: jute.OpSASL, body: &jute.SASLToken{Token: []byte("x")}, note: "sasl", wait: time.Second},
		connectStep(13, 30000, true, "for createSession opcode"),
		step{kind: stepRequest, conn: 13, op: jute.OpCreateSession, note: "opcode -10", wait: time.Second},
	}
}

// maxData is data that makes a create of /big exactly jute.maxbuffer long.
func maxData() []byte {
	n := len(request(1, jute.OpCreate, &jute.CreateRequest{Path: "/big", ACL: openACL}))
	return make([]byte, jute.MaxBuffer-n)
}

// multiHeaderBytes is a multi body holding one op of type t on path p,
// encoded as a read (path + watch flag) whatever t is.
func multiHeaderBytes(t jute.OpCode, p string) []byte {
	e := jute.NewEncoder(nil)
	(&jute.MultiHeader{Type: t, Err: -1}).Encode(e)
	pw(p, false).Encode(e)
	(&jute.MultiHeader{Type: -1, Done: true, Err: -1}).Encode(e)
	return e.Bytes()
}

func quoteNote(p string) string { return strconv.QuoteToASCII(p) }
