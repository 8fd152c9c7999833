package zkdata

import (
	"bufio"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func strp(s string) *string { return &s }

// The golden strings below are what Kafka 2.8 writes. Those marked "seen"
// are copied from znodes of running Kafka brokers (2.13 and 2.12 builds);
// the others follow from the map each field list is built in
// (kafka.zk.ZkData) and the iteration rules in jvmorder.go.

func TestBrokerGolden(t *testing.T) {
	plain := []EndPoint{{Listener: "PLAINTEXT", Host: "localhost", Port: 9092, SecurityProtocol: "PLAINTEXT"}}
	two := []EndPoint{
		{Listener: "PLAINTEXT", Host: "kafka", Port: 9092, SecurityProtocol: "PLAINTEXT"},
		{Listener: "PLAINTEXT_HOST", Host: "localhost", Port: 29092, SecurityProtocol: "PLAINTEXT"},
	}
	tests := []struct {
		name   string
		flavor Flavor
		b      BrokerInfo
		want   string
	}{
		{"v5 2.13 (seen)", Scala213, BrokerInfo{ID: 0, EndPoints: plain, Version: 5, JMXPort: -1, Timestamp: 1695021504685},
			`{"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://localhost:9092"],"jmx_port":-1,"port":9092,"host":"localhost","version":5,"timestamp":"1695021504685"}`},
		{"v5 2.13 two listeners (seen)", Scala213, BrokerInfo{ID: 1, EndPoints: two, Version: 5, JMXPort: -1, Timestamp: 1736198272985},
			`{"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT","PLAINTEXT_HOST":"PLAINTEXT"},"endpoints":["PLAINTEXT://kafka:9092","PLAINTEXT_HOST://localhost:29092"],"jmx_port":-1,"port":9092,"host":"kafka","version":5,"timestamp":"1736198272985"}`},
		{"v5 2.12 (seen)", Scala212, BrokerInfo{ID: 0, EndPoints: plain, Version: 5, JMXPort: -1, Timestamp: 1617894143073},
			`{"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://localhost:9092"],"jmx_port":-1,"features":{},"host":"localhost","timestamp":"1617894143073","port":9092,"version":5}`},
		{"v4 2.13 (seen)", Scala213, BrokerInfo{ID: 0, EndPoints: plain, Version: 4, JMXPort: -1, Timestamp: 1603608218902},
			`{"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://localhost:9092"],"jmx_port":-1,"port":9092,"host":"localhost","version":4,"timestamp":"1603608218902"}`},
		{"v4 2.12 (seen)", Scala212, BrokerInfo{ID: 0, EndPoints: []EndPoint{{"PLAINTEXT", "kafkabroker", 9092, "PLAINTEXT"}}, Version: 4, JMXPort: 9999, Timestamp: 1530886155628},
			`{"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://kafkabroker:9092"],"jmx_port":9999,"host":"kafkabroker","timestamp":"1530886155628","port":9092,"version":4}`},
		{"v5 2.13 rack", Scala213, BrokerInfo{ID: 0, EndPoints: plain, Rack: strp("dc1"), Version: 5, JMXPort: -1, Timestamp: 1},
			`{"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://localhost:9092"],"rack":"dc1","jmx_port":-1,"port":9092,"host":"localhost","version":5,"timestamp":"1"}`},
		{"v5 no plaintext listener", Scala213, BrokerInfo{ID: 0, EndPoints: []EndPoint{{"SSL", "h", 9093, "SSL"}}, Version: 5, JMXPort: -1, Timestamp: 1},
			`{"features":{},"listener_security_protocol_map":{"SSL":"SSL"},"endpoints":["SSL://h:9093"],"jmx_port":-1,"port":-1,"host":null,"version":5,"timestamp":"1"}`},
		{"v5 ipv6", Scala213, BrokerInfo{ID: 0, EndPoints: []EndPoint{{"PLAINTEXT", "::1", 9092, "PLAINTEXT"}}, Version: 5, JMXPort: -1, Timestamp: 1},
			`{"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://[::1]:9092"],"jmx_port":-1,"port":9092,"host":"::1","version":5,"timestamp":"1"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(tc.flavor.EncodeBroker(tc.b))
			if got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
			back, err := DecodeBroker(tc.b.ID, []byte(got))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, tc.b) {
				t.Fatalf("round trip %+v, want %+v", back, tc.b)
			}
		})
	}
}

func TestDecodeOldBrokerRegistrations(t *testing.T) {
	tests := []struct {
		json string
		want []EndPoint
		rack *string
	}{
		{`{"version":1,"host":"localhost","port":9092,"jmx_port":9999,"timestamp":"2233345666"}`,
			[]EndPoint{{"PLAINTEXT", "localhost", 9092, "PLAINTEXT"}}, nil},
		{`{"version":2,"host":"localhost","port":9092,"jmx_port":9999,"timestamp":"2233345666","endpoints":["PLAINTEXT://host1:9092", "SSL://host1:9093"]}`,
			[]EndPoint{{"PLAINTEXT", "host1", 9092, "PLAINTEXT"}, {"SSL", "host1", 9093, "SSL"}}, nil},
		{`{"version":3,"host":"localhost","port":9092,"jmx_port":9999,"timestamp":"2233345666","endpoints":["PLAINTEXT://host1:9092"],"rack":"dc1"}`,
			[]EndPoint{{"PLAINTEXT", "host1", 9092, "PLAINTEXT"}}, strp("dc1")},
		{`{"version":4,"host":"localhost","port":9092,"jmx_port":9999,"timestamp":"2233345666","endpoints":["CLIENT://host1:9092","REPLICATION://host1:9093"],"listener_security_protocol_map":{"CLIENT":"SSL","REPLICATION":"PLAINTEXT"},"rack":null}`,
			[]EndPoint{{"CLIENT", "host1", 9092, "SSL"}, {"REPLICATION", "host1", 9093, "PLAINTEXT"}}, nil},
		{`{"version":5,"host":"localhost","port":9092,"jmx_port":9999,"timestamp":"2233345666","endpoints":["client://host1:9092"],"listener_security_protocol_map":{"CLIENT":"SASL_SSL"},"features":{"feature":{"min_version":1,"max_version":3}}}`,
			[]EndPoint{{"CLIENT", "host1", 9092, "SASL_SSL"}}, nil},
	}
	for _, tc := range tests {
		b, err := DecodeBroker(7, []byte(tc.json))
		if err != nil {
			t.Fatalf("%s: %v", tc.json, err)
		}
		if b.ID != 7 || !reflect.DeepEqual(b.EndPoints, tc.want) || !reflect.DeepEqual(b.Rack, tc.rack) || b.Timestamp != 2233345666 {
			t.Fatalf("%s: %+v", tc.json, b)
		}
	}
	for _, bad := range []string{
		`{"version":0,"jmx_port":1}`,
		`{"version":5,"endpoints":["PLAINTEXT://h:1"]}`, // no jmx_port
		`{"version":4,"jmx_port":1,"endpoints":["CLIENT://h:1"]}`,
		`{"version":4,"jmx_port":1,"endpoints":["nonsense"]}`,
		`not json`, `[]`, `null`,
	} {
		if _, err := DecodeBroker(1, []byte(bad)); err == nil {
			t.Errorf("%s decoded", bad)
		}
	}
}

func TestTopicGolden(t *testing.T) {
	id, err := ParseUUID("RSZ--odYRlSOPGRgukKnAQ")
	if err != nil {
		t.Fatal(err)
	}
	three := TopicAssignment{Topic: "test-topic", TopicID: id, Partitions: map[int32]ReplicaAssignment{
		0: {Replicas: []int32{3, 2}}, 1: {Replicas: []int32{1, 3}}, 2: {Replicas: []int32{2, 1}}}}
	tests := []struct {
		name   string
		flavor Flavor
		t      TopicAssignment
		want   string
	}{
		{"2.12 (seen)", Scala212, three,
			`{"removing_replicas":{},"partitions":{"2":[2,1],"1":[1,3],"0":[3,2]},"topic_id":"RSZ--odYRlSOPGRgukKnAQ","adding_replicas":{},"version":3}`},
		{"2.13", Scala213, three,
			`{"partitions":{"0":[3,2],"1":[1,3],"2":[2,1]},"topic_id":"RSZ--odYRlSOPGRgukKnAQ","adding_replicas":{},"removing_replicas":{},"version":3}`},
		{"2.13 no topic id", Scala213, TopicAssignment{Topic: "t", Partitions: map[int32]ReplicaAssignment{0: {Replicas: []int32{0}}}},
			`{"partitions":{"0":[0]},"adding_replicas":{},"removing_replicas":{},"version":3}`},
		{"2.13 reassigning", Scala213, TopicAssignment{Topic: "t", Partitions: map[int32]ReplicaAssignment{
			0: {Replicas: []int32{4, 1}, Adding: []int32{4}, Removing: []int32{1}}, 1: {Replicas: []int32{1}}}},
			`{"partitions":{"0":[4,1],"1":[1]},"adding_replicas":{"0":[4]},"removing_replicas":{"0":[1]},"version":3}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(tc.flavor.EncodeTopic(tc.t))
			if got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
			back, err := DecodeTopic(tc.t.Topic, []byte(got))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, tc.t) {
				t.Fatalf("round trip %+v, want %+v", back, tc.t)
			}
		})
	}
}

// The partitions map of a 2.13 broker starts with 16 buckets and doubles
// at 12 and 24 entries: "11" lands in bucket 0 of 32.
func TestTopicPartitionOrder213(t *testing.T) {
	parts := map[int32]ReplicaAssignment{}
	for p := int32(0); p < 12; p++ {
		parts[p] = ReplicaAssignment{Replicas: []int32{0}}
	}
	got := string(Scala213.EncodeTopic(TopicAssignment{Topic: "t", Partitions: parts}))
	want := `{"partitions":{"11":[0],"0":[0],"1":[0],"2":[0],"3":[0],"4":[0],"5":[0],"6":[0],"7":[0],"8":[0],"9":[0],"10":[0]},"adding_replicas":{},"removing_replicas":{},"version":3}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	// A 2.12 broker with 4 partitions (seen): {"2":[2],"1":[1],"0":[3],"3":[3]}.
	four := map[int32]ReplicaAssignment{0: {Replicas: []int32{3}}, 1: {Replicas: []int32{1}}, 2: {Replicas: []int32{2}}, 3: {Replicas: []int32{3}}}
	got = string(Scala212.EncodeTopic(TopicAssignment{Topic: "t", Partitions: four}))
	if !strings.Contains(got, `"partitions":{"2":[2],"1":[1],"0":[3],"3":[3]}`) {
		t.Fatalf("2.12 order: %s", got)
	}
}

func TestPartitionStateGolden(t *testing.T) {
	s := PartitionState{LeaderAndIsr: LeaderAndIsr{Leader: 1, LeaderEpoch: 0, ISR: []int32{1, 2}, ZkVersion: 3}, ControllerEpoch: 1}
	want := `{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1,2]}` // seen, both builds
	for _, f := range []Flavor{Scala213, Scala212} {
		if got := string(f.EncodePartitionState(s)); got != want {
			t.Fatalf("%v: got %s", f, got)
		}
	}
	back, err := DecodePartitionState([]byte(want), 3)
	if err != nil || !reflect.DeepEqual(back, s) {
		t.Fatalf("decode %+v %v", back, err)
	}
	if _, err := DecodePartitionState([]byte(`{"leader":1,"leader_epoch":0,"controller_epoch":1}`), 0); err == nil {
		t.Fatal("state without isr decoded")
	}
}

func TestSmallZnodesGolden(t *testing.T) {
	tests := []struct{ got, want string }{
		{string(EncodeController(2, 1673382716473)), `{"version":1,"brokerid":2,"timestamp":"1673382716473"}`},
		{string(EncodeControllerEpoch(7)), `7`},
		{string(EncodeClusterID("eQzK4lYlQ9y8P21IScOl_g")), `{"version":"1","id":"eQzK4lYlQ9y8P21IScOl_g"}`},
		{string(EncodeConfigChange("topics/t")), `{"version":2,"entity_path":"topics/t"}`},
		{string(EncodeIsrChange([]TopicPartition{{"a", 0}, {"b", 1}})), `{"version":1,"partitions":[{"topic":"a","partition":0},{"topic":"b","partition":1}]}`},
		{string(EncodePreferredReplicaElection([]TopicPartition{{"a", 0}})), `{"version":1,"partitions":[{"topic":"a","partition":0}]}`},
		{string(EncodeLogDirEvent(3)), `{"version":1,"broker":3,"event":1}`},
		{string(EncodeReassignment([]Reassignment{{TopicPartition{"t", 0}, []int32{1, 2}}})), `{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2]}]}`},
		{string(Scala213.EncodeFeature(FeatureZNode{Enabled: true, Features: map[string]VersionRange{}})), `{"features":{},"version":1,"status":1}`},
		{string(EncodeEntityConfig([]ConfigEntry{{"cleanup.policy", "compact"}, {"retention.ms", "86400000"}})), `{"version":1,"config":{"cleanup.policy":"compact","retention.ms":"86400000"}}`},
		// From Java 17 + Jackson: a Properties filled in this order.
		{string(EncodeEntityConfig([]ConfigEntry{{"retention.ms", "1000"}, {"cleanup.policy", "compact"}, {"min.insync.replicas", "2"}, {"segment.bytes", "100"}, {"max.message.bytes", "5"}, {"compression.type", "gzip"}})),
			`{"version":1,"config":{"compression.type":"gzip","cleanup.policy":"compact","max.message.bytes":"5","min.insync.replicas":"2","retention.ms":"1000","segment.bytes":"100"}}`},
		{string(EncodeEntityConfig(nil)), `{"version":1,"config":{}}`},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("got  %s\nwant %s", tc.got, tc.want)
		}
	}
	if id, err := DecodeController([]byte(`{"version":2,"brokerid":1,"timestamp":"1704032949256","kraftControllerEpoch":-1}`)); err != nil || id != 1 {
		t.Fatalf("controller v2: %d %v", id, err)
	}
	if id, err := DecodeClusterID([]byte(`{"version":"1","id":"abc"}`)); err != nil || id != "abc" {
		t.Fatalf("cluster id: %q %v", id, err)
	}
	if p, err := DecodeConfigChange([]byte(`{"version":1,"entity_type":"topics","entity_name":"t"}`)); err != nil || p != "topics/t" {
		t.Fatalf("config change v1: %q %v", p, err)
	}
	if cfg, err := DecodeEntityConfig([]byte(`{"version":1,"config":{"a":"1"}}`)); err != nil || cfg["a"] != "1" {
		t.Fatalf("config: %v %v", cfg, err)
	}
	if _, err := DecodeEntityConfig([]byte(`{"version":1,"config":{"a":1}}`)); err == nil {
		t.Fatal("non-string config value decoded")
	}
	if ps, err := DecodeIsrChange(EncodeIsrChange([]TopicPartition{{"a", 0}})); err != nil || len(ps) != 1 || ps[0] != (TopicPartition{"a", 0}) {
		t.Fatalf("isr change: %v %v", ps, err)
	}
	if z, err := DecodeFeature([]byte(`{"features":{"f":{"min_version_level":1,"max_version_level":2}},"version":1,"status":1}`)); err != nil || !z.Enabled || z.Features["f"] != (VersionRange{1, 2}) {
		t.Fatalf("feature: %+v %v", z, err)
	}
}

// testdata/properties_order.txt holds pairs of lines produced by Java 17:
// keys in setProperty order, then the order a Properties iterates them.
func TestPropertiesOrderMatchesJava(t *testing.T) {
	f, err := os.Open("testdata/properties_order.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		in := strings.Fields(sc.Text())
		if !sc.Scan() {
			t.Fatal("odd line count")
		}
		want := strings.Fields(sc.Text())
		if got := propertiesOrder(in); !slices.Equal(got, want) {
			t.Errorf("keys %v\ngot  %v\nwant %v", in, got, want)
		}
		n++
	}
	if n < 40 {
		t.Fatalf("only %d cases", n)
	}
}

func TestJacksonEscapes(t *testing.T) {
	var w jsonWriter
	w.str("a\"b\\c\n\t\r\b\f\x01\x1f/<>&é€\u2028𝄞\x7f")
	want := `"a\"b\\c\n\t\r\b\f\u0001\u001F/<>&é€` + "\u2028" + `\uD834\uDD1E` + "\x7f" + `"` // Jackson 2.x output
	if string(w.b) != want {
		t.Fatalf("got %s want %s", w.b, want)
	}
}

func TestUUID(t *testing.T) {
	u, err := NewUUID(nil)
	if err != nil {
		t.Fatal(err)
	}
	s := u.String()
	if len(s) != 22 || u[6]>>4 != 4 {
		t.Fatalf("uuid %s %x", s, u)
	}
	back, err := ParseUUID(s)
	if err != nil || back != u {
		t.Fatalf("parse %v %v", back, err)
	}
	if ZeroUUID.String() != "AAAAAAAAAAAAAAAAAAAAAA" {
		t.Fatal(ZeroUUID.String())
	}
	for _, bad := range []string{"", "abc", "AAAAAAAAAAAAAAAAAAAAAAAAAAAA", "!!!!AAAAAAAAAAAAAAAAAA"} {
		if _, err := ParseUUID(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
