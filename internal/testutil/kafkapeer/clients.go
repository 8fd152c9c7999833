package kafkapeer

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/zkproc"
)

// ClientTimeout bounds one run of a client process (kcat, a script).
var ClientTimeout = 60 * time.Second

// KafkaJSVersion is the kafkajs release scripts/install-test-deps.sh
// installs and RunKafkaJS requires.
const KafkaJSVersion = "2.2.4"

// BootstrapEnv is the environment variable that carries the bootstrap
// address to scripts (besides their first argument).
const BootstrapEnv = "KAFKA_BOOTSTRAP"

// Result is one finished client process.
type Result struct {
	Argv   []string
	Stdout string
	Stderr string
	Code   int // exit code
}

// OK fails the test unless the process exited 0, and returns its stdout.
func (r Result) OK(t testing.TB) string {
	t.Helper()
	if r.Code != 0 {
		t.Fatalf("%s exited %d\nstdout:\n%s\nstderr:\n%s", strings.Join(r.Argv, " "), r.Code, r.Stdout, r.Stderr)
	}
	return r.Stdout
}

// RunKcat runs kcat with -b set to the broker's address, then args:
//
//	RunKcat(t, b, "-L")
//	RunKcat(t, b, "-C", "-t", topic, "-o", "beginning", "-e", "-J")
func RunKcat(t testing.TB, b Broker, args ...string) Result {
	t.Helper()
	return RunKcatInput(t, b, "", args...)
}

// RunKcatInput is RunKcat with stdin (a producer's input: kcat -P reads
// one message per line, or per -D delimiter).
func RunKcatInput(t testing.TB, b Broker, stdin string, args ...string) Result {
	t.Helper()
	testutil.Slow(t)
	kcat, err := exec.LookPath("kcat")
	testutil.RequirePeer(t, "kcat", err == nil)
	argv := append([]string{kcat, "-b", b.Addr()}, args...)
	return runClient(t, argv, stdin, nil)
}

// RunPython runs a Python script under /usr/bin/python3, the interpreter
// that sees Debian's python3-confluent-kafka and python3-kafka (a pyenv
// python3 earlier in PATH would not). script is a path (relative to the
// test's package directory, e.g. "testdata/x.py"); the bootstrap address
// is sys.argv[1] and $KAFKA_BOOTSTRAP, and args follow it. A script that
// fails with ModuleNotFoundError skips the test (fails it under CI), naming
// the module.
func RunPython(t testing.TB, b Broker, script string, args ...string) Result {
	t.Helper()
	testutil.Slow(t)
	_, err := os.Stat(zkproc.SystemPython)
	testutil.RequirePeer(t, zkproc.SystemPython, err == nil)
	argv := append([]string{zkproc.SystemPython, script, b.Addr()}, args...)
	res := runClient(t, argv, "", []string{BootstrapEnv + "=" + b.Addr(), "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1"})
	if m := pyMissingModule.FindStringSubmatch(res.Stderr); m != nil {
		testutil.RequirePeer(t, "python3 module "+m[1]+" (Debian python3-* under "+zkproc.SystemPython+")", false)
	}
	return res
}

var pyMissingModule = regexp.MustCompile(`ModuleNotFoundError: No module named '([^']+)'`)

// NpmDir is where scripts/install-test-deps.sh installs npm packages:
// $WHARF_NPM_DIR, else $XDG_CACHE_HOME/wharf/npm, else
// ~/.cache/wharf/npm.
func NpmDir() string {
	if d := os.Getenv("WHARF_NPM_DIR"); d != "" {
		return d
	}
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return filepath.Join(os.TempDir(), "wharf-npm")
		}
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "wharf", "npm")
}

var kafkajsCheck struct {
	once sync.Once
	node string
	err  error
}

// KafkaJSAvailable reports (as a nil error) whether node is on PATH and
// kafkajs KafkaJSVersion is installed in NpmDir.
func KafkaJSAvailable() (node string, err error) {
	kafkajsCheck.once.Do(func() {
		kafkajsCheck.node, kafkajsCheck.err = exec.LookPath("node")
		if kafkajsCheck.err != nil {
			return
		}
		pkg := filepath.Join(NpmDir(), "node_modules", "kafkajs", "package.json")
		b, err := os.ReadFile(pkg)
		if err != nil {
			kafkajsCheck.err = err
			return
		}
		if !bytes.Contains(b, []byte(`"version": "`+KafkaJSVersion+`"`)) {
			kafkajsCheck.err = fmt.Errorf("%s is not kafkajs %s", pkg, KafkaJSVersion)
		}
	})
	return kafkajsCheck.node, kafkajsCheck.err
}

// RunKafkaJS runs a Node.js script that can require('kafkajs') (NODE_PATH
// points into NpmDir). script is a path; the bootstrap address is
// process.argv[2] and $KAFKA_BOOTSTRAP, and args follow it.
func RunKafkaJS(t testing.TB, b Broker, script string, args ...string) Result {
	t.Helper()
	testutil.Slow(t)
	node, err := KafkaJSAvailable()
	if err != nil {
		testutil.RequirePeer(t, "node with kafkajs "+KafkaJSVersion+" ("+err.Error()+")", false)
	}
	argv := append([]string{node, script, b.Addr()}, args...)
	env := []string{
		BootstrapEnv + "=" + b.Addr(),
		"NODE_PATH=" + filepath.Join(NpmDir(), "node_modules"),
		"KAFKAJS_NO_PARTITIONER_WARNING=1",
	}
	return runClient(t, argv, "", env)
}

// runClient runs argv to completion, failing the test if it cannot start
// or outlives ClientTimeout.
func runClient(t testing.TB, argv []string, stdin string, env []string) Result {
	t.Helper()
	return startClient(t, argv, stdin, env).Wait()
}
