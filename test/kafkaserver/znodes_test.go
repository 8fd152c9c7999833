package kafkaserver

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/kafkapeer"
)

// TestZnodeLayout reads, with a ZooKeeper client, the znodes `wharf server`
// writes for a broker, its controller and a topic through its life
// (created, reconfigured, deleted), and checks them against what Kafka 2.8
// writes (kafka/zk/ZkData.scala), which is what ZooKeeper-reading tools
// (zookeeper-shell, Burrow, storm-kafka) parse.
func TestZnodeLayout(t *testing.T) {
	testutil.Slow(t)
	s := kafkapeer.StartWharfServer(t, kafkapeer.WharfOptions{})
	conn := testutil.Connect(t, s.ZKAddr)
	adm := kafkapeer.Kadm(t, s)
	md, err := adm.BrokerMetadata(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	checkBrokerZnodes(t, conn, "", s.KafkaAddr, md.Cluster)

	const topic = "layout"
	created := createTopic(t, adm, topic, 2, nil)
	t.Run("topic", func(t *testing.T) { checkTopicZnodes(t, conn, "", topic, 2, kafkaUUID(created.ID)) })

	t.Run("config_change", func(t *testing.T) {
		before, _, err := conn.Children("/config/changes")
		if err != nil {
			t.Fatal(err)
		}
		resp, err := adm.AlterTopicConfigs(ctxT(t), []kadm.AlterConfig{{Name: "retention.ms", Value: ptr("3600000")}}, topic)
		if err == nil {
			_, err = resp.On(topic, nil)
		}
		if err != nil {
			t.Fatalf("alter %s: %v", topic, err)
		}
		cfg, _ := zkJSON(t, conn, "/config/topics/"+topic)
		if got, want := asJSON(cfg), `{"config":{"retention.ms":"3600000"},"version":1}`; got != want {
			t.Errorf("/config/topics/%s = %s, want %s", topic, got, want)
		}
		after, _, err := conn.Children("/config/changes")
		if err != nil {
			t.Fatal(err)
		}
		var added []string
		for _, c := range after {
			if !slices.Contains(before, c) {
				added = append(added, c)
			}
		}
		if len(added) != 1 || !regexp.MustCompile(`^config_change_\d{10}$`).MatchString(added[0]) {
			t.Fatalf("/config/changes gained %q, want one config_change_<10 digits> (before %q)", added, before)
		}
		note, _ := zkJSON(t, conn, "/config/changes/"+added[0])
		if got, want := asJSON(note), `{"entity_path":"topics/`+topic+`","version":2}`; got != want {
			t.Errorf("/config/changes/%s = %s, want %s", added[0], got, want)
		}
		// The broker applied it: DescribeConfigs reports a dynamic topic config.
		rcs, err := adm.DescribeTopicConfigs(ctxT(t), topic)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := rcs.On(topic, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range rc.Configs {
			if c.Key == "retention.ms" && (c.MaybeValue() != "3600000" || c.Source.String() != "DYNAMIC_TOPIC_CONFIG") {
				t.Errorf("DescribeConfigs retention.ms = %q from %s, want 3600000 from DYNAMIC_TOPIC_CONFIG", c.MaybeValue(), c.Source)
			}
		}
	})

	t.Run("delete", func(t *testing.T) {
		// Kafka marks a topic for deletion with /admin/delete_topics/<t>,
		// which the controller removes with the topic once it is gone; a
		// watch set before the request sees the marker appear.
		marker := "/admin/delete_topics/" + topic
		exists, _, created, err := conn.ExistsW(marker)
		if err != nil || exists {
			t.Fatalf("exists %s before deletion: %v, %v", marker, exists, err)
		}
		resp, err := adm.DeleteTopic(ctxT(t), topic)
		if err == nil {
			err = resp.Err
		}
		if err != nil {
			t.Fatalf("delete %s: %v", topic, err)
		}
		select {
		case ev := <-created:
			if ev.Type != zk.EventNodeCreated {
				t.Errorf("watch on %s: %v, want a creation", marker, ev.Type)
			}
		case <-time.After(opTimeout):
			t.Fatalf("%s never appeared", marker)
		}
		for _, p := range []string{"/brokers/topics/" + topic, marker, "/config/topics/" + topic} {
			waitFor(t, p+" to be removed", opTimeout, func() bool {
				ok, _, err := conn.Exists(p)
				return err == nil && !ok
			})
		}
		md, err := adm.Metadata(ctxT(t), topic)
		if err != nil {
			t.Fatal(err)
		}
		if td := md.Topics[topic]; td.Err == nil {
			t.Errorf("Metadata still lists %s after deletion", topic)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// checkBrokerZnodes checks broker 0's registration, the cluster id and the
// controller znodes under chroot ("" for none).
func checkBrokerZnodes(t *testing.T, conn *zk.Conn, chroot, kafkaAddr, clusterID string) {
	t.Helper()
	reg, st := zkJSON(t, conn, chroot+"/brokers/ids/0")
	if st.EphemeralOwner == 0 {
		t.Errorf("%s/brokers/ids/0 is persistent; Kafka registers brokers with an ephemeral znode", chroot)
	}
	// BrokerIdZNode version 5 (2.7+): no "rack" without broker.rack.
	if got, want := keys(reg), []string{"endpoints", "features", "host", "jmx_port", "listener_security_protocol_map", "port", "timestamp", "version"}; !slices.Equal(got, want) {
		t.Errorf("/brokers/ids/0 fields %q, want Kafka 2.8's %q", got, want)
	}
	host, port, _ := strings.Cut(kafkaAddr, ":")
	for k, want := range map[string]string{
		"version":                        `5`,
		"host":                           strconv.Quote(host),
		"port":                           port,
		"jmx_port":                       `-1`,
		"endpoints":                      `["PLAINTEXT://` + kafkaAddr + `"]`,
		"listener_security_protocol_map": `{"PLAINTEXT":"PLAINTEXT"}`,
		"features":                       `{}`,
	} {
		if got := asJSON(reg[k]); got != want {
			t.Errorf("/brokers/ids/0 %s = %s, want %s", k, got, want)
		}
	}
	checkTimestamp(t, "/brokers/ids/0", reg["timestamp"])

	cid, _ := zkJSON(t, conn, chroot+"/cluster/id")
	if got, want := asJSON(cid), `{"id":"`+clusterID+`","version":"1"}`; got != want {
		t.Errorf("%s/cluster/id = %s, want %s (the cluster id Metadata reports)", chroot, got, want)
	}

	ctl, st := zkJSON(t, conn, chroot+"/controller")
	if st.EphemeralOwner == 0 {
		t.Errorf("%s/controller is persistent, want ephemeral", chroot)
	}
	if got, want := keys(ctl), []string{"brokerid", "timestamp", "version"}; !slices.Equal(got, want) {
		t.Errorf("/controller fields %q, want %q", got, want)
	}
	if asJSON(ctl["version"]) != "1" || asJSON(ctl["brokerid"]) != "0" {
		t.Errorf("/controller = %s, want version 1 and brokerid 0", asJSON(ctl))
	}
	checkTimestamp(t, "/controller", ctl["timestamp"])
	if e := controllerEpoch(t, conn, chroot); e < 1 {
		t.Errorf("%s/controller_epoch = %d, want >= 1", chroot, e)
	}
}

// controllerEpoch reads /controller_epoch, a plain decimal number.
func controllerEpoch(t *testing.T, conn *zk.Conn, chroot string) int {
	t.Helper()
	data, _, err := conn.Get(chroot + "/controller_epoch")
	if err != nil {
		t.Fatal(err)
	}
	e, err := strconv.Atoi(string(data))
	if err != nil {
		t.Fatalf("%s/controller_epoch = %q, want a decimal number", chroot, data)
	}
	return e
}

// checkTimestamp checks a registration time: milliseconds since the epoch,
// as a JSON string, within the last hour.
func checkTimestamp(t *testing.T, what string, v any) {
	t.Helper()
	s, ok := v.(string)
	ms, err := strconv.ParseInt(s, 10, 64)
	if !ok || err != nil || time.Since(time.UnixMilli(ms)).Abs() > time.Hour {
		t.Errorf("%s timestamp = %s, want a recent time in ms as a JSON string", what, asJSON(v))
	}
}

// checkTopicZnodes checks a new topic's assignment and partition states on
// single broker 0.
func checkTopicZnodes(t *testing.T, conn *zk.Conn, chroot, topic string, parts int, topicID string) {
	t.Helper()
	path := chroot + "/brokers/topics/" + topic
	tz, _ := zkJSON(t, conn, path)
	assignment := map[string]any{}
	for p := range parts {
		assignment[strconv.Itoa(p)] = []int{0}
	}
	want := map[string]any{"version": 3, "partitions": assignment, "adding_replicas": map[string]any{}, "removing_replicas": map[string]any{}}
	if topicID != "" {
		want["topic_id"] = topicID
	} else if id, ok := tz["topic_id"].(string); ok && len(id) == 22 {
		want["topic_id"] = id
	}
	if got, want := asJSON(tz), asJSON(want); got != want {
		t.Errorf("%s = %s, want %s", path, got, want)
	}
	children, _, err := conn.Children(path + "/partitions")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(children)
	if want := slices.Sorted(func(yield func(string) bool) {
		for p := range parts {
			yield(strconv.Itoa(p))
		}
	}); !slices.Equal(children, want) {
		t.Errorf("%s/partitions has %q, want %q", path, children, want)
	}
	epoch := controllerEpoch(t, conn, chroot)
	for p := range parts {
		sp := path + "/partitions/" + strconv.Itoa(p) + "/state"
		var st map[string]any
		waitFor(t, sp, opTimeout, func() bool {
			ok, _, _ := conn.Exists(sp)
			return ok
		})
		st, _ = zkJSON(t, conn, sp)
		ce, _ := st["controller_epoch"].(float64)
		if ce < 1 || int(ce) > epoch {
			t.Errorf("%s controller_epoch = %v, want 1..%d (/controller_epoch)", sp, st["controller_epoch"], epoch)
		}
		st["controller_epoch"] = "E"
		if got, want := asJSON(st), `{"controller_epoch":"E","isr":[0],"leader":0,"leader_epoch":0,"version":1}`; got != want {
			t.Errorf("%s = %s, want %s", sp, got, want)
		}
	}
}
