package cli

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wharf-project/wharf/internal/jopt"
	"github.com/wharf-project/wharf/internal/kafka/dumplog"
)

// `wharf configs` is kafka-configs.sh (kafka.admin.ConfigCommand of Kafka
// 3.9): it describes and alters the dynamic configs of topics, brokers,
// the cluster's broker defaults, broker loggers and client-metrics
// resources, through DescribeConfigs, IncrementalAlterConfigs and (for
// brokers, as the original does) AlterConfigs. The options, their checks
// and their messages are ConfigCommandOptions.checkArgs's.
//
// --zookeeper, which Kafka 3.9 keeps only for SCRAM credentials and
// stopped brokers, works as in Kafka 2.8's tutorials (topics and brokers
// described and altered, with 2.8's output lines), but through the
// brokers registered in ZooKeeper rather than by writing the znodes.
func init() {
	Register(Command{
		Name:    "configs",
		New:     newConfigsCommand,
		Aliases: []Alias{{Name: "kafka-configs.sh"}},
	})
}

func newConfigsCommand() *cobra.Command {
	return toolCommand(&cobra.Command{
		Use:   "configs --bootstrap-server host:port --entity-type topics --entity-name t --describe|--alter ...",
		Short: "Describe and alter topic, broker and broker-logger configs (kafka-configs.sh)",
		Long: "configs is Kafka 3.9's kafka-configs.sh: --describe [--all] or --alter\n" +
			"--add-config k=v,k2=[a,b] / --delete-config k on --entity-type/--entity-name or the\n" +
			"shorthands --topic, --broker, --broker-defaults, --broker-logger. Run it with --help\n" +
			"for the original's option table.",
	}, runConfigs, exitsWithCode)
}

const configsHelpHeader = "This tool helps to manipulate and describe entity config for a topic, client, user, broker, ip or client-metrics"

// Entity types (ConfigType and ConfigCommand.BrokerLoggerConfigType).
const (
	ctTopics        = "topics"
	ctClients       = "clients"
	ctUsers         = "users"
	ctBrokers       = "brokers"
	ctIPs           = "ips"
	ctClientMetrics = "client-metrics"
	ctBrokerLoggers = "broker-loggers"
)

// The entity types ConfigCommand accepts with --bootstrap-server, with
// Kafka 3.9's --zookeeper (the message when no connection option is
// given), and with Kafka 2.8's --zookeeper (what Wharf's --zookeeper does).
var (
	configsBrokerTypes = []string{ctTopics, ctClients, ctUsers, ctBrokers, ctIPs, ctBrokerLoggers, ctClientMetrics}
	configsZK39Types   = []string{ctUsers, ctBrokers}
	configsZK28Types   = []string{ctTopics, ctClients, ctUsers, ctBrokers, ctIPs}
)

// configsOptions is ConfigCommand.ConfigCommandOptions.
type configsOptions struct {
	parser *jopt.Parser
	set    *jopt.OptionSet
	args   []string

	help, version, zookeeper, bootstrap, controller, commandConfig, alter, describe, all *jopt.Spec
	entityType, entityName, entityDefault, addConfig, addConfigFile, deleteConfig, force *jopt.Spec
	topic, client, clientDefaults, user, userDefaults, broker, brokerDefaults            *jopt.Spec
	brokerLogger, ipDefaults, ip, zkTLS                                                  *jopt.Spec
}

func newConfigsOptions() *configsOptions {
	p := jopt.NewParser()
	o := &configsOptions{parser: p}
	req := func(name, desc, argDesc string) *jopt.Spec {
		return p.Accepts(&jopt.Spec{Name: name, Desc: desc, Arg: jopt.RequiredArg, ArgDesc: argDesc})
	}
	flag := func(name, desc string) *jopt.Spec { return p.Accepts(&jopt.Spec{Name: name, Desc: desc}) }
	o.help = p.Accepts(&jopt.Spec{Name: "help", Desc: "Print usage information.", ForHelp: true})
	o.version = p.Accepts(&jopt.Spec{Name: "version", Desc: "Display Kafka version.", ForHelp: true})
	o.zookeeper = req("zookeeper", "DEPRECATED. The connection string for the zookeeper connection in the form host:port. "+
		"Multiple URLS can be given to allow fail-over. Required when configuring SCRAM credentials for users or "+
		"dynamic broker configs when the relevant broker(s) are down. Not allowed otherwise.", "urls")
	o.bootstrap = req("bootstrap-server", "The Kafka servers to connect to.", "server to connect to")
	o.controller = req("bootstrap-controller", "The Kafka controllers to connect to.", "controller to connect to")
	o.commandConfig = req("command-config", "Property file containing configs to be passed to Admin Client. "+
		"This is used only with --bootstrap-server option for describing and altering broker configs.", "command config property file")
	o.alter = flag("alter", "Alter the configuration for the entity.")
	o.describe = flag("describe", "List configs for the given entity.")
	o.all = flag("all", "List all configs for the given topic, broker, or broker-logger entity (includes static configuration when the entity type is brokers)")
	o.entityType = req("entity-type", "Type of entity (topics/clients/users/brokers/broker-loggers/ips/client-metrics)", "")
	o.entityName = req("entity-name", "Name of entity (topic name/client id/user principal name/broker id/ip/client metrics)", "")
	o.entityDefault = flag("entity-default", "Default entity name for clients/users/brokers/ips (applies to corresponding entity type in command line)")
	o.addConfig = req("add-config", configsAddConfigHelp, "")
	o.addConfigFile = req("add-config-file", "Path to a properties file with configs to add. See add-config for a list of valid configurations.", "")
	o.deleteConfig = req("delete-config", "config keys to remove 'k1,k2'", "")
	o.force = flag("force", "Suppress console prompts")
	o.topic = req("topic", "The topic's name.", "")
	o.client = req("client", "The client's ID.", "")
	o.clientDefaults = flag("client-defaults", "The config defaults for all clients.")
	o.user = req("user", "The user's principal name.", "")
	o.userDefaults = flag("user-defaults", "The config defaults for all users.")
	o.broker = req("broker", "The broker's ID.", "")
	o.brokerDefaults = flag("broker-defaults", "The config defaults for all brokers.")
	o.brokerLogger = req("broker-logger", "The broker's ID for its logger config.", "")
	o.ipDefaults = flag("ip-defaults", "The config defaults for all IPs.")
	o.ip = req("ip", "The IP address.", "")
	o.zkTLS = req("zk-tls-config-file", "Identifies the file where ZooKeeper client TLS connectivity properties are defined.  Any properties other than "+
		"zookeeper.clientCnxnSocket, zookeeper.ssl.cipher.suites, zookeeper.ssl.client.enable, zookeeper.ssl.crl.enable, "+
		"zookeeper.ssl.enabled.protocols, zookeeper.ssl.endpoint.identification.algorithm, zookeeper.ssl.keystore.location, "+
		"zookeeper.ssl.keystore.password, zookeeper.ssl.keystore.type, zookeeper.ssl.ocsp.enable, zookeeper.ssl.protocol, "+
		"zookeeper.ssl.truststore.location, zookeeper.ssl.truststore.password, zookeeper.ssl.truststore.type are ignored.",
		"ZooKeeper TLS configuration")
	return o
}

// configsAddConfigHelp is --add-config's description (ConfigCommand.scala
// lines 829-837): the valid names per entity type, one per line after a
// tab, as Kafka 3.9 computes them: LogConfig.configNames for topics;
// DynamicConfig.Broker.names (DynamicBrokerConfig.AllDynamicConfigs, which
// are in KafkaConfig, and the broker quota rates) for brokers; the quota
// names and SCRAM mechanisms; ClientMetricsConfigs for client-metrics.
var configsAddConfigHelp = func() string {
	list := func(names string) string {
		return "\n\t" + strings.Join(strings.Fields(names), "\n\t") + "\n"
	}
	return "Key Value pairs of configs to add. Square brackets can be used to group values which contain commas: " +
		"'k1=v1,k2=[v1,v2,v2],k3=v3'. The following is a list of valid configurations: " +
		"For entity-type 'topics': " + list(`cleanup.policy compression.gzip.level compression.lz4.level compression.type
			compression.zstd.level delete.retention.ms file.delete.delay.ms flush.messages flush.ms
			follower.replication.throttled.replicas index.interval.bytes leader.replication.throttled.replicas
			local.retention.bytes local.retention.ms max.compaction.lag.ms max.message.bytes message.downconversion.enable
			message.format.version message.timestamp.after.max.ms message.timestamp.before.max.ms
			message.timestamp.difference.max.ms message.timestamp.type min.cleanable.dirty.ratio min.compaction.lag.ms
			min.insync.replicas preallocate remote.log.copy.disable remote.log.delete.on.disable remote.storage.enable
			retention.bytes retention.ms segment.bytes segment.index.bytes segment.jitter.ms segment.ms
			unclean.leader.election.enable`) +
		"For entity-type 'brokers': " + list(`advertised.listeners background.threads compression.gzip.level
			compression.lz4.level compression.type compression.zstd.level follower.replication.throttled.rate
			leader.replication.throttled.rate listener.security.protocol.map listeners log.cleaner.backoff.ms
			log.cleaner.dedupe.buffer.size log.cleaner.delete.retention.ms log.cleaner.io.buffer.load.factor
			log.cleaner.io.buffer.size log.cleaner.io.max.bytes.per.second log.cleaner.max.compaction.lag.ms
			log.cleaner.min.cleanable.ratio log.cleaner.min.compaction.lag.ms log.cleaner.threads log.cleanup.policy
			log.flush.interval.messages log.flush.interval.ms log.index.interval.bytes log.index.size.max.bytes
			log.local.retention.bytes log.local.retention.ms log.message.downconversion.enable
			log.message.timestamp.after.max.ms log.message.timestamp.before.max.ms
			log.message.timestamp.difference.max.ms log.message.timestamp.type log.preallocate log.retention.bytes
			log.retention.ms log.roll.jitter.ms log.roll.ms log.segment.bytes log.segment.delete.delay.ms
			max.connection.creation.rate max.connections max.connections.per.ip max.connections.per.ip.overrides
			message.max.bytes metric.reporters min.insync.replicas num.io.threads num.network.threads
			num.recovery.threads.per.data.dir num.replica.fetchers principal.builder.class producer.id.expiration.ms
			remote.fetch.max.wait.ms remote.log.index.file.cache.total.size.bytes
			remote.log.manager.copy.max.bytes.per.second remote.log.manager.fetch.max.bytes.per.second
			replica.alter.log.dirs.io.max.bytes.per.second sasl.enabled.mechanisms sasl.jaas.config
			sasl.kerberos.kinit.cmd sasl.kerberos.min.time.before.relogin sasl.kerberos.principal.to.local.rules
			sasl.kerberos.service.name sasl.kerberos.ticket.renew.jitter sasl.kerberos.ticket.renew.window.factor
			sasl.login.refresh.buffer.seconds sasl.login.refresh.min.period.seconds sasl.login.refresh.window.factor
			sasl.login.refresh.window.jitter sasl.mechanism.inter.broker.protocol ssl.cipher.suites ssl.client.auth
			ssl.enabled.protocols ssl.endpoint.identification.algorithm ssl.engine.factory.class ssl.key.password
			ssl.keymanager.algorithm ssl.keystore.certificate.chain ssl.keystore.key ssl.keystore.location
			ssl.keystore.password ssl.keystore.type ssl.protocol ssl.provider ssl.secure.random.implementation
			ssl.trustmanager.algorithm ssl.truststore.certificates ssl.truststore.location ssl.truststore.password
			ssl.truststore.type transaction.partition.verification.enable unclean.leader.election.enable`) +
		"For entity-type 'users': " + list("SCRAM-SHA-256 SCRAM-SHA-512 consumer_byte_rate controller_mutation_rate producer_byte_rate request_percentage") +
		"For entity-type 'clients': " + list("consumer_byte_rate controller_mutation_rate producer_byte_rate request_percentage") +
		"For entity-type 'ips': " + list("connection_creation_rate") +
		"For entity-type 'client-metrics': " + list("interval.ms match metrics") +
		"Entity types 'users' and 'clients' may be specified together to update config for clients of a specific user."
}()

// configsIllegal is an IllegalArgumentException, InvalidConfigurationException
// or OptionException: main prints its message alone on stderr, exit 1.
type configsIllegal struct{ msg string }

func (e *configsIllegal) Error() string { return e.msg }

// configsUsage is CommandLineUtils.printUsageAndExit.
type configsUsage struct{ msg string }

func (e *configsUsage) Error() string { return e.msg }

// configsThrown is any other Throwable: main prints "Error while
// executing config command with args '...'" and the stack trace's first
// line ("class: message"; class empty for an error reaching the cluster,
// printed as is).
type configsThrown struct{ class, msg string }

func (e *configsThrown) Error() string { return e.msg }

func illegal(format string, a ...any) error { return &configsIllegal{fmt.Sprintf(format, a...)} }

// runConfigs is ConfigCommand.main.
func runConfigs(ctx context.Context, args []string, env toolEnv) int {
	o := newConfigsOptions()
	o.args = args
	err := o.run(ctx, env)
	switch e := err.(type) {
	case nil:
		return 0
	case *configsUsage:
		return usageExit(env, o.parser, e.msg)
	case *configsIllegal:
		fmt.Fprintln(env.stderr, e.msg)
	case *configsThrown:
		fmt.Fprintf(env.stderr, "Error while executing config command with args '%s'\n", strings.Join(args, " "))
		if e.class != "" {
			fmt.Fprintln(env.stderr, e.class+": "+e.msg)
		} else {
			fmt.Fprintln(env.stderr, e.msg)
		}
	case *jopt.Error:
		fmt.Fprintln(env.stderr, e.Message)
	default:
		fmt.Fprintf(env.stderr, "Error while executing config command with args '%s'\n", strings.Join(args, " "))
		fmt.Fprintln(env.stderr, err.Error())
	}
	return 1
}

func (o *configsOptions) run(ctx context.Context, env toolEnv) error {
	set, err := o.parser.Parse(o.args)
	if err != nil {
		return err
	}
	o.set = set
	if len(o.args) == 0 || set.Has(o.help) {
		return &configsUsage{configsHelpHeader}
	}
	if set.Has(o.version) {
		fmt.Fprintln(env.stdout, dumplog.KafkaVersion)
		return nil
	}
	if err := o.checkArgs(); err != nil {
		return err
	}
	if set.Has(o.zookeeper) {
		fmt.Fprintln(env.stdout, "Warning: --zookeeper is deprecated and will be removed in a future version of Kafka.")
		fmt.Fprintln(env.stdout, "Use --bootstrap-server instead to specify a broker to connect to.")
	}
	return o.process(ctx, env)
}

// entityFlags and entityDefaultFlags are the shorthands, in the original's
// order, with the entity type each stands for.
func (o *configsOptions) entityFlags() []struct {
	spec *jopt.Spec
	typ  string
} {
	return []struct {
		spec *jopt.Spec
		typ  string
	}{{o.topic, ctTopics}, {o.client, ctClients}, {o.user, ctUsers}, {o.broker, ctBrokers}, {o.brokerLogger, ctBrokerLoggers}, {o.ip, ctIPs}}
}

func (o *configsOptions) entityDefaultFlags() []struct {
	spec *jopt.Spec
	typ  string
} {
	return []struct {
		spec *jopt.Spec
		typ  string
	}{{o.clientDefaults, ctClients}, {o.userDefaults, ctUsers}, {o.brokerDefaults, ctBrokers}, {o.ipDefaults, ctIPs}}
}

// entityTypes is ConfigCommandOptions.entityTypes.
func (o *configsOptions) entityTypes() []string {
	out := o.set.ValuesOf(o.entityType)
	for _, f := range append(o.entityFlags(), o.entityDefaultFlags()...) {
		if o.set.Has(f.spec) {
			out = append(out, f.typ)
		}
	}
	return out
}

// entityNames is ConfigCommandOptions.entityNames: the --entity-name and
// --entity-default occurrences in command-line order ("" for a default),
// then the shorthands' names, then "" per defaults shorthand.
func (o *configsOptions) entityNames() ([]string, error) {
	names := o.set.ValuesOf(o.entityName)
	var out []string
	for _, key := range o.optionOrder() {
		switch key {
		case "entity-name":
			if len(names) > 0 {
				out = append(out, names[0])
				names = names[1:]
			}
		case "entity-default":
			out = append(out, "")
		}
	}
	for _, f := range o.entityFlags() {
		if o.set.Has(f.spec) {
			v, _, err := o.set.ValueOf(f.spec)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
	}
	for _, f := range o.entityDefaultFlags() {
		if o.set.Has(f.spec) {
			out = append(out, "")
		}
	}
	return out, nil
}

// optionOrder is the names of the options on the command line, in order
// (OptionSet.specs()); the command line parsed, so every option is known.
func (o *configsOptions) optionOrder() []string {
	var out []string
	for i := 0; i < len(o.args); i++ {
		a := o.args[i]
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			continue
		}
		key := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		hasValue := false
		if j := strings.IndexByte(key, '='); j >= 0 {
			key, hasValue = key[:j], true
		}
		out = append(out, key)
		switch key {
		case "alter", "describe", "all", "entity-default", "force", "client-defaults", "user-defaults",
			"broker-defaults", "ip-defaults", "help", "version":
		default:
			if !hasValue {
				i++ // its argument
			}
		}
	}
	return out
}

// checkArgs is ConfigCommandOptions.checkArgs.
func (o *configsOptions) checkArgs() error {
	s := o.set
	actions := 0
	for _, a := range []*jopt.Spec{o.alter, o.describe} {
		if s.Has(a) {
			actions++
		}
	}
	if actions != 1 {
		return &configsUsage{"Command must include exactly one action: --describe, --alter"}
	}
	for _, bad := range []*jopt.Spec{o.alter, o.addConfig, o.deleteConfig} {
		if s.Has(o.describe) && s.Has(bad) {
			return &configsUsage{fmt.Sprintf("Option %q can't be used with option %q", o.describe.String(), bad.String())}
		}
	}
	types := o.entityTypes()
	var distinct, dups []string
	for _, t := range types {
		if slices.Contains(distinct, t) {
			dups = append(dups, t)
		} else {
			distinct = append(distinct, t)
		}
	}
	if len(dups) > 0 {
		return illegal("Duplicate entity type(s) specified: %s", strings.Join(dups, ","))
	}
	allowed, connect, sep, article := configsZK39Types, "--zookeeper", ", ", "a"
	switch {
	case s.Has(o.bootstrap) || s.Has(o.controller):
		allowed, connect = configsBrokerTypes, "--bootstrap-server or --bootstrap-controller"
	case s.Has(o.zookeeper):
		allowed, sep, article = configsZK28Types, ",", "the"
	}
	for _, t := range types {
		if !slices.Contains(allowed, t) {
			return illegal("Invalid entity type %s, the entity type must be one of %s with %s %s argument", t, strings.Join(allowed, sep), article, connect)
		}
	}
	if len(types) == 0 {
		return illegal("At least one entity type must be specified")
	}
	if len(types) > 1 && !(len(distinct) == 2 && slices.Contains(distinct, ctUsers) && slices.Contains(distinct, ctClients)) {
		return illegal("Only 'users' and 'clients' entity types may be specified together")
	}
	if s.Has(o.entityName) || s.Has(o.entityType) || s.Has(o.entityDefault) {
		for _, f := range append(o.entityFlags(), o.entityDefaultFlags()...) {
			if s.Has(f.spec) {
				return illegal("--entity-{type,name,default} should not be used in conjunction with specific entity flags")
			}
		}
	}
	names, err := o.entityNames()
	if err != nil {
		return err
	}
	hasName := slices.ContainsFunc(names, func(n string) bool { return n != "" })
	hasDefault := slices.Contains(names, "")
	connects := 0
	for _, c := range []*jopt.Spec{o.bootstrap, o.controller, o.zookeeper} {
		if s.Has(c) {
			connects++
		}
	}
	if connects == 0 {
		return illegal("One of the required --bootstrap-server, --boostrap-controller, or --zookeeper arguments must be specified")
	} else if connects > 1 {
		return illegal("Only one of --bootstrap-server, --boostrap-controller, and --zookeeper can be specified")
	}
	if s.Has(o.all) && s.Has(o.zookeeper) {
		return illegal("--bootstrap-server must be specified for --all")
	}
	if s.Has(o.zkTLS) && !s.Has(o.zookeeper) {
		return illegal("Only the --zookeeper option can be used with the --zk-tls-config-file option.")
	}
	if hasName && (slices.Contains(types, ctBrokers) || slices.Contains(types, ctBrokerLoggers)) {
		for _, spec := range []*jopt.Spec{o.entityName, o.broker, o.brokerLogger} {
			if !s.Has(spec) {
				continue
			}
			v, _, err := s.ValueOf(spec)
			if err != nil {
				return err
			}
			if _, ok := jopt.ParseInt(v); !ok {
				return illegal("The entity name for %s must be a valid integer broker id, but it is: %s", types[0], v)
			}
		}
	}
	if hasName && slices.Contains(types, ctIPs) {
		for _, spec := range []*jopt.Spec{o.entityName, o.ip} {
			if !s.Has(spec) {
				continue
			}
			v, _, err := s.ValueOf(spec)
			if err != nil {
				return err
			}
			if !validIPEntity(v) {
				return illegal("The entity name for %s must be a valid IP or resolvable host, but it is: %s", types[0], v)
			}
		}
	}
	if s.Has(o.describe) && slices.Contains(types, ctBrokerLoggers) && !hasName {
		return illegal("an entity name must be specified with --describe of %s", strings.Join(types, ","))
	}
	if s.Has(o.alter) {
		if slices.ContainsFunc(types, func(t string) bool { return t == ctUsers || t == ctClients || t == ctBrokers || t == ctIPs }) {
			if !hasName && !hasDefault {
				return illegal("an entity-name or default entity must be specified with --alter of users, clients, brokers or ips")
			}
		} else if !hasName {
			return illegal("an entity name must be specified with --alter of %s", strings.Join(types, ","))
		}
		add, addFile, del := s.Has(o.addConfig), s.Has(o.addConfigFile), s.Has(o.deleteConfig)
		if add && addFile {
			return illegal("Only one of --add-config or --add-config-file must be specified")
		}
		if !add && !addFile && !del {
			return illegal("At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter")
		}
	}
	return nil
}

// validIPEntity is DynamicConfig.Ip.isValidIpEntity: the default, an IP
// address, or a name that resolves.
func validIPEntity(s string) bool {
	if s == "<default>" || net.ParseIP(s) != nil {
		return true
	}
	addrs, err := net.LookupHost(s)
	return err == nil && len(addrs) > 0
}

// splitOutsideBrackets splits s at each sep that the original's lookahead
// (?=[^\]]*(?:\[|$)) accepts: one not followed by a ']' before a '[' (so
// not inside [...]). keepTrailing is split's limit -1; otherwise trailing
// empty strings are dropped, as String.split does.
func splitOutsideBrackets(s string, sep byte, keepTrailing bool) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] != sep {
			continue
		}
		rest := s[i+1:]
		close := strings.IndexByte(rest, ']')
		if close < 0 || strings.IndexByte(rest[:close], '[') >= 0 {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	out = append(out, s[start:])
	if !keepTrailing {
		for len(out) > 0 && out[len(out)-1] == "" {
			out = out[:len(out)-1]
		}
	}
	return out
}

// configPair is one config to add, in command-line order.
type configPair struct{ key, value string }

// configsToBeAdded is ConfigCommand.parseConfigsToBeAdded: the
// --add-config-file properties, then --add-config's pairs (a key given
// twice keeps its last value).
func (o *configsOptions) configsToBeAdded(env toolEnv) ([]configPair, error) {
	var pairs []configPair
	put := func(k, v string) {
		for i := range pairs {
			if pairs[i].key == k {
				pairs[i].value = v
				return
			}
		}
		pairs = append(pairs, configPair{k, v})
	}
	if o.set.Has(o.addConfigFile) {
		path, _, err := o.set.ValueOf(o.addConfigFile)
		if err != nil {
			return nil, err
		}
		props, class, msg := loadJavaProps(env.cwd, path)
		if class != "" {
			return nil, &configsThrown{class, msg}
		}
		keys := make([]string, 0, len(props))
		for k := range props {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			put(k, props[k])
		}
	}
	if o.set.Has(o.addConfig) {
		v, _, err := o.set.ValueOf(o.addConfig)
		if err != nil {
			return nil, err
		}
		var split [][]string
		for _, c := range splitOutsideBrackets(v, ',', false) {
			kv := splitOutsideBrackets(c, '=', true)
			if len(kv) != 2 {
				return nil, illegal("Invalid entity config: all configs to be added must be in the format \"key=val\".")
			}
			split = append(split, kv)
		}
		for _, kv := range split {
			val := strings.NewReplacer("[", "", "]", "").Replace(kv[1])
			put(strings.TrimSpace(kv[0]), strings.TrimSpace(val))
		}
	}
	for _, p := range pairs {
		if p.key == "message.format.version" {
			fmt.Fprintf(env.stdout, "WARNING: The configuration message.format.version=%s is specified. "+
				"This configuration will be ignored if the version is newer than the inter.broker.protocol.version specified in the broker or "+
				"if the inter.broker.protocol.version is 3.0 or newer. This configuration is deprecated and it will be removed in Apache Kafka 4.0.\n", p.value)
		}
	}
	for _, p := range pairs {
		for _, c := range p.key {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
				return nil, illegal("Invalid character found for config key: %s", p.key)
			}
		}
	}
	return pairs, nil
}

// configsToBeDeleted is parseConfigsToBeDeleted: every --delete-config
// value split at commas (withValuesSeparatedBy(',')), trimmed.
func (o *configsOptions) configsToBeDeleted() []string {
	var out []string
	for _, v := range o.set.ValuesOf(o.deleteConfig) {
		for _, k := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' }) {
			out = append(out, strings.TrimSpace(k))
		}
	}
	return out
}
