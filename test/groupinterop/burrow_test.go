package groupinterop

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/kafkapeer"
)

// TestBurrowLag: Burrow (the lag monitor, Debian's package) reads the
// group's commits from __consumer_offsets and reports its lag: the log end
// offsets minus the committed offsets, per partition and in total.
func TestBurrowLag(t *testing.T) {
	testutil.Slow(t)
	bin, err := exec.LookPath("Burrow")
	testutil.RequirePeer(t, "Burrow (Debian's burrow package)", err == nil)
	b := kafkapeer.StartWharfServer(t, kafkapeer.WharfOptions{})

	const parts = 3
	topic, group := name(t, "topic"), name(t, "group")
	kafkapeer.CreateTopic(t, b, topic, parts, nil)
	produceEach(t, b, topic, parts, 10, "a")
	adm := kafkapeer.Kadm(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	commits := kadm.Offsets{}
	for p := range int32(parts) {
		commits.Add(kadm.Offset{Topic: topic, Partition: p, At: int64(4 + p), LeaderEpoch: -1})
	}
	if resp, err := adm.CommitOffsets(ctx, group, commits); err != nil || resp.Error() != nil {
		t.Fatalf("commit: %v %v", err, resp.Error())
	}

	dir := t.TempDir()
	httpPort := testutil.FreePort(t)
	conf := fmt.Sprintf(`[general]
pidfile=%q
[logging]
filename=%q
level="info"
[zookeeper]
servers=[%q]
timeout=6
root-path="/burrow"
[client-profile.wharf]
client-id="burrow"
kafka-version="1.0.0"
[cluster.wharf]
class-name="kafka"
servers=[%q]
client-profile="wharf"
topic-refresh=1
offset-refresh=1
[consumer.wharf]
class-name="kafka"
cluster="wharf"
servers=[%q]
client-profile="wharf"
start-latest=false
[httpserver.default]
address="127.0.0.1:%d"
[storage.default]
class-name="inmemory"
workers=2
intervals=10
min-distance=1
`, filepath.Join(dir, "burrow.pid"), filepath.Join(dir, "burrow.log"), b.ZKAddr, b.Addr(), b.Addr(), httpPort)
	if err := os.WriteFile(filepath.Join(dir, "burrow.toml"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config-dir", dir)
	cmd.Dir = dir
	out, _ := os.Create(filepath.Join(dir, "stdout"))
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		out.Close()
	})

	url := fmt.Sprintf("http://127.0.0.1:%d/v3/kafka/wharf/consumer/%s/lag", httpPort, group)
	var lag burrowLag
	var last string
	ok := testutil.WaitFor(func() bool {
		resp, err := http.Get(url)
		if err != nil {
			last = err.Error()
			return false
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		last = string(body)
		lag = burrowLag{}
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &lag) != nil {
			return false
		}
		return len(lag.Status.Partitions) == parts && lag.Status.TotalLag == 6+5+4
	}, 60*time.Second)
	if !ok {
		logTail, _ := os.ReadFile(filepath.Join(dir, "burrow.log"))
		t.Fatalf("Burrow never reported the group's lag of 15 over %d partitions; last answer %s\nBurrow's log:\n%s", parts, last, tail(string(logTail), 3000))
	}
	for _, p := range lag.Status.Partitions {
		want := int64(10 - (4 + p.Partition))
		if p.Topic != topic || p.End.Offset != int64(4+p.Partition) || p.CurrentLag != want {
			t.Errorf("partition %d: %+v, want committed %d and lag %d", p.Partition, p, 4+p.Partition, want)
		}
	}
}

type burrowLag struct {
	Status struct {
		TotalLag   int64 `json:"totallag"`
		Partitions []struct {
			Topic      string `json:"topic"`
			Partition  int32  `json:"partition"`
			CurrentLag int64  `json:"current_lag"`
			End        struct {
				Offset int64 `json:"offset"`
			} `json:"end"`
		} `json:"partitions"`
	} `json:"status"`
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
