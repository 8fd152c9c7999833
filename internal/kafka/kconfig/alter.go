package kconfig

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/zkdata"
)

// This file is ZkAdminManager.alterConfigs and incrementalAlterConfigs
// (Kafka 2.8, ZooKeeper mode), with AdminZkClient's changeTopicConfig and
// changeBrokerConfig: validate, then write /config/<type>/<name> and a
// /config/changes notification. The Manager applies its own writes at
// once (so a DescribeConfigs that follows sees them) and again when the
// notification arrives.

// alterOp is one requested change; op is -1 for the legacy AlterConfigs.
type alterOp struct {
	name  string
	value *string
	op    kmsg.IncrementalAlterConfigOp
}

var opNames = map[kmsg.IncrementalAlterConfigOp]string{
	kmsg.IncrementalAlterConfigOpSet: "SET", kmsg.IncrementalAlterConfigOpDelete: "DELETE",
	kmsg.IncrementalAlterConfigOpAppend: "APPEND", kmsg.IncrementalAlterConfigOpSubtract: "SUBTRACT",
}

// AlterConfigs answers the legacy AlterConfigs request: each resource's
// configs are replaced by exactly the given set.
func (m *Manager) AlterConfigs(ctx context.Context, req *kmsg.AlterConfigsRequest) []kmsg.AlterConfigsResponseResource {
	type res = kmsg.AlterConfigsRequestResource
	var whole error
	for _, r := range req.Resources {
		switch r.ResourceType {
		case kmsg.ConfigResourceTypeTopic, kmsg.ConfigResourceTypeBroker:
		case kmsg.ConfigResourceTypeBrokerLogger:
			whole = newError(ErrInvalidRequest, "AlterConfigs is deprecated and does not support the resource type BROKER_LOGGER")
		default:
			whole = newError(ErrInvalidRequest, "Unexpected resource type UNKNOWN")
		}
	}
	out := make([]kmsg.AlterConfigsResponseResource, 0, len(req.Resources))
	for _, r := range dedupe(req.Resources, func(r res) (kmsg.ConfigResourceType, string) { return r.ResourceType, r.ResourceName }) {
		err := whole
		if err == nil {
			ops := make([]alterOp, len(r.Configs))
			for i, c := range r.Configs {
				ops[i] = alterOp{c.Name, c.Value, -1}
			}
			err = m.alter(ctx, r.ResourceType, r.ResourceName, ops, req.ValidateOnly)
		}
		a := kmsg.NewAlterConfigsResponseResource()
		a.ResourceType, a.ResourceName = r.ResourceType, r.ResourceName
		a.ErrorCode, a.ErrorMessage = Code(err), Message(err)
		out = append(out, a)
	}
	return out
}

// IncrementalAlterConfigs answers IncrementalAlterConfigs: SET, DELETE,
// APPEND and SUBTRACT on the stored configs of each resource.
func (m *Manager) IncrementalAlterConfigs(ctx context.Context, req *kmsg.IncrementalAlterConfigsRequest) []kmsg.IncrementalAlterConfigsResponseResource {
	type res = kmsg.IncrementalAlterConfigsRequestResource
	var whole error
	for _, r := range req.Resources {
		if resourceTypeName(r.ResourceType) == "UNKNOWN" {
			whole = newError(ErrInvalidRequest, "Unexpected resource type UNKNOWN")
		}
		for _, c := range r.Configs {
			if _, ok := opNames[c.Op]; !ok {
				whole = newError(ErrInvalidRequest, fmt.Sprintf("Unknown operation type %d", c.Op))
			}
		}
	}
	out := make([]kmsg.IncrementalAlterConfigsResponseResource, 0, len(req.Resources))
	for _, r := range dedupe(req.Resources, func(r res) (kmsg.ConfigResourceType, string) { return r.ResourceType, r.ResourceName }) {
		err := whole
		if err == nil {
			ops := make([]alterOp, len(r.Configs))
			for i, c := range r.Configs {
				ops[i] = alterOp{c.Name, c.Value, c.Op}
			}
			err = m.alter(ctx, r.ResourceType, r.ResourceName, ops, req.ValidateOnly)
		}
		a := kmsg.NewIncrementalAlterConfigsResponseResource()
		a.ResourceType, a.ResourceName = r.ResourceType, r.ResourceName
		a.ErrorCode, a.ErrorMessage = Code(err), Message(err)
		out = append(out, a)
	}
	return out
}

// dedupe keeps one resource per (type, name), the last one given (Kafka
// turns the request into a map), at the position of the first.
func dedupe[T any](rs []T, key func(T) (kmsg.ConfigResourceType, string)) []T {
	type k struct {
		t kmsg.ConfigResourceType
		n string
	}
	idx := map[k]int{}
	var out []T
	for _, r := range rs {
		t, n := key(r)
		if i, ok := idx[k{t, n}]; ok {
			out[i] = r
			continue
		}
		idx[k{t, n}] = len(out)
		out = append(out, r)
	}
	return out
}

func (m *Manager) alter(ctx context.Context, t kmsg.ConfigResourceType, name string, ops []alterOp, validateOnly bool) error {
	m.alterMu.Lock()
	defer m.alterMu.Unlock()
	err := m.alterResource(ctx, t, name, ops, validateOnly)
	var e *Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &e) && e.Kind == ErrConfig:
		// ConfigException and IllegalArgumentException become
		// InvalidRequestException.
		msg := "Invalid config value for resource " + resourceString(t, name) + ": " + e.Msg
		m.log.Info(msg)
		return newError(ErrInvalidRequest, msg)
	case errors.Is(err, ErrStore):
		m.log.Error("Error processing alter configs request for resource "+resourceString(t, name), "err", err)
	default:
		m.log.Info("Error processing alter configs request for resource "+resourceString(t, name), "err", err)
	}
	return err
}

func (m *Manager) alterResource(ctx context.Context, t kmsg.ConfigResourceType, name string, ops []alterOp, validateOnly bool) error {
	incremental := len(ops) > 0 && ops[0].op >= 0
	if incremental {
		var dups []string
		seen := map[string]int{}
		for _, o := range ops {
			if seen[o.name]++; seen[o.name] == 2 {
				dups = append(dups, o.name)
			}
		}
		if len(dups) > 0 {
			return newError(ErrInvalidRequest, "Error due to duplicate config keys : "+strings.Join(dups, ","))
		}
	}
	var nulls []string
	for _, o := range ops {
		if o.value == nil && o.op != kmsg.IncrementalAlterConfigOpDelete {
			if incremental {
				nulls = append(nulls, opNames[o.op]+":"+o.name)
			} else {
				nulls = append(nulls, o.name)
			}
		}
	}
	if len(nulls) > 0 {
		return newError(ErrInvalidRequest, "Null value not supported for : "+strings.Join(nulls, ","))
	}
	requested := make(map[string]*string, len(ops))
	for _, o := range ops {
		requested[o.name] = o.value
	}

	switch t {
	case kmsg.ConfigResourceTypeTopic:
		props := orderedProps{}
		if incremental {
			stored, err := m.store.EntityConfig(ctx, zkdata.ConfigTopics, name)
			if err != nil {
				return err
			}
			props = propsOf(stored)
			if err := props.apply(ops, topicDef); err != nil {
				return err
			}
		} else {
			for _, o := range ops {
				props.set(o.name, *o.value)
			}
		}
		return m.alterTopic(ctx, name, props, requested, validateOnly)

	case kmsg.ConfigResourceTypeBroker:
		perBroker, err := m.alterBrokerTarget(name)
		if err != nil {
			return err
		}
		props := orderedProps{}
		if incremental {
			entity := zkdata.DefaultEntity
			if perBroker {
				entity = name
			}
			stored, err := m.store.EntityConfig(ctx, zkdata.ConfigBrokers, entity)
			if err != nil {
				return err
			}
			valid, _ := fromPersistent(stored, perBroker)
			props = propsOf(valid)
			if err := props.apply(ops, brokerDef); err != nil {
				return err
			}
		} else {
			for _, o := range ops {
				props.set(o.name, *o.value)
			}
		}
		return m.alterBroker(ctx, name, perBroker, props, requested, validateOnly)

	case kmsg.ConfigResourceTypeBrokerLogger:
		if _, err := m.alterBrokerTarget(name); err != nil {
			return err
		}
		return m.alterLoggers(ops, validateOnly)
	}
	return newError(ErrInvalidRequest, "AlterConfigs is only supported for topics and brokers, but resource type is "+resourceTypeName(t))
}

func (m *Manager) alterTopic(ctx context.Context, topic string, props orderedProps, requested map[string]*string, validateOnly bool) error {
	exists, err := m.topicExists(ctx, topic)
	if err != nil {
		return err
	}
	if !exists {
		return newError(ErrUnknownTopic, "The topic '"+topic+"' does not exist.")
	}
	// AdminZkClient.validateTopicConfig
	if err := ValidateTopicName(topic); err != nil {
		return err
	}
	if exists, err = m.store.TopicExists(ctx, topic); err != nil {
		return err
	} else if !exists {
		return newError(ErrUnknownTopic, "Topic '"+topic+"' does not exist.")
	}
	if err := ValidateTopicConfig(props.m); err != nil {
		return err
	}
	// Wharf's log is stricter in a few corners (segment.index.bytes < 12).
	if _, err := m.Broker().TopicConfig(props.m); err != nil {
		return err
	}
	if err := m.policy(kmsg.ConfigResourceTypeTopic, topic, requested); err != nil {
		return err
	}
	if validateOnly {
		return nil
	}
	m.log.Info(fmt.Sprintf("Updating topic %s with new configuration : %s", topic, props.loggable(true)))
	if err := m.store.SetEntityConfig(ctx, zkdata.ConfigTopics, topic, props.entries()); err != nil {
		return err
	}
	if err := m.store.NotifyChange(ctx, zkdata.ConfigTopics+"/"+topic); err != nil {
		return err
	}
	m.procMu.Lock()
	m.applyTopic(topic, props.m)
	m.procMu.Unlock()
	return nil
}

// alterBrokerTarget is ZkAdminManager.getBrokerId: "" is the cluster
// default, otherwise it must be this broker's id.
func (m *Manager) alterBrokerTarget(name string) (perBroker bool, err error) {
	if name == "" {
		return false, nil
	}
	id, err := resourceBrokerID(name)
	if err != nil {
		return false, err
	}
	if id != m.opts.BrokerID {
		return false, newError(ErrInvalidRequest, fmt.Sprintf("Unexpected broker id, expected %d, but received %s", m.opts.BrokerID, name))
	}
	return true, nil
}

func (m *Manager) alterBroker(ctx context.Context, name string, perBroker bool, props orderedProps, requested map[string]*string, validateOnly bool) error {
	// DynamicBrokerConfig.validate: names and types, then the whole
	// resulting KafkaConfig, then the reconfigurables' checks.
	if err := validateDynamic(props.m, perBroker); err != nil {
		return err
	}
	m.mu.Lock()
	dynBroker, dynDefault, cur := m.dynBroker, m.dynDefault, m.cur
	m.mu.Unlock()
	var eff map[string]string
	if perBroker {
		eff = effectiveProps(m.static.Props, dynDefault, props.m)
	} else {
		eff = effectiveProps(m.static.Props, props.m, dynBroker)
	}
	next, err := parseBroker(eff)
	if err != nil {
		return err
	}
	if err := validateReconfiguration(cur, next); err != nil {
		return err
	}
	if err := m.policy(kmsg.ConfigResourceTypeBroker, name, requested); err != nil {
		return err
	}
	if validateOnly {
		return nil
	}
	// toPersistentProps: Wharf keeps no encoded passwords.
	if pw := slices.DeleteFunc(slices.Collect(maps.Keys(props.m)), func(k string) bool { return !isPasswordConfig(k) }); len(pw) > 0 {
		switch {
		case !perBroker:
			return newError(ErrConfig, "Password config can be defined only at broker level")
		case getter(m.static.values).isNull("password.encoder.secret"):
			return newError(ErrConfig, "Password encoder secret not configured")
		}
		return newError(ErrConfig, "Dynamic password configs are not supported by Wharf: "+scalaSet(pw))
	}
	entity := zkdata.DefaultEntity
	if perBroker {
		entity = name
		m.log.Info(fmt.Sprintf("Updating broker %s with new configuration : %s", name, props.loggable(false)))
	} else {
		m.log.Info("Updating brokers with new configuration : " + props.loggable(false))
	}
	// AdminZkClient.validateBrokerConfig, then the write.
	if err := validateDynamicTypes(props.m); err != nil {
		return err
	}
	if err := m.store.SetEntityConfig(ctx, zkdata.ConfigBrokers, entity, props.entries()); err != nil {
		return err
	}
	if err := m.store.NotifyChange(ctx, zkdata.ConfigBrokers+"/"+entity); err != nil {
		return err
	}
	m.procMu.Lock()
	m.applyBroker(entity, props.m)
	m.procMu.Unlock()
	return nil
}

func (m *Manager) policy(t kmsg.ConfigResourceType, name string, requested map[string]*string) error {
	if m.opts.AlterPolicy == nil {
		return nil
	}
	if err := m.opts.AlterPolicy(t, name, requested); err != nil {
		if errors.Is(err, ErrPolicy) {
			return err
		}
		return newError(ErrPolicy, err.Error())
	}
	return nil
}

// validLogLevels is LogLevelConfig.VALID_LOG_LEVELS.
var validLogLevels = []string{"INFO", "DEBUG", "WARN", "ERROR", "TRACE", "FATAL"}

// alterLoggers is validateLogLevelConfigs and alterLogLevelConfigs.
func (m *Manager) alterLoggers(ops []alterOp, validateOnly bool) error {
	levels := m.loggerLevels()
	for _, o := range ops {
		exists := func() error {
			if _, ok := levels[o.name]; !ok {
				return newError(ErrConfig, "Logger "+o.name+" does not exist!")
			}
			return nil
		}
		switch o.op {
		case kmsg.IncrementalAlterConfigOpSet:
			if err := exists(); err != nil {
				return err
			}
			if !slices.Contains(validLogLevels, *o.value) {
				return newError(ErrConfig, fmt.Sprintf("Cannot set the log level of %s to %s as it is not a supported log level. Valid log levels are %s",
					o.name, *o.value, strings.Join(validLogLevels, ", ")))
			}
		case kmsg.IncrementalAlterConfigOpDelete:
			if err := exists(); err != nil {
				return err
			}
			if o.name == "root" {
				return newError(ErrInvalidRequest, "Removing the log level of the root logger is not allowed")
			}
		default:
			return newError(ErrInvalidRequest, opNames[o.op]+" operation is not allowed for the BROKER_LOGGER resource")
		}
	}
	if validateOnly {
		return nil
	}
	if m.opts.Loggers == nil {
		return newError(ErrConfig, "log levels cannot be changed on this broker")
	}
	for _, o := range ops {
		var err error
		if o.op == kmsg.IncrementalAlterConfigOpSet {
			m.log.Info(fmt.Sprintf("Updating the log level of %s to %s", o.name, *o.value))
			err = m.opts.Loggers.SetLevel(o.name, *o.value)
		} else {
			m.log.Info("Unset the log level of " + o.name)
			err = m.opts.Loggers.UnsetLevel(o.name)
		}
		if err != nil {
			return newError(ErrConfig, err.Error())
		}
	}
	return nil
}

// orderedProps is a java.util.Properties as far as its order matters here:
// the order setProperty first saw each key (which decides where a JVM puts
// it in the znode's JSON).
type orderedProps struct {
	m     map[string]string
	order []string
}

func propsOf(stored map[string]string) orderedProps {
	var p orderedProps
	for _, e := range zkdata.SortedEntries(stored) {
		p.set(e.Name, e.Value)
	}
	return p
}

func (p *orderedProps) set(k, v string) {
	if p.m == nil {
		p.m = map[string]string{}
	}
	if _, ok := p.m[k]; !ok {
		p.order = append(p.order, k)
	}
	p.m[k] = v
}

func (p *orderedProps) remove(k string) {
	delete(p.m, k)
	p.order = slices.DeleteFunc(p.order, func(s string) bool { return s == k })
}

func (p orderedProps) entries() []zkdata.ConfigEntry {
	out := make([]zkdata.ConfigEntry, 0, len(p.order))
	for _, k := range p.order {
		out = append(out, zkdata.ConfigEntry{Name: k, Value: p.m[k]})
	}
	return out
}

// loggable is toLoggableProps: Scala's Map.mkString(",") of k -> v, with
// sensitive values (passwords, keys of unknown type) hidden.
func (p orderedProps) loggable(topic bool) string {
	parts := make([]string, 0, len(p.order))
	for _, k := range p.order {
		v := p.m[k]
		t := brokerConfigType(k)
		if topic {
			t = TypeUnknown
			if key, ok := topicDef.key(k); ok {
				t = key.Type
			}
		}
		if t == TypePassword || t == TypeUnknown {
			v = "[hidden]"
		}
		parts = append(parts, "("+k+","+v+")")
	}
	return strings.Join(parts, ",")
}

// apply is ConfigAdminManager.prepareIncrementalConfigs (Kafka 3.9's, which
// fixes 2.8's APPEND of an empty list and of duplicates, and answers an
// unknown key with INVALID_CONFIG instead of an unknown server error).
func (p *orderedProps) apply(ops []alterOp, d *def) error {
	for _, o := range ops {
		switch o.op {
		case kmsg.IncrementalAlterConfigOpSet:
			p.set(o.name, *o.value)
		case kmsg.IncrementalAlterConfigOpDelete:
			p.remove(o.name)
		case kmsg.IncrementalAlterConfigOpAppend, kmsg.IncrementalAlterConfigOpSubtract:
			key, ok := d.key(o.name)
			if !ok {
				return newError(ErrInvalidConfig, "Unknown config name: "+o.name)
			}
			verb := "append"
			if o.op == kmsg.IncrementalAlterConfigOpSubtract {
				verb = "subtract"
			}
			if key.Type != TypeList {
				return newError(ErrInvalidConfig, "Config value "+verb+" is not allowed for config key: "+o.name)
			}
			cur, set := p.m[o.name]
			if !set {
				if s := convertToString(key.Default); s != nil {
					cur = *s
				}
			}
			old := strings.Split(cur, ",")
			if cur == "" {
				old = nil
			}
			var next []string
			if o.op == kmsg.IncrementalAlterConfigOpAppend {
				next = old
				for _, v := range strings.Split(*o.value, ",") {
					if !slices.Contains(next, v) {
						next = append(next, v)
					}
				}
			} else {
				next = scalaDiff(strings.Split(cur, ","), strings.Split(*o.value, ","))
			}
			p.set(o.name, strings.Join(next, ","))
		}
	}
	return nil
}

// scalaDiff is Seq.diff: each element of b removes one occurrence from a.
func scalaDiff(a, b []string) []string {
	count := map[string]int{}
	for _, s := range b {
		count[s]++
	}
	var out []string
	for _, s := range a {
		if count[s] > 0 {
			count[s]--
			continue
		}
		out = append(out, s)
	}
	return out
}
