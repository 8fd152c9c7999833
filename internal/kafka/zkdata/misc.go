package zkdata

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// EncodeController is ControllerZNode.encode:
// {"version":1,"brokerid":N,"timestamp":"ms"}.
func EncodeController(brokerID int32, timestampMs int64) []byte {
	var w jsonWriter
	w.b = append(w.b, `{"version":1,"brokerid":`...)
	w.int(int64(brokerID))
	w.b = append(w.b, `,"timestamp":`...)
	w.str(strconv.FormatInt(timestampMs, 10))
	w.b = append(w.b, '}')
	return w.b
}

// DecodeController is ControllerZNode.decode: the controller's broker id.
// It also reads Kafka 3.x's version 2 (which adds kraftControllerEpoch).
func DecodeController(data []byte) (int32, error) {
	o, err := parseObject(data)
	if err != nil {
		return 0, decodeErr("controller", data, err)
	}
	id, err := o.intField("brokerid")
	if err != nil {
		return 0, decodeErr("controller", data, err)
	}
	return id, nil
}

// EncodeControllerEpoch is ControllerEpochZNode.encode: the decimal epoch.
func EncodeControllerEpoch(epoch int32) []byte { return strconv.AppendInt(nil, int64(epoch), 10) }

// DecodeControllerEpoch is ControllerEpochZNode.decode.
func DecodeControllerEpoch(data []byte) (int32, error) {
	n, err := strconv.ParseInt(string(data), 10, 32)
	if err != nil {
		return 0, decodeErr("controller epoch", data, err)
	}
	return int32(n), nil
}

// EncodeClusterID is ClusterIdZNode.toJson: {"version":"1","id":"..."}.
func EncodeClusterID(id string) []byte {
	var w jsonWriter
	w.b = append(w.b, `{"version":"1","id":`...)
	w.str(id)
	w.b = append(w.b, '}')
	return w.b
}

// DecodeClusterID is ClusterIdZNode.fromJson.
func DecodeClusterID(data []byte) (string, error) {
	o, err := parseObject(data)
	if err != nil {
		return "", fmt.Errorf("%w: Failed to parse the cluster id json %s", ErrJSON, data)
	}
	id, err := o.strField("id")
	if err != nil {
		return "", fmt.Errorf("%w: Failed to parse the cluster id json %s", ErrJSON, data)
	}
	return id, nil
}

// ConfigEntry is one property of an entity config.
type ConfigEntry struct{ Name, Value string }

// EncodeEntityConfig is ConfigEntityZNode.encode: {"version":1,"config":{...}}
// with the properties in the order a Java 9+ Properties filled by
// setProperty in the order of entries iterates them.
func EncodeEntityConfig(entries []ConfigEntry) []byte {
	values := map[string]string{}
	keys := make([]string, 0, len(entries))
	for _, e := range entries {
		if _, dup := values[e.Name]; !dup {
			keys = append(keys, e.Name)
		}
		values[e.Name] = e.Value
	}
	var w jsonWriter
	w.b = append(w.b, `{"version":1,"config":`...)
	w.object(propertiesOrder(keys), func(k string) { w.str(values[k]) })
	w.b = append(w.b, '}')
	return w.b
}

// SortedEntries lists a config map as entries in name order, the order in
// which Wharf fills Properties when it has no request order to follow.
func SortedEntries(cfg map[string]string) []ConfigEntry {
	out := make([]ConfigEntry, 0, len(cfg))
	for k, v := range cfg {
		out = append(out, ConfigEntry{k, v})
	}
	slices.SortFunc(out, func(a, b ConfigEntry) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// DecodeEntityConfig is ConfigEntityZNode.decode: the "config" object's
// string values. Empty or null data is an empty config.
func DecodeEntityConfig(data []byte) (map[string]string, error) {
	cfg := map[string]string{}
	if len(data) == 0 {
		return cfg, nil
	}
	o, err := parseObject(data)
	if err != nil {
		return nil, decodeErr("entity config", data, err)
	}
	c, err := o.objField("config")
	if err != nil {
		return nil, decodeErr("entity config", data, err)
	}
	for k, raw := range c {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, decodeErr("entity config", data, fmt.Errorf("value of %s is not a string", k))
		}
		cfg[k] = s
	}
	return cfg, nil
}

// EncodeConfigChange is ConfigEntityChangeNotificationSequenceZNode.encode:
// {"version":2,"entity_path":"topics/t"}.
func EncodeConfigChange(entityPath string) []byte {
	var w jsonWriter
	w.b = append(w.b, `{"version":2,"entity_path":`...)
	w.str(entityPath)
	w.b = append(w.b, '}')
	return w.b
}

// DecodeConfigChange reads a config change notification of version 1
// ({"entity_type":"topics","entity_name":"t"}) or 2 and returns the entity
// path ("topics/t", "users/u/clients/c").
func DecodeConfigChange(data []byte) (string, error) {
	o, err := parseObject(data)
	if err != nil {
		return "", decodeErr("config change", data, err)
	}
	v, err := o.intField("version")
	if err != nil {
		return "", decodeErr("config change", data, err)
	}
	switch v {
	case 1:
		typ, err1 := o.strField("entity_type")
		name, err2 := o.strField("entity_name")
		if err1 != nil || err2 != nil {
			return "", decodeErr("config change", data, fmt.Errorf("missing entity_type or entity_name"))
		}
		return typ + "/" + name, nil
	case 2:
		p, err := o.strField("entity_path")
		if err != nil {
			return "", decodeErr("config change", data, err)
		}
		return p, nil
	}
	return "", decodeErr("config change", data, fmt.Errorf("Unknown version %d", v))
}

// EncodeIsrChange is IsrChangeNotificationSequenceZNode.encode:
// {"version":1,"partitions":[{"topic":"t","partition":0},...]}.
func EncodeIsrChange(parts []TopicPartition) []byte {
	return encodeVersionedPartitions(parts)
}

// DecodeIsrChange is IsrChangeNotificationSequenceZNode.decode.
func DecodeIsrChange(data []byte) ([]TopicPartition, error) {
	return decodePartitionList("isr change notification", data)
}

// EncodePreferredReplicaElection is PreferredReplicaElectionZNode.encode.
func EncodePreferredReplicaElection(parts []TopicPartition) []byte {
	return encodeVersionedPartitions(parts)
}

// DecodePreferredReplicaElection is PreferredReplicaElectionZNode.decode.
func DecodePreferredReplicaElection(data []byte) ([]TopicPartition, error) {
	return decodePartitionList("preferred replica election", data)
}

func encodeVersionedPartitions(parts []TopicPartition) []byte {
	var w jsonWriter
	w.b = append(w.b, `{"version":1,"partitions":`...)
	partitionsJSON(&w, parts)
	w.b = append(w.b, '}')
	return w.b
}

// EncodeLogDirEvent is LogDirEventNotificationSequenceZNode.encode:
// {"version":1,"broker":N,"event":1} (1: log directory failure).
func EncodeLogDirEvent(brokerID int32) []byte {
	var w jsonWriter
	w.b = append(w.b, `{"version":1,"broker":`...)
	w.int(int64(brokerID))
	w.b = append(w.b, `,"event":1}`...)
	return w.b
}

// DecodeLogDirEvent returns the broker of a log dir event notification.
func DecodeLogDirEvent(data []byte) (int32, error) {
	o, err := parseObject(data)
	if err != nil {
		return 0, decodeErr("log dir event", data, err)
	}
	b, err := o.intField("broker")
	if err != nil {
		return 0, decodeErr("log dir event", data, err)
	}
	return b, nil
}

// Reassignment is one partition of /admin/reassign_partitions.
type Reassignment struct {
	TopicPartition
	Replicas []int32
}

// EncodeReassignment is ReassignPartitionsZNode.encode (the legacy
// {"version":1,"partitions":[{"topic":..,"partition":..,"replicas":[..]}]}).
func EncodeReassignment(rs []Reassignment) []byte {
	var w jsonWriter
	w.b = append(w.b, `{"version":1,"partitions":[`...)
	for i, r := range rs {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = append(w.b, `{"topic":`...)
		w.str(r.Topic)
		w.b = append(w.b, `,"partition":`...)
		w.int(int64(r.Partition))
		w.b = append(w.b, `,"replicas":`...)
		w.ints(r.Replicas)
		w.b = append(w.b, '}')
	}
	w.b = append(w.b, "]}"...)
	return w.b
}

// DecodeReassignment is ReassignPartitionsZNode.decode.
func DecodeReassignment(data []byte) ([]Reassignment, error) {
	var doc struct {
		Partitions []struct {
			Topic     string  `json:"topic"`
			Partition int32   `json:"partition"`
			Replicas  []int32 `json:"replicas"`
		} `json:"partitions"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, decodeErr("partition reassignment", data, err)
	}
	out := make([]Reassignment, 0, len(doc.Partitions))
	for _, p := range doc.Partitions {
		out = append(out, Reassignment{TopicPartition{p.Topic, p.Partition}, p.Replicas})
	}
	return out, nil
}

// FeatureZNode is /feature: whether feature versioning is enabled and the
// finalized features' version ranges (min/max_version_level).
type FeatureZNode struct {
	Enabled  bool
	Features map[string]VersionRange
}

// EncodeFeature is FeatureZNode.encode.
func (f Flavor) EncodeFeature(z FeatureZNode) []byte {
	var o fields
	o.addInt("version", 1)
	status := int64(0)
	if z.Enabled {
		status = 1
	}
	o.addInt("status", status)
	var names []string
	for n := range z.Features {
		names = append(names, n)
	}
	order := javaHashMapOrder(sortedStrings(names))
	o.add("features", func(w *jsonWriter) {
		w.object(order, func(k string) {
			r := z.Features[k]
			w.b = append(w.b, `{"min_version_level":`...)
			w.int(int64(r.Min))
			w.b = append(w.b, `,"max_version_level":`...)
			w.int(int64(r.Max))
			w.b = append(w.b, '}')
		})
	})
	var w jsonWriter
	w.fields(f.mutableMapOrder(o.keys, 3), &o)
	return w.b
}

// DecodeFeature is FeatureZNode.decode.
func DecodeFeature(data []byte) (FeatureZNode, error) {
	fail := func(err error) (FeatureZNode, error) {
		return FeatureZNode{}, decodeErr("feature information", data, err)
	}
	o, err := parseObject(data)
	if err != nil {
		return fail(err)
	}
	v, err := o.intField("version")
	if err != nil || v < 1 {
		return fail(fmt.Errorf("Unsupported version: %d of feature information", v))
	}
	status, err := o.intField("status")
	if err != nil || status < 0 || status > 1 {
		return fail(fmt.Errorf("Malformed status"))
	}
	fs, err := o.objField("features")
	if err != nil || fs == nil {
		return fail(fmt.Errorf("Features map can not be absent"))
	}
	z := FeatureZNode{Enabled: status == 1, Features: map[string]VersionRange{}}
	for name, raw := range fs {
		var r map[string]json.RawMessage
		if err := json.Unmarshal(raw, &r); err != nil {
			return fail(err)
		}
		lo, err1 := rawInt(r["min_version_level"])
		hi, err2 := rawInt(r["max_version_level"])
		if err1 != nil || err2 != nil {
			return fail(fmt.Errorf("bad feature %s", name))
		}
		z.Features[name] = VersionRange{int16(lo), int16(hi)}
	}
	return z, nil
}
