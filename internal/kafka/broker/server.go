package broker

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/wire"
)

// Config is the network server's part of server.properties (Kafka's key
// names in the comments).
type Config struct {
	Listeners               string // listeners
	AdvertisedListeners     string // advertised.listeners ("" = listeners)
	SecurityProtocolMap     string // listener.security.protocol.map ("" = default)
	InterBrokerListenerName string // inter.broker.listener.name (exempt from MaxConnections)

	SocketRequestMaxBytes    int32 // socket.request.max.bytes: larger frames close the connection
	SocketSendBufferBytes    int   // socket.send.buffer.bytes (-1: the OS default)
	SocketReceiveBufferBytes int   // socket.receive.buffer.bytes (-1: the OS default)

	// QueuedMaxRequests is queued.max.requests, applied per connection:
	// the connection stops reading once that many of its requests are
	// unanswered. (Kafka's is one queue between its network and handler
	// threads; here each connection runs its own handlers, so a
	// connection's pipeline is what needs the bound; a parked long-poll
	// fetch holds no shared resource.)
	QueuedMaxRequests int
	// ConnectionsMaxIdle is connections.max.idle.ms: a connection with no
	// bytes in or out and no request outstanding for this long is closed.
	// Negative: never. It also bounds a write that makes no progress.
	ConnectionsMaxIdle time.Duration

	MaxConnections               int            // max.connections (broker-wide; the acceptor waits)
	MaxConnectionsPerIP          int            // max.connections.per.ip (refused at once)
	MaxConnectionsPerIPOverrides string         // max.connections.per.ip.overrides "host:n,..."
	MaxConnectionsPerListener    map[string]int // listener.name.<name>.max.connections

	// OutputBufferBytes bounds, per connection, the encoded responses
	// waiting to be written (file regions not counted): a client that
	// keeps sending but does not read is disconnected past it, rather than
	// holding the broker's memory. One response is always let through.
	OutputBufferBytes int64
}

// DefaultConfig returns Kafka's defaults (listeners PLAINTEXT://:9092).
func DefaultConfig() Config {
	return Config{
		Listeners:                "PLAINTEXT://:9092",
		SocketRequestMaxBytes:    wire.DefaultMaxRequestSize,
		SocketSendBufferBytes:    102400,
		SocketReceiveBufferBytes: 102400,
		QueuedMaxRequests:        500,
		ConnectionsMaxIdle:       600000 * time.Millisecond,
		MaxConnections:           math.MaxInt32,
		MaxConnectionsPerIP:      math.MaxInt32,
		OutputBufferBytes:        64 << 20,
	}
}

// ErrConfig: a Config value is out of range.
var ErrConfig = errors.New("broker: invalid server configuration")

// Validate checks the ranges and parses the listeners.
func (c *Config) Validate() error {
	switch {
	case c.SocketRequestMaxBytes <= 0:
		return fmt.Errorf("%w: socket.request.max.bytes %d", ErrConfig, c.SocketRequestMaxBytes)
	case c.QueuedMaxRequests < 1:
		return fmt.Errorf("%w: queued.max.requests %d", ErrConfig, c.QueuedMaxRequests)
	case c.MaxConnections < 0:
		return fmt.Errorf("%w: max.connections %d", ErrConfig, c.MaxConnections)
	case c.MaxConnectionsPerIP < 0:
		return fmt.Errorf("%w: max.connections.per.ip %d", ErrConfig, c.MaxConnectionsPerIP)
	case c.MaxConnectionsPerIP == 0 && strings.TrimSpace(c.MaxConnectionsPerIPOverrides) == "":
		return fmt.Errorf("%w: max.connections.per.ip 0 needs max.connections.per.ip.overrides", ErrConfig)
	case c.OutputBufferBytes <= 0:
		return fmt.Errorf("%w: output buffer %d bytes", ErrConfig, c.OutputBufferBytes)
	}
	for name, n := range c.MaxConnectionsPerListener {
		if n < 0 {
			return fmt.Errorf("%w: listener.name.%s.max.connections %d", ErrConfig, name, n)
		}
	}
	_, err := ParseListenerConfig(c.Listeners, c.AdvertisedListeners, c.SecurityProtocolMap)
	return err
}

// Metrics receives the server's measurements; the Prometheus side
// implements it. Calls come from many goroutines and must not block.
type Metrics interface {
	ConnectionOpened(listener string)
	ConnectionClosed(listener string)
	// ConnectionRejected: refused by max.connections.per.ip.
	ConnectionRejected(listener string)
	// RequestDone is called once per request read, after its response
	// went out (or it needed none, or the connection closed because of
	// it). s is not retained by the server.
	RequestDone(s *RequestStats)
}

// RequestStats describes one request's life, for Kafka's RequestMetrics.
type RequestStats struct {
	Listener     string
	Key, Version int16 // Key -1 when the header did not parse
	BytesIn      int   // request size, size prefix excluded
	BytesOut     int64 // response frame bytes, 0 when none was sent
	// Response is the response sent (nil if none): use ErrorCodes to
	// count its error codes as Kafka's ErrorsPerSec does.
	Response kmsg.Response
	// Err is why the connection was closed because of this request
	// (unknown key, unsupported version, undecodable body, a handler's
	// CloseConnection); nil otherwise.
	Err error

	Received  time.Time // frame read
	Handled   time.Time // handler returned (Kafka's LocalTime ends)
	Completed time.Time // reply settled (RemoteTime ends; = Handled if not deferred)
	Sent      time.Time // last byte handed to the kernel (or dropped)
}

// NopMetrics discards everything.
type NopMetrics struct{}

func (NopMetrics) ConnectionOpened(string)   {}
func (NopMetrics) ConnectionClosed(string)   {}
func (NopMetrics) ConnectionRejected(string) {}
func (NopMetrics) RequestDone(*RequestStats) {}

// Options are the server's collaborators.
type Options struct {
	Logger   *slog.Logger // nil: discard
	Metrics  Metrics      // nil: NopMetrics
	Registry *Registry    // nil: DefaultRegistry
	Broker   any          // handed to handlers as RequestContext.Broker
	// ResolveHost resolves max.connections.per.ip.overrides host names
	// (nil: the system resolver).
	ResolveHost func(string) ([]netip.Addr, error)
}

// Server accepts Kafka connections on the configured listeners and
// serves them with the registry's handlers.
type Server struct {
	cfg      Config
	lc       ListenerConfig
	log      *slog.Logger
	metrics  Metrics
	registry *Registry
	broker   any
	quotas   *connQuotas
	// frames recycles the buffers of large Produce requests (see
	// conn.dispatch): the one allocation per request that grows with it.
	frames wire.FramePool

	mu        sync.Mutex
	bound     []*boundListener
	conns     map[*conn]struct{}
	nextID    uint64
	started   bool
	closed    bool
	stop      chan struct{} // closed by Close
	wg        sync.WaitGroup
	closeOnce sync.Once
}

type boundListener struct {
	Listener
	ln net.Listener
}

// NewServer checks cfg and prepares a server; Start binds it.
func NewServer(cfg Config, opts Options) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	lc, err := ParseListenerConfig(cfg.Listeners, cfg.AdvertisedListeners, cfg.SecurityProtocolMap)
	if err != nil {
		return nil, err
	}
	if err := lc.CheckSupported(); err != nil {
		return nil, err
	}
	overrides, err := ParseConnectionOverrides(cfg.MaxConnectionsPerIPOverrides, opts.ResolveHost)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	s := &Server{
		cfg:      cfg,
		lc:       lc,
		log:      opts.Logger,
		metrics:  opts.Metrics,
		registry: opts.Registry,
		broker:   opts.Broker,
		quotas:   newConnQuotas(&cfg, len(lc.Listeners), overrides),
		conns:    map[*conn]struct{}{},
		stop:     make(chan struct{}),
	}
	if s.log == nil {
		s.log = discard
	}
	if s.metrics == nil {
		s.metrics = NopMetrics{}
	}
	if s.registry == nil {
		s.registry = DefaultRegistry
	}
	return s, nil
}

// Start binds every listener and starts accepting. If one cannot bind,
// the others are closed and the error returned.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.closed {
		return fmt.Errorf("broker: server already started or closed")
	}
	for _, l := range s.lc.Listeners {
		ln, err := net.Listen("tcp", l.Addr())
		if err != nil {
			for _, b := range s.bound {
				b.ln.Close()
			}
			s.bound = nil
			return fmt.Errorf("broker: listener %s: %w", l, err)
		}
		s.bound = append(s.bound, &boundListener{Listener: l, ln: ln})
	}
	s.started = true
	for _, b := range s.bound {
		s.wg.Add(1)
		go s.accept(b)
		s.log.Info("broker: listening", "listener", b.Name, "addr", b.ln.Addr().String())
	}
	return nil
}

// Addr is the bound address of the named listener (nil if none).
func (s *Server) Addr(listener string) net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.bound {
		if b.Name == strings.ToUpper(listener) {
			return b.ln.Addr()
		}
	}
	return nil
}

// Advertised is the advertised listeners with port 0 replaced by the port
// the listener of that name bound (as Kafka registers them). An empty host
// stays empty: the registration decides (Kafka uses the canonical host
// name).
func (s *Server) Advertised() []Listener {
	out := append([]Listener(nil), s.lc.Advertised...)
	for i, a := range out {
		if a.Port != 0 {
			continue
		}
		if addr, ok := s.Addr(a.Name).(*net.TCPAddr); ok {
			out[i].Port = addr.Port
		}
	}
	return out
}

// Connections is the number of open client connections.
func (s *Server) Connections() int { return s.quotas.count() }

// Close stops accepting, closes every connection (their pending replies
// are dropped, their regions released) and waits for the server's
// goroutines.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.stop)
		for _, b := range s.bound {
			b.ln.Close()
		}
		conns := make([]*conn, 0, len(s.conns))
		for c := range s.conns {
			conns = append(conns, c)
		}
		s.mu.Unlock()
		for _, c := range conns {
			c.close(errServerClosed)
		}
	})
	s.wg.Wait()
	return nil
}

// accept runs one listener's accept loop.
func (s *Server) accept(b *boundListener) {
	defer s.wg.Done()
	var delay time.Duration
	for {
		nc, err := b.ln.Accept()
		if err != nil {
			select {
			case <-s.stop:
				return
			default:
			}
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() && !isTemporary(err) {
				s.log.Error("broker: accept failed; listener stopped", "listener", b.Name, "err", err)
				return
			}
			// Out of descriptors and the like: back off as net/http does.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			select {
			case <-time.After(delay):
			case <-s.stop:
				return
			}
			continue
		}
		delay = 0
		ip := remoteIP(nc)
		if err := s.quotas.inc(b.Name, ip, s.stop); err != nil {
			nc.Close()
			if errors.Is(err, errServerClosed) {
				return
			}
			s.log.Info("broker: connection refused", "listener", b.Name, "remote", nc.RemoteAddr().String(), "err", err)
			s.metrics.ConnectionRejected(b.Name)
			continue
		}
		s.startConn(nc, b, ip)
	}
}

func isTemporary(err error) bool {
	t, ok := err.(interface{ Temporary() bool })
	return ok && t.Temporary()
}

// startConn registers and starts serving an accepted connection.
func (s *Server) startConn(nc net.Conn, b *boundListener, ip netip.Addr) {
	if tc, ok := nc.(*net.TCPConn); ok {
		if s.cfg.SocketSendBufferBytes > 0 {
			tc.SetWriteBuffer(s.cfg.SocketSendBufferBytes)
		}
		if s.cfg.SocketReceiveBufferBytes > 0 {
			tc.SetReadBuffer(s.cfg.SocketReceiveBufferBytes)
		}
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		nc.Close()
		s.quotas.dec(b.Name, ip)
		return
	}
	s.nextID++
	info := &ConnInfo{
		ID:               fmt.Sprintf("%s-%s-%d", nc.LocalAddr(), nc.RemoteAddr(), s.nextID),
		Listener:         b.Name,
		SecurityProtocol: b.Protocol,
		LocalAddr:        nc.LocalAddr(),
		RemoteAddr:       nc.RemoteAddr(),
	}
	c := newConn(s, nc, info)
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	s.metrics.ConnectionOpened(b.Name)
	go func() {
		defer s.wg.Done()
		c.serve()
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		s.quotas.dec(b.Name, ip)
		s.metrics.ConnectionClosed(b.Name)
	}()
}

// ErrorCodes calls fn with every ErrorCode in resp, top level first, then
// nested ones in field order (per topic, per partition…): what Kafka's
// errorCounts counts for its ErrorsPerSec metric, NONE (0) included. It
// walks the response by reflection, so a metrics sink calls it only if it
// wants the counts.
func ErrorCodes(resp kmsg.Response, fn func(code int16)) {
	walkErrorCodes(reflect.ValueOf(resp), fn)
}

func walkErrorCodes(v reflect.Value, fn func(int16)) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			walkErrorCodes(v.Elem(), fn)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			switch {
			case !f.IsExported():
			case f.Name == "ErrorCode" && f.Type.Kind() == reflect.Int16:
				fn(int16(v.Field(i).Int()))
			default:
				walkErrorCodes(v.Field(i), fn)
			}
		}
	case reflect.Slice:
		if k := v.Type().Elem().Kind(); k == reflect.Struct || k == reflect.Pointer {
			for i := range v.Len() {
				walkErrorCodes(v.Index(i), fn)
			}
		}
	}
}
