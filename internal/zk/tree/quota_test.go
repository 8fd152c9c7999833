package tree

import (
	"reflect"
	"testing"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

func TestStatsTrack(t *testing.T) {
	cases := []struct {
		in, out string
	}{
		{"", "count=-1,bytes=-1"},
		{"count=5,bytes=10", "count=5,bytes=10"},
		{"bytes=10,count=5", "count=5,bytes=10"},
		{"count=1,bytes=2=;countHardLimit=7;byteHardLimit=9", "count=1,bytes=2=;byteHardLimit=9;countHardLimit=7"},
		{"count=,bytes=3", "count=-1,bytes=3"},
		{"count==4,bytes=3", "count=-1,bytes=3"},
		{"count=x,bytes=3;junk", "count=-1,bytes=3"},
		{",;count=2,,bytes=1", "count=2,bytes=1"},
	}
	for _, c := range cases {
		if got := string(parseStatsTrack([]byte(c.in)).bytes()); got != c.out {
			t.Errorf("StatsTrack(%q) = %q, want %q", c.in, got, c.out)
		}
	}
}

func TestQuotaKeepsStats(t *testing.T) {
	a := newApplier(t, Options{})
	mustOK(t, a.create("/app", "12345"))
	mustOK(t, a.create("/app/x", "ab"))
	mustOK(t, a.create("/zookeeper/quota/app", ""))
	mustOK(t, a.create("/zookeeper/quota/app/zookeeper_limits", "count=10,bytes=100"))
	mustOK(t, a.create("/zookeeper/quota/app/zookeeper_stats", "count=0,bytes=0"))
	stats := func() string {
		d, _, _ := a.tree.GetData("/zookeeper/quota/app/zookeeper_stats")
		return string(d)
	}
	if s := stats(); s != "count=2,bytes=7" {
		t.Fatalf("initial stats %q", s)
	}
	mustOK(t, a.create("/app/x/y", "xyz"))
	mustOK(t, a.set("/app", "1"))
	mustOK(t, a.create("/apple", "not in the quota"))
	if s := stats(); s != "count=3,bytes=6" {
		t.Fatalf("stats %q", s)
	}
	mustOK(t, a.del("/app/x/y"))
	if s := stats(); s != "count=2,bytes=3" {
		t.Fatalf("stats after delete %q", s)
	}
	// A stat update does not touch the stat node's Stat.
	if _, st, _ := a.tree.GetData("/zookeeper/quota/app/zookeeper_stats"); st.Version != 0 || st.Mzxid != st.Czxid {
		t.Fatalf("stat node stat %+v", st)
	}
	want := []QuotaStats{{Path: "/app", Count: 2, Bytes: 3, CountLimit: 10, BytesLimit: 100, CountHardLimit: -1, ByteHardLimit: -1}}
	if got := a.tree.Quotas(); !reflect.DeepEqual(got, want) {
		t.Fatalf("quotas %+v", got)
	}
	// Removing the limit node removes the quota.
	mustOK(t, a.del("/zookeeper/quota/app/zookeeper_limits"))
	mustOK(t, a.create("/app/z", "zz"))
	if s := stats(); s != "count=2,bytes=3" {
		t.Fatalf("stats after the quota went %q", s)
	}
	if len(a.tree.Quotas()) != 0 {
		t.Fatal("quota listed")
	}
}

func TestNestedQuotaUsesDeepest(t *testing.T) {
	a := newApplier(t, Options{})
	for _, p := range []string{"/a", "/a/b", "/zookeeper/quota/a", "/zookeeper/quota/a/b"} {
		mustOK(t, a.create(p, ""))
	}
	for _, q := range []string{"/zookeeper/quota/a", "/zookeeper/quota/a/b"} {
		mustOK(t, a.create(q+"/zookeeper_limits", "count=-1,bytes=-1"))
		mustOK(t, a.create(q+"/zookeeper_stats", ""))
	}
	mustOK(t, a.create("/a/b/c", "cc"))
	da, _, _ := a.tree.GetData("/zookeeper/quota/a/zookeeper_stats")
	db, _, _ := a.tree.GetData("/zookeeper/quota/a/b/zookeeper_stats")
	if string(da) != "count=2,bytes=0" || string(db) != "count=2,bytes=2" {
		t.Fatalf("stats %q %q", da, db)
	}
	// On load the stat nodes are recounted from the tree.
	tr, err := FromSnapshot(a.tree.Snapshot(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	da, _, _ = tr.GetData("/zookeeper/quota/a/zookeeper_stats")
	if string(da) != "count=3,bytes=2" {
		t.Fatalf("recounted %q", da)
	}
	if p, ok := tr.maxQuotaPrefix("/a/b/c/d"); !ok || p != "/a/b" {
		t.Fatalf("prefix %q", p)
	}
}

func TestQuotaOddPathsDoNotPanic(t *testing.T) {
	a := newApplier(t, Options{})
	for _, p := range []string{"/zookeeper/quota/zookeeper_limits", "/zookeeper/quota/zookeeper_stats", "/zookeeper/zookeeper_limits", "/zookeeper/quotax", "/zookeeper/quotax/zookeeper_limits"} {
		a.apply(1, jute.OpCreate, &jute.CreateTxn{Path: p, ParentCVersion: -1})
	}
	for _, p := range []string{"/zookeeper/zookeeper_limits", "/zookeeper/quota/zookeeper_limits", "/zookeeper/quotax/zookeeper_limits"} {
		mustOK(t, a.del(p))
	}
	if _, err := FromSnapshot(a.tree.Snapshot(), Options{}); err != nil {
		t.Fatal(err)
	}
}
