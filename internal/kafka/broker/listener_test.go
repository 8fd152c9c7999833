package broker

import (
	"errors"
	"net"
	"reflect"
	"testing"
)

func TestParseListenerConfig(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		listeners, adv, proto string
		want, wantAdv         []Listener
		err                   error
	}{
		{
			name:      "default interface",
			listeners: "PLAINTEXT://:9092",
			want:      []Listener{{"PLAINTEXT", "PLAINTEXT", "", 9092}},
			wantAdv:   []Listener{{"PLAINTEXT", "PLAINTEXT", "", 9092}},
		},
		{
			name:      "named listeners, IPv6, advertised, lower-case names",
			listeners: " client://127.0.0.1:9092 , REPLICATION://[::1]:9093",
			adv:       "CLIENT://broker1.example:19092,REPLICATION://broker1.example:19092",
			proto:     "CLIENT:PLAINTEXT,replication:SSL",
			want:      []Listener{{"CLIENT", "PLAINTEXT", "127.0.0.1", 9092}, {"REPLICATION", "SSL", "::1", 9093}},
			wantAdv:   []Listener{{"CLIENT", "PLAINTEXT", "broker1.example", 19092}, {"REPLICATION", "SSL", "broker1.example", 19092}},
		},
		{
			name:      "ephemeral ports may repeat",
			listeners: "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0",
			want:      []Listener{{"PLAINTEXT", "PLAINTEXT", "127.0.0.1", 0}, {"SSL", "SSL", "127.0.0.1", 0}},
			wantAdv:   []Listener{{"PLAINTEXT", "PLAINTEXT", "127.0.0.1", 0}, {"SSL", "SSL", "127.0.0.1", 0}},
		},
		{name: "empty", listeners: " ", err: ErrListener},
		{name: "no scheme", listeners: "localhost:9092", err: ErrListener},
		{name: "bad port", listeners: "PLAINTEXT://h:99999", err: ErrListener},
		{name: "unmapped name", listeners: "CLIENT://h:9092", err: ErrListener},
		{name: "duplicate name", listeners: "PLAINTEXT://h:1,PLAINTEXT://h:2", err: ErrListener},
		{name: "duplicate port", listeners: "PLAINTEXT://h:1,SSL://h:1", err: ErrListener},
		{name: "unknown protocol", listeners: "A://h:1", proto: "A:TLS", err: ErrListener},
		{name: "malformed map", listeners: "A://h:1", proto: "A", err: ErrListener},
		{name: "advertised 0.0.0.0", listeners: "PLAINTEXT://:1", adv: "PLAINTEXT://0.0.0.0:1", err: ErrListener},
		{name: "listeners 0.0.0.0 advertised by default", listeners: "PLAINTEXT://0.0.0.0:1", err: ErrListener},
		{name: "advertised name not a listener", listeners: "PLAINTEXT://:1", adv: "SSL://h:1", err: ErrListener},
		{
			name:      "0.0.0.0 bound, a real host advertised",
			listeners: "PLAINTEXT://0.0.0.0:9092",
			adv:       "PLAINTEXT://kafka:9092",
			want:      []Listener{{"PLAINTEXT", "PLAINTEXT", "0.0.0.0", 9092}},
			wantAdv:   []Listener{{"PLAINTEXT", "PLAINTEXT", "kafka", 9092}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lc, err := ParseListenerConfig(tc.listeners, tc.adv, tc.proto)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(lc.Listeners, tc.want) || !reflect.DeepEqual(lc.Advertised, tc.wantAdv) {
				t.Fatalf("got %+v / %+v", lc.Listeners, lc.Advertised)
			}
		})
	}
}

func TestListenerStrings(t *testing.T) {
	for _, tc := range []struct {
		l         Listener
		str, addr string
	}{
		{Listener{"PLAINTEXT", "PLAINTEXT", "", 9092}, "PLAINTEXT://:9092", ":9092"},
		{Listener{"R", "SSL", "::1", 9093}, "R://[::1]:9093", "[::1]:9093"},
	} {
		if tc.l.String() != tc.str || tc.l.Addr() != tc.addr {
			t.Errorf("%+v: %q %q", tc.l, tc.l.String(), tc.l.Addr())
		}
	}
}

// Only PLAINTEXT is served: the others parse, and the server refuses them.
func TestNewServerRefusesSecuredListeners(t *testing.T) {
	for _, l := range []string{"SSL://127.0.0.1:0", "SASL_PLAINTEXT://127.0.0.1:0", "SASL_SSL://127.0.0.1:0", "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0"} {
		cfg := testConfig()
		cfg.Listeners = l
		if _, err := NewServer(cfg, Options{}); !errors.Is(err, ErrUnsupportedProtocol) {
			t.Errorf("%s: %v", l, err)
		}
	}
}

func TestServerAdvertisesBoundPorts(t *testing.T) {
	cfg := testConfig()
	cfg.Listeners = "PLAINTEXT://127.0.0.1:0,INTERNAL://127.0.0.1:0"
	cfg.SecurityProtocolMap = "PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT"
	cfg.AdvertisedListeners = "PLAINTEXT://kafka.example:0,INTERNAL://10.0.0.1:9999"
	s := startServer(t, cfg, Options{Registry: newTestRegistry(nil)})
	adv := s.Advertised()
	bound := s.Addr("plaintext").(*net.TCPAddr)
	if len(adv) != 2 || adv[0].Host != "kafka.example" || adv[0].Port != bound.Port || adv[1].Port != 9999 {
		t.Fatalf("advertised %+v (bound %s)", adv, bound)
	}
	if s.Addr("INTERNAL") == nil || s.Addr("nope") != nil {
		t.Fatal("Addr by listener name")
	}
}
