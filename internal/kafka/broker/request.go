package broker

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/wire"
)

// RequestContext is what a handler knows about the request it answers. A
// test may build one directly: every field is optional.
type RequestContext struct {
	Conn          *ConnInfo // the connection; nil in tests that need none
	Key, Version  int16
	CorrelationID int32
	ClientID      string // "" when null
	Received      time.Time
	Size          int // request bytes, size prefix excluded
	// Broker is the server's Options.Broker: the Broker that wires the
	// packages together, which handlers reach through a type assertion.
	// The server never looks inside.
	Broker   any
	Logger   *slog.Logger // nil: discard
	Registry *Registry    // the server's registry; nil: DefaultRegistry

	done <-chan struct{}
}

// Done is closed when the connection closes: a handler holding a Pending
// (a delayed fetch) can drop its work then. Nil (never closed) outside a
// server.
func (c *RequestContext) Done() <-chan struct{} { return c.done }

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// Log is the request's logger, never nil.
func (c *RequestContext) Log() *slog.Logger {
	if c.Logger == nil {
		return discard
	}
	return c.Logger
}

func (c *RequestContext) registry() *Registry {
	if c.Registry == nil {
		return DefaultRegistry
	}
	return c.Registry
}

// ConnInfo describes a client connection. Its fields do not change; the
// client software (KIP-511) is set once ApiVersions v3+ names it.
type ConnInfo struct {
	ID               string // Kafka's connection id: local-remote-serial
	Listener         string // listener name, e.g. PLAINTEXT
	SecurityProtocol string
	LocalAddr        net.Addr
	RemoteAddr       net.Addr

	software atomic.Pointer[ClientSoftware]
}

// ClientSoftware is a client's self-description from ApiVersions v3+.
type ClientSoftware struct{ Name, Version string }

// unknownSoftware is Kafka's ClientInformation.EMPTY.
var unknownSoftware = ClientSoftware{Name: "unknown", Version: "unknown"}

// ClientSoftware returns the client's name and version, "unknown" until an
// ApiVersions v3+ request told them.
func (c *ConnInfo) ClientSoftware() ClientSoftware {
	if c == nil {
		return unknownSoftware
	}
	if s := c.software.Load(); s != nil {
		return *s
	}
	return unknownSoftware
}

// SetClientSoftware records the client's software (the ApiVersions
// handler calls it).
func (c *ConnInfo) SetClientSoftware(name, version string) {
	if c != nil {
		c.software.Store(&ClientSoftware{Name: name, Version: version})
	}
}

type replyKind uint8

const (
	replyInvalid replyKind = iota // the zero Reply: a handler bug, closes the connection
	replyRespond
	replySpliced
	replyNone
	replyClose
	replyPending
)

// Reply is a handler's answer: a response, no response, closing the
// connection, or a Pending completed later.
type Reply struct {
	kind    replyKind
	resp    kmsg.Response
	splicer *wire.Splicer
	pending *Pending
	err     error
}

// Respond answers with resp; the server sets its version to the request's.
func Respond(resp kmsg.Response) Reply {
	if resp == nil {
		return Reply{}
	}
	return Reply{kind: replyRespond, resp: resp}
}

// RespondSpliced answers with resp whose bytes fields hold placeholders
// from sp (Fetch's record batches from file regions, see FileRegion); sp
// then belongs to the server, which releases its regions once sent.
func RespondSpliced(resp kmsg.Response, sp *wire.Splicer) Reply {
	if resp == nil || sp == nil {
		if sp != nil {
			sp.Release()
		}
		return Reply{}
	}
	return Reply{kind: replySpliced, resp: resp, splicer: sp}
}

// NoResponse sends nothing back (a produce request with acks=0); the
// next request's response follows as usual.
func NoResponse() Reply { return Reply{kind: replyNone} }

// CloseConnection closes the connection once the responses before this
// request are sent (Kafka's CloseConnectionResponse: e.g. an acks=0
// produce that failed, so the client notices).
func CloseConnection(reason error) Reply {
	if reason == nil {
		reason = errors.New("broker: connection closed by handler")
	}
	return Reply{kind: replyClose, err: reason}
}

// FileRegion converts a log read's region for a Splicer placeholder; the
// frame releases it once sent.
func FileRegion(r log.FileRegion) wire.Region {
	return wire.Region{File: r.File, Pos: r.Pos, Len: r.Len, Release: r.Release}
}

// Response is the reply's response (nil unless Respond or RespondSpliced).
func (r Reply) Response() kmsg.Response { return r.resp }

// Pending is the reply's Pending, nil unless the reply is deferred.
func (r Reply) Pending() *Pending { return r.pending }

// IsNoResponse reports a NoResponse reply.
func (r Reply) IsNoResponse() bool { return r.kind == replyNone }

// CloseReason is why the reply closes the connection, nil if it does not.
func (r Reply) CloseReason() error {
	switch r.kind {
	case replyClose:
		return r.err
	case replyInvalid:
		return errEmptyReply
	}
	return nil
}

var errEmptyReply = errors.New("broker: handler returned an empty Reply")

// Pending is a reply that a handler completes later, from any goroutine:
//
//	p := broker.NewPending()
//	purgatory.Watch(key, func() { p.Complete(broker.Respond(resp)) })
//	return p.Reply()
//
// Responses still leave in request order: a completed reply waits for
// those of earlier requests. Complete after the connection closed only
// releases what the reply holds.
type Pending struct {
	mu     sync.Mutex
	done   chan struct{}
	result Reply
	set    bool
	fire   func(Reply) // the connection's continuation
}

// NewPending returns a pending reply.
func NewPending() *Pending { return &Pending{done: make(chan struct{})} }

// Reply is the Reply a handler returns for p.
func (p *Pending) Reply() Reply { return Reply{kind: replyPending, pending: p} }

// Complete settles p with r (which may itself be pending). Only the first
// call counts: it returns false, and releases r's regions, after that.
func (p *Pending) Complete(r Reply) bool {
	p.mu.Lock()
	if p.set {
		p.mu.Unlock()
		r.release()
		return false
	}
	p.set, p.result = true, r
	fire := p.fire
	close(p.done)
	p.mu.Unlock()
	if fire != nil {
		fire(r)
	}
	return true
}

// Done is closed once p is completed.
func (p *Pending) Done() <-chan struct{} { return p.done }

// Result is p's reply once Done is closed (for tests).
func (p *Pending) Result() Reply {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.result
}

// then runs fn with p's reply, now if it is settled, else on Complete.
func (p *Pending) then(fn func(Reply)) {
	p.mu.Lock()
	if !p.set {
		p.fire = fn
		p.mu.Unlock()
		return
	}
	r := p.result
	p.mu.Unlock()
	fn(r)
}

// release drops what a reply that will never be sent holds.
func (r Reply) release() {
	if r.splicer != nil {
		r.splicer.Release()
	}
}
