package broker

import (
	"bytes"
	"context"
	"encoding/binary"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A real client (franz-go's kgo) negotiates every API at min(its max,
// our advertised max), where ours is the handler's range capped at kmsg's.
func TestKgoNegotiatesRegistryVersions(t *testing.T) {
	type seen struct {
		version  int16
		software ClientSoftware
		clientID string
	}
	var mu sync.Mutex
	got := map[int16]seen{}
	record := func(ctx *RequestContext, req kmsg.Request) Reply {
		mu.Lock()
		got[ctx.Key] = seen{ctx.Version, ctx.Conn.ClientSoftware(), ctx.ClientID}
		mu.Unlock()
		return Respond(req.ResponseKind())
	}
	reg := newTestRegistry(func(r *Registry) {
		r.Register(12, 0, 99, record) // Heartbeat: capped at kmsg's max
		r.Register(3, 0, 5, record)   // Metadata: below kmsg's max
		r.Register(60, 0, 0, record)  // DescribeCluster: v0 only
	})
	s := startServer(t, testConfig(), Options{Registry: reg})
	cl, err := kgo.NewClient(kgo.SeedBrokers(serverAddr(s)), kgo.ClientID("kgo-test"), kgo.SoftwareNameAndVersion("wharf-kgo", "1.2.3"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()

	resp, err := cl.Request(ctx, kmsg.NewPtrApiVersionsRequest())
	if err != nil {
		t.Fatal(err)
	}
	av := resp.(*kmsg.ApiVersionsResponse)
	want := []kmsg.ApiVersionsResponseApiKey{
		{ApiKey: 3, MinVersion: 0, MaxVersion: 5},
		{ApiKey: 12, MinVersion: 0, MaxVersion: kmsg.NewPtrHeartbeatRequest().MaxVersion()},
		{ApiKey: 18, MinVersion: 0, MaxVersion: 4},
		{ApiKey: 60, MinVersion: 0, MaxVersion: 0},
	}
	if av.ErrorCode != 0 || len(av.ApiKeys) != len(want) {
		t.Fatalf("ApiVersions v%d: %+v", av.Version, av)
	}
	for i := range want {
		if av.ApiKeys[i].ApiKey != want[i].ApiKey || av.ApiKeys[i].MinVersion != want[i].MinVersion || av.ApiKeys[i].MaxVersion != want[i].MaxVersion {
			t.Fatalf("entry %d: %+v, want %+v", i, av.ApiKeys[i], want[i])
		}
	}
	if av.Version != 4 || len(av.SupportedFeatures) != 0 || len(av.FinalizedFeatures) != 0 || av.FinalizedFeaturesEpoch != -1 {
		t.Fatalf("kgo got ApiVersions v%d with features %+v", av.Version, av)
	}

	seed := cl.SeedBrokers()[0]
	for _, req := range []kmsg.Request{kmsg.NewPtrHeartbeatRequest(), kmsg.NewPtrMetadataRequest(), kmsg.NewPtrDescribeClusterRequest()} {
		if _, err := seed.Request(ctx, req); err != nil {
			t.Fatalf("%s: %v", kmsg.NameForKey(req.Key()), err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, w := range want {
		if w.ApiKey == 18 {
			continue
		}
		clientMax := kmsg.RequestForKey(w.ApiKey).MaxVersion()
		g := got[w.ApiKey]
		if g.version != min(clientMax, w.MaxVersion) {
			t.Errorf("%s sent at v%d, want v%d", kmsg.NameForKey(w.ApiKey), g.version, min(clientMax, w.MaxVersion))
		}
		if g.software != (ClientSoftware{"wharf-kgo", "1.2.3"}) || g.clientID != "kgo-test" {
			t.Errorf("%s: software %+v, client id %q", kmsg.NameForKey(w.ApiKey), g.software, g.clientID)
		}
	}
}

// KIP-511: ApiVersions at a version we do not know is answered with
// exactly these bytes: v0 response header and body, UNSUPPORTED_VERSION,
// and our ApiVersions range.
func TestApiVersionsUnsupportedVersionFallback(t *testing.T) {
	s := startServer(t, testConfig(), Options{Registry: newTestRegistry(nil)})
	want := []byte{
		0, 0, 0, 16, // size
		0, 0, 0, 42, // correlation id
		0, 35, // UNSUPPORTED_VERSION
		0, 0, 0, 1, // one entry
		0, 18, 0, 0, 0, 4, // ApiVersions 0..4
	}
	for _, tc := range []struct {
		name  string
		frame []byte
	}{
		{"v5 (kmsg knows it, we do not)", func() []byte {
			req := kmsg.NewPtrApiVersionsRequest()
			req.Version = 5
			req.ClientSoftwareName, req.ClientSoftwareVersion = "c", "1"
			return kmsg.NewRequestFormatter().AppendRequest(nil, req, 42)
		}()},
		{"v127 with an unparseable body", rawFrame(18, 127, 42, []byte{0, 0xde, 0xad})}, // tags, then junk
		{"v-1", rawFrame(18, -1, 42, []byte{1, 2, 3})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, s)
			c.write(tc.frame)
			frame, err := c.read()
			if err != nil {
				t.Fatal(err)
			}
			if got := append(binary.BigEndian.AppendUint32(nil, uint32(len(frame))), frame...); !bytes.Equal(got, want) {
				t.Fatalf("got  %x\nwant %x", got, want)
			}
			// The connection stays usable: the client retries lower.
			req := kmsg.NewPtrApiVersionsRequest()
			req.Version = 4
			req.ClientSoftwareName, req.ClientSoftwareVersion = "c", "1"
			c.send(43, req)
			if corr, resp := c.recv(18, 4); corr != 43 || resp.(*kmsg.ApiVersionsResponse).ErrorCode != 0 {
				t.Fatalf("retry: corr %d, %+v", corr, resp)
			}
		})
	}
}

func TestApiVersionsSoftwareNameValidation(t *testing.T) {
	reg := newTestRegistry(nil)
	for _, tc := range []struct {
		name, version string
		code          int16
	}{
		{"apache-kafka-java", "2.8.2", 0},
		{"librdkafka", "2.3.0", 0},
		{"a", "b", 0},
		{"", "1.0", kerr.InvalidRequest.Code},
		{"-bad", "1.0", kerr.InvalidRequest.Code},
		{"bad-", "1.0", kerr.InvalidRequest.Code},
		{"with space", "1.0", kerr.InvalidRequest.Code},
		{"ok", "1.0_beta", kerr.InvalidRequest.Code},
	} {
		conn := &ConnInfo{}
		req := kmsg.NewPtrApiVersionsRequest()
		req.Version = 3
		req.ClientSoftwareName, req.ClientSoftwareVersion = tc.name, tc.version
		reply := handleApiVersions(&RequestContext{Conn: conn, Registry: reg, Version: 3}, req)
		resp := reply.Response().(*kmsg.ApiVersionsResponse)
		if resp.ErrorCode != tc.code || (tc.code == 0) != (len(resp.ApiKeys) > 0) {
			t.Errorf("%q %q: code %d, %d keys", tc.name, tc.version, resp.ErrorCode, len(resp.ApiKeys))
		}
		want := unknownSoftware
		if tc.code == 0 {
			want = ClientSoftware{tc.name, tc.version}
		}
		if conn.ClientSoftware() != want {
			t.Errorf("%q %q: recorded %+v", tc.name, tc.version, conn.ClientSoftware())
		}
	}
	// Before v3 there is nothing to validate or record.
	conn := &ConnInfo{}
	req := kmsg.NewPtrApiVersionsRequest()
	req.Version = 2
	resp := handleApiVersions(&RequestContext{Conn: conn, Registry: reg, Version: 2}, req).Response().(*kmsg.ApiVersionsResponse)
	if resp.ErrorCode != 0 || conn.ClientSoftware() != unknownSoftware {
		t.Fatalf("v2: %+v, %+v", resp, conn.ClientSoftware())
	}
}

// The default registry advertises ApiVersions from 18_api_versions.go.
func TestDefaultRegistryHasApiVersions(t *testing.T) {
	if lo, hi, ok := DefaultRegistry.Range(18); !ok || lo != 0 || hi != 4 {
		t.Fatalf("ApiVersions range %d..%d, %v", lo, hi, ok)
	}
	resp := handleApiVersions(&RequestContext{}, kmsg.NewPtrApiVersionsRequest()).Response().(*kmsg.ApiVersionsResponse)
	if len(resp.ApiKeys) == 0 {
		t.Fatal("empty table from the default registry")
	}
}
