package tree

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// The trace test applies the scenario of testdata/TreeTrace.java and
// compares the printed trace with what Apache ZooKeeper's own DataTree
// printed for it (testdata/trace.golden): every Stat field, error code,
// multi result, data size, node count and tree digest.

var (
	openACL   = []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "world", ID: "anyone"}}}
	readACL   = []jute.ACL{{Perms: 1, ID: jute.Id{Scheme: "world", ID: "anyone"}}}
	digestACL = []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "digest", ID: "bob:x1y2z3"}}, {Perms: 1, ID: jute.Id{Scheme: "world", ID: "anyone"}}}
)

func bs(s string) []byte { return []byte(s) }

func statString(s jute.Stat) string {
	return fmt.Sprintf("%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d", s.Czxid, s.Mzxid, s.Ctime, s.Mtime, s.Version,
		s.Cversion, s.Aversion, s.EphemeralOwner, s.DataLength, s.NumChildren, s.Pzxid)
}

func sub(typ int32, r jute.Record) jute.Txn { return jute.Txn{Type: typ, Data: jute.Marshal(r)} }

type tracer struct {
	t    *Tree
	time int64
	out  strings.Builder
}

func (tr *tracer) apply(label string, session, zxid int64, typ int32, txn jute.Record) Result {
	tr.time += 1000
	r := tr.t.Apply(&jute.TxnHeader{ClientID: session, Cxid: 7, Zxid: zxid, Time: tr.time, Type: typ}, txn)
	st := "-"
	switch typ {
	case jute.OpCreate2, jute.OpCreateTTL, jute.OpCreateContainer, jute.OpSetData, jute.OpSetACL:
		if r.Err == jute.OK {
			st = statString(r.Stat)
		}
	}
	fmt.Fprintf(&tr.out, "%s err=%d path=%s stat=%s digest=%d\n", label, r.Err, r.Path, st, tr.t.Digest())
	for i, m := range r.Multi {
		path, st := "", "-"
		switch rec := m.Rec.(type) {
		case *jute.CreateResponse:
			path = rec.Path
		case *jute.Create2Response:
			path, st = rec.Path, statString(rec.Stat)
		case *jute.SetDataResponse:
			st = statString(rec.Stat)
		}
		fmt.Fprintf(&tr.out, "  sub %d type=%d err=%d path=%s stat=%s\n", i, m.Type, m.Err, path, st)
	}
	return r
}

func (tr *tracer) dump(path string) {
	data, st, ok := tr.t.GetData(path)
	if !ok {
		fmt.Fprintf(&tr.out, "node %s missing\n", path)
		return
	}
	acl, _, _ := tr.t.ACL(path)
	var a []string
	for _, x := range acl {
		a = append(a, fmt.Sprintf("%d:%s:%s", x.Perms, x.ID.Scheme, x.ID.ID))
	}
	d := string(data)
	if data == nil {
		d = "<null>"
	}
	fmt.Fprintf(&tr.out, "node %s data=%s stat=%s acl=%s\n", path, d, statString(st), strings.Join(a, " "))
	kids, _, _ := tr.t.Children(path)
	for _, k := range kids {
		if path == "/" {
			tr.dump("/" + k)
		} else {
			tr.dump(path + "/" + k)
		}
	}
}

func (tr *tracer) summary(label string) {
	fmt.Fprintf(&tr.out, "%s nodes=%d size=%d ephemerals=%d all=%d digest=%d\n", label, tr.t.NodeCount(),
		tr.t.ApproximateDataSize(), tr.t.EphemeralCount(), tr.t.AllChildrenNumber("/"), tr.t.Digest())
	tr.dump("/")
}

// runTraceScenario is TreeTrace.java's main, line for line.
func runTraceScenario(t *testing.T, tr *tracer) {
	sp := jute.StatPersisted{Czxid: 0x100000001, Mzxid: 0x100000002, Ctime: 1700000001000, Mtime: 1700000002000,
		Version: 3, Cversion: 4, Aversion: 5, EphemeralOwner: 0x1234, Pzxid: 0x100000003}
	fmt.Fprintf(&tr.out, "digestOf /a hello = %d\n", DigestOf("/a", bs("hello"), &sp))
	fmt.Fprintf(&tr.out, "digestOf /a null = %d\n", DigestOf("/a", nil, &sp))
	fmt.Fprintf(&tr.out, "digestOf / empty = %d\n", DigestOf("/", []byte{}, &jute.StatPersisted{}))
	fmt.Fprintf(&tr.out, "digestOf /zookeeper/quota = %d\n", DigestOf("/zookeeper/quota", []byte{}, &jute.StatPersisted{}))
	fmt.Fprintf(&tr.out, "digestOf /été = %d\n", DigestOf("/été", bs("é"), &sp))

	tr.summary("fresh")
	const s1, s2 = 0x1234, 0x5678
	tr.apply("create /a", s1, 0x100000001, jute.OpCreate, &jute.CreateTxn{Path: "/a", Data: bs("hello"), ACL: openACL, ParentCVersion: -1})
	tr.apply("create2 /a/b eph", s1, 0x100000002, jute.OpCreate2, &jute.CreateTxn{Path: "/a/b", Data: bs("x"), ACL: readACL, Ephemeral: true, ParentCVersion: -1})
	tr.apply("container /c", s1, 0x100000003, jute.OpCreateContainer, &jute.CreateContainerTxn{Path: "/c", ACL: openACL, ParentCVersion: -1})
	tr.apply("ttl /t", s1, 0x100000004, jute.OpCreateTTL, &jute.CreateTTLTxn{Path: "/t", Data: bs("ttl"), ACL: openACL, ParentCVersion: -1, TTL: 5000})
	tr.apply("setData /a", s1, 0x100000005, jute.OpSetData, &jute.SetDataTxn{Path: "/a", Data: bs("world!"), Version: 1})
	tr.apply("setACL /a", s1, 0x100000006, jute.OpSetACL, &jute.SetACLTxn{Path: "/a", ACL: digestACL, Version: 1})
	tr.apply("create seq", s1, 0x100000007, jute.OpCreate, &jute.CreateTxn{Path: "/a/s0000000002", Data: bs(""), ACL: openACL, ParentCVersion: 3})
	tr.apply("delete /a/b", s1, 0x100000008, jute.OpDelete, &jute.DeleteTxn{Path: "/a/b"})
	tr.apply("create /a/b again", s2, 0x100000009, jute.OpCreate, &jute.CreateTxn{Path: "/a/b", Data: bs("y"), ACL: openACL, ParentCVersion: -1})
	tr.apply("create /a/b exists", s2, 0x10000000a, jute.OpCreate, &jute.CreateTxn{Path: "/a/b", Data: bs("z"), ACL: openACL, ParentCVersion: 9})
	tr.apply("create2 /a/b exists", s2, 0x10000000b, jute.OpCreate2, &jute.CreateTxn{Path: "/a/b", Data: bs("z"), ACL: openACL, ParentCVersion: 12})
	tr.apply("create no parent", s2, 0x10000000c, jute.OpCreate, &jute.CreateTxn{Path: "/nope/x", Data: bs("z"), ACL: openACL, ParentCVersion: -1})
	tr.apply("delete missing", s2, 0x10000000d, jute.OpDelete, &jute.DeleteTxn{Path: "/a/missing"})
	tr.apply("setData missing", s2, 0x10000000e, jute.OpSetData, &jute.SetDataTxn{Path: "/missing", Data: bs("q"), Version: 1})
	tr.apply("eph /e1", s1, 0x10000000f, jute.OpCreate, &jute.CreateTxn{Path: "/e1", Data: bs("1"), ACL: openACL, Ephemeral: true, ParentCVersion: -1})
	tr.apply("eph /e2", s1, 0x100000010, jute.OpCreate, &jute.CreateTxn{Path: "/e2", Data: bs("22"), ACL: openACL, Ephemeral: true, ParentCVersion: -1})
	tr.apply("eph /c/e3", s2, 0x100000011, jute.OpCreate, &jute.CreateTxn{Path: "/c/e3", Data: bs("333"), ACL: openACL, Ephemeral: true, ParentCVersion: -1})
	tr.apply("multi ok", s2, 0x100000012, jute.OpMulti, &jute.MultiTxn{Txns: []jute.Txn{
		sub(jute.OpCreate, &jute.CreateTxn{Path: "/m", Data: bs("m"), ACL: openACL, ParentCVersion: -1}),
		sub(jute.OpCreateContainer, &jute.CreateContainerTxn{Path: "/m/c", Data: bs("mc"), ACL: openACL, ParentCVersion: -1}),
		sub(jute.OpSetData, &jute.SetDataTxn{Path: "/m", Data: bs("mm"), Version: 1}),
		sub(jute.OpCheck, &jute.CheckVersionTxn{Path: "/m", Version: 1}),
		sub(jute.OpDelete, &jute.DeleteTxn{Path: "/a/s0000000002"}),
	}})
	tr.apply("multi failed", s2, 0x100000013, jute.OpMulti, &jute.MultiTxn{Txns: []jute.Txn{
		sub(jute.OpCreate, &jute.CreateTxn{Path: "/y", Data: bs("y"), ACL: openACL, ParentCVersion: -1}),
		sub(jute.OpSetData, &jute.SetDataTxn{Path: "/a", Data: bs("no"), Version: 2}),
		sub(jute.OpError, &jute.ErrorTxn{Err: -101}),
		sub(jute.OpSetData, &jute.SetDataTxn{Path: "/a", Data: bs("no"), Version: 2}),
		sub(jute.OpError, &jute.ErrorTxn{Err: -2}),
	}})
	tr.apply("multi replay", s2, 0x100000014, jute.OpMulti, &jute.MultiTxn{Txns: []jute.Txn{
		sub(jute.OpCreate, &jute.CreateTxn{Path: "/m", Data: bs("m"), ACL: openACL, ParentCVersion: 5}),
		sub(jute.OpSetData, &jute.SetDataTxn{Path: "/m", Data: bs("m3"), Version: 2}),
		sub(jute.OpDelete, &jute.DeleteTxn{Path: "/gone"}),
	}})
	tr.apply("error txn", s2, 0x100000015, jute.OpError, &jute.ErrorTxn{Err: -110})
	tr.apply("closeSession s1", s1, 0x100000016, jute.OpCloseSession, &jute.CloseSessionTxn{Paths: []string{"/e1", "/nothere"}, Present: true})
	tr.apply("closeSession s2 old", s2, 0x100000017, jute.OpCloseSession, nil)
	tr.apply("delete container", 0, 0x100000018, jute.OpDeleteContainer, &jute.DeleteTxn{Path: "/c"})
	tr.apply("setData root", s2, 0x100000019, jute.OpSetData, &jute.SetDataTxn{Path: "/", Data: bs("root"), Version: 1})
	tr.apply("create under root", s2, 0x10000001a, jute.OpCreate, &jute.CreateTxn{Path: "/r", ParentCVersion: -1})
	tr.apply("createSession", s2, 0x10000001b, jute.OpCreateSession, &jute.CreateSessionTxn{TimeOut: 30000})
	tr.apply("create /q", s2, 0x200000001, jute.OpCreate, &jute.CreateTxn{Path: "/q", Data: bs("12345"), ACL: openACL, ParentCVersion: -1})
	tr.apply("create /q/a", s2, 0x200000002, jute.OpCreate, &jute.CreateTxn{Path: "/q/a", Data: bs("abc"), ACL: openACL, ParentCVersion: -1})
	tr.apply("quota /zq/q", s2, 0x200000003, jute.OpCreate, &jute.CreateTxn{Path: "/zookeeper/quota/q", ACL: openACL, ParentCVersion: -1})
	tr.apply("quota limits", s2, 0x200000004, jute.OpCreate, &jute.CreateTxn{Path: "/zookeeper/quota/q/zookeeper_limits", Data: bs("count=10,bytes=100"), ACL: openACL, ParentCVersion: -1})
	tr.apply("quota stats", s2, 0x200000005, jute.OpCreate, &jute.CreateTxn{Path: "/zookeeper/quota/q/zookeeper_stats", Data: bs("count=0,bytes=0"), ACL: openACL, ParentCVersion: -1})
	tr.apply("create /q/b", s2, 0x200000006, jute.OpCreate, &jute.CreateTxn{Path: "/q/b", Data: bs("xx"), ACL: openACL, ParentCVersion: -1})
	tr.apply("setData /q/a", s2, 0x200000007, jute.OpSetData, &jute.SetDataTxn{Path: "/q/a", Data: bs("1"), Version: 1})
	tr.apply("delete /q/b", s2, 0x200000008, jute.OpDelete, &jute.DeleteTxn{Path: "/q/b"})
	tr.apply("create /q/a/deep", s2, 0x200000009, jute.OpCreate, &jute.CreateTxn{Path: "/q/a/deep", Data: bs("dddd"), ACL: openACL, ParentCVersion: -1})
	tr.summary("final")
	checkInvariants(t, tr.t)
}

func newTracer() *tracer {
	return &tracer{t: New(Options{ExtendedTypes: true}), time: 1700000000000}
}

func TestTraceMatchesApacheDataTree(t *testing.T) {
	tr := newTracer()
	runTraceScenario(t, tr)
	want, err := os.ReadFile("testdata/trace.golden")
	if err != nil {
		t.Fatal(err)
	}
	got := tr.out.String()
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Errorf("line %d:\n got  %s\n want %s", i+1, g, w)
			}
		}
	}
}

// Digests printed by Apache ZooKeeper (testdata/TreeTrace.java), kept here
// as constants so a change to the golden file cannot hide a digest change.
func TestDigestKnownValues(t *testing.T) {
	sp := jute.StatPersisted{Czxid: 0x100000001, Mzxid: 0x100000002, Ctime: 1700000001000, Mtime: 1700000002000,
		Version: 3, Cversion: 4, Aversion: 5, EphemeralOwner: 0x1234, Pzxid: 0x100000003}
	cases := []struct {
		path string
		data []byte
		stat jute.StatPersisted
		want int64
	}{
		{"/a", bs("hello"), sp, 381191180},
		{"/a", nil, sp, 700572524},
		{"/", []byte{}, jute.StatPersisted{}, 68323592},
		{"", []byte{}, jute.StatPersisted{}, 68323592},
		{"/zookeeper/quota", []byte{}, jute.StatPersisted{}, 0},
		{"/été", bs("é"), sp, 2120557246},
	}
	for _, c := range cases {
		if got := DigestOf(c.path, c.data, &c.stat); got != c.want {
			t.Errorf("DigestOf(%q, %q) = %d, want %d", c.path, c.data, got, c.want)
		}
	}
	if got := New(Options{}).Digest(); got != 1371985504 {
		t.Errorf("empty tree digest = %d, want 1371985504", got)
	}
	tr := newTracer()
	runTraceScenario(t, tr)
	if got := tr.t.Digest(); got != 19234640179 {
		t.Errorf("scenario digest = %d, want 19234640179", got)
	}
}
