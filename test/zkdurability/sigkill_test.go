package zkdurability

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/wharf-project/wharf/internal/testutil"
)

// The SIGKILL test: workers write continuously through a few sessions, the
// server is killed at some moment, restarted on the same data directory, and
// what the clients were told is checked against what the server has.
//
// Each worker owns a subtree (/load/w<i>, and the ephemerals /eph/w<i>-*)
// and does one request at a time, so the state of what it owns is known
// exactly: every acknowledged write applied, plus perhaps the one request
// that was in flight at the crash. Shared nodes are written concurrently:
// /hot/h<j> (setData without a version) and /seq (sequential children).
const (
	loadConns      = 6
	workersPerConn = 5
	hotNodes       = 4
	maxOwned       = 30
	workerTimeout  = 10 * time.Second // = maxSessionTimeout at tickTime 500
	doomedTimeout  = 3 * time.Second
)

type nodeVal struct {
	data    string
	version int32
}

// owned is the state of what one worker owns: its nodes by path and how
// many children its parent ever had created, which is the next sequential
// suffix there (ZooKeeper's stored cversion).
type owned struct {
	nodes    map[string]nodeVal
	cversion int32
}

func (o owned) clone() owned { return owned{nodes: maps.Clone(o.nodes), cversion: o.cversion} }

func (o owned) equal(p owned) bool {
	return o.cversion == p.cversion && maps.Equal(o.nodes, p.nodes)
}

func (o owned) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cversion %d;", o.cversion)
	keys := make([]string, 0, len(o.nodes))
	for k := range o.nodes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := o.nodes[k]
		fmt.Fprintf(&b, " %s v%d %.20q;", k, v.version, v.data)
	}
	return b.String()
}

// op is one request a worker makes.
type op struct {
	desc string
	// run sends the request and checks the reply against the model; errors
	// from the connection come back unchanged.
	run func(c *zk.Conn) error
	// apply is the request's effect on what the worker owns.
	apply func(o *owned)
	// shared nodes: the hot node set, or the sequential child created.
	hotPath, hotData string
	hotVersion       int32 // filled in when acknowledged
	seqData          string
	seqPath          string // filled in when acknowledged
}

type worker struct {
	id      int
	conn    *zk.Conn
	rng     *rand.Rand
	k       int // requests made, over all rounds: makes data unique
	state   owned
	pending *op   // the request whose outcome is unknown (at most one)
	failure error // the model and the server disagreed
	acked   int   // acknowledged requests this round
	hot     []*op // acknowledged hot setDatas this round
	seq     []*op // acknowledged sequential creates this round
}

var errModel = errors.New("reply differs from the model")

// indeterminate reports whether err leaves the request's outcome unknown:
// the connection went (go-zookeeper also hands back the socket's own error
// when sending the request failed) rather than the server answering.
func indeterminate(err error) bool {
	var ne net.Error
	return errors.Is(err, zk.ErrConnectionClosed) || errors.Is(err, zk.ErrNoServer) ||
		errors.Is(err, zk.ErrClosing) || errors.Is(err, zk.ErrSessionExpired) ||
		errors.As(err, &ne) || errors.Is(err, io.EOF)
}

func (w *worker) base() string { return fmt.Sprintf("/load/w%d", w.id) }

// data returns a payload unique to this request: mostly small, sometimes
// empty, a few KB, or (rarely) 100 KB.
func (w *worker) data() string {
	tag := fmt.Sprintf("w%d-k%d|", w.id, w.k)
	n := 0
	switch r := w.rng.IntN(1000); {
	case r < 50:
		return tag
	case r < 950:
		n = w.rng.IntN(300)
	case r < 998:
		n = 1000 + w.rng.IntN(4000)
	default:
		n = 100 << 10
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + w.rng.IntN(26))
	}
	return tag + string(b)
}

// pick returns a random owned persistent node (not an ephemeral).
func (w *worker) pick(skip string) (string, nodeVal, bool) {
	var keys []string
	for k := range w.state.nodes {
		if strings.HasPrefix(k, w.base()+"/") && k != skip {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return "", nodeVal{}, false
	}
	slices.Sort(keys)
	k := keys[w.rng.IntN(len(keys))]
	return k, w.state.nodes[k], true
}

func (w *worker) ephemerals() []string {
	var keys []string
	for k := range w.state.nodes {
		if strings.HasPrefix(k, fmt.Sprintf("/eph/w%d-", w.id)) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func checkPath(got, want string) error {
	if got != want {
		return fmt.Errorf("%w: created %q, expected %q", errModel, got, want)
	}
	return nil
}

func checkVersion(st *zk.Stat, want int32) error {
	if st == nil || st.Version != want {
		return fmt.Errorf("%w: stat %+v, expected version %d", errModel, st, want)
	}
	return nil
}

// next chooses the worker's next request from its current state.
func (w *worker) next() *op {
	w.k++
	persistent := 0
	for k := range w.state.nodes {
		if strings.HasPrefix(k, w.base()+"/") {
			persistent++
		}
	}
	r := w.rng.IntN(100)
	if persistent >= maxOwned && r < 20 {
		r = 50 // full: delete instead of create
	}
	if persistent < 2 && r >= 20 && r < 62 {
		r = 0
	}
	switch {
	case r < 20:
		p, d := fmt.Sprintf("%s/n%d", w.base(), w.k), w.data()
		return &op{desc: "create " + p,
			run: func(c *zk.Conn) error {
				got, err := c.Create(p, []byte(d), zk.FlagPersistent, openACL)
				if err != nil {
					return err
				}
				return checkPath(got, p)
			},
			apply: func(o *owned) { o.nodes[p] = nodeVal{d, 0}; o.cversion++ }}
	case r < 45:
		p, v, _ := w.pick("")
		d := w.data()
		return &op{desc: fmt.Sprintf("setData %s v%d", p, v.version),
			run: func(c *zk.Conn) error {
				st, err := c.Set(p, []byte(d), v.version)
				if err != nil {
					return err
				}
				return checkVersion(st, v.version+1)
			},
			apply: func(o *owned) { o.nodes[p] = nodeVal{d, v.version + 1} }}
	case r < 52:
		p, v, _ := w.pick("")
		return &op{desc: fmt.Sprintf("delete %s v%d", p, v.version),
			run:   func(c *zk.Conn) error { return c.Delete(p, v.version) },
			apply: func(o *owned) { delete(o.nodes, p) }}
	case r < 62:
		np, nd := fmt.Sprintf("%s/n%d", w.base(), w.k), w.data()
		sp, sv, _ := w.pick("")
		cp, cv, _ := w.pick(sp)
		sd := w.data()
		return &op{desc: fmt.Sprintf("multi(create %s, set %s v%d, check %s v%d)", np, sp, sv.version, cp, cv.version),
			run: func(c *zk.Conn) error {
				res, err := c.Multi(
					&zk.CreateRequest{Path: np, Data: []byte(nd), Acl: openACL},
					&zk.SetDataRequest{Path: sp, Data: []byte(sd), Version: sv.version},
					&zk.CheckVersionRequest{Path: cp, Version: cv.version})
				if err != nil {
					return err
				}
				if len(res) != 3 || res[0].String != np || res[1].Stat == nil || res[1].Stat.Version != sv.version+1 {
					return fmt.Errorf("%w: multi results %+v", errModel, res)
				}
				return nil
			},
			apply: func(o *owned) {
				o.nodes[np] = nodeVal{nd, 0}
				o.nodes[sp] = nodeVal{sd, sv.version + 1}
				o.cversion++
			}}
	case r < 70:
		seqName := func(cv int32) string { return fmt.Sprintf("%s/q-%010d", w.base(), cv) }
		cv, d := w.state.cversion, w.data()
		return &op{desc: "create sequential " + seqName(cv),
			run: func(c *zk.Conn) error {
				got, err := c.Create(w.base()+"/q-", []byte(d), zk.FlagSequence, openACL)
				if err != nil {
					return err
				}
				return checkPath(got, seqName(cv))
			},
			apply: func(o *owned) { o.nodes[seqName(o.cversion)] = nodeVal{d, 0}; o.cversion++ }}
	case r < 76 || (r < 80 && len(w.ephemerals()) == 0):
		p, d := fmt.Sprintf("/eph/w%d-k%d", w.id, w.k), w.data()
		return &op{desc: "create ephemeral " + p,
			run: func(c *zk.Conn) error {
				got, err := c.Create(p, []byte(d), zk.FlagEphemeral, openACL)
				if err != nil {
					return err
				}
				return checkPath(got, p)
			},
			apply: func(o *owned) { o.nodes[p] = nodeVal{d, 0} }}
	case r < 80:
		eph := w.ephemerals()
		p := eph[w.rng.IntN(len(eph))]
		return &op{desc: "delete ephemeral " + p,
			run:   func(c *zk.Conn) error { return c.Delete(p, -1) },
			apply: func(o *owned) { delete(o.nodes, p) }}
	case r < 90:
		o := &op{hotPath: fmt.Sprintf("/hot/h%d", w.rng.IntN(hotNodes)), hotData: w.data(), apply: func(*owned) {}}
		o.desc = "setData " + o.hotPath
		o.run = func(c *zk.Conn) error {
			st, err := c.Set(o.hotPath, []byte(o.hotData), -1)
			if err == nil {
				o.hotVersion = st.Version
			}
			return err
		}
		return o
	default:
		o := &op{seqData: w.data(), apply: func(*owned) {}}
		o.desc = "create sequential /seq/s-"
		o.run = func(c *zk.Conn) error {
			got, err := c.Create("/seq/s-", []byte(o.seqData), zk.FlagSequence, openACL)
			if err == nil {
				o.seqPath = got
			}
			return err
		}
		return o
	}
}

// loop makes requests until stop is set or a request fails.
func (w *worker) loop(stop *atomic.Bool) {
	w.acked, w.hot, w.seq, w.pending = 0, nil, nil, nil
	for !stop.Load() {
		o := w.next()
		err := o.run(w.conn)
		switch {
		case err == nil:
			o.apply(&w.state)
			w.acked++
			if o.hotPath != "" {
				w.hot = append(w.hot, o)
			}
			if o.seqData != "" {
				w.seq = append(w.seq, o)
			}
		case indeterminate(err):
			w.pending = o
			return
		default:
			w.failure = fmt.Errorf("worker %d: %s: %w", w.id, o.desc, err)
			return
		}
	}
}

// loadModel is what the test knows about the whole tree.
type loadModel struct {
	workers []*worker
	hot     map[string]map[int32]string // acknowledged data by version
	hotMax  map[string]int32
	seq     map[string]string // acknowledged /seq children
	seqMax  int64             // highest sequence number acknowledged
	sids    map[int64]bool    // the workers' sessions
	doomed  string            // the abandoned session's ephemeral
}

func seqNumber(path string) int64 {
	n, err := strconv.ParseInt(path[len(path)-10:], 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// verify checks the tree after a restart against the model, then folds the
// outcome of the requests that were in flight into it.
func (m *loadModel) verify(t *testing.T, tr tree) (applied int) {
	t.Helper()
	// Every worker's subtree: exactly the acknowledged state, or that plus
	// its one request in flight.
	for _, w := range m.workers {
		// A client sees cversion as changes to the children (2 × creates −
		// children); the sequential suffix counts creates.
		st := tr[w.base()].Stat
		got := owned{nodes: map[string]nodeVal{}, cversion: (st.Cversion + st.NumChildren) / 2}
		for p, n := range tr {
			if strings.HasPrefix(p, w.base()+"/") || strings.HasPrefix(p, fmt.Sprintf("/eph/w%d-", w.id)) {
				got.nodes[p] = nodeVal{string(n.Data), n.Stat.Version}
				if strings.HasPrefix(p, "/eph/") && n.Stat.EphemeralOwner != w.conn.SessionID() {
					t.Errorf("%s: ephemeral owner 0x%x, expected worker %d's session 0x%x", p, n.Stat.EphemeralOwner, w.id, w.conn.SessionID())
				}
			}
		}
		if got.equal(w.state) {
			continue
		}
		if w.pending != nil {
			withPending := w.state.clone()
			w.pending.apply(&withPending)
			if got.equal(withPending) {
				w.state = withPending
				applied++
				continue
			}
		}
		desc := "none"
		if w.pending != nil {
			desc = w.pending.desc
		}
		t.Fatalf("worker %d: tree differs from its acknowledged writes (in flight: %s)\n got:  %v\n want: %v", w.id, desc, got, w.state)
	}
	// Hot nodes: never behind an acknowledged version; at an acknowledged
	// version with its data; ahead only with data of a request in flight.
	pendingHot := map[string]map[string]bool{}
	pendingSeq := map[string]bool{}
	for _, w := range m.workers {
		for _, o := range w.hot {
			m.hot[o.hotPath][o.hotVersion] = o.hotData
			m.hotMax[o.hotPath] = max(m.hotMax[o.hotPath], o.hotVersion)
		}
		for _, o := range w.seq {
			m.seq[o.seqPath] = o.seqData
			m.seqMax = max(m.seqMax, seqNumber(o.seqPath))
		}
		if w.pending != nil && w.pending.hotPath != "" {
			if pendingHot[w.pending.hotPath] == nil {
				pendingHot[w.pending.hotPath] = map[string]bool{}
			}
			pendingHot[w.pending.hotPath][w.pending.hotData] = true
		}
		if w.pending != nil && w.pending.seqData != "" {
			pendingSeq[w.pending.seqData] = true
		}
	}
	for p, byVersion := range m.hot {
		n := tr[p]
		v, d := n.Stat.Version, string(n.Data)
		want, acked := byVersion[v]
		switch {
		case v < m.hotMax[p]:
			t.Fatalf("%s: version %d, but version %d was acknowledged", p, v, m.hotMax[p])
		case acked && want != d:
			t.Fatalf("%s: version %d holds %.30q, acknowledged with %.30q", p, v, d, want)
		case !acked && !pendingHot[p][d]:
			t.Fatalf("%s: version %d holds %.30q, which no request in flight wrote", p, v, d)
		}
		if !acked {
			applied++
		}
		byVersion[v], m.hotMax[p] = d, v
	}
	// /seq: every acknowledged child, and otherwise only requests in flight.
	for p, d := range m.seq {
		if n, ok := tr[p]; !ok || string(n.Data) != d {
			t.Fatalf("%s: acknowledged sequential node lost or changed (%v)", p, ok)
		}
	}
	for _, kid := range tr["/seq"].Children {
		p := "/seq/" + kid
		d := string(tr[p].Data)
		if _, ok := m.seq[p]; ok {
			continue
		}
		if !pendingSeq[d] {
			t.Fatalf("%s (%.30q): invented", p, d)
		}
		applied++
		delete(pendingSeq, d)
		m.seq[p] = d
	}
	// Nothing else exists.
	for p := range tr {
		if !m.known(p) {
			t.Fatalf("%s: invented node (%.30q)", p, tr[p].Data)
		}
	}
	return applied
}

func (m *loadModel) known(p string) bool {
	switch {
	case p == "/" || p == "/zookeeper" || strings.HasPrefix(p, "/zookeeper/"),
		p == "/load", p == "/hot", p == "/seq", p == "/eph":
		return true
	case p == m.doomed:
		return true
	}
	for _, w := range m.workers {
		if p == w.base() || strings.HasPrefix(p, w.base()+"/") || strings.HasPrefix(p, fmt.Sprintf("/eph/w%d-", w.id)) {
			return true // checked exactly above
		}
	}
	_, hot := m.hot[p]
	_, seq := m.seq[p]
	return hot || seq
}

// TestSIGKILLUnderLoad kills `wharf zookeeper` while 30 workers on 6
// sessions write, several times (at random moments, right after a log roll,
// right after a snapshot), and checks after each restart that every
// acknowledged write is there and nothing else, that the sessions survived
// with their ephemerals (and an abandoned one's expire), that sequential
// numbers are not reused, and that one more crash changes nothing.
//
// Apache ZooKeeper runs the same test (fewer rounds, no log rolls): it
// checks the test's model of ZooKeeper against the reference.
func TestSIGKILLUnderLoad(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("WHARF_DURABILITY_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (WHARF_DURABILITY_SEED reproduces the choices, not the timing)", seed)
	opts := testutil.ZKOptions{TickTime: 500, SnapCount: 100, PreAllocSizeKB: 16}
	t.Run("wharf", func(t *testing.T) {
		crashUnderLoad(t, testutil.StartWharfZK(t, opts), seed, []string{"random", "log roll", "snapshot", "at once", "random"})
	})
	t.Run("zookeeper", func(t *testing.T) {
		// Without log rolls: Apache ZooKeeper 3.8.0 killed just after it
		// created a new log file, before the file's header reached it,
		// fails to start again (EOFException reading the empty file's
		// FileHeader). Wharf's "log roll" and "snapshot" rounds are that
		// moment; its headers are durable before the file's name is.
		opts := opts
		opts.SnapCount = 0
		crashUnderLoad(t, testutil.StartApacheZK(t, opts), seed, []string{"random", "random"})
	})
}

func crashUnderLoad(t *testing.T, srv *testutil.ZKServer, seed uint64, kinds []string) {
	rng := rand.New(rand.NewPCG(seed, 1))
	setup := testutil.Connect(t, srv.Addr)
	for _, p := range []string{"/load", "/hot", "/seq", "/eph"} {
		mustCreate(t, setup, p, "", 0)
	}
	m := &loadModel{hot: map[string]map[int32]string{}, hotMax: map[string]int32{}, seq: map[string]string{}, sids: map[int64]bool{}}
	for j := range hotNodes {
		p := fmt.Sprintf("/hot/h%d", j)
		mustCreate(t, setup, p, "initial", 0)
		m.hot[p] = map[int32]string{0: "initial"}
	}
	type session struct {
		conn  *zk.Conn
		watch *sessionWatch
		sid   int64
	}
	var sessions []*session
	for i := range loadConns {
		c, w := watchedConn(t, srv.Addr, workerTimeout)
		s := &session{conn: c, watch: w, sid: c.SessionID()}
		sessions = append(sessions, s)
		m.sids[s.sid] = true
		for j := range workersPerConn {
			id := i*workersPerConn + j
			wk := &worker{id: id, conn: c, rng: rand.New(rand.NewPCG(seed, uint64(id)+2)), state: owned{nodes: map[string]nodeVal{}}}
			mustCreate(t, setup, wk.base(), "", 0)
			m.workers = append(m.workers, wk)
		}
	}

	totalAcked := 0
	for round, kind := range kinds {
		// A session that will not come back: its ephemeral must survive the
		// crash, then go when the session expires.
		var blocked atomic.Bool
		dialer := func(network, addr string, timeout time.Duration) (net.Conn, error) {
			if blocked.Load() {
				return nil, errors.New("blocked by the test")
			}
			return net.DialTimeout(network, addr, timeout)
		}
		dc, dev, err := zk.Connect([]string{srv.Addr}, doomedTimeout, zk.WithLogger(quiet{}), zk.WithDialer(dialer))
		if err != nil {
			t.Fatal(err)
		}
		waitSession(t, dc, dev)
		doomedPath := fmt.Sprintf("/eph/doomed-r%d", round)
		mustCreate(t, dc, doomedPath, "doomed", zk.FlagEphemeral)
		doomedSid := dc.SessionID()
		m.doomed = doomedPath

		// Load, then the crash.
		var stop atomic.Bool
		var wg sync.WaitGroup
		for _, w := range m.workers {
			wg.Add(1)
			go func() { defer wg.Done(); w.loop(&stop) }()
		}
		start := time.Now()
		switch kind {
		case "random":
			time.Sleep(time.Duration(300+rng.IntN(1200)) * time.Millisecond)
		case "at once":
			time.Sleep(time.Duration(rng.IntN(30)) * time.Millisecond)
		case "log roll", "snapshot":
			prefix := "log"
			if kind == "snapshot" {
				prefix = "snapshot"
			}
			time.Sleep(time.Duration(100+rng.IntN(400)) * time.Millisecond) // under load first
			// Poll tightly: the kill must come right after the new file.
			n := len(listData(t, srv.DataDir, prefix))
			for deadline := time.Now().Add(20 * time.Second); len(listData(t, srv.DataDir, prefix)) == n; {
				if time.Now().After(deadline) {
					t.Fatalf("round %d: no new %s file in 20s", round, prefix)
				}
				time.Sleep(200 * time.Microsecond)
			}
		}
		ran := time.Since(start)
		hasBefore := make([]int, len(sessions))
		for i, s := range sessions {
			_, hasBefore[i] = s.watch.state()
		}
		srv.Kill()
		stop.Store(true)
		blocked.Store(true)
		go dc.Close() // waits a second for a closeSession that cannot be sent
		srv.Restart()

		// The doomed session's ephemeral is back, until the session expires.
		checker := testutil.Connect(t, srv.Addr)
		if ok, st, err := checker.Exists(doomedPath); err != nil || !ok || st.EphemeralOwner != doomedSid {
			t.Fatalf("round %d: %s after restart: exists %v, %v (its session 0x%x has not expired yet)", round, doomedPath, ok, err, doomedSid)
		}
		if !dump(t, srv.Addr).sessions[doomedSid] {
			t.Fatalf("round %d: abandoned session 0x%x not restored", round, doomedSid)
		}
		// The workers' sessions resume, and their requests in flight end.
		for i, s := range sessions {
			waitReconnected(t, s.conn, s.watch, hasBefore[i], s.sid)
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			t.Fatalf("round %d: workers did not finish after the restart", round)
		}
		acked, inFlight := 0, 0
		for _, w := range m.workers {
			if w.failure != nil {
				t.Fatal(w.failure)
			}
			acked += w.acked
			if w.pending != nil {
				inFlight++
			}
		}
		if acked < len(m.workers) && kind != "at once" {
			t.Fatalf("round %d: only %d writes acknowledged in %v: no load", round, acked, ran)
		}
		totalAcked += acked
		tr := walkTree(t, checker)
		applied := m.verify(t, tr)
		d := dump(t, srv.Addr)
		for sid := range m.sids {
			if !d.sessions[sid] {
				t.Fatalf("round %d: worker session 0x%x missing after restart", round, sid)
			}
		}

		// Sequential numbering goes on above every number given out.
		probe, err := checker.Create("/seq/s-", []byte(fmt.Sprintf("probe-r%d", round)), zk.FlagSequence, openACL)
		if err != nil {
			t.Fatal(err)
		}
		maxSeen := m.seqMax
		for _, kid := range tr["/seq"].Children {
			maxSeen = max(maxSeen, seqNumber("/seq/"+kid))
		}
		if seqNumber(probe) <= maxSeen {
			t.Fatalf("round %d: sequential create after restart got %s, but %010d was already given out", round, probe, maxSeen)
		}
		m.seq[probe] = fmt.Sprintf("probe-r%d", round)
		m.seqMax = seqNumber(probe)

		// The abandoned session expires and takes its ephemeral.
		if !testutil.WaitFor(func() bool {
			ok, _, err := checker.Exists(doomedPath)
			return err == nil && !ok
		}, 20*time.Second) {
			t.Fatalf("round %d: %s still there: abandoned session 0x%x never expired", round, doomedPath, doomedSid)
		}

		// One more crash without writes gives the same tree.
		before := walkTree(t, checker)
		for i, s := range sessions {
			_, hasBefore[i] = s.watch.state()
		}
		srv.Kill()
		srv.Restart()
		after := walkTree(t, testutil.Connect(t, srv.Addr))
		requireSameTree(t, fmt.Sprintf("round %d: second restart", round), before, after)
		for i, s := range sessions {
			waitReconnected(t, s.conn, s.watch, hasBefore[i], s.sid)
		}
		t.Logf("round %d (%s after %v): %d writes acknowledged, %d in flight at the crash (%d of them applied); tree of %d nodes verified; %d log and %d snapshot files",
			round, kind, ran.Round(time.Millisecond), acked, inFlight, applied, len(tr),
			len(listData(t, srv.DataDir, "log")), len(listData(t, srv.DataDir, "snapshot")))
	}
	t.Logf("%s: %d writes acknowledged and verified over %d crashes", srv.Kind, totalAcked, len(kinds))
}

func mustCreate(t testing.TB, c *zk.Conn, path, data string, flags int32) {
	t.Helper()
	if _, err := c.Create(path, []byte(data), flags, openACL); err != nil {
		t.Fatalf("create %s: %v", path, err)
	}
}
