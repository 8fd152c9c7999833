package controller

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// BrokerChannel delivers the controller's requests (LeaderAndIsr,
// UpdateMetadata, StopReplica) to a broker and returns its response. The
// controller calls Send from one goroutine per broker, so requests to a
// broker arrive in order; Send may block until the broker answers.
type BrokerChannel interface {
	Send(ctx context.Context, brokerID int32, req kmsg.Request) (kmsg.Response, error)
}

// HandlerFunc handles one control request on a broker.
type HandlerFunc func(ctx context.Context, req kmsg.Request) (kmsg.Response, error)

// LocalChannel is a BrokerChannel to brokers in this process: each
// registered broker's handler is called directly. Brokers not registered
// are unreachable (the network channel is a later piece).
type LocalChannel struct {
	mu       sync.RWMutex
	handlers map[int32]HandlerFunc
}

// NewLocalChannel returns a LocalChannel that delivers to h for broker id
// (more brokers may be added with Register).
func NewLocalChannel(id int32, h HandlerFunc) *LocalChannel {
	l := &LocalChannel{handlers: map[int32]HandlerFunc{}}
	l.Register(id, h)
	return l
}

// Register adds (or replaces) the handler of broker id.
func (l *LocalChannel) Register(id int32, h HandlerFunc) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.handlers[id] = h
}

// Unregister removes broker id.
func (l *LocalChannel) Unregister(id int32) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.handlers, id)
}

// Send calls the broker's handler.
func (l *LocalChannel) Send(ctx context.Context, brokerID int32, req kmsg.Request) (kmsg.Response, error) {
	l.mu.RLock()
	h := l.handlers[brokerID]
	l.mu.RUnlock()
	if h == nil {
		return nil, fmt.Errorf("%w: no channel to broker %d", ErrBrokerUnreachable, brokerID)
	}
	return h(ctx, req)
}

// channelManager keeps one queue and one sender goroutine per live broker
// (ControllerChannelManager). A request that cannot be delivered is tried
// again, with a growing pause, until it goes through or the broker is
// removed; each response is handed to onResponse.
type channelManager struct {
	ch         BrokerChannel
	log        *slog.Logger
	onResponse func(broker int32, req kmsg.Request, resp kmsg.Response)

	mu     sync.Mutex
	queues map[int32]*brokerQueue
}

type brokerQueue struct {
	mu     sync.Mutex
	items  []kmsg.Request
	wake   chan struct{}
	cancel context.CancelFunc
	ctx    context.Context
	done   chan struct{}
}

func newChannelManager(ch BrokerChannel, log *slog.Logger, onResponse func(int32, kmsg.Request, kmsg.Response)) *channelManager {
	return &channelManager{ch: ch, log: log, onResponse: onResponse, queues: map[int32]*brokerQueue{}}
}

func (m *channelManager) addBroker(id int32) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.queues[id]; ok {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	q := &brokerQueue{wake: make(chan struct{}, 1), ctx: ctx, cancel: cancel, done: make(chan struct{})}
	m.queues[id] = q
	go m.run(id, q)
}

func (m *channelManager) removeBroker(id int32) {
	m.mu.Lock()
	q := m.queues[id]
	delete(m.queues, id)
	m.mu.Unlock()
	if q != nil {
		q.cancel()
		<-q.done
	}
}

func (m *channelManager) shutdown() {
	m.mu.Lock()
	ids := mapKeys(m.queues)
	m.mu.Unlock()
	for _, id := range ids {
		m.removeBroker(id)
	}
}

// send queues req for broker id; a broker without a queue is not live and
// the request is dropped, as Kafka drops it.
func (m *channelManager) send(id int32, req kmsg.Request) {
	m.mu.Lock()
	q := m.queues[id]
	m.mu.Unlock()
	if q == nil {
		m.log.Warn("Not sending request to a broker that is not live", "broker", id, "key", req.Key())
		return
	}
	q.mu.Lock()
	q.items = append(q.items, req)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (m *channelManager) run(id int32, q *brokerQueue) {
	defer close(q.done)
	for {
		q.mu.Lock()
		var req kmsg.Request
		if len(q.items) > 0 {
			req = q.items[0]
			q.items = q.items[1:]
		}
		q.mu.Unlock()
		if req == nil {
			select {
			case <-q.wake:
				continue
			case <-q.ctx.Done():
				return
			}
		}
		backoff := 50 * time.Millisecond
		for {
			resp, err := m.ch.Send(q.ctx, id, req)
			if err == nil {
				m.onResponse(id, req, resp)
				break
			}
			if q.ctx.Err() != nil {
				return
			}
			m.log.Warn("Failed to send request to broker, retrying", "broker", id, "key", req.Key(), "err", err)
			select {
			case <-q.ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, time.Second)
		}
	}
}
