package persist

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// goldenDir holds a version-2 directory written by Apache ZooKeeper 3.8.0.
const goldenDir = "testdata/zk38/version-2"

// goldenScript is what TestGenerateGolden makes ZooKeeper log, as zkCli
// sessions and one client doing multis. TestGoldenTxns checks the resulting
// txns against goldenTxns, in this order.
var (
	goldenSession1 = []string{
		"create /a hello",
		"create -e /eph e",
		"create /s p",
		"create -s /s/x- d",
		"create -s /s/x- d",
		"create -c /c cont",
		"create /c/child x",
		"set /a world",
		"addauth digest u:p",
		"create /d x auth::cdrwa",
		"setAcl /a world:anyone:r,ip:127.0.0.1:cdrwa",
		"create /missing/child x", // fails: an error txn
		"create /e",               // no data
		"create -t 100000 /ttl t",
		"deleteall /s", // a multi of deletes
	}
	goldenSession2 = []string{
		"create /f 1",
		"set /f 2",
		"delete /f",
	}
)

// TestGenerateGolden regenerates testdata/zk38 by running Apache ZooKeeper
// 3.8 (Debian's zookeeper package): see testdata/README.md.
func TestGenerateGolden(t *testing.T) {
	if os.Getenv("WHARF_ZK_GOLDEN") == "" {
		t.Skip("set WHARF_ZK_GOLDEN=1 to regenerate testdata/zk38 with Apache ZooKeeper")
	}
	cp := zkClasspath(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	srv := startZK(t, cp, dataDir)
	t.Log(zkCli(t, cp, srv.addr, goldenSession1...))
	conn := goldenMultis(t, srv.addr)
	t.Log(zkCli(t, cp, srv.addr, goldenSession2...))
	srv.stop()
	// The multi session is left open, so the restart's snapshot (it
	// snapshots the whole tree, ZooKeeperServer.loadData) holds a session
	// and its ephemeral node.
	conn.Close()
	srv = startZK(t, cp, dataDir)
	srv.stop()

	out := filepath.FromSlash(goldenDir)
	if err := os.RemoveAll(out); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dataDir, versionDir)
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), logPrefix+".") && !strings.HasPrefix(e.Name(), snapPrefix+".") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes", e.Name(), len(b))
	}
}

// goldenMultis runs one multi that succeeds and one that fails, then
// creates an ephemeral node; it returns the open session.
func goldenMultis(t *testing.T, addr string) *zk.Conn {
	conn, _, err := zk.Connect([]string{addr}, 10*time.Second, zk.WithLogger(quietLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	acl := zk.WorldACL(zk.PermAll)
	if _, err := conn.Multi(
		&zk.CreateRequest{Path: "/m", Data: []byte("m"), Acl: acl},
		&zk.SetDataRequest{Path: "/m", Data: []byte("m2"), Version: 0},
		&zk.CheckVersionRequest{Path: "/m", Version: 1},
	); err != nil {
		t.Fatalf("multi: %v", err)
	}
	if _, err := conn.Multi(
		&zk.CreateRequest{Path: "/n", Data: []byte("n"), Acl: acl},
		&zk.CheckVersionRequest{Path: "/m", Version: 7},
	); err == nil {
		t.Fatal("multi with a bad version check succeeded")
	}
	if _, err := conn.Create("/owned", []byte("o"), zk.FlagEphemeral, acl); err != nil {
		t.Fatal(err)
	}
	return conn
}

type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}
