package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/wharf-project/wharf/bench/internal/latency"
)

// A workload is one kind of request stream. Every op sends one request and
// waits for its reply; a worker runs ops back to back on its connection.
type workload struct {
	name  string
	write bool // counts toward the write targets
	read  bool // counts toward the read targets
	op    func(c *zk.Conn, w *worker) error
}

type worker struct {
	id      int
	seq     int
	rnd     *rand.Rand
	prefix  string   // parent of the nodes create makes
	nodes   []string // existing nodes set and get use
	payload []byte
}

func (w *worker) node() string { return w.nodes[w.rnd.IntN(len(w.nodes))] }

var openACL = zk.WorldACL(zk.PermAll)

var workloads = []workload{
	{name: "create", write: true, op: func(c *zk.Conn, w *worker) error {
		w.seq++
		_, err := c.Create(fmt.Sprintf("%s/w%d-%d", w.prefix, w.id, w.seq), w.payload, 0, openACL)
		return err
	}},
	{name: "set", write: true, op: func(c *zk.Conn, w *worker) error {
		_, err := c.Set(w.node(), w.payload, -1)
		return err
	}},
	{name: "get", read: true, op: func(c *zk.Conn, w *worker) error {
		_, _, err := c.Get(w.node())
		return err
	}},
	{name: "mix", read: true, op: func(c *zk.Conn, w *worker) error { // 90% get, 10% set
		if w.rnd.IntN(10) == 0 {
			_, err := c.Set(w.node(), w.payload, -1)
			return err
		}
		_, _, err := c.Get(w.node())
		return err
	}},
}

func workloadByName(name string) (workload, bool) {
	for _, w := range workloads {
		if w.name == name {
			return w, true
		}
	}
	return workload{}, false
}

type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

// connect opens n sessions to addr and waits until each has one.
func connect(ctx context.Context, addr string, n int) ([]*zk.Conn, error) {
	conns := make([]*zk.Conn, 0, n)
	for range n {
		c, events, err := zk.Connect([]string{addr}, 30*time.Second, zk.WithLogger(quietLogger{}), zk.WithLogInfo(false))
		if err != nil {
			closeAll(conns)
			return nil, err
		}
		conns = append(conns, c)
		if err := awaitSession(ctx, c, events); err != nil {
			closeAll(conns)
			return nil, fmt.Errorf("zkbench: connect %s: %w", addr, err)
		}
	}
	return conns, nil
}

func awaitSession(ctx context.Context, c *zk.Conn, events <-chan zk.Event) error {
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				return nil
			}
		case <-timeout:
			return fmt.Errorf("no session after 20s (state %v)", c.State())
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func closeAll(conns []*zk.Conn) {
	for _, c := range conns {
		c.Close()
	}
}

// ensurePath creates each missing node along path.
func ensurePath(c *zk.Conn, path string) error {
	for i := 1; i <= len(path); i++ {
		if i == len(path) || path[i] == '/' {
			if _, err := c.Create(path[:i], nil, 0, openACL); err != nil && !errors.Is(err, zk.ErrNodeExists) {
				return fmt.Errorf("zkbench: create %s: %w", path[:i], err)
			}
		}
	}
	return nil
}

// prepareNodes makes the n nodes set, get and mix work on, each holding a
// payload, and returns their paths.
func prepareNodes(ctx context.Context, conns []*zk.Conn, n int, payload []byte) ([]string, error) {
	const parent = "/zkbench/data"
	if err := ensurePath(conns[0], parent); err != nil {
		return nil, err
	}
	nodes := make([]string, n)
	for i := range nodes {
		nodes[i] = fmt.Sprintf("%s/n%05d", parent, i)
	}
	// Creates pipelined over every connection: a single-connection loop
	// would take seconds on a server that fsyncs each write.
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for ci, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := ci; i < n && ctx.Err() == nil; i += len(conns) {
				_, err := c.Create(nodes[i], payload, 0, openACL)
				if errors.Is(err, zk.ErrNodeExists) {
					_, err = c.Set(nodes[i], payload, -1)
				}
				if err != nil {
					firstErr.CompareAndSwap(nil, fmt.Errorf("zkbench: prepare %s: %w", nodes[i], err))
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return nil, err
	}
	return nodes, ctx.Err()
}

// loadSpec is one run: a workload at a concurrency, for a duration or an
// op count.
type loadSpec struct {
	wl       workload
	workers  int
	conns    int
	duration time.Duration // used when ops == 0
	ops      int64
	prefix   string // create's parent node, made fresh per run
	nodes    []string
	payload  []byte
}

type loadResult struct {
	ops      int64
	errors   int64
	elapsed  time.Duration
	lat      latency.Summary
	firstErr error
}

// maxConsecutiveErrors stops a worker whose server has gone away.
const maxConsecutiveErrors = 100

// runLoad opens the connections, runs the workers and merges their
// latency samples.
func runLoad(ctx context.Context, addr string, s loadSpec) (loadResult, error) {
	conns, err := connect(ctx, addr, s.conns)
	if err != nil {
		return loadResult{}, err
	}
	defer closeAll(conns)
	if s.wl.name == "create" {
		if err := ensurePath(conns[0], s.prefix); err != nil {
			return loadResult{}, err
		}
	}
	var (
		budget  atomic.Int64
		errs    atomic.Int64
		errOnce sync.Once
		first   error
		wg      sync.WaitGroup
		samples = make([][]time.Duration, s.workers)
	)
	budget.Store(s.ops)
	start := time.Now()
	deadline := start.Add(s.duration)
	for i := range s.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &worker{id: i, rnd: rand.New(rand.NewPCG(uint64(i), uint64(start.UnixNano()))),
				prefix: s.prefix, nodes: s.nodes, payload: s.payload}
			c := conns[i%len(conns)]
			lat := make([]time.Duration, 0, 4096)
			consecutive := 0
			for ctx.Err() == nil {
				if s.ops > 0 {
					if budget.Add(-1) < 0 {
						break
					}
				} else if time.Now().After(deadline) {
					break
				}
				t0 := time.Now()
				err := s.wl.op(c, w)
				d := time.Since(t0)
				if err != nil {
					errs.Add(1)
					errOnce.Do(func() { first = err })
					if consecutive++; consecutive >= maxConsecutiveErrors {
						break
					}
					continue
				}
				consecutive = 0
				lat = append(lat, d)
			}
			samples[i] = lat
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range samples {
		all = append(all, l...)
	}
	return loadResult{ops: int64(len(all)), errors: errs.Load(), elapsed: elapsed, lat: latency.Summarize(all), firstErr: first}, ctx.Err()
}
