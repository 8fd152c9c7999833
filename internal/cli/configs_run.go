package cli

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// configSourceNames are ConfigEntry.ConfigSource's names, by the wire code
// (KafkaAdminClient.configSource).
var configSourceNames = map[kmsg.ConfigSource]string{
	1: "DYNAMIC_TOPIC_CONFIG", 2: "DYNAMIC_BROKER_CONFIG", 3: "DYNAMIC_DEFAULT_BROKER_CONFIG",
	4: "STATIC_BROKER_CONFIG", 5: "DEFAULT_CONFIG", 6: "DYNAMIC_BROKER_LOGGER_CONFIG",
	7: "DYNAMIC_CLIENT_METRICS_CONFIG",
}

func configSourceName(s kmsg.ConfigSource) string {
	if n, ok := configSourceNames[s]; ok {
		return n
	}
	return "UNKNOWN"
}

// configsSession is one run's connection and parsed entity.
type configsSession struct {
	o     *configsOptions
	env   toolEnv
	cl    *kgo.Client
	types []string
	names []string
	zk    bool // --zookeeper: Kafka 2.8's ZooKeeper-path output
}

// process is processCommand (and, for --zookeeper, processCommandWithZk's
// outputs).
func (o *configsOptions) process(ctx context.Context, env toolEnv) error {
	types := o.entityTypes()
	names, err := o.entityNames()
	if err != nil {
		return err
	}
	s := &configsSession{o: o, env: env, types: types, names: names, zk: o.set.Has(o.zookeeper)}
	target := kafkaTarget{Props: map[string]string{}}
	if o.set.Has(o.commandConfig) {
		path, _, err := o.set.ValueOf(o.commandConfig)
		if err != nil {
			return err
		}
		props, class, msg := loadJavaProps(env.cwd, path)
		if class != "" {
			return &configsThrown{class, msg}
		}
		target.Props = props
	}
	target.TimeoutMs = adminTimeoutMs(target.Props)
	switch {
	case o.set.Has(o.bootstrap):
		target.Bootstrap, _, err = o.set.ValueOf(o.bootstrap)
	case o.set.Has(o.controller):
		target.Bootstrap, _, err = o.set.ValueOf(o.controller)
	default:
		target.ZooKeeper, _, err = o.set.ValueOf(o.zookeeper)
	}
	if err != nil {
		return err
	}
	if o.set.Has(o.alter) && !s.zk && len(types) != len(names) {
		return illegal("An entity name must be specified for every entity type")
	}
	// the checks that come before any request
	var added []configPair
	var deleted []string
	if o.set.Has(o.alter) {
		if added, err = o.configsToBeAdded(env); err != nil {
			return err
		}
		deleted = o.configsToBeDeleted()
	}
	if len(names) > 0 && names[0] != "" && types[0] == ctTopics {
		if err := validateTopicName(names[0]); err != nil {
			return err
		}
	}
	cl, err := target.client(ctx, "consumer", env.stderr)
	if err != nil {
		return &configsThrown{"", err.Error()}
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, target.timeout())
	defer cancel()
	s.cl = cl
	if o.set.Has(o.alter) {
		return s.alter(ctx, added, deleted)
	}
	return s.describe(ctx)
}

// validateTopicName is Topic.validate, whose InvalidTopicException is not
// one of the exceptions main prints alone.
func validateTopicName(name string) error {
	reason := ""
	switch {
	case name == "":
		reason = "the empty string is not allowed"
	case name == ".":
		reason = "'.' is not allowed"
	case name == "..":
		reason = "'..' is not allowed"
	case len([]rune(name)) > 249:
		reason = "the length of '" + name + "' is longer than the max allowed length 249"
	default:
		for _, c := range name {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
				reason = "'" + name + "' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'"
				break
			}
		}
	}
	if reason == "" {
		return nil
	}
	return &configsThrown{"org.apache.kafka.common.errors.InvalidTopicException", "Topic name is invalid: " + reason}
}

// resourceType maps an entity type to its ConfigResource.Type, with the
// source of its dynamic entries (0 when every entry is shown).
func resourceType(entityType, name string) (kmsg.ConfigResourceType, kmsg.ConfigSource) {
	switch entityType {
	case ctTopics:
		return kmsg.ConfigResourceTypeTopic, 1
	case ctBrokers:
		if name == "" {
			return kmsg.ConfigResourceTypeBroker, 3
		}
		return kmsg.ConfigResourceTypeBroker, 2
	case ctBrokerLoggers:
		return kmsg.ConfigResourceTypeBrokerLogger, 0
	}
	return kmsg.ConfigResourceTypeClientMetrics, 7
}

// executionError is an ExecutionException around a response's error code:
// the Throwable main prints with its stack trace.
func executionError(code int16, msg *string) error {
	err := kerr.ErrorForCode(code)
	text := javaKafkaError(err)
	if msg != nil && *msg != "" {
		text = text[:strings.Index(text, ": ")+2] + *msg
	}
	return &configsThrown{"java.util.concurrent.ExecutionException", text}
}

// requestError is the ExecutionException of a request that failed as a
// whole; a broker without the API fails as the Admin client does.
// firstError is the ExecutionException of the first failed item of a
// response, or nil.
func firstError[T any](items []T, code func(T) (int16, *string)) error {
	for _, it := range items {
		if c, msg := code(it); c != 0 {
			return executionError(c, msg)
		}
	}
	return nil
}

func requestError(req kmsg.Request, err error) error {
	if strings.Contains(err.Error(), "broker is too old") {
		var api strings.Builder
		for i, c := range kmsg.NameForKey(req.Key()) {
			if i > 0 && c >= 'A' && c <= 'Z' {
				api.WriteByte('_')
			}
			api.WriteRune(c)
		}
		return &configsThrown{"java.util.concurrent.ExecutionException",
			"org.apache.kafka.common.errors.UnsupportedVersionException: The node does not support " + strings.ToUpper(api.String())}
	}
	return &configsThrown{"java.util.concurrent.ExecutionException", javaKafkaError(err)}
}

// resourceConfig is ConfigCommand.getResourceConfig: the entries of one
// resource, only the dynamic ones unless all, sorted by name.
func (s *configsSession) resourceConfig(ctx context.Context, entityType, name string, synonyms, all bool) ([]kmsg.DescribeConfigsResponseResourceConfig, error) {
	if entityType == ctBrokers && name != "" || entityType == ctBrokerLoggers && name != "" {
		if _, err := strconv.ParseInt(name, 10, 32); err != nil {
			return nil, illegal("The entity name for %s must be a valid integer broker id, found: %s", entityType, name)
		}
	}
	rt, source := resourceType(entityType, name)
	req := kmsg.NewPtrDescribeConfigsRequest()
	res := kmsg.NewDescribeConfigsRequestResource()
	res.ResourceType, res.ResourceName = rt, name
	req.Resources = append(req.Resources, res)
	req.IncludeSynonyms = synonyms
	resp, err := req.RequestWith(ctx, s.cl)
	if err != nil {
		return nil, requestError(req, err)
	}
	if len(resp.Resources) != 1 {
		return nil, requestError(req, kerr.UnknownServerError)
	}
	r := resp.Resources[0]
	if r.ErrorCode != 0 {
		return nil, executionError(r.ErrorCode, r.ErrorMessage)
	}
	var out []kmsg.DescribeConfigsResponseResourceConfig
	for _, c := range r.Configs {
		if all || source == 0 || c.Source == source {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func strOrNull(p *string) string {
	if p == nil {
		return "null"
	}
	return *p
}

// entityString is ConfigCommand.Entity.toString of Kafka 2.8's ZooKeeper
// path: "topic 'x'", "brokers '0'", "default brokers".
func entityString(entityType, name string) string {
	typ := entityType
	if typ == ctTopics {
		typ = "topic"
	}
	if name == "" {
		return "default " + typ
	}
	return typ + " '" + name + "'"
}

// describe is describeConfig / describeResourceConfig, or for --zookeeper
// describeConfigWithZk's "Configs for <entity> are k=v,...".
func (s *configsSession) describe(ctx context.Context) error {
	entityType := s.types[0]
	if entityType == ctUsers || entityType == ctClients || entityType == ctIPs {
		return s.describeUsersClientsIPs(ctx)
	}
	all := s.o.set.Has(s.o.all)
	var entities []string
	if len(s.names) > 0 {
		entities = []string{s.names[0]}
	} else {
		var err error
		if entities, err = s.listEntities(ctx, entityType); err != nil {
			return err
		}
	}
	out := s.env.stdout
	for _, e := range entities {
		if s.zk {
			entries, err := s.resourceConfig(ctx, entityType, e, false, false)
			if err != nil {
				return err
			}
			kv := make([]string, len(entries))
			for i, c := range entries {
				kv[i] = c.Name + "=" + strOrNull(c.Value)
			}
			fmt.Fprintf(out, "Configs for %s are %s\n", entityString(entityType, e), strings.Join(kv, ","))
			continue
		}
		if e == "" {
			fmt.Fprintf(out, "Default configs for %s in the cluster are:\n", entityType)
		} else {
			src := "Dynamic"
			if all {
				src = "All"
			}
			fmt.Fprintf(out, "%s configs for %s %s are:\n", src, strings.TrimSuffix(entityType, "s"), e)
		}
		entries, err := s.resourceConfig(ctx, entityType, e, true, all)
		if err != nil {
			return err
		}
		for _, c := range entries {
			syn := make([]string, len(c.ConfigSynonyms))
			for i, y := range c.ConfigSynonyms {
				syn[i] = configSourceName(y.Source) + ":" + y.Name + "=" + strOrNull(y.Value)
			}
			fmt.Fprintf(out, "  %s=%s sensitive=%t synonyms={%s}\n", c.Name, strOrNull(c.Value), c.IsSensitive, strings.Join(syn, ", "))
		}
	}
	return nil
}

// listEntities is what describeResourceConfig describes without a name:
// every topic (internal ones too), every client-metrics resource, or every
// broker and then the cluster default.
func (s *configsSession) listEntities(ctx context.Context, entityType string) ([]string, error) {
	if entityType == ctClientMetrics {
		req := kmsg.NewPtrListConfigResourcesRequest()
		req.ResourceTypes = []int8{int8(kmsg.ConfigResourceTypeClientMetrics)}
		resp, err := req.RequestWith(ctx, s.cl)
		if err != nil {
			return nil, requestError(req, err)
		}
		if resp.ErrorCode != 0 {
			return nil, executionError(resp.ErrorCode, nil)
		}
		var out []string
		for _, r := range resp.ConfigResources {
			out = append(out, r.Name)
		}
		return out, nil
	}
	meta := kmsg.NewPtrMetadataRequest()
	resp, err := meta.RequestWith(ctx, s.cl)
	if err != nil {
		return nil, requestError(meta, err)
	}
	var out []string
	if entityType == ctTopics {
		for _, t := range resp.Topics {
			if t.Topic != nil && t.ErrorCode == 0 {
				out = append(out, *t.Topic)
			}
		}
		slices.Sort(out)
		return out, nil
	}
	for _, b := range resp.Brokers {
		out = append(out, strconv.Itoa(int(b.NodeID)))
	}
	return append(out, ""), nil
}

// alter is alterConfig for topics, brokers, broker loggers and
// client-metrics resources, or alterConfigWithZk's output for --zookeeper.
func (s *configsSession) alter(ctx context.Context, added []configPair, deleted []string) error {
	entityType, name := s.types[0], s.names[0]
	rt, _ := resourceType(entityType, name)
	switch entityType {
	case ctUsers, ctClients, ctIPs:
		if err := s.alterUsersClientsIPs(ctx, added, deleted); err != nil {
			return err
		}
		if s.zk {
			entity := map[string]*string{}
			for i, t := range s.types {
				if i < len(s.names) && s.names[i] != "" {
					entity[quotaEntityTypes[t]] = &s.names[i]
				} else {
					entity[quotaEntityTypes[t]] = nil
				}
			}
			fmt.Fprintf(s.env.stdout, "Completed updating config for entity: %s.\n", quotaEntityString(entity, true))
			return nil
		}
	case ctBrokerLoggers:
		valid, err := s.resourceConfig(ctx, entityType, name, true, false)
		if err != nil {
			return err
		}
		known := map[string]bool{}
		for _, c := range valid {
			known[c.Name] = true
		}
		var invalid []string
		for _, k := range deleted {
			if !known[k] {
				invalid = append(invalid, k)
			}
		}
		for _, p := range added {
			if !known[p.key] {
				invalid = append(invalid, p.key)
			}
		}
		if len(invalid) > 0 {
			return illegal("Invalid broker logger(s): %s", strings.Join(invalid, ","))
		}
		if err := s.incrementalAlter(ctx, rt, name, added, deleted); err != nil {
			return err
		}
	default:
		old, err := s.resourceConfig(ctx, entityType, name, false, false)
		if err != nil {
			return err
		}
		oldNames := map[string]*string{}
		for _, c := range old {
			oldNames[c.Name] = c.Value
		}
		var invalid []string
		for _, k := range deleted {
			if _, ok := oldNames[k]; !ok {
				invalid = append(invalid, k)
			}
		}
		if len(invalid) > 0 {
			return illegal("Invalid config(s): %s", strings.Join(invalid, ","))
		}
		if entityType == ctBrokers {
			err = s.brokerAlter(ctx, name, old, added, deleted)
		} else {
			err = s.incrementalAlter(ctx, rt, name, added, deleted)
		}
		if err != nil {
			return err
		}
	}
	switch {
	case s.zk:
		fmt.Fprintf(s.env.stdout, "Completed updating config for entity: %s.\n", entityString(entityType, name))
	case name != "":
		fmt.Fprintf(s.env.stdout, "Completed updating config for %s %s.\n", strings.TrimSuffix(entityType, "s"), name)
	default:
		fmt.Fprintf(s.env.stdout, "Completed updating default config for %s in the cluster.\n", entityType)
	}
	return nil
}

// incrementalAlter sends SET for the added configs and DELETE for the
// deleted ones.
func (s *configsSession) incrementalAlter(ctx context.Context, rt kmsg.ConfigResourceType, name string, added []configPair, deleted []string) error {
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	res := kmsg.NewIncrementalAlterConfigsRequestResource()
	res.ResourceType, res.ResourceName = rt, name
	for _, p := range added {
		c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		c.Name, c.Op, c.Value = p.key, kmsg.IncrementalAlterConfigOpSet, kmsg.StringPtr(p.value)
		res.Configs = append(res.Configs, c)
	}
	for _, k := range deleted {
		c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		c.Name, c.Op, c.Value = k, kmsg.IncrementalAlterConfigOpDelete, kmsg.StringPtr("")
		res.Configs = append(res.Configs, c)
	}
	req.Resources = append(req.Resources, res)
	resp, err := req.RequestWith(ctx, s.cl)
	if err != nil {
		return requestError(req, err)
	}
	return firstError(resp.Resources, func(r kmsg.IncrementalAlterConfigsResponseResource) (int16, *string) {
		return r.ErrorCode, r.ErrorMessage
	})
}

// brokerAlter is alterConfig's brokers case: the broker's (or the
// cluster default's) whole dynamic config, with the additions and without
// the deletions, through the legacy AlterConfigs. Sensitive entries, whose
// values the broker hides, must be given again.
func (s *configsSession) brokerAlter(ctx context.Context, name string, old []kmsg.DescribeConfigsResponseResourceConfig, added []configPair, deleted []string) error {
	type entry struct {
		name  string
		value *string
	}
	var entries []entry
	for _, c := range old {
		entries = append(entries, entry{c.Name, c.Value})
	}
	for _, p := range added {
		v := p.value
		i := slices.IndexFunc(entries, func(e entry) bool { return e.name == p.key })
		if i >= 0 {
			entries[i].value = &v
		} else {
			entries = append(entries, entry{p.key, &v})
		}
	}
	entries = slices.DeleteFunc(entries, func(e entry) bool { return slices.Contains(deleted, e.name) })
	var missing []string
	for _, e := range entries {
		if e.value == nil {
			missing = append(missing, e.name)
		}
	}
	if len(missing) > 0 {
		return illegal("All sensitive broker config entries must be specified for --alter, missing entries: Set(%s)", strings.Join(missing, ", "))
	}
	req := kmsg.NewPtrAlterConfigsRequest()
	res := kmsg.NewAlterConfigsRequestResource()
	res.ResourceType, res.ResourceName = kmsg.ConfigResourceTypeBroker, name
	for _, e := range entries {
		c := kmsg.NewAlterConfigsRequestResourceConfig()
		c.Name, c.Value = e.name, e.value
		res.Configs = append(res.Configs, c)
	}
	req.Resources = append(req.Resources, res)
	resp, err := req.RequestWith(ctx, s.cl)
	if err != nil {
		return requestError(req, err)
	}
	return firstError(resp.Resources, func(r kmsg.AlterConfigsResponseResource) (int16, *string) { return r.ErrorCode, r.ErrorMessage })
}
