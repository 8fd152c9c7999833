// Command groupbench measures consumer groups on Wharf and on franz-go's
// kfake, side by side with the same client (kgo): how long a group of 10
// members takes to share 100 partitions, how long an 11th member joining
// the stable group waits for its partitions (eager range, cooperative-sticky,
// and KIP-848 with the server-side uniform assignor), and offset commits per
// second. See bench/README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/bench/internal/output"
	"github.com/wharf-project/wharf/bench/internal/wharfbin"
	"github.com/wharf-project/wharf/internal/testutil/childproc"
	"github.com/wharf-project/wharf/internal/testutil/zkproc"
)

type config struct {
	members     int
	partitions  int
	commitFor   time.Duration
	committers  int
	timeout     time.Duration
	wharfBin    string
	only        map[string]bool
	protocols   []string
	heartbeatMs int
	consumerHB  int
}

func main() {
	var cfg config
	var only string
	flag.IntVar(&cfg.members, "members", 10, "members of the group")
	flag.IntVar(&cfg.partitions, "partitions", 100, "partitions of the topic")
	flag.DurationVar(&cfg.commitFor, "commit-duration", 3*time.Second, "how long each commit run lasts")
	flag.IntVar(&cfg.committers, "committers", 8, "concurrent committing clients in the second commit run")
	flag.DurationVar(&cfg.timeout, "timeout", 2*time.Minute, "bound on each step")
	flag.StringVar(&cfg.wharfBin, "wharf-bin", "", "wharf binary (default: build ./cmd/wharf)")
	flag.StringVar(&only, "only", "wharf,kfake", "servers to measure")
	flag.IntVar(&cfg.heartbeatMs, "heartbeat-ms", 3000, "classic members' heartbeat.interval.ms (kgo's and Kafka's default 3000)")
	flag.IntVar(&cfg.consumerHB, "consumer-heartbeat-ms", 5000, "both servers' group.consumer.heartbeat.interval.ms for KIP-848 members (Kafka's default 5000)")
	flag.Parse()
	cfg.only = map[string]bool{}
	for _, s := range splitComma(only) {
		cfg.only[s] = true
	}
	cfg.protocols = []string{"eager range", "cooperative-sticky", "KIP-848 uniform"}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "groupbench:", err)
		os.Exit(1)
	}
}

// splitComma is s's comma-separated items, empty ones dropped.
func splitComma(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' })
}

// server is one broker measured.
type server struct {
	name  string
	addr  string
	close func()
}

func run(ctx context.Context, cfg config) error {
	dir, err := os.MkdirTemp("", "groupbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var servers []server
	defer func() {
		for _, s := range servers {
			s.close()
		}
	}()
	if cfg.only["wharf"] {
		s, err := startWharf(cfg, dir)
		if err != nil {
			return err
		}
		servers = append(servers, s)
	}
	if cfg.only["kfake"] {
		c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.BrokerConfigs(map[string]string{
			"group.consumer.heartbeat.interval.ms": fmt.Sprint(cfg.consumerHB)}))
		if err != nil {
			return err
		}
		servers = append(servers, server{name: "kfake", addr: c.ListenAddrs()[0], close: c.Close})
	}
	fmt.Printf("groupbench: %d members, %d partitions, classic heartbeat interval %d ms, KIP-848 heartbeat interval %d ms; client kgo\n\n",
		cfg.members, cfg.partitions, cfg.heartbeatMs, cfg.consumerHB)
	rows := [][]string{{"server", "protocol", "group of N stable s", "N+1th member assigned s", "group of N+1 stable s"}}
	for i, proto := range cfg.protocols {
		for _, s := range servers {
			r, err := rebalance(ctx, cfg, s, proto, fmt.Sprintf("gb-%d", i))
			row := []string{s.name, proto}
			if err != nil {
				fmt.Printf("  %s %s: %v\n", s.name, proto, err)
				row = append(row, "n/a", "n/a", "n/a")
			} else {
				fmt.Printf("  %s %-20s group of %d stable in %.2fs; member %d assigned in %.2fs, all stable in %.2fs\n",
					s.name, proto, cfg.members, r.initial.Seconds(), cfg.members+1, r.joiner.Seconds(), r.settled.Seconds())
				row = append(row, secs(r.initial), secs(r.joiner), secs(r.settled))
			}
			rows = append(rows, row)
		}
	}
	fmt.Println()
	output.Text(os.Stdout, rows)

	fmt.Println()
	crows := [][]string{{"server", "committers", "commits/s", "offsets/s", "p50 ms", "p99 ms"}}
	for _, s := range servers {
		for _, n := range []int{1, cfg.committers} {
			r, err := commits(ctx, cfg, s, n)
			if err != nil {
				fmt.Printf("  %s commits: %v\n", s.name, err)
				continue
			}
			crows = append(crows, []string{s.name, fmt.Sprint(n), fmt.Sprintf("%.0f", r.perSec), fmt.Sprintf("%.0f", r.perSec*float64(cfg.partitions)),
				fmt.Sprintf("%.2f", ms(r.p50)), fmt.Sprintf("%.2f", ms(r.p99))})
		}
	}
	output.Text(os.Stdout, crows)
	return nil
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f", d.Seconds()) }
func ms(d time.Duration) float64  { return float64(d) / float64(time.Millisecond) }

func startWharf(cfg config, dir string) (server, error) {
	bin, err := wharfbin.Path(cfg.wharfBin, dir)
	if err != nil {
		return server{}, err
	}
	var ports [3]int
	for i := range ports {
		if ports[i], err = zkproc.FreePort(); err != nil {
			return server{}, err
		}
	}
	addr := fmt.Sprintf("127.0.0.1:%d", ports[0])
	p := &childproc.Process{Name: "wharf server", Tag: "groupbench", LogPath: filepath.Join(dir, "wharf.log"), Argv: []string{bin, "server",
		"--data-dir", filepath.Join(dir, "data"), "--kafka-addr", addr,
		"--zk-addr", fmt.Sprintf("127.0.0.1:%d", ports[1]), "--http-addr", fmt.Sprintf("127.0.0.1:%d", ports[2]),
		"--override", fmt.Sprintf("group.consumer.heartbeat.interval.ms=%d", cfg.consumerHB)}}
	if err := p.Start(); err != nil {
		return server{}, err
	}
	stop := func() { _ = p.Stop(15 * time.Second) }
	if !zkproc.WaitFor(func() bool { return ready(addr) }, time.Minute) {
		stop()
		return server{}, fmt.Errorf("wharf server not ready; log:\n%s", p.LogTail(20))
	}
	return server{name: "wharf", addr: addr, close: stop}, nil
}

func ready(addr string) bool {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		return false
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	resp, err := kmsg.NewPtrMetadataRequest().RequestWith(ctx, cl)
	return err == nil && len(resp.Brokers) > 0 && resp.ControllerID >= 0
}

// servesKey reports whether the broker's ApiVersions lists the API key.
func servesKey(ctx context.Context, addr string, key int16) (bool, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		return false, err
	}
	defer cl.Close()
	resp, err := kmsg.NewPtrApiVersionsRequest().RequestWith(ctx, cl)
	if err != nil {
		return false, err
	}
	for _, k := range resp.ApiKeys {
		if k.ApiKey == key {
			return true, nil
		}
	}
	return false, nil
}

// createTopic makes a topic of n partitions and waits for their leaders.
func createTopic(ctx context.Context, addr, topic string, n int) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	if _, err := adm.CreateTopic(ctx, int32(n), 1, nil, topic); err != nil {
		return err
	}
	for ctx.Err() == nil {
		md, err := adm.Metadata(ctx, topic)
		if err == nil && len(md.Topics[topic].Partitions) == n {
			led := 0
			for _, p := range md.Topics[topic].Partitions {
				if p.Leader >= 0 {
					led++
				}
			}
			if led == n {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return ctx.Err()
}

// members tracks what each member currently owns.
type members struct {
	mu    sync.Mutex
	owned map[int]map[int32]bool
	ch    chan struct{} // nudged on every change
}

func (m *members) set(i int, add, remove map[string][]int32) {
	m.mu.Lock()
	if m.owned[i] == nil {
		m.owned[i] = map[int32]bool{}
	}
	for _, ps := range remove {
		for _, p := range ps {
			delete(m.owned[i], p)
		}
	}
	for _, ps := range add {
		for _, p := range ps {
			m.owned[i][p] = true
		}
	}
	m.mu.Unlock()
	select {
	case m.ch <- struct{}{}:
	default:
	}
}

// balanced reports whether members 0..n-1 each own partitions and
// together own each of parts exactly once.
func (m *members) balanced(n, parts int) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := map[int32]int{}
	for i := range n {
		if len(m.owned[i]) == 0 {
			return false
		}
		for p := range m.owned[i] {
			seen[p]++
		}
	}
	if len(seen) != parts {
		return false
	}
	for _, c := range seen {
		if c != 1 {
			return false
		}
	}
	return true
}

func (m *members) owns(i int) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.owned[i]) > 0
}

func (m *members) wait(ctx context.Context, cond func() bool) error {
	for !cond() {
		select {
		case <-m.ch:
		case <-time.After(5 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

type rebalanceResult struct{ initial, joiner, settled time.Duration }

var errUnsupported = errors.New("not served")

// rebalance starts cfg.members members at once and times the group until
// it is balanced, then adds one more member and times until it owns
// partitions and until the group is balanced again.
func rebalance(ctx context.Context, cfg config, s server, proto, prefix string) (rebalanceResult, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	if proto == "KIP-848 uniform" {
		// kgo falls back to the classic protocol on a broker without
		// ConsumerGroupHeartbeat: that would measure the wrong thing.
		ok, err := servesKey(ctx, s.addr, 68)
		if err != nil {
			return rebalanceResult{}, err
		}
		if !ok {
			return rebalanceResult{}, fmt.Errorf("%w: the broker does not advertise ConsumerGroupHeartbeat (KIP-848)", errUnsupported)
		}
	}
	topic, group := prefix+"-topic", prefix+"-group"
	if err := createTopic(ctx, s.addr, topic, cfg.partitions); err != nil {
		return rebalanceResult{}, err
	}
	m := &members{owned: map[int]map[int32]bool{}, ch: make(chan struct{}, 1)}
	var clients []*kgo.Client
	defer func() {
		for _, cl := range clients {
			cl.Close()
		}
	}()
	start := func(i int) error {
		opts := []kgo.Opt{kgo.SeedBrokers(s.addr), kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
			kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, a map[string][]int32) { m.set(i, a, nil) }),
			kgo.OnPartitionsRevoked(func(_ context.Context, _ *kgo.Client, r map[string][]int32) { m.set(i, nil, r) }),
			kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, r map[string][]int32) { m.set(i, nil, r) }),
		}
		switch proto {
		case "eager range":
			opts = append(opts, kgo.Balancers(kgo.RangeBalancer()), kgo.HeartbeatInterval(time.Duration(cfg.heartbeatMs)*time.Millisecond))
		case "cooperative-sticky":
			opts = append(opts, kgo.Balancers(kgo.CooperativeStickyBalancer()), kgo.HeartbeatInterval(time.Duration(cfg.heartbeatMs)*time.Millisecond))
		default:
			opts = append(opts, kgo.Balancers(kgo.StickyBalancer()), kgo.ServerSideBalancer()) // the server-side "uniform" assignor
		}
		cl, err := kgo.NewClient(opts...)
		if err != nil {
			return err
		}
		clients = append(clients, cl)
		go func() {
			for ctx.Err() == nil {
				cl.PollFetches(ctx)
			}
		}()
		return nil
	}
	t0 := time.Now()
	for i := range cfg.members {
		if err := start(i); err != nil {
			return rebalanceResult{}, err
		}
	}
	if err := m.wait(ctx, func() bool { return m.balanced(cfg.members, cfg.partitions) }); err != nil {
		return rebalanceResult{}, fmt.Errorf("%d members never shared %d partitions: %w", cfg.members, cfg.partitions, err)
	}
	var r rebalanceResult
	r.initial = time.Since(t0)
	t1 := time.Now()
	if err := start(cfg.members); err != nil {
		return r, err
	}
	if err := m.wait(ctx, func() bool { return m.owns(cfg.members) }); err != nil {
		return r, fmt.Errorf("member %d never got partitions: %w", cfg.members+1, err)
	}
	r.joiner = time.Since(t1)
	if err := m.wait(ctx, func() bool { return m.balanced(cfg.members+1, cfg.partitions) }); err != nil {
		return r, fmt.Errorf("%d members never shared the partitions: %w", cfg.members+1, err)
	}
	r.settled = time.Since(t1)
	return r, nil
}

type commitResult struct {
	perSec   float64
	p50, p99 time.Duration
}

// commits runs n clients, each committing an offset for every partition
// of a topic (one OffsetCommit request of cfg.partitions partitions) in a
// loop for cfg.commitFor, as a simple consumer (generation -1).
func commits(ctx context.Context, cfg config, s server, n int) (commitResult, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	topic := fmt.Sprintf("gb-commit-%d", n)
	if err := createTopic(ctx, s.addr, topic, cfg.partitions); err != nil {
		return commitResult{}, err
	}
	var mu sync.Mutex
	var lats []time.Duration
	var firstErr error
	var wg sync.WaitGroup
	deadline := time.Now().Add(cfg.commitFor)
	for c := range n {
		cl, err := kgo.NewClient(kgo.SeedBrokers(s.addr))
		if err != nil {
			return commitResult{}, err
		}
		defer cl.Close()
		adm := kadm.NewClient(cl)
		wg.Add(1)
		go func() {
			defer wg.Done()
			group := fmt.Sprintf("gb-committer-%d-%d", n, c)
			for i := int64(1); time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				os := kadm.Offsets{}
				for p := range cfg.partitions {
					os.Add(kadm.Offset{Topic: topic, Partition: int32(p), At: i, LeaderEpoch: -1})
				}
				t := time.Now()
				resp, err := adm.CommitOffsets(ctx, group, os)
				if err == nil {
					err = resp.Error()
				}
				d := time.Since(t)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				lats = append(lats, d)
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	start := time.Now()
	wg.Wait()
	el := time.Since(start)
	if firstErr != nil {
		return commitResult{}, firstErr
	}
	slices.Sort(lats)
	if len(lats) == 0 {
		return commitResult{}, errors.New("no commit made")
	}
	return commitResult{perSec: float64(len(lats)) / el.Seconds(), p50: lats[len(lats)/2], p99: lats[len(lats)*99/100]}, nil
}
