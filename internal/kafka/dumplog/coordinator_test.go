package dumplog

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/record"
)

// enc writes Kafka's message encodings for the test fixtures.
type enc []byte

func (e enc) i8(v int8) enc   { return append(e, byte(v)) }
func (e enc) i16(v int16) enc { return binary.BigEndian.AppendUint16(e, uint16(v)) }
func (e enc) i32(v int32) enc { return binary.BigEndian.AppendUint32(e, uint32(v)) }
func (e enc) i64(v int64) enc { return binary.BigEndian.AppendUint64(e, uint64(v)) }
func (e enc) uv(v uint32) enc { return binary.AppendUvarint(e, uint64(v)) }
func (e enc) str(s string) enc {
	return append(e.i16(int16(len(s))), s...)
}
func (e enc) cstr(s string) enc { return append(e.uv(uint32(len(s)+1)), s...) } // compact string
func (e enc) cbytes(b []byte) enc {
	return append(e.uv(uint32(len(b)+1)), b...)
}
func (e enc) raw(b []byte) enc { return append(e, b...) }

// subscriptionV3 is ConsumerProtocol.serializeSubscription(new
// Subscription(["foo"], null, [foo-0], 0, Optional.of("rack"))).
func subscriptionV3() []byte {
	return enc{}.i16(3).
		i32(1).str("foo").               // topics
		i32(-1).                         // userData null
		i32(1).str("foo").i32(1).i32(0). // ownedPartitions
		i32(0).                          // generationId
		str("rack")
}

// assignmentV3 is ConsumerProtocol.serializeAssignment(new Assignment([foo-0])).
func assignmentV3() []byte {
	return enc{}.i16(3).i32(1).str("foo").i32(1).i32(0).i32(-1)
}

// groupMetadataValueV4 is GroupMetadataValue v4 (flexible) with one member.
func groupMetadataValueV4(subscription, assignment []byte) []byte {
	return enc{}.i16(4).
		cstr("consumer").i32(10).cstr("range").cstr("member").i64(-1).
		uv(2). // one member
		cstr("member").cstr("instance").cstr("client").cstr("host").i32(1000).i32(100).
		cbytes(subscription).cbytes(assignment).uv(0). // member's tagged fields
		uv(0)
}

// The cases of DumpLogSegmentsTest.testOffsetsMessageParser, with the
// expected texts copied from it.
func TestOffsetsMessageParser(t *testing.T) {
	parse := func(key, value []byte) (*string, *string, *JavaException) {
		return offsetsParser{}.parse(&logRecord{offset: 0, key: key, value: value})
	}
	check := func(name string, key, value []byte, wantKey string, wantValue *string) {
		t.Helper()
		k, v, err := parse(key, value)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if k == nil || *k != wantKey {
			t.Errorf("%s key: got %v, want %q", name, deref(k), wantKey)
		}
		if (v == nil) != (wantValue == nil) || (v != nil && *v != *wantValue) {
			t.Errorf("%s value: got %v, want %v", name, deref(v), deref(wantValue))
		}
	}
	ptr := func(s string) *string { return &s }

	// The key is mandatory.
	_, _, err := parse(nil, nil)
	if err == nil || err.Line() != `Exception in thread "main" java.lang.RuntimeException: Failed to decode message at offset 0 using offset topic decoder (message had a missing key)` {
		t.Errorf("missing key: %v", err)
	}

	cgKey := enc{}.i16(3).str("group")
	check("consumer group metadata", cgKey, enc{}.i16(0).i32(10).uv(0),
		`{"type":"3","data":{"groupId":"group"}}`, ptr(`{"version":"0","data":{"epoch":10}}`))

	gKey := enc{}.i16(2).str("group")
	check("consumer embedded protocol", gKey, groupMetadataValueV4(subscriptionV3(), assignmentV3()),
		`{"type":"2","data":{"group":"group"}}`,
		ptr(`{"version":"4","data":{"protocolType":"consumer","generation":10,"protocol":"range",`+
			`"leader":"member","currentStateTimestamp":-1,"members":[{"memberId":"member",`+
			`"groupInstanceId":"instance","clientId":"client","clientHost":"host",`+
			`"rebalanceTimeout":1000,"sessionTimeout":100,"subscription":{"topics":["foo"],`+
			`"userData":null,"ownedPartitions":[{"topic":"foo","partitions":[0]}],`+
			`"generationId":0,"rackId":"rack"},"assignment":{"assignedPartitions":`+
			`[{"topic":"foo","partitions":[0]}],"userData":null}}]}}`))

	check("malformed embedded protocol", gKey, groupMetadataValueV4([]byte("Subscription"), []byte("Assignment")),
		`{"type":"2","data":{"group":"group"}}`,
		ptr(`{"version":"4","data":{"protocolType":"consumer","generation":10,"protocol":"range",`+
			`"leader":"member","currentStateTimestamp":-1,"members":[{"memberId":"member",`+
			`"groupInstanceId":"instance","clientId":"client","clientHost":"host",`+
			`"rebalanceTimeout":1000,"sessionTimeout":100,"subscription":"U3Vic2NyaXB0aW9u",`+
			`"assignment":"QXNzaWdubWVudA=="}]}}`))

	check("tombstone", cgKey, nil, `{"type":"3","data":{"groupId":"group"}}`, ptr("<DELETE>"))

	check("unknown type", enc{}.i16(32767).str("group"), enc{}.i16(0).i32(10).uv(0),
		"Unknown record type 32767 at offset 0, skipping.", nil)

	// A ConsumerGroupMemberMetadataValue v0 with its defaults where a
	// ConsumerGroupMetadataValue is expected: the epoch eats the first four
	// bytes and the rest reads as a tagged field of 2^29-1 bytes.
	memberDefaults := enc{}.i16(0).uv(0).uv(0).cstr("").cstr("").uv(1).uv(0).i32(-1).cstr("").uv(0)
	check("parse error", cgKey, memberDefaults,
		"Error at offset 0, skipping. Could not read record with version 0 from value's buffer due to: "+
			"Error reading byte array of 536870911 byte(s): only 1 byte(s) available.", nil)
}

func deref(s *string) string {
	if s == nil {
		return "<none>"
	}
	return fmt.Sprintf("%q", *s)
}

func TestOffsetCommitRecords(t *testing.T) {
	key := enc{}.i16(1).str("g").str("topic").i32(3)
	for _, tc := range []struct {
		value []byte
		want  string
	}{
		{enc{}.i16(1).i64(42).str("meta").i64(ts0).i64(ts0 + 5),
			`{"version":"1","data":{"offset":42,"metadata":"meta","commitTimestamp":1700000000000,"expireTimestamp":1700000000005}}`},
		{enc{}.i16(3).i64(42).i32(7).str("").i64(ts0),
			`{"version":"3","data":{"offset":42,"leaderEpoch":7,"metadata":"","commitTimestamp":1700000000000}}`},
		{enc{}.i16(4).i64(42).i32(7).cstr("m\"\n").i64(ts0).uv(0),
			`{"version":"4","data":{"offset":42,"leaderEpoch":7,"metadata":"m\"\n","commitTimestamp":1700000000000}}`},
	} {
		k, v, err := offsetsParser{}.parse(&logRecord{key: key, value: tc.value})
		if err != nil || *k != `{"type":"1","data":{"group":"g","topic":"topic","partition":3}}` || v == nil || *v != tc.want {
			t.Errorf("got %s %s %v, want %s", deref(k), deref(v), err, tc.want)
		}
	}
	// truncated: the generated reader's texts, wrapped by the serde
	_, _, err := offsetsParser{}.parse(&logRecord{key: key, value: enc{}.i16(1).i64(42).i16(10).raw([]byte("ab"))})
	if err != nil {
		t.Fatal(err)
	}
	k, _, _ := offsetsParser{}.parse(&logRecord{offset: 9, key: key, value: enc{}.i16(1).i64(42).i16(10).raw([]byte("ab"))})
	if want := "Error at offset 9, skipping. Could not read record with version 1 from value's buffer due to: Error reading byte array of 10 byte(s): only 2 byte(s) available."; *k != want {
		t.Errorf("got %q", *k)
	}
	k, _, _ = offsetsParser{}.parse(&logRecord{key: key, value: enc{}.i16(1).i32(1)})
	if want := "Error at offset 0, skipping. Could not read record with version 1 from value's buffer due to: null."; *k != want {
		t.Errorf("got %q", *k)
	}
	k, _, _ = offsetsParser{}.parse(&logRecord{key: []byte{0}})
	if want := "Error at offset 0, skipping. Could not read version from key's buffer."; *k != want {
		t.Errorf("got %q", *k)
	}
}

func TestOffsetsDecoderThroughTheTool(t *testing.T) {
	key := enc{}.i16(1).str("g").str("t").i32(0)
	s := newSegmentFixture(t, 0, fixtureBatch{codec: record.CompressionNone, recs: []fixtureRecord{
		{ts0, key, enc{}.i16(3).i64(5).i32(0).str("").i64(ts0), nil},
		{ts0, key, nil, nil},
	}})
	p := s.writeLog(t)
	out, _, code := run(t, s.dir, "--offsets-decoder", "--files", p)
	if code != 0 {
		t.Fatal(code)
	}
	diff(t, "stdout", out, lines("Dumping "+p, "Log starting offset: 0", batchLine(s.batches[0], 0),
		`| offset: 0 CreateTime: 1700000000000 keySize: 12 valueSize: 24 sequence: -1 headerKeys: [] key: {"type":"1","data":{"group":"g","topic":"t","partition":0}} payload: {"version":"3","data":{"offset":5,"leaderEpoch":0,"metadata":"","commitTimestamp":1700000000000}}`,
		`| offset: 1 CreateTime: 1700000000000 keySize: 12 valueSize: -1 sequence: -1 headerKeys: [] key: {"type":"1","data":{"group":"g","topic":"t","partition":0}} payload: <DELETE>`))
}

func TestTransactionLogDecoder(t *testing.T) {
	key := enc{}.i16(0).str("txn-1")
	value := enc{}.i16(1).i64(4000).i16(2).i32(60000).i8(1).
		uv(3).cstr("b").uv(3).i32(1).i32(0).uv(0).cstr("a").uv(2).i32(7).uv(0). // partitions, flexible
		i64(ts0 + 9).i64(ts0).uv(0)
	k, v, err := txnLogParser{}.parse(&logRecord{key: key, value: value})
	if err != nil {
		t.Fatal(err)
	}
	// partitions print in the order of Scala's mutable.HashSet of
	// TopicPartition (hash 31*(31+partition)+topic.hashCode)
	tbl := newScalaTable[string]()
	for _, tp := range []struct {
		topic string
		p     int32
	}{{"b", 1}, {"b", 0}, {"a", 7}} {
		tbl.put(fmt.Sprintf("%s-%d", tp.topic, tp.p), topicPartitionHash(tp.topic, tp.p))
	}
	order := fmt.Sprint(tbl.ordered())
	order = order[1 : len(order)-1]
	wantV := "producerId:4000,producerEpoch:2,state=Ongoing,partitions=[" +
		joinSpaces(order) + "],txnLastUpdateTimestamp=1700000000009,txnTimeoutMs=60000"
	if *k != "transaction_metadata::transactionalId=txn-1" || *v != wantV {
		t.Errorf("got %s %s, want %q", *k, *v, wantV)
	}

	_, v, _ = txnLogParser{}.parse(&logRecord{key: key})
	if *v != "<DELETE>" {
		t.Errorf("tombstone %s", *v)
	}
	k, v, _ = txnLogParser{}.parse(&logRecord{key: enc{}.i16(5)})
	if *k != "unknown::version=5" || v != nil {
		t.Errorf("unknown key %s %s", deref(k), deref(v))
	}
	_, _, err = txnLogParser{}.parse(&logRecord{key: key, value: enc{}.i16(9)})
	if err == nil || err.Error() != "java.lang.IllegalStateException: Unknown version 9 from the transaction log message value" {
		t.Errorf("unknown value version: %v", err)
	}
}

func joinSpaces(s string) string {
	out := []byte(s)
	for i := range out {
		if out[i] == ' ' {
			out[i] = ','
		}
	}
	return string(out)
}

func TestKRaftControlRecords(t *testing.T) {
	for typ, tc := range map[int16]struct {
		value []byte
		want  string
	}{
		3: {enc{}.i16(0).i64(10000).uv(0), ` SnapshotHeader {"version":0,"lastContainedLogTimestamp":10000}`},
		4: {enc{}.i16(0).uv(0), ` SnapshotFooter {"version":0}`},
		5: {enc{}.i16(0).i16(1).uv(0), ` KRaftVersion {"version":0,"kRaftVersion":1}`},
		6: {enc{}.i16(0).uv(2).i32(1).raw(make([]byte, 16)).uv(2).cstr("CONTROLLER").cstr("localhost").i16(9093).uv(0).
			i16(0).i16(1).uv(0).uv(0).uv(0),
			` KRaftVoters {"version":0,"voters":[{"voterId":1,"voterDirectoryId":"AAAAAAAAAAAAAAAAAAAAAA","endpoints":[{"name":"CONTROLLER","host":"localhost","port":9093}],"kRaftVersionFeature":{"minSupportedVersion":0,"maxSupportedVersion":1}}]}`},
		2:  {nil, " controlType: LEADER_CHANGE(2)"},
		42: {nil, " controlType: UNKNOWN(42)"},
	} {
		got, err := controlRecordText(&logRecord{key: enc{}.i16(0).i16(typ), value: tc.value})
		if err != nil || got != tc.want {
			t.Errorf("type %d: got %q %v, want %q", typ, got, err, tc.want)
		}
	}
	_, err := controlRecordText(&logRecord{key: []byte{0, 0}})
	if err == nil || err.Error() != "org.apache.kafka.common.InvalidRecordException: Invalid value size found for end control record key. Must have at least 4 bytes, but found only 2" {
		t.Errorf("short key: %v", err)
	}
}
