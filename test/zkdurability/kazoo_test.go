package zkdurability

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/zkproc"
)

// kazooScript keeps one kazoo session open across a server handover: it
// creates an ephemeral and prints its session id, then for every line on
// stdin waits to be connected again and reports its session id and the
// ephemeral's owner, and writes through the resumed session.
const kazooScript = `
import sys, time
from kazoo.client import KazooClient
from kazoo.protocol.states import KazooState
lost = []
zk = KazooClient(hosts=sys.argv[1], timeout=30)
zk.add_listener(lambda s: lost.append(s) if s == KazooState.LOST else None)
zk.start(timeout=15)
path = sys.argv[2]
zk.create(path, b"kazoo", ephemeral=True)
print("sid %x" % zk.client_id[0], flush=True)
n = 0
for line in sys.stdin:
    n += 1
    deadline = time.time() + 30
    while not zk.connected and time.time() < deadline and not lost:
        time.sleep(0.05)
    if lost or not zk.connected:
        print("lost %s" % lost, flush=True)
        continue
    st = zk.exists(path)
    owner = st.ephemeralOwner if st else -1
    zk.create("%s-%d" % (path, n), b"after", ephemeral=True)
    print("resumed %x %x" % (zk.client_id[0], owner), flush=True)
`

// kazooSession is a kazoo client process holding one session.
type kazooSession struct {
	stdin io.WriteCloser
	lines chan string
	sid   int64
	path  string
}

func startKazoo(t *testing.T, addr, path string) *kazooSession {
	t.Helper()
	testutil.RequirePeer(t, "kazoo (python3-kazoo under "+zkproc.SystemPython+")", testutil.KazooAvailable() == nil)
	script := filepath.Join(t.TempDir(), "kazoo_session.py")
	if err := os.WriteFile(script, []byte(kazooScript), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(zkproc.SystemPython, script, addr, path)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("kazoo stderr:\n%s", stderr.String())
		}
	})
	k := &kazooSession{stdin: stdin, lines: make(chan string, 16), path: path}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			k.lines <- sc.Text()
		}
		close(k.lines)
	}()
	line := k.next(t)
	hexSid, ok := strings.CutPrefix(line, "sid ")
	if !ok {
		t.Fatalf("kazoo: %q", line)
	}
	sid, err := strconv.ParseUint(hexSid, 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	k.sid = int64(sid)
	return k
}

func (k *kazooSession) next(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-k.lines:
		if !ok {
			t.Fatal("kazoo exited")
		}
		return l
	case <-time.After(60 * time.Second):
		t.Fatal("kazoo: no answer in 60s")
	}
	return ""
}

// requireResumed asks the kazoo client to use its session after a handover
// and checks it is the same session, still owning its ephemeral.
func (k *kazooSession) requireResumed(t *testing.T, on string) {
	t.Helper()
	if _, err := io.WriteString(k.stdin, "check\n"); err != nil {
		t.Fatal(err)
	}
	line := k.next(t)
	want := fmt.Sprintf("resumed %x %x", k.sid, k.sid)
	if line != want {
		t.Fatalf("kazoo session 0x%x on %s: %q, want %q (same session, ephemeral %s still its own)", k.sid, on, line, want, k.path)
	}
}
