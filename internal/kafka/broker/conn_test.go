package broker

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A connection is closed, with nothing sent back, for each request Kafka
// refuses so; the responses to the requests before it still arrive, and
// the server goes on serving other connections.
func TestConnClosedOnRefusedRequests(t *testing.T) {
	metrics := newRecordingMetrics()
	reg := newTestRegistry(func(r *Registry) {
		r.Register(3, 0, 5, Typed(func(ctx *RequestContext, req *kmsg.MetadataRequest) Reply {
			return Respond(req.ResponseKind())
		}))
	})
	cfg := testConfig()
	cfg.SocketRequestMaxBytes = 1000
	s := startServer(t, cfg, Options{Registry: reg, Metrics: metrics})

	meta6 := kmsg.NewPtrMetadataRequest()
	meta6.Version = 6
	size := func(n int32) []byte { return binary.BigEndian.AppendUint32(nil, uint32(n)) }
	for _, tc := range []struct {
		name  string
		bytes []byte
		want  error
	}{
		{"frame over socket.request.max.bytes", size(1001), nil},
		{"negative frame size", size(-5), nil},
		{"header cut short", append(size(3), 0, 3, 0), nil},
		{"key unknown to kmsg", rawFrame(9999, 0, 1, nil), nil},
		{"negative key", rawFrame(-1, 0, 1, nil), nil},
		{"key without a handler", rawFrame(1, 4, 1, make([]byte, 40)), ErrKeyNotEnabled},
		{"version above the handler's", kmsg.NewRequestFormatter().AppendRequest(nil, meta6, 1), ErrUnsupportedVersion},
		{"negative version", rawFrame(3, -1, 1, nil), ErrUnsupportedVersion},
		{"body cut short", rawFrame(3, 4, 1, []byte{0, 0, 0, 3, 0}), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, s)
			meta := kmsg.NewPtrMetadataRequest()
			meta.Version = 4
			c.send(41, meta) // answered before the refused request closes the connection
			c.write(tc.bytes)
			if corr, _ := c.recv(3, 4); corr != 41 {
				t.Fatalf("correlation id %d", corr)
			}
			c.expectClosed()
			if tc.want != nil {
				waitFor(t, "the refusal's metrics", func() bool {
					for _, st := range metrics.snapshot() {
						if errors.Is(st.Err, tc.want) {
							return true
						}
					}
					return false
				})
			}
			apiVersionsRoundTrip(t, s)
		})
	}
}

// Handlers settle out of order; responses leave in request order.
func TestPipelinedResponsesKeepRequestOrder(t *testing.T) {
	g := newGate()
	reg := newTestRegistry(func(r *Registry) { r.Register(12, 0, 4, Typed(g.heartbeat)) })
	s := startServer(t, testConfig(), Options{Registry: reg})
	c := dial(t, s)
	const n = 20
	for i := range n {
		c.send(int32(100+i), heartbeatReq(fmt.Sprint(i)))
	}
	for range n {
		g.wait(t) // handlers run in arrival order, one at a time
	}
	for i := n - 1; i >= 0; i-- {
		g.release(fmt.Sprint(i), int16(i))
	}
	for i := range n {
		corr, resp := c.recv(12, 3)
		if corr != int32(100+i) || resp.(*kmsg.HeartbeatResponse).ErrorCode != int16(i) {
			t.Fatalf("response %d: correlation id %d, code %d", i, corr, resp.(*kmsg.HeartbeatResponse).ErrorCode)
		}
	}
}

// A handler sees requests in arrival order even when pipelined: the
// order of effects (produce appends) is the client's.
func TestHandlersRunInArrivalOrder(t *testing.T) {
	var mu sync.Mutex // the socket orders handler and test; the race detector cannot see it
	var seen []string
	reg := newTestRegistry(func(r *Registry) {
		r.Register(12, 0, 4, Typed(func(ctx *RequestContext, req *kmsg.HeartbeatRequest) Reply {
			mu.Lock()
			seen = append(seen, req.Group)
			mu.Unlock()
			return Respond(req.ResponseKind())
		}))
	})
	s := startServer(t, testConfig(), Options{Registry: reg})
	c := dial(t, s)
	var batch []byte
	for i := range 50 {
		batch = append(batch, kmsg.NewRequestFormatter().AppendRequest(nil, heartbeatReq(fmt.Sprint(i)), int32(i))...)
	}
	c.write(batch) // all in one write
	for i := range 50 {
		if corr, _ := c.recv(12, 3); corr != int32(i) {
			t.Fatalf("response %d has correlation id %d", i, corr)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for i, g := range seen {
		if g != fmt.Sprint(i) {
			t.Fatalf("handler order %v", seen)
		}
	}
}

// acks=0-style requests get no response; the next request's response
// follows immediately.
func TestNoResponseRequestsSendNothing(t *testing.T) {
	metrics := newRecordingMetrics()
	reg := newTestRegistry(func(r *Registry) {
		r.Register(0, 3, 9, Typed(func(ctx *RequestContext, req *kmsg.ProduceRequest) Reply {
			if req.Acks == 0 {
				return NoResponse()
			}
			return Respond(req.ResponseKind())
		}))
	})
	s := startServer(t, testConfig(), Options{Registry: reg, Metrics: metrics})
	c := dial(t, s)
	for i, acks := range []int16{0, 1, 0, 0, -1, 0} {
		req := kmsg.NewPtrProduceRequest()
		req.Version, req.Acks = 7, acks
		c.send(int32(i), req)
	}
	for _, want := range []int32{1, 4} {
		if corr, _ := c.recv(0, 7); corr != want {
			t.Fatalf("correlation id %d, want %d", corr, want)
		}
	}
	waitFor(t, "six requests done", func() bool { return len(metrics.snapshot()) == 6 })
	for _, st := range metrics.snapshot() {
		if st.Err != nil || (st.BytesOut == 0) != (st.Response == nil) {
			t.Fatalf("stats %+v", st)
		}
	}
	// Nothing more arrives: the last acks=0 request has no response.
	c.nc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if frame, err := c.fr.Next(); err == nil {
		t.Fatalf("unexpected %d-byte frame", len(frame))
	}
}

// A handler's CloseConnection closes after the earlier responses.
func TestCloseConnectionReply(t *testing.T) {
	reg := newTestRegistry(func(r *Registry) {
		r.Register(12, 0, 4, Typed(func(ctx *RequestContext, req *kmsg.HeartbeatRequest) Reply {
			if req.Group == "close" {
				return CloseConnection(errors.New("test: close"))
			}
			return Respond(req.ResponseKind())
		}))
	})
	s := startServer(t, testConfig(), Options{Registry: reg})
	c := dial(t, s)
	c.send(1, heartbeatReq("ok"))
	c.send(2, heartbeatReq("close"))
	c.send(3, heartbeatReq("ok"))
	if corr, _ := c.recv(12, 3); corr != 1 {
		t.Fatalf("correlation id %d", corr)
	}
	c.expectClosed()
}

// A panicking handler closes its connection only.
func TestHandlerPanicClosesOnlyItsConnection(t *testing.T) {
	reg := newTestRegistry(func(r *Registry) {
		r.Register(12, 0, 4, Typed(func(ctx *RequestContext, req *kmsg.HeartbeatRequest) Reply {
			panic("test: handler bug")
		}))
	})
	s := startServer(t, testConfig(), Options{Registry: reg})
	c := dial(t, s)
	c.send(1, heartbeatReq("g"))
	c.expectClosed()
	apiVersionsRoundTrip(t, s)
}

// queued.max.requests: the connection stops reading (and so stops running
// handlers) while that many of its requests are unanswered.
func TestQueuedMaxRequestsStopsReading(t *testing.T) {
	g := newGate()
	reg := newTestRegistry(func(r *Registry) { r.Register(12, 0, 4, Typed(g.heartbeat)) })
	cfg := testConfig()
	cfg.QueuedMaxRequests = 2
	s := startServer(t, cfg, Options{Registry: reg})
	c := dial(t, s)
	for i := range 5 {
		c.send(int32(i), heartbeatReq(fmt.Sprint(i)))
	}
	g.wait(t)
	g.wait(t)
	select {
	case group := <-g.arrived:
		t.Fatalf("request %s handled with two outstanding", group)
	case <-time.After(50 * time.Millisecond):
	}
	g.release("0", 0)
	if corr, _ := c.recv(12, 3); corr != 0 {
		t.Fatalf("correlation id %d", corr)
	}
	if got := g.wait(t); got != "2" {
		t.Fatalf("next handled %s", got)
	}
	for _, group := range []string{"1", "2"} {
		g.release(group, 0)
	}
	g.wait(t)
	g.wait(t)
	g.release("3", 0)
	g.release("4", 0)
	for i := 1; i < 5; i++ {
		if corr, _ := c.recv(12, 3); corr != int32(i) {
			t.Fatalf("correlation id %d, want %d", corr, i)
		}
	}
}

// connections.max.idle.ms closes a silent connection, but not one waiting
// for a response.
func TestIdleConnectionsClose(t *testing.T) {
	g := newGate()
	reg := newTestRegistry(func(r *Registry) { r.Register(12, 0, 4, Typed(g.heartbeat)) })
	cfg := testConfig()
	cfg.ConnectionsMaxIdle = 150 * time.Millisecond
	s := startServer(t, cfg, Options{Registry: reg})

	silent := dial(t, s)
	start := time.Now()
	silent.expectClosed()
	if took := time.Since(start); took < 100*time.Millisecond {
		t.Fatalf("closed after %v", took)
	}

	waiting := dial(t, s)
	waiting.send(1, heartbeatReq("long-poll"))
	g.wait(t)
	waiting.nc.SetReadDeadline(time.Now().Add(400 * time.Millisecond))
	if frame, err := waiting.fr.Next(); err == nil || !isTimeout(err) {
		t.Fatalf("a connection with a request in flight closed or answered: %d bytes, %v", len(frame), err)
	}
	g.release("long-poll", 0)
	if corr, _ := waiting.recv(12, 3); corr != 1 {
		t.Fatalf("correlation id %d", corr)
	}
	waiting.expectClosed() // idle again afterwards
}

func isTimeout(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.As(err, &ne) && ne.Timeout()
}

// A client that sends but never reads is cut off at its output buffer,
// and meanwhile another client is served normally.
func TestStalledClientDoesNotBlockOthers(t *testing.T) {
	big := kmsg.NewPtrMetadataResponse()
	for i := range 2000 {
		big.Topics = append(big.Topics, kmsg.MetadataResponseTopic{Topic: kmsg.StringPtr(fmt.Sprintf("topic-%0200d", i))})
	}
	reg := newTestRegistry(func(r *Registry) {
		r.Register(3, 0, 5, Typed(func(ctx *RequestContext, req *kmsg.MetadataRequest) Reply {
			return Respond(big) // ~400 KB
		}))
	})
	metrics := newRecordingMetrics()
	cfg := testConfig()
	cfg.OutputBufferBytes = 4 << 20
	cfg.SocketSendBufferBytes = 4096
	s := startServer(t, cfg, Options{Registry: reg, Metrics: metrics})

	stalled := dial(t, s)
	meta := kmsg.NewPtrMetadataRequest()
	meta.Version = 4
	go func() {
		for i := range 200 {
			if _, err := stalled.nc.Write(kmsg.NewRequestFormatter().AppendRequest(nil, meta, int32(i))); err != nil {
				return
			}
		}
	}()
	for range 5 {
		apiVersionsRoundTrip(t, s)
	}
	waitFor(t, "the stalled client's disconnection", func() bool {
		for _, st := range metrics.snapshot() {
			if errors.Is(st.Err, ErrOutputOverflow) {
				return true
			}
		}
		return false
	})
	apiVersionsRoundTrip(t, s)
}

// A spliced reply carries file bytes; kmsg decodes it as the same Fetch
// response with the bytes inline.
func TestSplicedReplyOverTheWire(t *testing.T) {
	file := testFile(t, "....RECORD-BATCH-BYTES....")
	released := make(chan struct{}, 1)
	reg := newTestRegistry(func(r *Registry) {
		r.Register(1, 4, 12, Typed(func(ctx *RequestContext, req *kmsg.FetchRequest) Reply {
			var sp wireSplicer
			resp := req.ResponseKind().(*kmsg.FetchResponse)
			p := kmsg.NewFetchResponseTopicPartition()
			p.RecordBatches = sp.Placeholder(fileRegion(file, 4, 18, func() { released <- struct{}{} }))
			resp.Topics = []kmsg.FetchResponseTopic{{Topic: "t", Partitions: []kmsg.FetchResponseTopicPartition{p}}}
			return RespondSpliced(resp, &sp)
		}))
	})
	s := startServer(t, testConfig(), Options{Registry: reg})
	c := dial(t, s)
	for _, v := range []int16{4, 11, 12} {
		req := kmsg.NewPtrFetchRequest()
		req.Version = v
		c.send(int32(v), req)
		corr, resp := c.recv(1, v)
		got := resp.(*kmsg.FetchResponse).Topics[0].Partitions[0].RecordBatches
		if corr != int32(v) || !bytes.Equal(got, []byte("RECORD-BATCH-BYTES")) {
			t.Fatalf("v%d: corr %d, records %q", v, corr, got)
		}
		select {
		case <-released:
		case <-time.After(testTimeout):
			t.Fatal("region not released")
		}
	}
}

// Close drops parked replies; completing them later releases their
// regions and does not block.
func TestCloseDropsPendingReplies(t *testing.T) {
	parked := make(chan *Pending, 1)
	reg := newTestRegistry(func(r *Registry) {
		r.Register(12, 0, 4, Typed(func(ctx *RequestContext, req *kmsg.HeartbeatRequest) Reply {
			p := NewPending()
			parked <- p
			return p.Reply()
		}))
	})
	metrics := newRecordingMetrics()
	s, err := NewServer(testConfig(), Options{Registry: reg, Metrics: metrics})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	c := dial(t, s)
	c.send(1, heartbeatReq("g"))
	p := <-parked
	s.Close()
	c.expectClosed()
	if s.Connections() != 0 {
		t.Fatalf("%d connections after Close", s.Connections())
	}
	file := testFile(t, "abc")
	released := false
	var sp wireSplicer
	resp := kmsg.NewPtrHeartbeatResponse()
	sp.Placeholder(fileRegion(file, 0, 3, func() { released = true }))
	if !p.Complete(RespondSpliced(resp, &sp)) {
		t.Fatal("first Complete refused")
	}
	if !released {
		t.Fatal("a reply completed after close kept its region")
	}
	if p.Complete(Respond(resp)) {
		t.Fatal("second Complete accepted")
	}
	st := metrics.snapshot()
	if len(st) != 1 || !errors.Is(st[0].Err, errDropped) {
		t.Fatalf("stats %+v", st)
	}
}

// The metrics hook sees every request with its sizes and outcome.
func TestMetricsReportRequests(t *testing.T) {
	metrics := newRecordingMetrics()
	s := startServer(t, testConfig(), Options{Registry: newTestRegistry(nil), Metrics: metrics})
	apiVersionsRoundTrip(t, s)
	<-metrics.requestDone
	c := dial(t, s)
	c.write(rawFrame(12, 0, 5, nil))
	c.expectClosed()
	waitFor(t, "two requests", func() bool { return len(metrics.snapshot()) == 2 })
	st := metrics.snapshot()
	ok, refused := st[0], st[1]
	if ok.Key != 18 || ok.Version != 3 || ok.BytesIn == 0 || ok.BytesOut == 0 || ok.Err != nil || ok.Response == nil ||
		ok.Listener != "PLAINTEXT" || ok.Sent.Before(ok.Completed) || ok.Completed.Before(ok.Handled) || ok.Handled.Before(ok.Received) {
		t.Fatalf("ApiVersions stats %+v", ok)
	}
	if refused.Key != 12 || !errors.Is(refused.Err, ErrKeyNotEnabled) || refused.BytesOut != 0 {
		t.Fatalf("refused stats %+v", refused)
	}
	waitFor(t, "connections closed", func() bool {
		metrics.mu.Lock()
		defer metrics.mu.Unlock()
		return metrics.opened == 2 && metrics.closed == 2
	})
	var codes []int16
	resp := kmsg.NewPtrFetchResponse()
	resp.ErrorCode = kerr.NotController.Code
	resp.Topics = []kmsg.FetchResponseTopic{{Partitions: []kmsg.FetchResponseTopicPartition{{ErrorCode: 3}, {ErrorCode: 0}}}}
	ErrorCodes(resp, func(code int16) { codes = append(codes, code) })
	if fmt.Sprint(codes) != fmt.Sprint([]int16{kerr.NotController.Code, 3, 0}) {
		t.Fatalf("error codes %v", codes)
	}
}
