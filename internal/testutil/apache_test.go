package testutil

import (
	"strings"
	"testing"
)

// TestApacheZKWithRealClients is the first interop test: Apache ZooKeeper
// 3.8 started by the helpers, driven by zkCli, cli_mt, kazoo and
// go-zookeeper, each seeing what the others wrote, and surviving a SIGKILL.
func TestApacheZKWithRealClients(t *testing.T) {
	srv := StartApacheZK(t, ZKOptions{SuperDigest: TestSuperDigest, ExtendedTypes: true})

	t.Run("four letter words", func(t *testing.T) {
		if r, err := Four(srv.Addr, "ruok"); r != "imok" {
			t.Fatalf("ruok = %q, %v", r, err)
		}
		if r, err := Four(srv.Addr, "srvr"); !strings.Contains(r, "Mode: standalone") {
			t.Fatalf("srvr = %q, %v", r, err)
		}
	})

	t.Run("zkCli", func(t *testing.T) {
		out, errOut, code := RunZkCli(t, srv.Addr, "create /cli hello\nget /cli\nls /\n")
		if got, want := CleanZkCli(out), "hello\n[cli, zookeeper]\n"; got != want || code != 0 {
			t.Fatalf("zkCli: code %d stdout %q (cleaned %q), want %q; stderr:\n%s", code, out, got, want, errOut)
		}
		if !strings.Contains(errOut, "Created /cli") {
			t.Errorf("zkCli stderr lacks the create confirmation:\n%s", errOut)
		}
		_, errOut, code = ZkCli(t, srv.Addr, "get", "/missing")
		if code != 1 || !strings.Contains(errOut, "Node does not exist: /missing") {
			t.Errorf("get /missing: code %d stderr %q", code, errOut)
		}
		// TTL nodes need extendedTypesEnabled: proves the zoo.cfg key took.
		if _, errOut, code = ZkCli(t, srv.Addr, "create", "-t", "600000", "/ttl", "x"); code != 0 {
			t.Errorf("create -t (TTL): code %d stderr %q", code, errOut)
		}
	})

	t.Run("cli_mt", func(t *testing.T) {
		if r := RunCliMt(t, srv.Addr, "get /cli"); r.RC != 0 || !strings.Contains(r.Output, "value_len = 5\nhello") {
			t.Fatalf("get /cli: %+v", r)
		}
		if r := RunCliMt(t, srv.Addr, "create /mt"); r.RC != 0 || !r.Exited {
			t.Fatalf("create /mt: %+v", r)
		}
		if r := RunCliMt(t, srv.Addr, "set /mt fromc"); r.RC != 0 {
			t.Fatalf("set /mt: %+v", r)
		}
		if r := RunCliMt(t, srv.Addr, "get /missing"); r.RC != -101 {
			t.Fatalf("get /missing: %+v", r)
		}
	})

	t.Run("kazoo", func(t *testing.T) {
		script := `
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1])
zk.start(timeout=15)
zk.create("/kz", b"v")
print(zk.get("/kz")[0].decode())
print(zk.get("/mt")[0].decode())
zk.stop()
`
		out, errOut, code := RunKazoo(t, srv.Addr, script)
		if code != 0 || out != "v\nfromc\n" {
			t.Fatalf("kazoo: code %d stdout %q stderr:\n%s", code, out, errOut)
		}
	})

	t.Run("superDigest", func(t *testing.T) {
		script := `
import sys
from kazoo.client import KazooClient
from kazoo.exceptions import NoAuthError
from kazoo.security import make_digest_acl
zk = KazooClient(hosts=sys.argv[1], auth_data=[("digest", "alice:pw")])
zk.start(timeout=15)
zk.create("/secret", b"s", acl=[make_digest_acl("alice", "pw", all=True)])
zk.stop()
zk = KazooClient(hosts=sys.argv[1])
zk.start(timeout=15)
try:
    zk.get("/secret")
    print("anonymous read")
except NoAuthError:
    print("anonymous denied")
zk.stop()
zk = KazooClient(hosts=sys.argv[1], auth_data=[("digest", "super:test")])
zk.start(timeout=15)
print("super read", zk.get("/secret")[0].decode())
zk.stop()
`
		out, errOut, code := RunKazoo(t, srv.Addr, script)
		if code != 0 || out != "anonymous denied\nsuper read s\n" {
			t.Fatalf("kazoo: code %d stdout %q stderr:\n%s", code, out, errOut)
		}
	})

	t.Run("kill and restart keep data", func(t *testing.T) {
		srv.Kill()
		srv.Restart()
		conn := Connect(t, srv.Addr)
		for path, want := range map[string]string{"/cli": "hello", "/mt": "fromc", "/kz": "v"} {
			got, _, err := conn.Get(path)
			if err != nil || string(got) != want {
				t.Errorf("after SIGKILL+restart, %s = %q, %v; want %q", path, got, err, want)
			}
		}
	})
}
