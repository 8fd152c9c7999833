package server

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/wharf-project/wharf/internal/vfs"
	"github.com/wharf-project/wharf/internal/zk/persist"
)

// Crash tests in-process: the server runs on vfs.NewCrashableMem, clients
// write through real connections, and CrashClone (the filesystem a power
// loss would leave now) is taken at random moments. A server restored from
// a clone must hold every write acknowledged before the clone was taken,
// and otherwise only a prefix of what each client went on to ask: nothing
// invented, nothing reordered.

const crashDir = "/data"

// crashVal is one node's data and version.
type crashVal struct {
	data    string
	version int32
}

// crashOp is one request a crash worker made and how it changes the nodes
// the worker owns. seq is its place in the global order of
// acknowledgements (0: never acknowledged).
type crashOp struct {
	desc  string
	apply func(map[string]crashVal)
	seq   int64
}

// crashWorker owns /w<id> and makes one request at a time, so the state of
// its nodes after a crash is its start state plus a prefix of its requests.
type crashWorker struct {
	id    int
	conn  *zk.Conn
	rng   *rand.Rand
	k     int
	start map[string]crashVal // at the start of the generation
	state map[string]crashVal // start + every acknowledged request
	hist  []*crashOp          // requests of this generation, acknowledged ones first, then the one in flight
	err   error               // a reply the model did not expect
}

func (w *crashWorker) dir() string { return fmt.Sprintf("/w%d", w.id) }

// next makes the worker's next request; it returns the op and the error.
func (w *crashWorker) next() (*crashOp, error) {
	w.k++
	data := fmt.Sprintf("w%d-k%d-%s", w.id, w.k, strings.Repeat("x", w.rng.IntN(200)))
	var paths []string
	for p := range w.state {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	r := w.rng.IntN(10)
	if len(paths) < 2 {
		r = 0
	} else if len(paths) > 25 && r < 4 {
		r = 7
	}
	switch {
	case r < 4:
		p := fmt.Sprintf("%s/n%d", w.dir(), w.k)
		op := &crashOp{desc: "create " + p, apply: func(m map[string]crashVal) { m[p] = crashVal{data, 0} }}
		got, err := w.conn.Create(p, []byte(data), 0, zk.WorldACL(zk.PermAll))
		if err == nil && got != p {
			err = fmt.Errorf("created %s", got)
		}
		return op, err
	case r < 7:
		p := paths[w.rng.IntN(len(paths))]
		v := w.state[p].version
		op := &crashOp{desc: fmt.Sprintf("setData %s v%d", p, v), apply: func(m map[string]crashVal) { m[p] = crashVal{data, v + 1} }}
		st, err := w.conn.Set(p, []byte(data), v)
		if err == nil && st.Version != v+1 {
			err = fmt.Errorf("version %d", st.Version)
		}
		return op, err
	case r < 8:
		p := paths[w.rng.IntN(len(paths))]
		v := w.state[p].version
		op := &crashOp{desc: fmt.Sprintf("delete %s v%d", p, v), apply: func(m map[string]crashVal) { delete(m, p) }}
		return op, w.conn.Delete(p, v)
	default:
		np := fmt.Sprintf("%s/n%d", w.dir(), w.k)
		a, b := paths[0], paths[len(paths)-1]
		va, vb := w.state[a].version, w.state[b].version
		op := &crashOp{desc: fmt.Sprintf("multi(create %s, set %s v%d, delete %s v%d)", np, a, va, b, vb),
			apply: func(m map[string]crashVal) {
				m[np] = crashVal{data, 0}
				m[a] = crashVal{data, va + 1}
				delete(m, b)
			}}
		_, err := w.conn.Multi(
			&zk.CreateRequest{Path: np, Data: []byte(data), Acl: zk.WorldACL(zk.PermAll)},
			&zk.SetDataRequest{Path: a, Data: []byte(data), Version: va},
			&zk.DeleteRequest{Path: b, Version: vb})
		return op, err
	}
}

// run makes requests until stop, or until one fails: a connection error
// leaves that request in flight (its outcome unknown); any other error is
// the model and the server disagreeing.
func (w *crashWorker) run(stop *atomic.Bool, acks *atomic.Int64) {
	for !stop.Load() {
		op, err := w.next()
		w.hist = append(w.hist, op)
		if err != nil {
			// A connection error (go-zookeeper also hands back the socket's
			// own error when sending fails) leaves the outcome unknown.
			var ne net.Error
			if !errors.Is(err, zk.ErrConnectionClosed) && !errors.Is(err, zk.ErrClosing) && !errors.Is(err, zk.ErrNoServer) &&
				!errors.As(err, &ne) && !errors.Is(err, io.EOF) {
				w.err = fmt.Errorf("worker %d: %s: %w", w.id, op.desc, err)
			}
			return
		}
		op.seq = acks.Add(1)
		op.apply(w.state)
	}
}

// match returns the state of w's nodes in tr among those a crash after
// acknowledgement number acked can leave, or an error.
func (w *crashWorker) match(nodes map[string]crashVal, acked int64) (map[string]crashVal, error) {
	cur := maps.Clone(w.start)
	for i := 0; ; i++ {
		mustHave := i < len(w.hist) && w.hist[i].seq != 0 && w.hist[i].seq <= acked
		if !mustHave && maps.Equal(cur, nodes) {
			return cur, nil
		}
		if i == len(w.hist) {
			break
		}
		w.hist[i].apply(cur)
	}
	acks := 0
	for _, op := range w.hist {
		if op.seq != 0 && op.seq <= acked {
			acks++
		}
	}
	return nil, fmt.Errorf("worker %d: %d nodes after the crash match no prefix of its %d requests holding the %d acknowledged before it:\n got  %v\n want %v",
		w.id, len(nodes), len(w.hist), acks, nodes, w.state)
}

// crashOptions are the options of every server here: small snapCount and
// preallocation so that log rolls, snapshots and purges happen during the
// load.
func crashOptions(fs vfs.FS, snapCount int) Options {
	return Options{
		ClientAddr:        "127.0.0.1:0",
		DataDir:           crashDir,
		TickTime:          1000, // sessions of 2-20s: no expiry when the machine is busy
		SnapCount:         snapCount,
		PreAllocSize:      4 << 10,
		ForceSync:         true,
		AutopurgeRetain:   3,
		AutopurgeInterval: 15 * time.Millisecond,
		FS:                fs,
	}
}

// restoredNodes restores a server from fs without starting it and returns
// every node under the workers' directories, failing on any other node.
func restoredNodes(t *testing.T, fs vfs.FS, workers int) (map[string]crashVal, *Server) {
	t.Helper()
	s, err := New(crashOptions(fs, 1000))
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	nodes := map[string]crashVal{}
	var walk func(p string)
	walk = func(p string) {
		kids, _, _ := s.core.tree.Children(p)
		for _, k := range kids {
			c := strings.TrimSuffix(p, "/") + "/" + k
			data, st, _ := s.core.tree.GetData(c)
			nodes[c] = crashVal{string(data), st.Version}
			walk(c)
		}
	}
	walk("/")
	for p := range nodes {
		var id int
		if p == "/zookeeper" || strings.HasPrefix(p, "/zookeeper/") {
			delete(nodes, p)
			continue
		}
		if n, _ := fmt.Sscanf(p, "/w%d", &id); n != 1 || id >= workers || fmt.Sprintf("/w%d", id) != p && !strings.HasPrefix(p, fmt.Sprintf("/w%d/", id)) {
			t.Fatalf("%s: invented (%.30q)", p, nodes[p].data)
		}
	}
	return nodes, s
}

// split returns the nodes under one worker's directory.
func split(nodes map[string]crashVal, w *crashWorker) map[string]crashVal {
	out := map[string]crashVal{}
	for p, v := range nodes {
		if strings.HasPrefix(p, w.dir()+"/") {
			out[p] = v
		}
	}
	return out
}

type crashPoint struct {
	fs    *vfs.CrashableMem
	acked int64 // acknowledgements counted before the clone was taken
	what  string
}

// TestCrashCloneUnderLoad runs generations of load on a crashable
// filesystem: during each, clones are taken at random moments (strict, and
// keeping random parts of the unsynced data and directory changes); every
// clone is restored and checked; the next generation runs on one of them,
// so recovery itself is crashed too.
func TestCrashCloneUnderLoad(t *testing.T) {
	seeds, gens, clones := 4, 3, 8
	if testing.Short() {
		seeds = 2
	}
	total := 0
	for seed := range seeds {
		rng := rand.New(rand.NewPCG(uint64(seed), 99))
		const nworkers = 8
		workers := make([]*crashWorker, nworkers)
		for i := range workers {
			workers[i] = &crashWorker{id: i, rng: rand.New(rand.NewPCG(uint64(seed), uint64(i))), start: map[string]crashVal{}}
		}
		fs := vfs.NewCrashableMem()
		for gen := range gens {
			opts := crashOptions(fs, 20+rng.IntN(60))
			s, err := New(opts)
			if err != nil {
				t.Fatalf("seed %d gen %d: %v", seed, gen, err)
			}
			if err := s.Start(); err != nil {
				t.Fatal(err)
			}
			conns := []*zk.Conn{dial(t, s), dial(t, s), dial(t, s)}
			if gen == 0 {
				for _, w := range workers {
					if _, err := conns[0].Create(w.dir(), nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
						t.Fatal(err)
					}
				}
			}
			var stop atomic.Bool
			var acks atomic.Int64
			var wg sync.WaitGroup
			for i, w := range workers {
				w.conn, w.hist, w.state = conns[i%len(conns)], nil, maps.Clone(w.start)
				wg.Add(1)
				go func() { defer wg.Done(); w.run(&stop, &acks) }()
			}
			var points []crashPoint
			for i := range clones {
				time.Sleep(time.Duration(rng.IntN(25)) * time.Millisecond)
				acked := acks.Load()
				if i%2 == 0 {
					points = append(points, crashPoint{fs.CrashClone(), acked, "strict"})
					continue
				}
				cfg := vfs.CrashCloneCfg{UnsyncedDataPercent: rng.IntN(101), UnsyncedDirPercent: rng.IntN(101), RNG: rand.New(rand.NewPCG(rng.Uint64(), 1))}
				points = append(points, crashPoint{fs.CrashCloneWith(cfg), acked, fmt.Sprintf("data %d%% dirs %d%%", cfg.UnsyncedDataPercent, cfg.UnsyncedDirPercent)})
			}
			stop.Store(true)
			wg.Wait()
			for _, w := range workers {
				if w.err != nil {
					t.Fatalf("seed %d gen %d: %v", seed, gen, w.err)
				}
			}
			s.Close()
			if err := s.Err(); err != nil {
				t.Fatalf("seed %d gen %d: server failed: %v", seed, gen, err)
			}
			// Every clone: the acknowledged writes, a prefix of the rest.
			var next map[int]map[string]crashVal
			for _, pt := range points {
				nodes, rs := restoredNodes(t, pt.fs, nworkers)
				rs.Close()
				next = map[int]map[string]crashVal{}
				for _, w := range workers {
					got, err := w.match(split(nodes, w), pt.acked)
					if err != nil {
						t.Fatalf("seed %d gen %d, clone after %d acks (%s): %v", seed, gen, pt.acked, pt.what, err)
					}
					next[w.id] = got
				}
			}
			total += int(acks.Load())
			t.Logf("seed %d gen %d: %d writes acknowledged, %d clones checked; next generation on the last clone", seed, gen, acks.Load(), len(points))
			// The next generation starts from the last clone.
			fs = points[len(points)-1].fs
			for _, w := range workers {
				w.start = next[w.id]
			}
		}
	}
	t.Logf("%d acknowledged writes checked against crash clones", total)
}

// failSpec is one way the filesystem fails under a loaded server.
type failSpec struct {
	name  string
	inj   func(n int64) vfs.Injector
	fatal bool // the server must stop
}

func onLog(kinds ...vfs.OpKind) vfs.Filter {
	match := vfs.Kinds(kinds...)
	return func(op vfs.Op) bool { return match(op) && strings.Contains(op.Path, "/log.") }
}

var failSpecs = []failSpec{
	{"log fsync", func(n int64) vfs.Injector { return vfs.OnIndex(n, onLog(vfs.OpFileSync)) }, true},
	{"log write", func(n int64) vfs.Injector { return vfs.OnIndex(n, onLog(vfs.OpFileWrite, vfs.OpFileWriteAt)) }, true},
	{"torn log write", func(n int64) vfs.Injector {
		return vfs.WritePrefix(int(n%50)+1, vfs.OnIndex(n, onLog(vfs.OpFileWrite, vfs.OpFileWriteAt)))
	}, true},
	{"log preallocation", func(n int64) vfs.Injector { return vfs.OnIndex(n%4, onLog(vfs.OpFilePreallocate)) }, false},
	{"new log file", func(n int64) vfs.Injector { return vfs.OnIndex(n%3, onLog(vfs.OpCreate)) }, true},
	{"directory fsync", func(n int64) vfs.Injector { return vfs.OnIndex(n%5, vfs.Kinds(vfs.OpSyncDir)) }, false},
	{"any mutation", func(n int64) vfs.Injector { return vfs.OnIndex(n, vfs.Mutating) }, false},
}

// TestFailStopOnFilesystemErrors fails one filesystem operation under load.
// A failed log write or fsync stops the server (Err wraps ErrFatal) and no
// write it covered is acknowledged: after a restart on what the filesystem
// holds, and on what a power loss would leave of it, every acknowledged
// write is there. Other failures (a snapshot, a purge, a directory sync) may
// or may not stop it, but lose nothing either.
func TestFailStopOnFilesystemErrors(t *testing.T) {
	for si, spec := range failSpecs {
		for round := range 3 {
			t.Run(fmt.Sprintf("%s/%d", spec.name, round), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(si), uint64(round)))
				mem := vfs.NewCrashableMem()
				var injected atomic.Bool
				inj := spec.inj(int64(rng.IntN(30)))
				toggle := vfs.NewToggle(vfs.InjectorFunc(func(op vfs.Op) error {
					err := inj.MaybeError(op)
					if err != nil {
						injected.Store(true)
					}
					return err
				}))
				opts := crashOptions(vfs.WithErrors(mem, toggle), 20+rng.IntN(40))
				s, err := New(opts)
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Start(); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				c := dial(t, s)
				workers := make([]*crashWorker, 4)
				for i := range workers {
					workers[i] = &crashWorker{id: i, conn: c, rng: rand.New(rand.NewPCG(uint64(si), uint64(i))), start: map[string]crashVal{}, state: map[string]crashVal{}}
					if _, err := c.Create(workers[i].dir(), nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
						t.Fatal(err)
					}
				}
				var stop atomic.Bool
				var acks atomic.Int64
				var wg sync.WaitGroup
				for _, w := range workers {
					wg.Add(1)
					go func() { defer wg.Done(); w.run(&stop, &acks) }()
				}
				toggle.On()
				stopped := false
				firedAt := int64(-1)
				deadline := time.Now().Add(5 * time.Second)
				for time.Now().Before(deadline) {
					select {
					case <-s.Done():
						stopped = true
					case <-time.After(time.Millisecond):
					}
					if stopped {
						break
					}
					if firedAt < 0 && injected.Load() {
						firedAt = acks.Load()
					}
					if firedAt >= 0 && acks.Load() > firedAt+100 {
						break // the server went on after the failure
					}
				}
				stop.Store(true)
				if stopped {
					// The server is gone: its clients see their requests fail.
					for _, w := range workers {
						w.conn.Close()
					}
				}
				wg.Wait()
				for _, w := range workers {
					if w.err != nil {
						t.Fatal(w.err)
					}
				}
				if !injected.Load() {
					t.Fatalf("the injected failure never happened (%d acks)", acks.Load())
				}
				switch err := s.Err(); {
				case spec.fatal && !stopped:
					t.Fatalf("a failed %s did not stop the server", spec.name)
				case stopped && !errors.Is(err, ErrFatal):
					t.Fatalf("stopped with Err() = %v, want ErrFatal", err)
				case !stopped && err != nil:
					t.Fatalf("running, yet Err() = %v", err)
				}
				s.Close()
				acked := acks.Load()
				for _, fs := range []struct {
					name string
					fs   vfs.FS
				}{{"the filesystem as left", mem}, {"after a power loss", mem.CrashClone()}} {
					nodes, rs := restoredNodes(t, fs.fs, len(workers))
					rs.Close()
					for _, w := range workers {
						if _, err := w.match(split(nodes, w), acked); err != nil {
							t.Fatalf("restart on %s: %v", fs.name, err)
						}
					}
				}
				t.Logf("%d writes acknowledged; server stopped: %v (%v)", acked, stopped, s.Err())
			})
		}
	}
}

// TestSnapshotsAndAutopurge: with a small snapCount snapshots appear as
// the log rolls; autopurge keeps the newest three snapshots and the log
// files needed to replay from the oldest of them; a restart loads the
// newest snapshot and holds every write.
func TestSnapshotsAndAutopurge(t *testing.T) {
	mem := vfs.NewCrashableMem()
	s, err := New(crashOptions(mem, 30))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	c := dial(t, s)
	w := &crashWorker{id: 0, conn: c, rng: rand.New(rand.NewPCG(1, 2)), start: map[string]crashVal{}, state: map[string]crashVal{}}
	if _, err := c.Create(w.dir(), nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	most := 0
	for range 600 {
		op, err := w.next()
		if err != nil {
			t.Fatal(err)
		}
		op.apply(w.state)
		snaps, _ := crashFiles(t, mem)
		for _, f := range snaps {
			seen[persist.SnapshotName(f, "")] = true
		}
		most = max(most, len(snaps))
	}
	// Purging runs every 15ms: wait for it to catch up with the last roll.
	var snaps, logs []int64
	deadline := time.Now().Add(5 * time.Second)
	for snaps, logs = crashFiles(t, mem); len(snaps) != 3; snaps, logs = crashFiles(t, mem) {
		if time.Now().After(deadline) {
			t.Fatalf("autopurge left %d snapshots: %x", len(snaps), snaps)
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.Close()
	snaps, logs = crashFiles(t, mem)
	// A snapshot can land after the last write's listing (they are written
	// in the background): what is on disk now was seen too.
	for _, f := range snaps {
		seen[persist.SnapshotName(f, "")] = true
	}
	if len(seen) < 10 {
		t.Fatalf("%d snapshots written: expected many", len(seen))
	}
	var all []int64
	for name := range seen {
		all = append(all, persist.ZxidFromName(name, "snapshot"))
	}
	slices.Sort(all)
	if len(snaps) != 3 || !slices.Equal(snaps, all[len(all)-len(snaps):]) {
		t.Fatalf("kept snapshots %x, want the newest three of %x", snaps, all)
	}
	// Logs: one starting at or before the oldest kept snapshot (it holds
	// the txns right after it), and every later one.
	oldest := snaps[0]
	before := 0
	for _, z := range logs {
		if z <= oldest {
			before++
		}
	}
	if before != 1 {
		t.Fatalf("logs %x with snapshots %x: %d logs start at or before 0x%x, want exactly 1", logs, snaps, before, oldest)
	}
	// A restart loads the newest snapshot and replays the rest.
	var out strings.Builder
	opts := crashOptions(mem, 30)
	opts.Logger = slog.New(slog.NewTextHandler(&out, nil))
	rs, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	if want := fmt.Sprintf("snapshotZxid=0x%x ", snaps[2]); !strings.Contains(out.String(), want) {
		t.Fatalf("restore did not start from the newest snapshot (%s):\n%s", want, out.String())
	}
	nodes, _ := restoredNodes(t, mem, 1)
	if got := split(nodes, w); !maps.Equal(got, w.state) {
		t.Fatalf("after the restart: %d nodes, want %d: %v", len(got), len(w.state), got)
	}
	t.Logf("%d snapshots written, at most %d at once; kept %x and logs %x", len(seen), most, snaps, logs)
}

// crashFiles lists the zxids of the snapshot and log files of crashDir.
func crashFiles(t *testing.T, fs vfs.FS) (snaps, logs []int64) {
	t.Helper()
	names, err := fs.List(crashDir + "/version-2")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if z := persist.ZxidFromName(n, "snapshot"); z >= 0 && !strings.HasSuffix(n, ".tmp") {
			snaps = append(snaps, z)
		}
		if z := persist.ZxidFromName(n, "log"); z >= 0 {
			logs = append(logs, z)
		}
	}
	slices.Sort(snaps)
	slices.Sort(logs)
	return snaps, logs
}
