package broker

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// BenchmarkRequests measures request/response throughput on one
// connection with an echoing handler, one request at a time and 64 in
// flight.
func BenchmarkRequests(b *testing.B) {
	reg := newTestRegistry(func(r *Registry) {
		r.Register(12, 0, 4, Typed(func(ctx *RequestContext, req *kmsg.HeartbeatRequest) Reply {
			return Respond(req.ResponseKind())
		}))
	})
	s := startServer(b, testConfig(), Options{Registry: reg})
	frame := kmsg.NewRequestFormatter().AppendRequest(nil, heartbeatReq("group"), 1)
	for _, depth := range []int{1, 64} {
		b.Run(map[int]string{1: "sequential", 64: "pipelined64"}[depth], func(b *testing.B) {
			c := dial(b, s)
			batch := make([]byte, 0, len(frame)*depth)
			for range depth {
				batch = append(batch, frame...)
			}
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				if n%depth == 0 {
					c.write(batch)
				}
				if _, err := c.read(); err != nil {
					b.Fatal(err)
				}
				n++
			}
			for ; n%depth != 0; n++ { // drain the last batch
				c.read()
			}
		})
	}
}
