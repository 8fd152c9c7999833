package broker

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Handler answers one request. It runs on the connection's reading
// goroutine, one request at a time and in the order the requests arrived,
// so the effects of pipelined requests (produce appends) happen in order;
// a handler that must wait (a long-poll fetch, an acks=all produce)
// returns a Pending's Reply and completes it later from any goroutine. req
// is the decoded body at ctx.Version.
type Handler func(ctx *RequestContext, req kmsg.Request) Reply

// Typed adapts a handler of one request type: Register(1, 4, 12,
// Typed(handleFetch)) with func handleFetch(*RequestContext,
// *kmsg.FetchRequest) Reply.
func Typed[R kmsg.Request](h func(*RequestContext, R) Reply) Handler {
	return func(ctx *RequestContext, req kmsg.Request) Reply {
		r, ok := req.(R)
		if !ok {
			return CloseConnection(fmt.Errorf("broker: %s handler given a %T", kmsg.NameForKey(req.Key()), req))
		}
		return h(ctx, r)
	}
}

// entry is a registered handler and its advertised version range.
type entry struct {
	h        Handler
	min, max int16 // max already capped at kmsg's
}

// Registry maps API keys to handlers and their version ranges. Lookups are
// lock-free (a copy-on-write table); registration is expected at init time.
type Registry struct {
	mu    sync.Mutex // serializes writers
	table atomic.Pointer[[kmsg.MaxKey + 1]entry]
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	r := &Registry{}
	r.table.Store(new([kmsg.MaxKey + 1]entry))
	return r
}

// DefaultRegistry is the registry the handler files fill from init() and
// servers use unless told otherwise.
var DefaultRegistry = NewRegistry()

// Register registers h for key in DefaultRegistry; see Registry.Register.
func Register(key, minVersion, maxVersion int16, h Handler) {
	DefaultRegistry.Register(key, minVersion, maxVersion, h)
}

// Register makes h answer key at versions minVersion..maxVersion, the
// maximum capped at what kmsg can decode. It panics on a programming
// error: a key kmsg does not know, an empty range, a nil handler or a key
// registered twice.
func (r *Registry) Register(key, minVersion, maxVersion int16, h Handler) {
	req := kmsg.RequestForKey(key)
	switch {
	case req == nil:
		panic(fmt.Sprintf("broker: Register: unknown api key %d", key))
	case h == nil:
		panic(fmt.Sprintf("broker: Register: nil handler for %s", kmsg.NameForKey(key)))
	case minVersion < 0 || minVersion > maxVersion:
		panic(fmt.Sprintf("broker: Register: %s versions %d..%d", kmsg.NameForKey(key), minVersion, maxVersion))
	case minVersion > req.MaxVersion():
		panic(fmt.Sprintf("broker: Register: %s v%d is beyond kmsg's v%d", kmsg.NameForKey(key), minVersion, req.MaxVersion()))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.table.Load()
	if old[key].h != nil {
		panic(fmt.Sprintf("broker: Register: %s registered twice", kmsg.NameForKey(key)))
	}
	t := *old
	t[key] = entry{h: h, min: minVersion, max: min(maxVersion, req.MaxVersion())}
	r.table.Store(&t)
}

// lookup returns key's entry; ok is false for keys without a handler.
func (r *Registry) lookup(key int16) (entry, bool) {
	if key < 0 || key > kmsg.MaxKey {
		return entry{}, false
	}
	e := r.table.Load()[key]
	return e, e.h != nil
}

// Range returns the versions advertised for key; ok is false when no
// handler is registered.
func (r *Registry) Range(key int16) (minVersion, maxVersion int16, ok bool) {
	e, ok := r.lookup(key)
	return e.min, e.max, ok
}

// Versions is the ApiVersions table: every registered key, in key order,
// with its handler's range intersected with kmsg's.
func (r *Registry) Versions() []kmsg.ApiVersionsResponseApiKey {
	t := r.table.Load()
	var out []kmsg.ApiVersionsResponseApiKey
	for key, e := range t {
		if e.h != nil {
			out = append(out, kmsg.ApiVersionsResponseApiKey{ApiKey: int16(key), MinVersion: e.min, MaxVersion: e.max})
		}
	}
	return out
}
