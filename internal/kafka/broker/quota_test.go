package broker

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestParseConnectionOverrides(t *testing.T) {
	resolve := func(host string) ([]netip.Addr, error) {
		if host == "broker.example" {
			return []netip.Addr{netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("10.1.2.4")}, nil
		}
		return resolveHost(host)
	}
	got, err := ParseConnectionOverrides(" 127.0.0.1:5, broker.example:7,::1:2,[fe80::1]:0", resolve)
	if err != nil {
		t.Fatal(err)
	}
	want := map[netip.Addr]int{
		netip.MustParseAddr("127.0.0.1"): 5,
		netip.MustParseAddr("10.1.2.3"):  7,
		netip.MustParseAddr("::1"):       2,
		netip.MustParseAddr("fe80::1"):   0,
	}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	for _, bad := range []string{"127.0.0.1", "127.0.0.1:x", "127.0.0.1:-1"} {
		if _, err := ParseConnectionOverrides(bad, resolve); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*Config)
	}{
		{"socket.request.max.bytes", func(c *Config) { c.SocketRequestMaxBytes = 0 }},
		{"queued.max.requests", func(c *Config) { c.QueuedMaxRequests = 0 }},
		{"max.connections", func(c *Config) { c.MaxConnections = -1 }},
		{"max.connections.per.ip", func(c *Config) { c.MaxConnectionsPerIP = -1 }},
		{"max.connections.per.ip 0 without overrides", func(c *Config) { c.MaxConnectionsPerIP = 0 }},
		{"listener max", func(c *Config) { c.MaxConnectionsPerListener = map[string]int{"PLAINTEXT": -1} }},
		{"output buffer", func(c *Config) { c.OutputBufferBytes = 0 }},
		{"listeners", func(c *Config) { c.Listeners = "nonsense" }},
	} {
		cfg := DefaultConfig()
		tc.mod(&cfg)
		if err := cfg.Validate(); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	cfg := DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
}

// max.connections.per.ip refuses a connection at once; an override
// raises the limit for its address.
func TestMaxConnectionsPerIP(t *testing.T) {
	for _, tc := range []struct {
		perIP     int
		overrides string
		allowed   int
	}{
		{2, "", 2},
		{2, "127.0.0.1:3", 3},
		{0, "127.0.0.1:1", 1},
	} {
		metrics := newRecordingMetrics()
		cfg := testConfig()
		cfg.MaxConnectionsPerIP, cfg.MaxConnectionsPerIPOverrides = tc.perIP, tc.overrides
		s := startServer(t, cfg, Options{Registry: newTestRegistry(nil), Metrics: metrics})
		var open []*client
		for range tc.allowed {
			c := dial(t, s)
			open = append(open, c)
			sendApiVersions(c, 1)
			c.recv(18, 3)
		}
		extra := dial(t, s)
		extra.expectClosed()
		<-metrics.reject
		metrics.mu.Lock()
		rejected := metrics.rejected
		metrics.mu.Unlock()
		if rejected != 1 {
			t.Fatalf("%+v: %d rejected", tc, rejected)
		}
		open[0].nc.Close()
		<-metrics.connClosed
		again := dial(t, s) // a slot freed
		sendApiVersions(again, 2)
		if corr, _ := again.recv(18, 3); corr != 2 {
			t.Fatalf("correlation id %d", corr)
		}
		s.Close()
	}
}

func sendApiVersions(c *client, corr int32) {
	req := kmsg.NewPtrApiVersionsRequest()
	req.Version = 3
	req.ClientSoftwareName, req.ClientSoftwareVersion = "t", "1"
	c.send(corr, req)
}

// max.connections makes the acceptor wait: the connection beyond the
// limit is served once another closes.
func TestMaxConnectionsWaitsForASlot(t *testing.T) {
	metrics := newRecordingMetrics()
	cfg := testConfig()
	cfg.MaxConnections = 2
	s := startServer(t, cfg, Options{Registry: newTestRegistry(nil), Metrics: metrics})
	a, b := dial(t, s), dial(t, s)
	for _, c := range []*client{a, b} {
		sendApiVersions(c, 1)
		c.recv(18, 3)
	}
	waiting := dial(t, s) // TCP connects (the kernel's backlog); the broker does not serve it yet
	sendApiVersions(waiting, 3)
	waiting.nc.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if _, err := waiting.fr.Next(); err == nil || !isTimeout(err) {
		t.Fatalf("a connection beyond max.connections was served: %v", err)
	}
	if s.Connections() != 2 {
		t.Fatalf("%d connections", s.Connections())
	}
	a.nc.Close()
	if corr, _ := waiting.recv(18, 3); corr != 3 {
		t.Fatalf("correlation id %d", corr)
	}
}

// The inter-broker listener is exempt from max.connections when there are
// other listeners; a per-listener limit still applies to it.
func TestConnectionQuotaSlots(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxConnections = 1
	cfg.InterBrokerListenerName = "replication"
	cfg.MaxConnectionsPerListener = map[string]int{"REPLICATION": 2}
	q := newConnQuotas(&cfg, 2, nil)
	ip := netip.MustParseAddr("10.0.0.1")
	stop := make(chan struct{})
	if err := q.inc("PLAINTEXT", ip, stop); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := q.inc("REPLICATION", ip, stop); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 2)
	go func() { done <- q.inc("REPLICATION", ip, stop) }() // listener full
	go func() { done <- q.inc("PLAINTEXT", ip, stop) }()   // broker full
	select {
	case err := <-done:
		t.Fatalf("inc beyond the limits returned %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	q.dec("REPLICATION", ip)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	close(stop)
	if err := <-done; !errors.Is(err, errServerClosed) {
		t.Fatalf("waiting acceptor: %v", err)
	}
	// With a single listener, the inter-broker one is not protected.
	single := newConnQuotas(&cfg, 1, nil)
	single.inc("REPLICATION", ip, stop)
	if err := single.inc("REPLICATION", ip, stop); !errors.Is(err, errServerClosed) {
		t.Fatalf("single listener: %v", err)
	}
}
