package zkproc

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestZooCfg(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want []string // lines that must appear
		not  []string // substrings that must not
	}{
		{
			name: "defaults",
			want: []string{"tickTime=2000", "dataDir=/d", "clientPort=2181", "clientPortAddress=127.0.0.1",
				"admin.enableServer=false", "4lw.commands.whitelist=*", "maxClientCnxns=0"},
			not: []string{"admin.serverPort", "forceSync", "superDigest", "extendedTypesEnabled", "snapCount"},
		},
		{
			name: "admin server on loopback",
			opts: Options{AdminServer: true},
			want: []string{"admin.enableServer=true", "admin.serverAddress=127.0.0.1", "admin.serverPort=8081"},
		},
		{
			name: "optional keys",
			opts: Options{TickTime: 500, ExtendedTypes: true, SuperDigest: TestSuperDigest, SnapCount: 1000,
				PreAllocSizeKB: 64, ForceSyncOff: true},
			want: []string{"tickTime=500", "extendedTypesEnabled=true",
				"DigestAuthenticationProvider.superDigest=" + TestSuperDigest,
				"snapCount=1000", "preAllocSize=64", "forceSync=no"},
		},
		{
			name: "extra keys replace defaults and come sorted",
			opts: Options{Extra: map[string]string{"4lw.commands.whitelist": "srvr", "b.key": "2", "a.key": "1"}},
			want: []string{"4lw.commands.whitelist=srvr", "a.key=1\nb.key=2"},
			not:  []string{"whitelist=*"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.opts.zooCfg("/d", 2181, 8081)
			for _, w := range tc.want {
				if !strings.Contains(got, w+"\n") {
					t.Errorf("zoo.cfg lacks %q:\n%s", w, got)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(got, n) {
					t.Errorf("zoo.cfg has %q:\n%s", n, got)
				}
			}
		})
	}
}

func TestFreePortDistinctAndBindable(t *testing.T) {
	seen := map[int]bool{}
	for range 20 {
		p, err := FreePort()
		if err != nil {
			t.Fatal(err)
		}
		if seen[p] {
			t.Fatalf("port %d handed out twice", p)
		}
		seen[p] = true
		if p >= ephemeralLow() {
			t.Errorf("port %d is inside the ephemeral range", p)
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			t.Fatalf("port %d not bindable: %v", p, err)
		}
		l.Close()
	}
}

func TestFourReadsWholeReply(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 4)
			io.ReadFull(c, buf)
			if string(buf) == "ruok" {
				io.WriteString(c, "im")
				io.WriteString(c, "ok")
			}
			c.Close()
		}
	}()
	for cmd, want := range map[string]string{"ruok": "imok", "srvr": ""} {
		got, err := Four(l.Addr().String(), cmd)
		if err != nil || got != want {
			t.Errorf("Four(%s) = %q, %v; want %q", cmd, got, err, want)
		}
	}
	if _, err := Four("127.0.0.1:1", "ruok"); err == nil {
		t.Error("Four to a closed port succeeded")
	}
}

func TestWaitFor(t *testing.T) {
	n := 0
	if !WaitFor(func() bool { n++; return n == 5 }, time.Second) {
		t.Fatal("condition true on the 5th call not seen")
	}
	start := time.Now()
	if WaitFor(func() bool { return false }, 30*time.Millisecond) {
		t.Fatal("false condition reported true")
	}
	if d := time.Since(start); d < 30*time.Millisecond || d > time.Second {
		t.Errorf("timeout of 30ms took %v", d)
	}
}

var fake struct {
	once sync.Once
	bin  string
	err  error
}

// fakeWharf builds testdata/fakezk, a stand-in for `wharf zookeeper`.
func fakeWharf(t *testing.T) string {
	t.Helper()
	fake.once.Do(func() {
		fake.bin = filepath.Join(os.TempDir(), fmt.Sprintf("zkproc-fakezk-%d", os.Getuid()), "fakezk")
		fake.err = GoBuild(".", "./testdata/fakezk", fake.bin)
	})
	if fake.err != nil {
		t.Fatal(fake.err)
	}
	return fake.bin
}

func TestLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("slow test (starts processes); skipped with -short")
	}
	dir := t.TempDir()
	s, err := Start(Wharf, dir, Options{WharfBin: fakeWharf(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if s.PID == 0 || !s.Running() {
		t.Fatalf("started server: pid %d running %v", s.PID, s.Running())
	}
	if r, err := Four(s.Addr, "ruok"); r != "imok" {
		t.Fatalf("ruok = %q, %v", r, err)
	}
	cfg, _ := os.ReadFile(s.ConfigPath)
	if !strings.Contains(string(cfg), "dataDir="+s.DataDir+"\n") || s.DataDir != filepath.Join(dir, "data") {
		t.Errorf("dataDir %s not in zoo.cfg:\n%s", s.DataDir, cfg)
	}

	if err := s.Kill(); err != nil {
		t.Fatal(err)
	}
	if s.Running() || s.PID != 0 {
		t.Fatal("killed server still running")
	}
	if err := s.ExitError(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("exit after SIGKILL = %v", err)
	}
	port := s.Port
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if s.Port != port {
		t.Errorf("restart moved the port from %d to %d", port, s.Port)
	}
	starts, _ := os.ReadFile(filepath.Join(s.DataDir, "fakezk-starts"))
	if n := strings.Count(string(starts), "\n"); n != 2 {
		t.Errorf("data dir saw %d starts, want 2", n)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if s.Running() {
		t.Fatal("stopped server still running")
	}
	if err := s.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if log := s.LogTail(100); strings.Count(log, "=== zkproc") != 2 || !strings.Contains(log, "fakezk: listening") {
		t.Errorf("log does not show two runs:\n%s", log)
	}
}

func TestStartFailures(t *testing.T) {
	if testing.Short() {
		t.Skip("slow test (starts processes); skipped with -short")
	}
	bin := fakeWharf(t)
	t.Run("exits at startup", func(t *testing.T) {
		t.Setenv("FAKEZK_EXIT", "3")
		_, err := Start(Wharf, t.TempDir(), Options{WharfBin: bin})
		if !errors.Is(err, ErrExited) || !strings.Contains(err.Error(), "failing on purpose") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("port taken", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		_, err = Start(Wharf, t.TempDir(), Options{WharfBin: bin, Port: l.Addr().(*net.TCPAddr).Port})
		if !errors.Is(err, ErrExited) || !strings.Contains(err.Error(), "address already in use") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("no binary", func(t *testing.T) {
		if _, err := Start(Wharf, t.TempDir(), Options{}); !errors.Is(err, ErrNoBinary) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestModuleRoot(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "internal", "testutil", "zkproc", "doc.go")); err != nil {
		t.Fatalf("ModuleRoot = %s: %v", root, err)
	}
	for gomod, want := range map[string]bool{
		"module " + ModulePath + "\n\ngo 1.26\n":        true,
		"// c\nmodule \"" + ModulePath + "\"\n":         true,
		"module " + ModulePath + "/sub\n":               false,
		"require " + ModulePath + " v1.0.0\nmodule x\n": false,
	} {
		if got := declaresModule(gomod); got != want {
			t.Errorf("declaresModule(%q) = %v", gomod, got)
		}
	}
}
