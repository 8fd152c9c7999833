package broker

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/wire"
	"github.com/wharf-project/wharf/internal/vfs"
)

// testTimeout bounds every wait in these tests.
const testTimeout = 10 * time.Second

// newTestRegistry is a registry with the real ApiVersions handler and
// whatever the test adds.
func newTestRegistry(add func(r *Registry)) *Registry {
	r := NewRegistry()
	r.Register(apiVersionsKey, 0, 4, Typed(handleApiVersions))
	if add != nil {
		add(r)
	}
	return r
}

// testConfig listens on an ephemeral loopback port.
func testConfig() Config {
	cfg := DefaultConfig()
	cfg.Listeners = "PLAINTEXT://127.0.0.1:0"
	return cfg
}

// startServer starts a server on loopback, closed at the end of the test.
func startServer(t testing.TB, cfg Config, opts Options) *Server {
	t.Helper()
	s, err := NewServer(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func serverAddr(s *Server) string { return s.Addr("PLAINTEXT").String() }

// client is a raw Kafka client over a socket.
type client struct {
	t  testing.TB
	nc net.Conn
	fr *wire.FrameReader
}

func dial(t testing.TB, s *Server) *client {
	t.Helper()
	nc, err := net.DialTimeout("tcp", serverAddr(s), testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &client{t: t, nc: nc, fr: wire.NewFrameReader(nc, 1<<30)}
}

// send writes req as a client would (kmsg's formatter) at req's version.
func (c *client) send(corr int32, req kmsg.Request) {
	c.t.Helper()
	c.write(kmsg.NewRequestFormatter(kmsg.FormatterClientID("test")).AppendRequest(nil, req, corr))
}

func (c *client) write(b []byte) {
	c.t.Helper()
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// frame returns a raw frame (size prefix included) for a header and body.
func rawFrame(key, version int16, corr int32, body []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(key))
	b = binary.BigEndian.AppendUint16(b, uint16(version))
	b = binary.BigEndian.AppendUint32(b, uint32(corr))
	b = append(b, 0xff, 0xff) // null client id
	b = append(b, body...)
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b
}

// read reads one response frame (size prefix stripped).
func (c *client) read() ([]byte, error) {
	c.nc.SetReadDeadline(time.Now().Add(testTimeout))
	return c.fr.Next()
}

// recv reads a response to a request at key/version and decodes it.
func (c *client) recv(key, version int16) (int32, kmsg.Response) {
	c.t.Helper()
	frame, err := c.read()
	if err != nil {
		c.t.Fatalf("reading response: %v", err)
	}
	resp := kmsg.ResponseForKey(key)
	resp.SetVersion(version)
	corr := int32(binary.BigEndian.Uint32(frame))
	body := frame[4:]
	if wire.ResponseHeaderTagged(resp) {
		body = body[1:]
	}
	if err := resp.ReadFrom(body); err != nil {
		c.t.Fatalf("decoding %s v%d: %v", kmsg.NameForKey(key), version, err)
	}
	return corr, resp
}

// expectClosed waits for the server to close the connection without
// sending anything more.
func (c *client) expectClosed() {
	c.t.Helper()
	frame, err := c.read()
	if err == nil {
		c.t.Fatalf("got a %d-byte frame, want the connection closed", len(frame))
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		c.t.Fatal("connection still open")
	}
	if err != io.EOF && !errors.Is(err, net.ErrClosed) && !isReset(err) {
		c.t.Logf("closed with %v", err)
	}
}

func isReset(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe)
}

// apiVersionsRoundTrip checks that the server answers on a new connection.
func apiVersionsRoundTrip(t testing.TB, s *Server) {
	t.Helper()
	c := dial(t, s)
	req := kmsg.NewPtrApiVersionsRequest()
	req.Version = 3
	req.ClientSoftwareName, req.ClientSoftwareVersion = "probe", "1"
	c.send(7, req)
	corr, resp := c.recv(18, 3)
	if corr != 7 || resp.(*kmsg.ApiVersionsResponse).ErrorCode != 0 {
		t.Fatalf("ApiVersions: corr %d resp %+v", corr, resp)
	}
	c.nc.Close()
}

// gate is a test handler's set of parked requests, completed by the test.
type gate struct {
	mu      sync.Mutex
	parked  map[string]*Pending
	arrived chan string
}

func newGate() *gate { return &gate{parked: map[string]*Pending{}, arrived: make(chan string, 1000)} }

// heartbeat parks each Heartbeat request under its group id.
func (g *gate) heartbeat(ctx *RequestContext, req *kmsg.HeartbeatRequest) Reply {
	p := NewPending()
	g.mu.Lock()
	g.parked[req.Group] = p
	g.mu.Unlock()
	g.arrived <- req.Group
	return p.Reply()
}

// release answers the parked request of group with that group's code.
func (g *gate) release(group string, code int16) {
	g.mu.Lock()
	p := g.parked[group]
	g.mu.Unlock()
	resp := kmsg.NewPtrHeartbeatResponse()
	resp.ErrorCode = code
	p.Complete(Respond(resp))
}

func (g *gate) wait(t testing.TB) string {
	t.Helper()
	select {
	case group := <-g.arrived:
		return group
	case <-time.After(testTimeout):
		t.Fatal("no request reached the handler")
		return ""
	}
}

func heartbeatReq(group string) *kmsg.HeartbeatRequest {
	req := kmsg.NewPtrHeartbeatRequest()
	req.Version = 3
	req.Group, req.MemberID = group, "m"
	return req
}

// recordingMetrics keeps every RequestStats.
type recordingMetrics struct {
	mu                              sync.Mutex
	requests                        []RequestStats
	opened, closed, rejected        int
	requestDone, connClosed, reject chan struct{}
}

func newRecordingMetrics() *recordingMetrics {
	return &recordingMetrics{requestDone: make(chan struct{}, 1000), connClosed: make(chan struct{}, 1000), reject: make(chan struct{}, 1000)}
}

func (m *recordingMetrics) ConnectionOpened(string) { m.mu.Lock(); m.opened++; m.mu.Unlock() }
func (m *recordingMetrics) ConnectionClosed(string) {
	m.mu.Lock()
	m.closed++
	m.mu.Unlock()
	m.connClosed <- struct{}{}
}
func (m *recordingMetrics) ConnectionRejected(string) {
	m.mu.Lock()
	m.rejected++
	m.mu.Unlock()
	m.reject <- struct{}{}
}
func (m *recordingMetrics) RequestDone(s *RequestStats) {
	m.mu.Lock()
	m.requests = append(m.requests, *s)
	m.mu.Unlock()
	m.requestDone <- struct{}{}
}

func (m *recordingMetrics) snapshot() []RequestStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]RequestStats(nil), m.requests...)
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

type wireSplicer = wire.Splicer

// testFile is a real file holding content.
func testFile(t testing.TB, content string) vfs.File {
	t.Helper()
	name := filepath.Join(t.TempDir(), "segment.log")
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := vfs.Default.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func fileRegion(f vfs.File, pos, n int64, release func()) wire.Region {
	return wire.Region{File: f, Pos: pos, Len: n, Release: release}
}
