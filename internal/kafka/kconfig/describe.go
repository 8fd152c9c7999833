package kconfig

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/zkdata"
)

// This file is ConfigHelper.describeConfigs (Kafka 2.8). The result is
// kmsg's response resources, ready for the DescribeConfigs handler, which
// sets only ThrottleMillis and the version: every entry carries both
// Source (v1+) and IsDefault (v0, true for DEFAULT_CONFIG, where Kafka 2.8
// leaves it false), and ConfigType and Documentation (v3+, Documentation
// only when asked). Entries are sorted by name (Kafka's order is that of a
// Scala hash map).

// resourceTypeName is ConfigResource.Type's name for a wire id.
func resourceTypeName(t kmsg.ConfigResourceType) string {
	switch t {
	case kmsg.ConfigResourceTypeTopic:
		return "TOPIC"
	case kmsg.ConfigResourceTypeBroker:
		return "BROKER"
	case kmsg.ConfigResourceTypeBrokerLogger:
		return "BROKER_LOGGER"
	}
	return "UNKNOWN"
}

// DescribeConfigs answers a DescribeConfigs request.
func (m *Manager) DescribeConfigs(ctx context.Context, req *kmsg.DescribeConfigsRequest) []kmsg.DescribeConfigsResponseResource {
	out := make([]kmsg.DescribeConfigsResponseResource, 0, len(req.Resources))
	// KafkaApis refuses the whole request for a type it does not know.
	for _, r := range req.Resources {
		if resourceTypeName(r.ResourceType) == "UNKNOWN" {
			err := newError(ErrInvalidRequest, fmt.Sprintf("Unexpected resource type UNKNOWN for resource %s", r.ResourceName))
			for _, r := range req.Resources {
				out = append(out, describeError(r, err))
			}
			return out
		}
	}
	for _, r := range req.Resources {
		res, err := m.describe(ctx, r, req.IncludeSynonyms, req.IncludeDocumentation)
		if err != nil {
			if errors.Is(err, ErrStore) {
				m.log.Error("Error processing describe configs request for resource "+resourceString(r.ResourceType, r.ResourceName), "err", err)
			}
			out = append(out, describeError(r, err))
			continue
		}
		res.ResourceType, res.ResourceName = r.ResourceType, r.ResourceName
		out = append(out, res)
	}
	return out
}

func describeError(r kmsg.DescribeConfigsRequestResource, err error) kmsg.DescribeConfigsResponseResource {
	res := kmsg.NewDescribeConfigsResponseResource()
	res.ResourceType, res.ResourceName = r.ResourceType, r.ResourceName
	res.ErrorCode, res.ErrorMessage = Code(err), Message(err)
	res.Configs = []kmsg.DescribeConfigsResponseResourceConfig{}
	return res
}

// resourceString is ConfigResource.toString.
func resourceString(t kmsg.ConfigResourceType, name string) string {
	return fmt.Sprintf("ConfigResource(type=%s, name='%s')", resourceTypeName(t), name)
}

func (m *Manager) describe(ctx context.Context, r kmsg.DescribeConfigsRequestResource, synonyms, docs bool) (kmsg.DescribeConfigsResponseResource, error) {
	res := kmsg.NewDescribeConfigsResponseResource()
	switch r.ResourceType {
	case kmsg.ConfigResourceTypeTopic:
		if err := ValidateTopicName(r.ResourceName); err != nil {
			return res, err
		}
		exists, err := m.topicExists(ctx, r.ResourceName)
		if err != nil {
			return res, err
		}
		if !exists {
			res.ErrorCode = kerr.UnknownTopicOrPartition.Code
			res.Configs = []kmsg.DescribeConfigsResponseResourceConfig{}
			return res, nil
		}
		props, err := m.store.EntityConfig(ctx, zkdata.ConfigTopics, r.ResourceName)
		if err != nil {
			return res, err
		}
		res.Configs = m.describeTopic(props, r.ConfigNames, synonyms, docs)
	case kmsg.ConfigResourceTypeBroker:
		if r.ResourceName == "" {
			res.Configs = m.describeBroker(false, r.ConfigNames, synonyms, docs)
			break
		}
		id, err := resourceBrokerID(r.ResourceName)
		if err != nil {
			return res, err
		}
		if id != m.opts.BrokerID {
			return res, newError(ErrInvalidRequest, fmt.Sprintf("Unexpected broker id, expected %d or empty string, but received %s", m.opts.BrokerID, r.ResourceName))
		}
		res.Configs = m.describeBroker(true, r.ConfigNames, synonyms, docs)
	case kmsg.ConfigResourceTypeBrokerLogger:
		if r.ResourceName == "" {
			return res, newError(ErrInvalidRequest, "Broker id must not be empty")
		}
		id, err := resourceBrokerID(r.ResourceName)
		if err != nil {
			return res, err
		}
		if id != m.opts.BrokerID {
			return res, newError(ErrInvalidRequest, fmt.Sprintf("Unexpected broker id, expected %d but received %s", m.opts.BrokerID, r.ResourceName))
		}
		levels := m.loggerLevels()
		for _, name := range filtered(slices.Collect(maps.Keys(levels)), r.ConfigNames) {
			c := kmsg.NewDescribeConfigsResponseResourceConfig()
			v := levels[name]
			c.Name, c.Value, c.Source = name, &v, kmsg.ConfigSourceDynamicBrokerLoggerConfig
			c.ConfigSynonyms = []kmsg.DescribeConfigsResponseResourceConfigConfigSynonym{}
			res.Configs = append(res.Configs, c)
		}
	}
	if res.Configs == nil {
		res.Configs = []kmsg.DescribeConfigsResponseResourceConfig{}
	}
	return res, nil
}

func (m *Manager) loggerLevels() map[string]string {
	if m.opts.Loggers == nil {
		return map[string]string{"root": "INFO"}
	}
	return m.opts.Loggers.Levels()
}

func resourceBrokerID(name string) (int32, error) {
	n, err := strconv.ParseInt(name, 10, 32)
	if err != nil || !javaInteger(name) {
		return 0, newError(ErrInvalidRequest, "Broker id must be an integer, but it is: "+name)
	}
	return int32(n), nil
}

func (m *Manager) topicExists(ctx context.Context, topic string) (bool, error) {
	if m.opts.TopicExists != nil {
		return m.opts.TopicExists(topic), nil
	}
	return m.store.TopicExists(ctx, topic)
}

// filtered keeps the requested names (all when none are requested), sorted.
func filtered(names, requested []string) []string {
	if len(requested) > 0 {
		names = slices.DeleteFunc(names, func(n string) bool { return !slices.Contains(requested, n) })
	}
	slices.Sort(names)
	return names
}

// describeTopic is createTopicConfigEntry over LogConfig's values: the
// topic's overrides, else its broker's defaults.
func (m *Manager) describeTopic(props map[string]string, requested []string, synonyms, docs bool) []kmsg.DescribeConfigsResponseResourceConfig {
	b := m.Broker()
	vals := b.TopicDefaults()
	for k := range props {
		if key, ok := topicDef.key(k); ok {
			if v, err := key.parseValue(props); err == nil {
				vals[k] = v
			}
		} else {
			vals[k] = props[k] // an unknown name: described as a sensitive UNKNOWN
		}
	}
	var out []kmsg.DescribeConfigsResponseResourceConfig
	for _, name := range filtered(slices.Collect(maps.Keys(vals)), requested) {
		key, known := topicDef.key(name)
		t := TypeUnknown
		if known {
			t = key.Type
		}
		sensitive := t == TypeUnknown || t == TypePassword
		var value *string
		if !sensitive {
			value = convertToString(vals[name])
		}
		var all []kmsg.DescribeConfigsResponseResourceConfigConfigSynonym
		if _, set := props[name]; set {
			all = append(all, synonym(name, value, kmsg.ConfigSourceDynamicTopicConfig))
		}
		if bk, ok := topicSynonyms[name]; ok {
			all = append(all, m.configSynonyms(b, bk, brokerConfigSynonyms(bk, true), sensitive)...)
		}
		c := entry(name, value, all, synonyms, sensitive, false, t)
		if docs && known {
			c.Documentation = docOrNil(key.Doc)
		}
		out = append(out, c)
	}
	return out
}

// describeBroker is createBrokerConfigEntry: for a broker, every config it
// has (its properties and every defined key's value); for the cluster
// default, the dynamic defaults only.
func (m *Manager) describeBroker(perBroker bool, requested []string, synonyms, docs bool) []kmsg.DescribeConfigsResponseResourceConfig {
	m.mu.Lock()
	b, dynDefault := m.cur, maps.Clone(m.dynDefault)
	showInternal := !maps.Equal(b.Props, m.static.Props) // KafkaConfig.nonInternalValues' quirk
	m.mu.Unlock()
	vals := map[string]any{}
	if perBroker {
		for k, v := range b.Props {
			vals[k] = v
		}
		for _, k := range brokerDef.keys {
			if !k.Internal || showInternal {
				vals[k.Name] = b.values[k.Name]
			}
		}
	} else {
		for k, v := range dynDefault {
			vals[k] = v
		}
	}
	var out []kmsg.DescribeConfigsResponseResourceConfig
	for _, name := range filtered(slices.Collect(maps.Keys(vals)), requested) {
		t := brokerConfigType(name)
		sensitive := t == TypeUnknown || t == TypePassword
		var value *string
		if !sensitive {
			value = convertToString(vals[name])
		}
		all := m.configSynonyms(b, name, brokerConfigSynonyms(name, true), sensitive)
		if !perBroker {
			all = slices.DeleteFunc(all, func(s kmsg.DescribeConfigsResponseResourceConfigConfigSynonym) bool {
				return s.Source != kmsg.ConfigSourceDynamicDefaultBrokerConfig
			})
		}
		c := entry(name, value, all, synonyms, sensitive, !allDynamicConfigs[name], t)
		if docs {
			if k, ok := brokerDef.key(name); ok {
				c.Documentation = docOrNil(k.Doc)
			} else if k, ok := dynamicOnlyBrokerDef.key(name); ok {
				c.Documentation = docOrNil(k.Doc)
			}
		}
		out = append(out, c)
	}
	return out
}

func docOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func synonym(name string, value *string, src kmsg.ConfigSource) kmsg.DescribeConfigsResponseResourceConfigConfigSynonym {
	s := kmsg.NewDescribeConfigsResponseResourceConfigConfigSynonym()
	s.Name, s.Value, s.Source = name, value, src
	return s
}

func entry(name string, value *string, all []kmsg.DescribeConfigsResponseResourceConfigConfigSynonym,
	withSynonyms, sensitive, readOnly bool, t Type) kmsg.DescribeConfigsResponseResourceConfig {
	c := kmsg.NewDescribeConfigsResponseResourceConfig()
	c.Name, c.Value, c.IsSensitive, c.ReadOnly = name, value, sensitive, readOnly
	c.Source = kmsg.ConfigSourceDefaultConfig
	if len(all) > 0 {
		c.Source = all[0].Source
	}
	c.IsDefault = c.Source == kmsg.ConfigSourceDefaultConfig
	c.ConfigSynonyms = []kmsg.DescribeConfigsResponseResourceConfigConfigSynonym{}
	if withSynonyms {
		c.ConfigSynonyms = all
	}
	c.ConfigType = kmsg.ConfigType(t)
	return c
}

// configSynonyms is ConfigHelper.configSynonyms: the synonyms' values at
// each level, highest precedence first (per-broker dynamic, cluster
// default, static, Kafka's default), then everything before the first
// entry for name itself dropped.
func (m *Manager) configSynonyms(b *Broker, name string, names []string, sensitive bool) []kmsg.DescribeConfigsResponseResourceConfigConfigSynonym {
	m.mu.Lock()
	levels := []struct {
		props map[string]string
		src   kmsg.ConfigSource
	}{
		{m.dynBroker, kmsg.ConfigSourceDynamicBrokerConfig},
		{m.dynDefault, kmsg.ConfigSourceDynamicDefaultBrokerConfig},
		{m.static.Props, kmsg.ConfigSourceStaticBrokerConfig},
		{staticDefaults, kmsg.ConfigSourceDefaultConfig},
	}
	var all []kmsg.DescribeConfigsResponseResourceConfigConfigSynonym
	for _, l := range levels {
		for _, n := range names {
			if v, ok := l.props[n]; ok {
				var value *string
				if !sensitive {
					value = &v
				}
				all = append(all, synonym(n, value, l.src))
			}
		}
	}
	m.mu.Unlock()
	for len(all) > 0 && all[0].Name != name {
		all = all[1:]
	}
	return all
}

// staticDefaults is DynamicBrokerConfig.staticDefaultConfigs: every broker
// key's non-null default as a string.
var staticDefaults = func() map[string]string {
	m := map[string]string{}
	for _, k := range brokerDef.keys {
		if s := convertToString(k.Default); s != nil {
			m[k.Name] = *s
		}
	}
	return m
}()

// ValidateTopicName is Kafka's Topic.validate (InvalidTopicException).
func ValidateTopicName(t string) error {
	switch {
	case t == "":
		return newError(ErrInvalidTopic, "Topic name is illegal, it can't be empty")
	case t == "." || t == "..":
		return newError(ErrInvalidTopic, "Topic name cannot be \".\" or \"..\"")
	case len(t) > 249:
		return newError(ErrInvalidTopic, "Topic name is illegal, it can't be longer than 249 characters, topic name: "+t)
	}
	if strings.IndexFunc(t, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-')
	}) >= 0 {
		return newError(ErrInvalidTopic, "Topic name \""+t+"\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'")
	}
	return nil
}
