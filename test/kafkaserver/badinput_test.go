package kafkaserver

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/testutil"
)

// TestBadInput: a command line or configuration Wharf cannot run with ends
// in one error line on stderr that names the problem, a non-zero exit
// status (2 for a usage error, as every wharf command), nothing on stdout,
// no stack trace, and — since everything is checked before anything
// starts — no listener and no log lines.
func TestBadInput(t *testing.T) {
	testutil.Slow(t)
	bin := testutil.BuildWharf(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := fmt.Sprintf("broker.id=0\nlisteners=PLAINTEXT://127.0.0.1:%d\nlog.dirs=%s\nzookeeper.connect=127.0.0.1:%d\n",
		testutil.FreePort(t), filepath.Join(dir, "logs"), testutil.FreePort(t))
	goodFile := write("good.properties", good)
	badNum := write("bad-num.properties", good+"num.partitions=abc\n")
	badPort := write("bad-port.properties", regexp.MustCompile(`(?m)^listeners=.*$`).ReplaceAllString(good, "listeners=PLAINTEXT://127.0.0.1:99999"))
	alias := filepath.Join(dir, "kafka-server-start.sh")
	if err := os.Symlink(bin, alias); err != nil {
		t.Fatal(err)
	}
	// wharf server's listeners, in case one wrongly starts.
	serverArgs := func(extra ...string) []string {
		return append([]string{bin, "server", "--data-dir", filepath.Join(dir, "server-data"),
			"--zk-addr", fmt.Sprintf("127.0.0.1:%d", testutil.FreePort(t)),
			"--http-addr", fmt.Sprintf("127.0.0.1:%d", testutil.FreePort(t))}, extra...)
	}
	for _, c := range []struct {
		name  string
		argv  []string
		env   []string
		usage bool   // exit status 2
		want  string // a regexp the error line matches
	}{
		{name: "broker_missing_file", argv: []string{bin, "broker", filepath.Join(dir, "missing.properties")},
			want: `missing\.properties: no such file`},
		{name: "broker_no_file", argv: []string{bin, "broker"}, usage: true, want: `server\.properties`},
		{name: "alias_missing_file", argv: []string{alias, "-daemon", filepath.Join(dir, "missing.properties")},
			want: `missing\.properties: no such file`},
		{name: "broker_unparsable_value", argv: []string{bin, "broker", badNum}, want: `num\.partitions`},
		{name: "broker_unparsable_env", argv: []string{bin, "broker", goodFile}, env: []string{"KAFKA_NUM_PARTITIONS=many"},
			want: `many.*num\.partitions`},
		{name: "broker_unparsable_override", argv: []string{bin, "broker", goodFile, "--override", "num.partitions=abc"},
			want: `abc.*num\.partitions`},
		{name: "broker_override_without_value", argv: []string{bin, "broker", goodFile, "--override", "num.partitions"},
			usage: true, want: `--override "num\.partitions" is not property=value`},
		{name: "broker_bad_listener_port", argv: []string{bin, "broker", badPort}, want: `99999`},
		{name: "server_kafka_addr_not_host_port", argv: serverArgs("--kafka-addr", "localhost"), usage: true,
			want: `--kafka-addr "localhost": want HOST:PORT`},
		{name: "server_kafka_addr_port_range", argv: serverArgs("--kafka-addr", "127.0.0.1:99999"), usage: true,
			want: `--kafka-addr "127\.0\.0\.1:99999".*port`},
		{name: "server_kafka_addr_port_name", argv: serverArgs("--kafka-addr", "127.0.0.1:kafka"), usage: true,
			want: `--kafka-addr`},
		{name: "server_bad_override", argv: serverArgs("--kafka-addr", "127.0.0.1:1", "--override", "=3"), usage: true,
			want: `--override "=3" is not property=value`},
		{name: "server_unparsable_override", argv: serverArgs("--kafka-addr", "127.0.0.1:1", "--override", "num.partitions=abc"),
			want: `abc.*num\.partitions`},
		{name: "server_unparsable_env", argv: serverArgs("--kafka-addr", "127.0.0.1:1"), env: []string{"KAFKA_LOG_RETENTION_MS=soon"},
			want: `soon.*log\.retention\.ms`},
		{name: "server_extra_argument", argv: append(serverArgs(), "server.properties"), usage: true, want: `server\.properties`},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, c.argv[0], c.argv[1:]...)
			cmd.Env = append(os.Environ(), c.env...)
			cmd.Dir = dir
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if ctx.Err() != nil {
				t.Fatalf("%q still ran after 20s: it started instead of refusing its input\nstderr:\n%s", c.argv, &stderr)
			}
			code := cmd.ProcessState.ExitCode()
			if code == 0 || err == nil {
				t.Fatalf("%q exited 0, want an error", c.argv)
			}
			if want := 2; c.usage && code != want {
				t.Errorf("exit status %d, want %d (a usage error)", code, want)
			}
			if !c.usage && code != 1 {
				t.Errorf("exit status %d, want 1", code)
			}
			errOut := stderr.String()
			if strings.Contains(errOut, "panic") || strings.Contains(errOut, "goroutine ") {
				t.Fatalf("stack trace on stderr:\n%s", errOut)
			}
			lines := strings.Split(strings.TrimRight(errOut, "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "wharf: ") {
				t.Errorf("stderr is %d lines, want one \"wharf: ...\" line:\n%s", len(lines), errOut)
			}
			if !regexp.MustCompile(c.want).MatchString(lines[0]) {
				t.Errorf("error line %q does not match %s", lines[0], c.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout: %q, want nothing", stdout.String())
			}
		})
	}
}
