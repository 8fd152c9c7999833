package kafkaserver

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/testutil"
)

// TestTutorial follows the Kafka quickstart of the ZooKeeper era command by
// command, through the original script names (links to the wharf binary
// in bin/), against the two setups a user has: `wharf server`, and three
// processes started from a zoo.cfg and a server.properties as the
// tutorials write them (zkServer.sh start, kafka-server-start.sh -daemon).
// Ports are free ones instead of 2181 and 9092.
func TestTutorial(t *testing.T) {
	for _, setup := range []string{"wharf-server", "three-processes"} {
		t.Run(setup, func(t *testing.T) {
			dir := scriptDir(t)
			for _, name := range []string{"kafka-topics.sh", "kafka-console-producer.sh", "kafka-console-consumer.sh", "kafka-consumer-groups.sh", "zkCli.sh"} {
				if err := os.Symlink("wharf", filepath.Join(dir, "bin", name)); err != nil {
					t.Fatal(err)
				}
			}
			zkPort, kafkaPort := testutil.FreePort(t), testutil.FreePort(t)
			zk, kafka := fmt.Sprintf("localhost:%d", zkPort), fmt.Sprintf("localhost:%d", kafkaPort)
			for _, d := range []string{"conf", "config"} {
				if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			zooCfg := fmt.Sprintf("tickTime=2000\ndataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\n"+
				"admin.enableServer=false\n4lw.commands.whitelist=srvr\n", filepath.Join(dir, "zookeeper"), zkPort)
			writeFile(t, filepath.Join(dir, "conf", "zoo.cfg"), zooCfg)
			if setup == "wharf-server" {
				startWharfServerIn(t, dir, zkPort, kafkaPort)
			} else {
				writeFile(t, filepath.Join(dir, "config", "server.properties"), fmt.Sprintf("broker.id=0\n"+
					"listeners=PLAINTEXT://127.0.0.1:%d\nlog.dirs=%s\nzookeeper.connect=%s\nnum.partitions=1\n"+
					"offsets.topic.replication.factor=1\ngroup.initial.rebalance.delay.ms=0\n", kafkaPort, filepath.Join(dir, "kafka-logs"), zk))
				if r := script(t, dir, "zkServer.sh", "start"); r.code != 0 || r.stdout != "Starting zookeeper ... STARTED\n" {
					t.Fatalf("zkServer.sh start: %+v", r)
				}
				t.Cleanup(func() { script(t, dir, "zkServer.sh", "stop") })
				if r := script(t, dir, "kafka-server-start.sh", "-daemon", "config/server.properties"); r.code != 0 {
					t.Fatalf("kafka-server-start.sh -daemon: %+v", r)
				}
				t.Cleanup(func() { script(t, dir, "kafka-server-stop.sh") })
			}
			waitListening(t, fmt.Sprintf("127.0.0.1:%d", kafkaPort))
			tutorialSteps(t, dir, zk, kafka, zkPort)
		})
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// startWharfServerIn runs `bin/wharf server` with the tutorial's ports and
// its data in dir, stopped when the test ends.
func startWharfServerIn(t *testing.T, dir string, zkPort, kafkaPort int) {
	t.Helper()
	cmd := exec.Command(filepath.Join(dir, "bin", "wharf"), "server", "--data-dir", filepath.Join(dir, "wharf-data"),
		"--kafka-addr", fmt.Sprintf("127.0.0.1:%d", kafkaPort), "--zk-addr", fmt.Sprintf("127.0.0.1:%d", zkPort),
		"--http-addr", fmt.Sprintf("127.0.0.1:%d", testutil.FreePort(t)))
	cmd.Dir = dir
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
}

func waitListening(t *testing.T, addr string) {
	t.Helper()
	if !testutil.WaitFor(func() bool { return testutil.Listening(addr) }, 60*time.Second) {
		t.Fatalf("nothing listens on %s", addr)
	}
}

// run is script with standard input.
func runStdin(t *testing.T, dir, stdin, name string, args ...string) scriptResult {
	t.Helper()
	cmd := exec.Command(filepath.Join("bin", name), args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return scriptResult{so.String(), se.String(), code}
}

func tutorialSteps(t *testing.T, dir, zk, kafka string, zkPort int) {
	step := func(want string, name string, args ...string) scriptResult {
		t.Helper()
		r := script(t, dir, name, args...)
		if r.code != 0 || (want != "*" && r.stdout != want) {
			t.Fatalf("%s %s:\n got %+v\nwant stdout %q", name, strings.Join(args, " "), r, want)
		}
		return r
	}
	// Step 3: create a topic, list it.
	step("Created topic test.\n", "kafka-topics.sh", "--create", "--zookeeper", zk, "--replication-factor", "1", "--partitions", "1", "--topic", "test")
	if r := script(t, dir, "kafka-topics.sh", "--create", "--zookeeper", zk, "--replication-factor", "3", "--partitions", "1", "--topic", "three"); r.code != 1 ||
		r.stdout != "Error while executing topic command : Replication factor: 3 larger than available brokers: 1.\n" {
		t.Errorf("replication factor 3 on one broker: %+v", r)
	}
	if r := step("*", "kafka-topics.sh", "--list", "--zookeeper", zk); !strings.Contains(r.stdout, "test\n") {
		t.Errorf("--list: %q", r.stdout)
	}
	r := step("*", "kafka-topics.sh", "--describe", "--zookeeper", zk, "--topic", "test")
	if !strings.Contains(r.stdout, "Topic: test\t") || !strings.Contains(r.stdout, "PartitionCount: 1\tReplicationFactor: 1\tConfigs: ") ||
		!strings.Contains(r.stdout, "\tTopic: test\tPartition: 0\tLeader: 0\tReplicas: 0\tIsr: 0") {
		t.Errorf("--describe:\n%s", r.stdout)
	}
	// Step 4: send some messages.
	if r := runStdin(t, dir, "This is a message\nThis is another message\n", "kafka-console-producer.sh", "--broker-list", kafka, "--topic", "test"); r.code != 0 {
		t.Fatalf("console producer: %+v", r)
	}
	// Step 5: start a consumer.
	r = runStdin(t, dir, "", "kafka-console-consumer.sh", "--bootstrap-server", kafka, "--topic", "test", "--from-beginning", "--max-messages", "2")
	if r.code != 0 || r.stdout != "This is a message\nThis is another message\n" || !strings.Contains(r.stderr, "Processed a total of 2 messages") {
		t.Fatalf("console consumer: %+v", r)
	}
	// A consumer group, found with the legacy --zookeeper form.
	r = runStdin(t, dir, "", "kafka-console-consumer.sh", "--bootstrap-server", kafka, "--topic", "test", "--from-beginning",
		"--max-messages", "2", "--group", "tutorial-group")
	if r.code != 0 || r.stdout != "This is a message\nThis is another message\n" {
		t.Fatalf("console consumer in a group: %+v", r)
	}
	if r := step("*", "kafka-consumer-groups.sh", "--zookeeper", zk, "--list"); !strings.Contains(r.stdout, "tutorial-group\n") {
		t.Errorf("kafka-consumer-groups.sh --list: %q", r.stdout)
	}
	// Alter to 6 partitions, delete.
	step("", "kafka-topics.sh", "--alter", "--zookeeper", zk, "--topic", "test", "--partitions", "6")
	if r := step("*", "kafka-topics.sh", "--describe", "--zookeeper", zk, "--topic", "test"); !strings.Contains(r.stdout, "PartitionCount: 6") {
		t.Errorf("after --alter:\n%s", r.stdout)
	}
	step("", "kafka-topics.sh", "--delete", "--zookeeper", zk, "--topic", "test")
	if !testutil.WaitFor(func() bool {
		return !strings.Contains(script(t, dir, "kafka-topics.sh", "--list", "--zookeeper", zk).stdout, "test\n")
	}, 30*time.Second) {
		t.Errorf("topic test still listed after --delete")
	}
	// ZooKeeper's own tools.
	want := fmt.Sprintf("Client port found: %d. Client address: 127.0.0.1. Client SSL: false.\nMode: standalone\n", zkPort)
	step(want, "zkServer.sh", "status")
	if r := step("*", "zkCli.sh", "-server", zk, "ls", "/"); !strings.Contains(r.stdout, "brokers") || !strings.Contains(r.stdout, "zookeeper") {
		t.Errorf("zkCli.sh ls /: %q", r.stdout)
	}
	if r := step("*", "zkCli.sh", "-server", zk, "get", "/brokers/ids/0"); !strings.Contains(r.stdout, `"endpoints"`) {
		t.Errorf("zkCli.sh get /brokers/ids/0: %q", r.stdout)
	}
	if r := step("*", "zkCli.sh", "-server", zk, "create", "/tutorial", "hello"); !strings.Contains(r.stderr, "Created /tutorial") {
		t.Errorf("zkCli.sh create (CreateCommand prints Created on stderr): %+v", r)
	}
	if r := step("*", "zkCli.sh", "-server", zk, "get", "/tutorial"); !strings.Contains(r.stdout, "hello") {
		t.Errorf("zkCli.sh get /tutorial: %q", r.stdout)
	}
}
