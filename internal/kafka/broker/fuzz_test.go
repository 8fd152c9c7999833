package broker

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/wire"
	"github.com/wharf-project/wharf/internal/kafka/wire/wiretest"
)

// fuzzRegistry: ApiVersions, an echoing Heartbeat, Metadata v0-5 and a
// Produce that answers nothing for acks=0.
func fuzzRegistry() *Registry {
	echo := func(ctx *RequestContext, req kmsg.Request) Reply { return Respond(req.ResponseKind()) }
	return newTestRegistry(func(r *Registry) {
		r.Register(12, 0, 4, echo)
		r.Register(3, 0, 5, echo)
		r.Register(0, 3, 9, Typed(func(ctx *RequestContext, req *kmsg.ProduceRequest) Reply {
			if req.Acks == 0 {
				return NoResponse()
			}
			return Respond(req.ResponseKind())
		}))
	})
}

const fuzzMaxFrame = 1 << 16

// expectedResponses is the oracle: the correlation ids the server must
// answer, in order, for a byte stream the client then half-closes.
func expectedResponses(reg *Registry, stream []byte) []int32 {
	var out []int32
	fr := wire.NewFrameReader(bytes.NewReader(stream), fuzzMaxFrame)
	for {
		frame, err := fr.Next()
		if err != nil {
			return out
		}
		req, err := wire.ParseRequest(frame)
		if err != nil {
			return out
		}
		e, ok := reg.lookup(req.Key)
		if !ok {
			return out
		}
		if req.Version < e.min || req.Version > e.max {
			if req.Key == apiVersionsKey {
				out = append(out, req.CorrelationID)
				continue
			}
			return out
		}
		if req.Decode() != nil {
			return out
		}
		if p, ok := req.Body.(*kmsg.ProduceRequest); ok && p.Acks == 0 {
			continue
		}
		out = append(out, req.CorrelationID)
	}
}

// FuzzConnStream sends arbitrary bytes over a real connection: the server
// answers exactly the requests before the first one it refuses, in order,
// then closes; and it keeps serving other connections.
func FuzzConnStream(f *testing.F) {
	reg := fuzzRegistry()
	cfg := testConfig()
	cfg.SocketRequestMaxBytes = fuzzMaxFrame
	s := startServer(f, cfg, Options{Registry: reg})

	formatter := kmsg.NewRequestFormatter(kmsg.FormatterClientID("fuzz"))
	var seeds [][]byte
	for _, key := range []int16{0, 3, 12, 18, 1, 7} {
		req := kmsg.RequestForKey(key)
		for v := int16(0); v <= req.MaxVersion(); v += 3 {
			req.SetVersion(v)
			seeds = append(seeds, formatter.AppendRequest(nil, req, int32(key)<<8|int32(v)))
		}
	}
	for i, seed := range seeds {
		f.Add(seed)
		f.Add(append(append([]byte(nil), seed...), seeds[(i+1)%len(seeds)]...))
	}
	f.Add(binary.BigEndian.AppendUint32(nil, 0xffffffff))
	f.Add(binary.BigEndian.AppendUint32(nil, fuzzMaxFrame+1))

	f.Fuzz(func(t *testing.T, stream []byte) {
		if wiretest.MayLoopOnTags(stream) {
			t.Skip("kmsg spins on an oversized tag count (see wiretest.MayLoopOnTags)")
		}
		want := expectedResponses(reg, stream)
		c := dial(t, s)
		c.nc.SetDeadline(time.Now().Add(testTimeout))
		writeErr := make(chan error, 1)
		go func() {
			_, err := c.nc.Write(stream)
			c.nc.(*net.TCPConn).CloseWrite()
			writeErr <- err
		}()
		var got []int32
		clean := false
		for {
			frame, err := c.fr.Next()
			if err != nil {
				if isTimeout(err) {
					t.Fatalf("connection neither answered nor closed; got %v, want %v", got, want)
				}
				if err != io.EOF && !isReset(err) && !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("reading: %v", err)
				}
				clean = err == io.EOF
				break
			}
			if len(frame) < 4 {
				t.Fatalf("%d-byte response", len(frame))
			}
			got = append(got, int32(binary.BigEndian.Uint32(frame)))
		}
		<-writeErr
		c.nc.Close()
		// A reset (the server closing with our bytes unread) can cut the
		// tail: then what arrived is a prefix of the answers.
		if len(got) > len(want) || clean && len(got) != len(want) {
			t.Fatalf("answered %v, want %v", got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("answered %v, want %v", got, want)
			}
		}
		apiVersionsRoundTrip(t, s)
	})
}
