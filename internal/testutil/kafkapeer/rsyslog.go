package kafkapeer

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/childproc"
)

// Rsyslog is rsyslogd running in the foreground (-n) on a test's config,
// owned by one test and stopped by PID when it ends.
type Rsyslog struct {
	Dir      string // holds the config, the pid file and the log
	ConfPath string
	PidFile  string
	LogPath  string // rsyslogd's stdout and stderr (its own errors land here)

	t testing.TB
	p *childproc.Process
}

// PID is rsyslogd's process id, 0 once it is stopped.
func (r *Rsyslog) PID() int { return r.p.PID() }

// Stop ends rsyslogd with SIGTERM (omkafka flushes what it holds, up to
// its closeTimeout) and waits for it.
func (r *Rsyslog) Stop() { r.t.Helper(); mustDo(r.t, "stop rsyslogd", r.p.Stop(StopTimeout)) }

// LogTail returns the last n lines rsyslogd printed.
func (r *Rsyslog) LogTail(n int) string { return r.p.LogTail(n) }

// RsyslogAvailable reports (as a nil error) whether rsyslogd and its
// omkafka module (Debian: rsyslog, rsyslog-kafka) are installed.
func RsyslogAvailable() error {
	if _, err := exec.LookPath("rsyslogd"); err != nil {
		return err
	}
	mods, _ := filepath.Glob("/usr/lib/*/rsyslog/omkafka.so")
	more, _ := filepath.Glob("/usr/lib/rsyslog/omkafka.so")
	if len(mods)+len(more) == 0 {
		return fmt.Errorf("no omkafka.so under /usr/lib/*/rsyslog")
	}
	return nil
}

// RunRsyslog checks conf with `rsyslogd -N1` (failing the test on an
// invalid config), then runs `rsyslogd -n -f conf -i pidfile` and returns
// once rsyslogd has written its pid file. The config is complete and the
// test's own: its paths (global workDirectory, imfile File, imuxsock
// Socket) should point into a testutil.TempDir; it should not use the
// system socket (imuxsock SysSock.Use="off"), so it never competes with a
// system logger.
func RunRsyslog(t testing.TB, conf string) *Rsyslog {
	t.Helper()
	testutil.Slow(t)
	if err := RsyslogAvailable(); err != nil {
		testutil.RequirePeer(t, "rsyslogd with omkafka ("+err.Error()+")", false)
	}
	dir := testutil.TempDir(t, "rsyslog")
	r := &Rsyslog{
		Dir:      dir,
		ConfPath: filepath.Join(dir, "rsyslog.conf"),
		PidFile:  filepath.Join(dir, "rsyslogd.pid"),
		LogPath:  filepath.Join(dir, "rsyslogd.log"),
		t:        t,
	}
	if err := os.WriteFile(r.ConfPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("rsyslogd", "-N1", "-f", r.ConfPath).CombinedOutput(); err != nil {
		t.Fatalf("rsyslogd -N1 -f %s: %v\n%s\nconfig:\n%s", r.ConfPath, err, out, conf)
	}
	r.p = newProcess("rsyslogd", []string{"rsyslogd", "-n", "-f", r.ConfPath, "-i", r.PidFile}, dir, nil, r.LogPath)
	if err := r.p.Start(); err != nil {
		t.Fatal(err)
	}
	pid := strconv.Itoa(r.p.PID())
	err := r.p.WaitReady(func() bool {
		b, err := os.ReadFile(r.PidFile)
		return err == nil && strings.TrimSpace(string(b)) == pid
	}, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rsyslogd pid %d, config %s, log %s", r.p.PID(), r.ConfPath, r.LogPath)
	watch(t, r.p)
	return r
}
