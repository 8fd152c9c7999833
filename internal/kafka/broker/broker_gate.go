package broker

import (
	"github.com/twmb/franz-go/pkg/kmsg"
)

// gatedRegistry returns a copy of src whose handlers wait until the broker
// is ready. Start binds the listeners before the controller starts (the
// registration needs the bound ports, as Kafka's does) but every part
// must be in place before a handler runs: like Kafka's SocketServer,
// which accepts connections from startup but processes requests only once
// startProcessingRequests is called, a request read early waits (holding
// up its own connection only), and one read while the broker shuts down
// closes its connection. The copy is taken at New: handlers register from
// init, long before.
func (b *Broker) gatedRegistry(src *Registry) *Registry {
	r := NewRegistry()
	table := new([kmsg.MaxKey + 1]entry)
	for key, e := range src.table.Load() {
		if e.h != nil {
			table[key] = entry{h: b.gate(e.h), min: e.min, max: e.max}
		}
	}
	r.table.Store(table)
	return r
}

func (b *Broker) gate(h Handler) Handler {
	return func(ctx *RequestContext, req kmsg.Request) Reply {
		select {
		case <-b.ready:
			return h(ctx, req)
		default:
		}
		select {
		case <-b.ready:
			return h(ctx, req)
		case <-b.stopping:
			return CloseConnection(ErrShuttingDown)
		case <-ctx.Done():
			return CloseConnection(ErrShuttingDown)
		}
	}
}
