package server

import (
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// startServer runs a server in-process on a free loopback port.
func startServer(t *testing.T, mod func(*Options)) *Server {
	t.Helper()
	opts := Options{
		ClientAddr:      "127.0.0.1:0",
		DataDir:         t.TempDir(),
		TickTime:        200,
		FourLetterWords: []string{"*"},
		PreAllocSize:    64 << 10,
	}
	if testing.Verbose() {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if mod != nil {
		mod(&opts)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}

// dial connects go-zookeeper to s.
func dial(t *testing.T, s *Server) *zk.Conn {
	t.Helper()
	c, _, err := zk.Connect([]string{s.Addr().String()}, 4*time.Second, zk.WithLogger(nopLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	deadline := time.Now().Add(5 * time.Second)
	for c.State() != zk.StateHasSession {
		if time.Now().After(deadline) {
			t.Fatalf("no session: state %v", c.State())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return c
}
