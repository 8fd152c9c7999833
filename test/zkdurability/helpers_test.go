// Package zkdurability holds black-box tests of the `wharf zookeeper`
// process's durability and on-disk compatibility: SIGKILL under a
// concurrent write load, torn txn log tails, data directories written by
// Apache ZooKeeper 3.8 opened by Wharf and the reverse, snapshots and
// autopurge. Every test drives real processes (testutil) with real clients,
// so all of them are skipped under -short.
//
// What every test checks is data: trees are compared node by node (data,
// Stat, ACL, children) as a client sees them, acknowledged writes are
// checked one by one, and nothing may appear that no client asked for.
package zkdurability

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/adler32"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/zkproc"
)

// znode is one node as a client sees it.
type znode struct {
	Data     []byte
	Stat     zk.Stat
	ACL      []zk.ACL
	Children []string // sorted
}

// tree is a whole tree as a client sees it, by path.
type tree map[string]znode

// walkTree reads every node (getData, getACL, getChildren) with a few
// goroutines sharing c (go-zookeeper pipelines requests). Nodes that vanish
// during the walk fail the test: trees are walked when nothing changes them.
func walkTree(t testing.TB, c *zk.Conn) tree {
	t.Helper()
	out := tree{}
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	var visit func(path string)
	visit = func(path string) {
		defer wg.Done()
		sem <- struct{}{}
		data, st, err := c.Get(path)
		var acl []zk.ACL
		var kids []string
		if err == nil {
			acl, _, err = c.GetACL(path)
		}
		if err == nil {
			kids, _, err = c.Children(path)
		}
		<-sem
		mu.Lock()
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("%s: %w", path, err)
			}
			mu.Unlock()
			return
		}
		sort.Strings(kids)
		if data == nil {
			data = []byte{}
		}
		out[path] = znode{Data: data, Stat: *st, ACL: acl, Children: kids}
		mu.Unlock()
		for _, k := range kids {
			wg.Add(1)
			go visit(joinPath(path, k))
		}
	}
	wg.Add(1)
	visit("/")
	wg.Wait()
	if firstErr != nil {
		t.Fatalf("walking the tree: %v", firstErr)
	}
	return out
}

func joinPath(parent, child string) string {
	if parent == "/" {
		return "/" + child
	}
	return parent + "/" + child
}

// diffTrees describes how b differs from a (at most 20 lines), or "".
func diffTrees(a, b tree) string {
	var lines []string
	paths := slices.Sorted(maps.Keys(a))
	for p := range b {
		if _, ok := a[p]; !ok {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	for _, p := range paths {
		x, inA := a[p]
		y, inB := b[p]
		switch {
		case !inA:
			lines = append(lines, fmt.Sprintf("%s: only in second (%s)", p, short(y.Data)))
		case !inB:
			lines = append(lines, fmt.Sprintf("%s: only in first (%s)", p, short(x.Data)))
		case !bytes.Equal(x.Data, y.Data):
			lines = append(lines, fmt.Sprintf("%s: data %s vs %s", p, short(x.Data), short(y.Data)))
		case x.Stat != y.Stat:
			lines = append(lines, fmt.Sprintf("%s: stat\n\t%+v\n\t%+v", p, x.Stat, y.Stat))
		case !slices.Equal(x.ACL, y.ACL):
			lines = append(lines, fmt.Sprintf("%s: acl %v vs %v", p, x.ACL, y.ACL))
		case !slices.Equal(x.Children, y.Children):
			lines = append(lines, fmt.Sprintf("%s: children %v vs %v", p, x.Children, y.Children))
		}
		if len(lines) == 20 {
			lines = append(lines, "…")
			break
		}
	}
	return strings.Join(lines, "\n")
}

func short(b []byte) string {
	if len(b) > 40 {
		return fmt.Sprintf("%q…(%d bytes)", b[:40], len(b))
	}
	return fmt.Sprintf("%q", b)
}

// requireSameTree fails the test if the two trees differ.
func requireSameTree(t testing.TB, what string, a, b tree) {
	t.Helper()
	if d := diffTrees(a, b); d != "" {
		t.Fatalf("%s: trees differ (%d vs %d nodes):\n%s", what, len(a), len(b), d)
	}
}

// connect opens a go-zookeeper session with the given timeout and waits for
// it; the connection is closed when the test ends.
func connect(t testing.TB, addr string, timeout time.Duration) *zk.Conn {
	t.Helper()
	c, events, err := zk.Connect([]string{addr}, timeout, zk.WithLogger(quiet{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	waitSession(t, c, events)
	return c
}

func waitSession(t testing.TB, c *zk.Conn, events <-chan zk.Event) {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				return
			}
		case <-deadline:
			t.Fatalf("no session after 15s (state %v)", c.State())
		}
	}
}

type quiet struct{}

func (quiet) Printf(string, ...any) {}

// sessionWatch follows a connection's state events: whether the session
// expired, and when it last got (back) a session.
type sessionWatch struct {
	mu      sync.Mutex
	expired bool
	has     int // StateHasSession events seen
}

func (w *sessionWatch) callback(ev zk.Event) {
	if ev.Type != zk.EventSession {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	switch ev.State {
	case zk.StateExpired:
		w.expired = true
	case zk.StateHasSession:
		w.has++
	}
}

func (w *sessionWatch) state() (expired bool, has int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.expired, w.has
}

// watchedConn is connect with a sessionWatch.
func watchedConn(t testing.TB, addr string, timeout time.Duration) (*zk.Conn, *sessionWatch) {
	t.Helper()
	w := &sessionWatch{}
	c, _, err := zk.Connect([]string{addr}, timeout, zk.WithLogger(quiet{}), zk.WithEventCallback(w.callback))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if !testutil.WaitFor(func() bool { _, n := w.state(); return n > 0 }, 15*time.Second) {
		t.Fatalf("no session after 15s (state %v)", c.State())
	}
	return c, w
}

// waitReconnected waits until c has its session back after a server
// restart, and fails if the session expired instead.
func waitReconnected(t testing.TB, c *zk.Conn, w *sessionWatch, before int, sid int64) {
	t.Helper()
	ok := testutil.WaitFor(func() bool {
		exp, n := w.state()
		return exp || n > before
	}, 30*time.Second)
	exp, _ := w.state()
	switch {
	case exp:
		t.Fatalf("session 0x%x expired instead of resuming", sid)
	case !ok:
		t.Fatalf("session 0x%x did not resume within 30s (state %v)", sid, c.State())
	case c.SessionID() != sid:
		t.Fatalf("session changed from 0x%x to 0x%x", sid, c.SessionID())
	}
}

// dumpInfo is what the `dump` four-letter word says: the live sessions and
// the ephemerals by session.
type dumpInfo struct {
	sessions   map[int64]bool
	ephemerals map[int64][]string // sorted
}

var hexID = regexp.MustCompile(`^\s*0x([0-9a-f]+):?\s*$`)

func dump(t testing.TB, addr string) dumpInfo {
	t.Helper()
	out, err := testutil.Four(addr, "dump")
	if err != nil {
		t.Fatalf("dump: %v", err)
	}
	d := dumpInfo{sessions: map[int64]bool{}, ephemerals: map[int64][]string{}}
	section := ""
	var cur int64
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "SessionTracker dump"):
			section = "sessions"
			continue
		case strings.HasPrefix(line, "ephemeral nodes dump"):
			section = "ephemerals"
			continue
		case strings.HasPrefix(line, "Connections dump"):
			section = ""
			continue
		}
		m := hexID.FindStringSubmatch(line)
		switch {
		case section == "sessions" && m != nil:
			id, _ := strconv.ParseUint(m[1], 16, 64)
			d.sessions[int64(id)] = true
		case section == "ephemerals" && m != nil:
			id, _ := strconv.ParseUint(m[1], 16, 64)
			cur = int64(id)
		case section == "ephemerals" && strings.HasPrefix(line, "\t/"):
			d.ephemerals[cur] = append(d.ephemerals[cur], strings.TrimSpace(line))
		}
	}
	for _, v := range d.ephemerals {
		sort.Strings(v)
	}
	return d
}

// without returns the session set minus the given ids.
func (d dumpInfo) without(ids ...int64) map[int64]bool {
	m := maps.Clone(d.sessions)
	for _, id := range ids {
		delete(m, id)
	}
	return m
}

// mntr returns one value of the `mntr` four-letter word, and whether it
// is there.
func mntr(t testing.TB, addr, key string) (string, bool) {
	t.Helper()
	out, err := testutil.Four(addr, "mntr")
	if err != nil {
		t.Fatalf("mntr: %v", err)
	}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, "\t"); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// requireNoDigestMismatch fails if the server counted a digest mismatch
// (snapshot or txn digests against its tree) or logged one. Apache
// ZooKeeper counts them in mntr; Wharf logs them ("tree: digest mismatch")
// and its mntr does not carry ServerMetrics yet.
func requireNoDigestMismatch(t testing.TB, srv *testutil.ZKServer) {
	t.Helper()
	n, ok := mntr(t, srv.Addr, "zk_digest_mismatches_count")
	if !ok && srv.Kind == zkproc.Apache {
		t.Fatal("Apache's mntr has no zk_digest_mismatches_count")
	}
	if ok && n != "0" {
		t.Fatalf("%s counted %s digest mismatches", srv.Kind, n)
	}
	b, err := os.ReadFile(srv.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		l := strings.ToLower(line)
		if strings.Contains(l, "digest") && strings.Contains(l, "mismatch") {
			t.Fatalf("%s logged a digest mismatch: %s", srv.Kind, line)
		}
	}
}

// requireLogHas fails unless the server's log has a line containing s.
func requireLogHas(t testing.TB, srv *testutil.ZKServer, s string) {
	t.Helper()
	b, err := os.ReadFile(srv.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), s) {
		t.Fatalf("%s log has no %q", srv.Kind, s)
	}
}

// dataFile is a version-2 file named by a zxid.
type dataFile struct {
	name string
	zxid int64
}

// listData lists a data directory's version-2 files of one kind ("log" or
// "snapshot"; not temporary ones) by zxid, ascending.
func listData(t testing.TB, dataDir, prefix string) []dataFile {
	t.Helper()
	names, err := os.ReadDir(filepath.Join(dataDir, "version-2"))
	if err != nil {
		t.Fatal(err)
	}
	var out []dataFile
	for _, e := range names {
		rest, ok := strings.CutPrefix(e.Name(), prefix+".")
		if !ok {
			continue
		}
		z, err := strconv.ParseInt(rest, 16, 64)
		if err != nil {
			continue // .tmp and the like
		}
		out = append(out, dataFile{e.Name(), z})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].zxid < out[j].zxid })
	return out
}

// logEntry is one txn entry of a log file, found by parsing the format
// independently of Wharf's reader: where it ends and its zxid.
type logEntry struct {
	start, end int64 // byte range of the whole entry, EOR included
	zxid       int64
}

// logHeaderSize is FileHeader: magic, version, dbid.
const logHeaderSize = 16

// parseLog returns the valid entries of a txn log file's bytes, in order,
// stopping at the first zero length, bad checksum, missing EOR or the end.
func parseLog(b []byte) []logEntry {
	if len(b) < logHeaderSize || string(b[:4]) != "ZKLG" {
		return nil
	}
	var out []logEntry
	off := int64(logHeaderSize)
	for {
		if off+12 > int64(len(b)) {
			return out
		}
		sum := binary.BigEndian.Uint64(b[off:])
		n := int64(int32(binary.BigEndian.Uint32(b[off+8:])))
		if n <= 0 || off+12+n+1 > int64(len(b)) {
			return out
		}
		txn := b[off+12 : off+12+n]
		if uint64(adler32.Checksum(txn)) != sum || b[off+12+n] != 'B' || n < 32 {
			return out
		}
		out = append(out, logEntry{
			start: off,
			end:   off + 12 + n + 1,
			zxid:  int64(binary.BigEndian.Uint64(txn[12:])), // TxnHeader: clientId, cxid, zxid
		})
		off += 12 + n + 1
	}
}

// openACL is world:anyone with every permission.
var openACL = zk.WorldACL(zk.PermAll)
