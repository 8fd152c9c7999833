package kafkainterop

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/kafkapeer"
)

// rsyslogConf ships a file (imfile) and a private syslog socket
// (imuxsock, fed by logger) into two topics through omkafka: the file's
// lines as they are, keyed, snappy-compressed, with acks=all; the socket's
// messages as JSON lines (the syslog msg property starts with the space
// after "tag:", hence position.from="2"). Debian's rsyslog 8.2302 has no
// kafkaHeader.
const rsyslogConf = `global(workDirectory="{{dir}}/work")
module(load="imfile")
module(load="imuxsock" SysSock.Use="off")
module(load="omkafka")

template(name="line" type="string" string="%msg%")
template(name="json_lines" type="list" option.json="on") {
  constant(value="{\"tag\":\"") property(name="programname")
  constant(value="\",\"severity\":\"") property(name="syslogseverity-text")
  constant(value="\",\"message\":\"") property(name="msg" droplastlf="on" position.from="2")
  constant(value="\"}")
}

input(type="imfile" File="{{dir}}/app.log" Tag="app" ruleset="file_to_kafka")
input(type="imuxsock" Socket="{{dir}}/log.sock" ruleset="socket_to_kafka")

ruleset(name="file_to_kafka") {
  action(type="omkafka" broker=["{{broker}}"] topic="{{file_topic}}" key="app.log"
         template="line" confParam=["compression.codec=snappy", "linger.ms=5"]
         topicConfParam=["request.required.acks=-1"])
}
ruleset(name="socket_to_kafka") {
  action(type="omkafka" broker=["{{broker}}"] topic="{{socket_topic}}" template="json_lines")
}
`

// TestRsyslog ships log lines through rsyslog's omkafka and reads them
// back with kcat: lines already in the file when rsyslogd starts and lines
// appended later, in order and keyed, and messages sent with logger to a
// syslog socket, as JSON.
func TestRsyslog(t *testing.T) {
	kafkapeer.ForEachTarget(t, func(t *testing.T, b kafkapeer.Broker) {
		fileTopic := createTopic(t, b, topicName(t, "file"), 1, nil)
		socketTopic := createTopic(t, b, topicName(t, "socket"), 1, nil)
		dir := testutil.TempDir(t, "rsyslog-io")
		if err := os.MkdirAll(filepath.Join(dir, "work"), 0o755); err != nil {
			t.Fatal(err)
		}
		logPath := filepath.Join(dir, "app.log")
		var lines []string
		for i := range 10 {
			lines = append(lines, fmt.Sprintf("%s app[42]: request %d served in %dms", time.Now().Format(time.Stamp), i, 3*i))
		}
		if err := os.WriteFile(logPath, []byte(strings.Join(lines[:5], "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		conf := strings.NewReplacer("{{dir}}", dir, "{{broker}}", b.Addr(),
			"{{file_topic}}", fileTopic, "{{socket_topic}}", socketTopic).Replace(rsyslogConf)
		rs := kafkapeer.RunRsyslog(t, conf)

		// The first lines arrive from the file as it was at start.
		fileRun := kafkapeer.StartKcat(t, b, "-C", "-u", "-J", "-t", fileTopic, "-p", "0", "-o", "beginning", "-c", "10")
		if !fileRun.WaitFor(func(stdout, _ string) bool { return strings.Count(stdout, "\n") >= 5 }, opTimeout) {
			t.Fatalf("kcat saw no 5 lines from the file; rsyslogd log:\n%s", rs.LogTail(30))
		}
		f, err := os.OpenFile(logPath, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.WriteString(strings.Join(lines[5:], "\n") + "\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
		sock := filepath.Join(dir, "log.sock")
		if !testutil.WaitFor(func() bool { _, err := os.Stat(sock); return err == nil }, opTimeout) {
			t.Fatalf("rsyslogd made no socket %s", sock)
		}
		for i := range 3 {
			out, err := exec.Command("logger", "--socket-errors=on", "-u", sock, "-t", "billing", "-p", "user.warning",
				fmt.Sprintf("invoice %d sent", i)).CombinedOutput()
			if err != nil {
				t.Fatalf("logger: %v\n%s", err, out)
			}
		}

		res := fileRun.Wait()
		res.OK(t)
		var got []msg
		for _, k := range decodeJSONLines[kcatMsg](t, res.Stdout) {
			got = append(got, k.msg())
		}
		if len(got) != len(lines) {
			t.Fatalf("kcat read %d lines, want %d", len(got), len(lines))
		}
		for i, m := range got {
			if m.Offset != int64(i) || m.Key != "app.log" || m.Value != lines[i] {
				t.Fatalf("record %d: %v\nwant offset %d, key app.log, value %q", i, m, i, lines[i])
			}
		}

		sockRun := kafkapeer.StartKcat(t, b, "-C", "-t", socketTopic, "-p", "0", "-o", "beginning", "-c", "3", "-f", "%o %s\n")
		out := sockRun.Wait().OK(t)
		var want strings.Builder
		for i := range 3 {
			fmt.Fprintf(&want, `%d {"tag":"billing","severity":"warning","message":"invoice %d sent"}`+"\n", i, i)
		}
		if out != want.String() {
			t.Fatalf("socket messages:\n%s\nwant:\n%s", out, want.String())
		}
		rs.Stop()
	})
}
