package dumplog

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/wharf-project/wharf/internal/javafmt"
)

// The records of __consumer_offsets (Kafka 3.9's group-coordinator
// schemas, decoded as CoordinatorRecordSerde does) and of
// __transaction_state, and the KRaft control records, as
// --offsets-decoder, --transaction-log-decoder and the control record
// lines print them.

var (
	offsetCommitKey = &msgSchema{name: "OffsetCommitKey", valid: vrange{0, 1}, flexible: vNone, fields: []*field{
		fld("group", tString, vrange{0, 1}),
		fld("topic", tString, vrange{0, 1}),
		fld("partition", tInt32, vrange{0, 1}),
	}}
	offsetCommitValue = &msgSchema{name: "OffsetCommitValue", valid: vrange{0, 4}, flexible: from(4), fields: []*field{
		fld("offset", tInt64, vAll),
		fld("leaderEpoch", tInt32, from(3)),
		fld("metadata", tString, vAll),
		fld("commitTimestamp", tInt64, vAll),
		fld("expireTimestamp", tInt64, only(1)),
	}}
	groupMetadataKey = &msgSchema{name: "GroupMetadataKey", valid: only(2), flexible: vNone, fields: []*field{
		fld("group", tString, only(2)),
	}}
	groupMetadataValue = &msgSchema{name: "GroupMetadataValue", valid: vrange{0, 4}, flexible: from(4), fields: []*field{
		fld("protocolType", tString, vAll),
		fld("generation", tInt32, vAll),
		fld("protocol", tString, vAll).null(vAll),
		fld("leader", tString, vAll).null(vAll),
		fld("currentStateTimestamp", tInt64, from(2)),
		fld("members", arrayOf(structOf(
			fld("memberId", tString, vAll),
			fld("groupInstanceId", tString, from(3)).null(from(3)),
			fld("clientId", tString, vAll),
			fld("clientHost", tString, vAll),
			fld("rebalanceTimeout", tInt32, from(1)),
			fld("sessionTimeout", tInt32, vAll),
			fld("subscription", tBytes, vAll),
			fld("assignment", tBytes, vAll),
		)), vAll),
	}}
	topicPartitionsByID = arrayOf(structOf(
		fld("topicId", tUUID, vAll),
		fld("partitions", arrayOf(tInt32), vAll),
	))
	// Keys and values of the KIP-848 consumer groups, types 3 to 8.
	consumerGroupKeys = map[int16]*msgSchema{
		3: groupIDKey("ConsumerGroupMetadataKey", 3),
		4: groupIDKey("ConsumerGroupPartitionMetadataKey", 4),
		5: groupMemberKey("ConsumerGroupMemberMetadataKey", 5),
		6: groupIDKey("ConsumerGroupTargetAssignmentMetadataKey", 6),
		7: groupMemberKey("ConsumerGroupTargetAssignmentMemberKey", 7),
		8: groupMemberKey("ConsumerGroupCurrentMemberAssignmentKey", 8),
	}
	consumerGroupValues = map[int16]*msgSchema{
		3: flexV0("ConsumerGroupMetadataValue", fld("epoch", tInt32, vAll)),
		4: flexV0("ConsumerGroupPartitionMetadataValue", fld("topics", arrayOf(structOf(
			fld("topicId", tUUID, vAll),
			fld("topicName", tString, vAll),
			fld("numPartitions", tInt32, vAll),
			fld("partitionMetadata", arrayOf(structOf(
				fld("partition", tInt32, vAll),
				fld("racks", arrayOf(tString), vAll),
			)), vAll),
		)), vAll)),
		5: flexV0("ConsumerGroupMemberMetadataValue",
			fld("instanceId", tString, vAll).null(vAll),
			fld("rackId", tString, vAll).null(vAll),
			fld("clientId", tString, vAll),
			fld("clientHost", tString, vAll),
			fld("subscribedTopicNames", arrayOf(tString), vAll),
			fld("subscribedTopicRegex", tString, vAll).null(vAll),
			fld("rebalanceTimeoutMs", tInt32, vAll),
			fld("serverAssignor", tString, vAll).null(vAll),
			fld("classicMemberMetadata", structOf(
				fld("sessionTimeoutMs", tInt32, vAll),
				fld("supportedProtocols", arrayOf(structOf(
					fld("name", tString, vAll),
					fld("metadata", tBytes, vAll),
				)), vAll),
			), vAll).null(vAll).taggedAt(vAll, 0),
		),
		6: flexV0("ConsumerGroupTargetAssignmentMetadataValue", fld("assignmentEpoch", tInt32, vAll)),
		7: flexV0("ConsumerGroupTargetAssignmentMemberValue", fld("topicPartitions", topicPartitionsByID, vAll)),
		8: flexV0("ConsumerGroupCurrentMemberAssignmentValue",
			fld("memberEpoch", tInt32, vAll),
			fld("previousMemberEpoch", tInt32, vAll),
			fld("state", tInt8, vAll),
			fld("assignedPartitions", topicPartitionsByID, vAll),
			fld("partitionsPendingRevocation", topicPartitionsByID, vAll),
		),
	}
	topicPartitionsByName = func(v vrange) *ftype {
		return arrayOf(structOf(fld("topic", tString, v), fld("partitions", arrayOf(tInt32), v)))
	}
	consumerProtocolSubscription = &msgSchema{name: "ConsumerProtocolSubscription", valid: vrange{0, 3}, flexible: vNone, fields: []*field{
		fld("topics", arrayOf(tString), vAll),
		fld("userData", tBytes, vAll).null(vAll).zc(),
		fld("ownedPartitions", topicPartitionsByName(from(1)), from(1)),
		fld("generationId", tInt32, from(2)),
		fld("rackId", tString, from(3)).null(from(3)),
	}}
	consumerProtocolAssignment = &msgSchema{name: "ConsumerProtocolAssignment", valid: vrange{0, 3}, flexible: vNone, fields: []*field{
		fld("assignedPartitions", topicPartitionsByName(vAll), vAll),
		fld("userData", tBytes, vAll).null(vAll).zc(),
	}}
	transactionLogKey = &msgSchema{name: "TransactionLogKey", valid: only(0), flexible: vNone, fields: []*field{
		fld("transactionalId", tString, only(0)),
	}}
	transactionLogValue = &msgSchema{name: "TransactionLogValue", valid: vrange{0, 1}, flexible: from(1), fields: []*field{
		fld("producerId", tInt64, vAll),
		fld("producerEpoch", tInt16, vAll),
		fld("transactionTimeoutMs", tInt32, vAll),
		fld("transactionStatus", tInt8, vAll),
		fld("transactionPartitions", arrayOf(structOf(
			fld("topic", tString, vAll),
			fld("partitionIds", arrayOf(tInt32), vAll),
		)), vAll).null(vAll),
		fld("transactionLastUpdateTimestampMs", tInt64, vAll),
		fld("transactionStartTimestampMs", tInt64, vAll),
	}}
	kraftControl = map[int16]struct {
		label  string
		schema *msgSchema
	}{
		3: {"SnapshotHeader", flexV0("SnapshotHeaderRecord", fld("version", tInt16, vAll), fld("lastContainedLogTimestamp", tInt64, vAll))},
		4: {"SnapshotFooter", flexV0("SnapshotFooterRecord", fld("version", tInt16, vAll))},
		5: {"KRaftVersion", flexV0("KRaftVersionRecord", fld("version", tInt16, vAll), fld("kRaftVersion", tInt16, vAll))},
		6: {"KRaftVoters", flexV0("VotersRecord", fld("version", tInt16, vAll), fld("voters", arrayOf(structOf(
			fld("voterId", tInt32, vAll),
			fld("voterDirectoryId", tUUID, vAll),
			fld("endpoints", arrayOf(structOf(
				fld("name", tString, vAll),
				fld("host", tString, vAll),
				fld("port", tUint16, vAll),
			)), vAll),
			fld("kRaftVersionFeature", structOf(
				fld("minSupportedVersion", tInt16, vAll),
				fld("maxSupportedVersion", tInt16, vAll),
			), vAll),
		)), vAll))},
	}
)

func groupIDKey(name string, v int16) *msgSchema {
	return &msgSchema{name: name, valid: only(v), flexible: vNone, fields: []*field{fld("groupId", tString, only(v))}}
}

func groupMemberKey(name string, v int16) *msgSchema {
	return &msgSchema{name: name, valid: only(v), flexible: vNone, fields: []*field{
		fld("groupId", tString, only(v)), fld("memberId", tString, only(v))}}
}

func flexV0(name string, fs ...*field) *msgSchema {
	return &msgSchema{name: name, valid: only(0), flexible: vAll, fields: fs}
}

// kraftControlText is the SnapshotHeader/SnapshotFooter/KRaftVersion/
// KRaftVoters text of a control record: its value read at version 0.
func kraftControlText(typ int16, value []byte) (string, *JavaException) {
	k := kraftControl[typ]
	if value == nil {
		return "", jexNull(exNullPointer)
	}
	obj, err := k.schema.read(&cursor{b: value}, 0)
	if err != nil {
		return "", err
	}
	return " " + k.label + " " + obj.String(), nil
}

// offsetsParser is DumpLogSegments.OffsetsMessageParser.
type offsetsParser struct{}

func (offsetsParser) parse(r *logRecord) (*string, *string, *JavaException) {
	if r.key == nil {
		return nil, nil, rtErr("Failed to decode message at offset %d using offset topic decoder (message had a missing key)", r.offset)
	}
	key, value, unknown, err := decodeCoordinatorRecord(r.key, r.value)
	switch {
	case unknown != nil:
		s := fmt.Sprintf("Unknown record type %d at offset %d, skipping.", *unknown, r.offset)
		return &s, nil, nil
	case err != nil:
		msg := err.Message
		if !err.HasMsg {
			msg = "null"
		}
		s := fmt.Sprintf("Error at offset %d, skipping. %s", r.offset, msg)
		return &s, nil, nil
	}
	return &key, &value, nil
}

// decodeCoordinatorRecord is CoordinatorRecordSerde.deserialize followed by
// the parser's prepareKey/prepareValue.
func decodeCoordinatorRecord(keyBytes, valueBytes []byte) (key, value string, unknown *int16, err *JavaException) {
	kc := &cursor{b: keyBytes}
	typ, e := kc.int16()
	if e != nil {
		return "", "", nil, rtErr("Could not read version from key's buffer.")
	}
	ks, vs := coordinatorSchemas(typ)
	if ks == nil {
		return "", "", &typ, nil
	}
	kobj, e := ks.read(kc, typ)
	if e != nil {
		return "", "", nil, readFailure(typ, "key", e)
	}
	key = wrapJSON("type", typ, kobj)
	if valueBytes == nil {
		return key, "<DELETE>", nil, nil
	}
	vc := &cursor{b: valueBytes}
	ver, e := vc.int16()
	if e != nil {
		return "", "", nil, rtErr("Could not read version from value's buffer.")
	}
	vobj, e := vs.read(vc, ver)
	if e != nil {
		return "", "", nil, readFailure(ver, "value", e)
	}
	if vs == groupMetadataValue {
		expandConsumerProtocol(vobj)
	}
	return key, wrapJSON("version", ver, vobj), nil, nil
}

func readFailure(version int16, what string, e *JavaException) *JavaException {
	msg := e.Message
	if !e.HasMsg {
		msg = "null"
	}
	return rtErr("Could not read record with version %d from %s's buffer due to: %s.", version, what, msg)
}

func coordinatorSchemas(typ int16) (key, value *msgSchema) {
	switch typ {
	case 0, 1:
		return offsetCommitKey, offsetCommitValue
	case 2:
		return groupMetadataKey, groupMetadataValue
	}
	if k, ok := consumerGroupKeys[typ]; ok {
		return k, consumerGroupValues[typ]
	}
	return nil, nil
}

func wrapJSON(label string, version int16, data *jobject) string {
	o := &jobject{}
	o.set(label, jstring(strconv.Itoa(int(version))))
	o.set("data", data)
	return o.String()
}

// expandConsumerProtocol replaces each member's subscription and
// assignment bytes by their decoded form when the group uses the
// "consumer" protocol; bytes that do not decode stay as they are.
func expandConsumerProtocol(v *jobject) {
	if pt, ok := v.get("protocolType").(jstring); !ok || pt != "consumer" {
		return
	}
	members, ok := v.get("members").(*jarray)
	if !ok {
		return
	}
	for _, m := range members.items {
		mo, ok := m.(*jobject)
		if !ok {
			continue
		}
		for _, f := range []struct {
			name   string
			schema *msgSchema
		}{{"subscription", consumerProtocolSubscription}, {"assignment", consumerProtocolAssignment}} {
			raw, ok := mo.get(f.name).(jbinary)
			if !ok {
				continue
			}
			c := &cursor{b: raw}
			ver, err := c.int16()
			if err != nil {
				continue
			}
			if obj, err := f.schema.read(c, ver); err == nil {
				mo.set(f.name, obj)
			}
		}
	}
}

// txnLogParser is TransactionLog.formatRecordKeyAndValue.
type txnLogParser struct{}

var txnStates = []string{"Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort", "Dead", "PrepareEpochFence"}

func (txnLogParser) parse(r *logRecord) (*string, *string, *JavaException) {
	if r.key == nil {
		return nil, nil, jexNull(exNullPointer)
	}
	kc := &cursor{b: r.key}
	kver, err := kc.int16()
	if err != nil {
		return nil, nil, err
	}
	if kver != 0 {
		s := fmt.Sprintf("unknown::version=%d", kver)
		return &s, nil, nil
	}
	kobj, err := transactionLogKey.read(kc, kver)
	if err != nil {
		return nil, nil, err
	}
	id := string(kobj.get("transactionalId").(jstring))
	key := "transaction_metadata::transactionalId=" + id
	if r.value == nil {
		del := "<DELETE>"
		return &key, &del, nil
	}
	vc := &cursor{b: r.value}
	ver, err := vc.int16()
	if err != nil {
		return nil, nil, err
	}
	if ver < 0 || ver > 1 {
		return nil, nil, jex(exIllegalState, "Unknown version %d from the transaction log message value", ver)
	}
	v, err := transactionLogValue.read(vc, ver)
	if err != nil {
		return nil, nil, err
	}
	status, _ := strconv.Atoi(string(v.get("transactionStatus").(jnumber)))
	if status < 0 || status >= len(txnStates) {
		return nil, nil, jex(exIllegalState, "Unknown transaction state id %d from the transaction status message", status)
	}
	state := txnStates[status]
	partitions := newScalaTable[string]()
	if state != "Empty" {
		arr, ok := v.get("transactionPartitions").(*jarray)
		if !ok {
			return nil, nil, jexNull(exNullPointer)
		}
		for _, item := range arr.items {
			tp := item.(*jobject)
			topic := string(tp.get("topic").(jstring))
			ids := tp.get("partitionIds").(*jarray)
			// addPartitions: topicPartitions ++= a Set of this topic's partitions
			distinct := map[string]bool{}
			for _, p := range ids.items {
				distinct[string(p.(jnumber))] = true
			}
			partitions.sizeHint(len(distinct))
			for _, p := range ids.items {
				n, _ := strconv.Atoi(string(p.(jnumber)))
				name := topic + "-" + strconv.Itoa(n)
				partitions.put(name, topicPartitionHash(topic, int32(n)))
			}
		}
	}
	val := fmt.Sprintf("producerId:%s,producerEpoch:%s,state=%s,partitions=[%s],txnLastUpdateTimestamp=%s,txnTimeoutMs=%s",
		v.get("producerId"), v.get("producerEpoch"), state, strings.Join(partitions.ordered(), ","),
		v.get("transactionLastUpdateTimestampMs"), v.get("transactionTimeoutMs"))
	return &key, &val, nil
}

// topicPartitionHash is TopicPartition.hashCode.
func topicPartitionHash(topic string, partition int32) int32 {
	return 31*(31+partition) + javafmt.StringHash(topic)
}

func (n jnumber) String() string { return string(n) }
