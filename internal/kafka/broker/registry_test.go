package broker

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestRegistryRangesAndTable(t *testing.T) {
	r := NewRegistry()
	nop := func(*RequestContext, kmsg.Request) Reply { return NoResponse() }
	r.Register(12, 0, 100, nop)
	r.Register(0, 3, 9, nop)
	if lo, hi, ok := r.Range(12); !ok || lo != 0 || hi != kmsg.NewPtrHeartbeatRequest().MaxVersion() {
		t.Fatalf("Heartbeat %d..%d %v", lo, hi, ok)
	}
	if _, _, ok := r.Range(1); ok {
		t.Fatal("unregistered key has a range")
	}
	if _, ok := r.lookup(-1); ok {
		t.Fatal("negative key found")
	}
	if _, ok := r.lookup(kmsg.MaxKey + 1); ok {
		t.Fatal("key beyond kmsg found")
	}
	table := r.Versions()
	if len(table) != 2 || table[0].ApiKey != 0 || table[0].MinVersion != 3 || table[0].MaxVersion != 9 || table[1].ApiKey != 12 {
		t.Fatalf("table %+v", table)
	}
}

func TestRegistryRefusesProgrammingErrors(t *testing.T) {
	nop := func(*RequestContext, kmsg.Request) Reply { return NoResponse() }
	for name, f := range map[string]func(r *Registry){
		"unknown key":      func(r *Registry) { r.Register(9999, 0, 0, nop) },
		"nil handler":      func(r *Registry) { r.Register(3, 0, 1, nil) },
		"empty range":      func(r *Registry) { r.Register(3, 2, 1, nil) },
		"negative min":     func(r *Registry) { r.Register(3, -1, 1, nop) },
		"min beyond kmsg":  func(r *Registry) { r.Register(3, 100, 101, nop) },
		"registered twice": func(r *Registry) { r.Register(3, 0, 1, nop); r.Register(3, 0, 1, nop) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			f(NewRegistry())
		})
	}
}

// Typed hands the handler its concrete request type; a mismatched type
// (impossible through the server) closes the connection.
func TestTypedHandler(t *testing.T) {
	h := Typed(func(ctx *RequestContext, req *kmsg.MetadataRequest) Reply {
		return Respond(req.ResponseKind())
	})
	if r := h(&RequestContext{}, kmsg.NewPtrMetadataRequest()); r.Response() == nil {
		t.Fatal("no response")
	}
	if r := h(&RequestContext{}, kmsg.NewPtrFetchRequest()); r.CloseReason() == nil {
		t.Fatal("mismatched type accepted")
	}
}

func TestReplyKinds(t *testing.T) {
	if Respond(nil).CloseReason() == nil {
		t.Fatal("Respond(nil) does not close")
	}
	if (Reply{}).CloseReason() == nil {
		t.Fatal("the zero Reply does not close")
	}
	if !NoResponse().IsNoResponse() || NoResponse().CloseReason() != nil {
		t.Fatal("NoResponse")
	}
	if CloseConnection(nil).CloseReason() == nil {
		t.Fatal("CloseConnection(nil)")
	}
	p := NewPending()
	if p.Reply().Pending() != p {
		t.Fatal("Pending")
	}
	resp := kmsg.NewPtrHeartbeatResponse()
	got := make(chan Reply, 1)
	p.then(func(r Reply) { got <- r })
	p.Complete(Respond(resp))
	if r := <-got; r.Response() != resp || p.Result().Response() != resp {
		t.Fatal("continuation")
	}
	select {
	case <-p.Done():
	default:
		t.Fatal("Done not closed")
	}
	// then after completion runs at once.
	p.then(func(r Reply) { got <- r })
	if (<-got).Response() != resp {
		t.Fatal("late continuation")
	}
}
