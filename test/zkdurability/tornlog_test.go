package zkdurability

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wharf-project/wharf/internal/testutil"
)

// Torn tails: the newest txn log file is cut or overwritten the ways a crash
// (or a bad disk) leaves it; Wharf must start with exactly the txns of the
// intact prefix, repair the file, and leave a directory Apache ZooKeeper 3.8
// reads to the same tree.

// tornSource is a data directory to damage copies of, and what was written.
type tornSource struct {
	dir   string
	tree  tree             // as it was before the server stopped
	czxid map[string]int64 // /t, /s and /t/n<i> → the zxid that created them
	sets  []setRecord      // setDatas of /s, in order
}

type setRecord struct {
	zxid int64
	data string
}

// makeTornSource writes 150 creates and 30 setDatas, then stops the server
// with SIGKILL or SIGTERM.
func makeTornSource(t *testing.T, snapCount int, kill bool) *tornSource {
	t.Helper()
	srv := testutil.StartWharfZK(t, testutil.ZKOptions{SnapCount: snapCount, PreAllocSizeKB: 64})
	c := testutil.Connect(t, srv.Addr)
	mustCreate(t, c, "/t", "", 0)
	mustCreate(t, c, "/s", "s-initial", 0)
	src := &tornSource{czxid: map[string]int64{}}
	for i := range 150 {
		mustCreate(t, c, fmt.Sprintf("/t/n%d", i), fmt.Sprintf("n%d-%s", i, bytes.Repeat([]byte{'x'}, i*7)), 0)
		if i%5 == 0 {
			d := fmt.Sprintf("s-%d", i)
			st, err := c.Set("/s", []byte(d), -1)
			if err != nil {
				t.Fatal(err)
			}
			src.sets = append(src.sets, setRecord{st.Mzxid, d})
		}
	}
	// More setDatas until the newest log file holds a few entries to cut
	// (a small snapCount may just have rolled it).
	for i := 0; ; i++ {
		logs := listData(t, srv.DataDir, "log")
		b, err := os.ReadFile(filepath.Join(srv.DataDir, "version-2", logs[len(logs)-1].name))
		if err != nil {
			t.Fatal(err)
		}
		if len(parseLog(b)) >= 5 {
			break
		}
		if i == 100 {
			t.Fatalf("%s stays short", logs[len(logs)-1].name)
		}
		d := fmt.Sprintf("s-extra-%d", i)
		st, err := c.Set("/s", []byte(d), -1)
		if err != nil {
			t.Fatal(err)
		}
		src.sets = append(src.sets, setRecord{st.Mzxid, d})
	}
	src.tree = walkTree(t, c)
	for p, n := range src.tree {
		if p == "/t" || p == "/s" || strings.HasPrefix(p, "/t/") {
			src.czxid[p] = n.Stat.Czxid
		}
	}
	if kill {
		srv.Kill()
	} else {
		c.Close()
		srv.Stop()
	}
	src.dir = srv.DataDir
	return src
}

// tornCase damages the newest log file's bytes (whose valid entries are
// given) and says how many of those entries stay intact.
type tornCase struct {
	name   string
	damage func(rng *rand.Rand, b []byte, es []logEntry) (out []byte, intact int)
	apache bool // also open the repaired directory with Apache ZooKeeper
}

// garble returns b with [from, to) overwritten by bytes that differ from
// the originals.
func garble(rng *rand.Rand, b []byte, from, to int64) []byte {
	b = bytes.Clone(b)
	for i := from; i < to; i++ {
		b[i] ^= byte(1 + rng.IntN(255))
	}
	return b
}

var tornCases = []tornCase{
	{name: "cut inside an entry", apache: true, damage: func(rng *rand.Rand, b []byte, es []logEntry) ([]byte, int) {
		k := rng.IntN(len(es))
		return b[:es[k].start+1+rng.Int64N(es[k].end-es[k].start-1)], k
	}},
	{name: "cut inside an entry, again", damage: func(rng *rand.Rand, b []byte, es []logEntry) ([]byte, int) {
		k := len(es) - 1 - rng.IntN(min(len(es), 10))
		return b[:es[k].start+1+rng.Int64N(es[k].end-es[k].start-1)], k
	}},
	{name: "cut inside the last entry's header", damage: func(rng *rand.Rand, b []byte, es []logEntry) ([]byte, int) {
		last := es[len(es)-1]
		return b[:last.start+1+rng.Int64N(11)], len(es) - 1
	}},
	{name: "cut between entries", damage: func(rng *rand.Rand, b []byte, es []logEntry) ([]byte, int) {
		k := rng.IntN(len(es))
		return b[:es[k].end], k + 1
	}},
	{name: "cut just before the EOR byte", damage: func(rng *rand.Rand, b []byte, es []logEntry) ([]byte, int) {
		return b[:es[len(es)-1].end-1], len(es) - 1
	}},
	{name: "cut inside the file header", apache: true, damage: func(rng *rand.Rand, b []byte, es []logEntry) ([]byte, int) {
		return b[:1+rng.IntN(logHeaderSize-1)], 0
	}},
	{name: "cut to the file header", damage: func(rng *rand.Rand, b []byte, es []logEntry) ([]byte, int) {
		return b[:logHeaderSize], 0
	}},
	{name: "cut to nothing", damage: func(rng *rand.Rand, b []byte, es []logEntry) ([]byte, int) {
		return b[:0], 0
	}},
	{name: "last bytes overwritten", apache: true, damage: func(rng *rand.Rand, b []byte, es []logEntry) ([]byte, int) {
		last := es[len(es)-1]
		return garble(rng, b, last.end-1-rng.Int64N(last.end-last.start), last.end), len(es) - 1
	}},
	{name: "EOR byte overwritten", damage: func(rng *rand.Rand, b []byte, es []logEntry) ([]byte, int) {
		last := es[len(es)-1]
		return garble(rng, b, last.end-1, last.end), len(es) - 1
	}},
	{name: "half-written entry after the last", damage: func(rng *rand.Rand, b []byte, es []logEntry) ([]byte, int) {
		// A plausible checksum and length, then part of a txn.
		end := es[len(es)-1].end
		torn := garble(rng, b, end, end+12+rng.Int64N(60))
		torn[end+8], torn[end+9], torn[end+10], torn[end+11] = 0, 0, 0, byte(60+rng.IntN(100))
		return torn, len(es)
	}},
	{name: "garbage appended past the padding", apache: true, damage: func(rng *rand.Rand, b []byte, es []logEntry) ([]byte, int) {
		junk := make([]byte, 1+rng.IntN(5000))
		for i := range junk {
			junk[i] = byte(rng.IntN(256))
		}
		return append(bytes.Clone(b), junk...), len(es)
	}},
}

// TestTornLogTail damages copies of a data directory's newest log file
// (written by a server killed with SIGKILL and by one stopped cleanly, with
// one log file or with many) and checks what Wharf makes of each.
func TestTornLogTail(t *testing.T) {
	type source struct {
		name      string
		snapCount int
		kill      bool
	}
	sources := []source{{"killed", 0, true}, {"stopped", 0, false}, {"killed, many logs", 40, true}}
	for si, s := range sources {
		src := makeTornSource(t, s.snapCount, s.kill)
		for ci, tc := range tornCases {
			if si > 0 && !tc.apache && ci%2 == 1 {
				continue // every case on the first source; a selection on the others
			}
			t.Run(s.name+"/"+tc.name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(si), uint64(ci)))
				checkTornCase(t, src, tc, rng, tc.apache && (si == 0 || ci == 0))
			})
		}
	}
}

func checkTornCase(t *testing.T, src *tornSource, tc tornCase, rng *rand.Rand, withApache bool) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.CopyFS(dir, os.DirFS(src.dir)); err != nil {
		t.Fatal(err)
	}
	logs := listData(t, dir, "log")
	newest := logs[len(logs)-1]
	path := filepath.Join(dir, "version-2", newest.name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	es := parseLog(b)
	if len(es) < 2 {
		t.Fatalf("%s holds %d entries; the case needs a few", newest.name, len(es))
	}
	damaged, intact := tc.damage(rng, b, es)
	if err := os.WriteFile(path, damaged, 0o644); err != nil {
		t.Fatal(err)
	}
	// The txns that must survive: everything up to the last intact entry of
	// the damaged file, or up to the newest snapshot if that is later (a
	// snapshot holds what it holds whatever the log says).
	last := newest.zxid - 1
	if intact > 0 {
		last = es[intact-1].zxid
	}
	if got := parseLog(damaged); len(got) != intact && len(damaged) >= logHeaderSize {
		t.Fatalf("oracle: the damaged file parses to %d entries, the case says %d", len(got), intact)
	}
	snaps := listData(t, dir, "snapshot")
	last = max(last, snaps[len(snaps)-1].zxid)

	srv := testutil.StartWharfZK(t, testutil.ZKOptions{DataDir: dir, PreAllocSizeKB: 64})
	c := testutil.Connect(t, srv.Addr)
	got := walkTree(t, c)
	src.requirePrefix(t, got, last)

	// Repaired: the damaged file now reads to its end (entries, then
	// nothing or zeros) and the log goes on from the last txn kept.
	srv.Stop()
	requireCleanLogs(t, dir, last)
	srv.Restart()
	requireSameTree(t, "Wharf restarted on the repaired directory", got, walkTree(t, testutil.Connect(t, srv.Addr)))
	srv.Stop()
	if withApache {
		apache := testutil.StartApacheZK(t, testutil.ZKOptions{DataDir: dir, PreAllocSizeKB: 64})
		requireSameTree(t, "Apache on the repaired directory", got, walkTree(t, testutil.Connect(t, apache.Addr)))
		requireNoDigestMismatch(t, apache)
	}
	t.Logf("%s of %s (%d → %d bytes): %d of %d entries intact, txns up to 0x%x kept",
		tc.name, newest.name, len(b), len(damaged), intact, len(es), last)
}

// requirePrefix checks that tr holds exactly the writes with zxid <= last.
func (src *tornSource) requirePrefix(t *testing.T, tr tree, last int64) {
	t.Helper()
	kept := 0
	for p, z := range src.czxid {
		n, ok := tr[p]
		switch {
		case z <= last && !ok:
			t.Fatalf("%s (zxid 0x%x <= 0x%x) lost", p, z, last)
		case z > last && ok:
			t.Fatalf("%s (zxid 0x%x > 0x%x) present after its txn was cut off", p, z, last)
		case !ok || p == "/t" || p == "/s":
		case !bytes.Equal(n.Data, src.tree[p].Data) || n.Stat != src.tree[p].Stat:
			t.Fatalf("%s differs: %s %+v, was %s %+v", p, short(n.Data), n.Stat, short(src.tree[p].Data), src.tree[p].Stat)
		default:
			kept++
		}
	}
	want, version := "s-initial", int32(0)
	for _, s := range src.sets {
		if s.zxid <= last {
			want, version = s.data, version+1
		}
	}
	if s, ok := tr["/s"]; ok && (string(s.Data) != want || s.Stat.Version != version) {
		t.Fatalf("/s: %q version %d, want %q version %d (txns up to 0x%x)", s.Data, s.Stat.Version, want, version, last)
	}
	if n := tr["/t"].Stat.NumChildren; int(n) != kept {
		t.Fatalf("/t has %d children, %d expected", n, kept)
	}
	for p := range tr {
		if _, ok := src.tree[p]; !ok {
			t.Fatalf("%s: invented", p)
		}
	}
}

// requireCleanLogs checks every log file of dir: valid entries, then the
// end of the file or a zero length (preallocated space, where readers stop:
// whatever lies beyond is never read, by Wharf or by ZooKeeper), zxids
// contiguous across files, and the txns after the cut numbered on from last.
func requireCleanLogs(t *testing.T, dir string, last int64) {
	t.Helper()
	prev := int64(-1)
	for _, f := range listData(t, dir, "log") {
		b, err := os.ReadFile(filepath.Join(dir, "version-2", f.name))
		if err != nil {
			t.Fatal(err)
		}
		es := parseLog(b)
		end := int64(logHeaderSize)
		if len(es) > 0 {
			end = es[len(es)-1].end
		}
		if rest := b[min(end, int64(len(b))):]; len(b) < logHeaderSize || len(rest) > 0 && (len(rest) < 12 || !allZero(rest[8:12])) {
			t.Fatalf("%s: %d bytes, valid entries end at %d, followed by neither the end nor a zero length", f.name, len(b), end)
		}
		for _, e := range es {
			// The one jump allowed: from before the newest snapshot to the
			// txn after it, when the cut fell below that snapshot.
			if prev >= 0 && e.zxid != prev+1 && !(prev <= last && e.zxid == last+1) {
				t.Fatalf("%s: zxid 0x%x follows 0x%x (txns kept up to 0x%x)", f.name, e.zxid, prev, last)
			}
			prev = e.zxid
		}
	}
	if prev < last {
		t.Fatalf("the logs end at 0x%x, before the kept txn 0x%x", prev, last)
	}
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}
