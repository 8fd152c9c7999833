package kconfig

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// This file is DynamicBrokerConfig's rules: which broker keys may change at
// run time, at which level (per broker, /config/brokers/<id>, or cluster
// default, /config/brokers/<default>), their synonyms and precedence.

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

var (
	// dynamicSecurityConfigs is SslConfigs.RECONFIGURABLE_CONFIGS: settable
	// only with a listener prefix.
	dynamicSecurityConfigs = set("ssl.keystore.type", "ssl.keystore.location", "ssl.keystore.password",
		"ssl.key.password", "ssl.truststore.type", "ssl.truststore.location", "ssl.truststore.password",
		"ssl.keystore.certificate.chain", "ssl.keystore.key", "ssl.truststore.certificates")
	// dynamicListenerConfigs is DynamicListenerConfig.ReconfigurableConfigs.
	dynamicListenerConfigs = set("advertised.listeners", "listeners", "listener.security.protocol.map",
		"principal.builder.class", "ssl.protocol", "ssl.provider", "ssl.cipher.suites", "ssl.enabled.protocols",
		"ssl.keystore.type", "ssl.keystore.location", "ssl.keystore.password", "ssl.key.password",
		"ssl.truststore.type", "ssl.truststore.location", "ssl.truststore.password", "ssl.keymanager.algorithm",
		"ssl.trustmanager.algorithm", "ssl.endpoint.identification.algorithm", "ssl.secure.random.implementation",
		"ssl.client.auth", "ssl.engine.factory.class",
		"sasl.mechanism.inter.broker.protocol", "sasl.jaas.config", "sasl.enabled.mechanisms",
		"sasl.kerberos.service.name", "sasl.kerberos.kinit.cmd", "sasl.kerberos.ticket.renew.window.factor",
		"sasl.kerberos.ticket.renew.jitter", "sasl.kerberos.min.time.before.relogin",
		"sasl.kerberos.principal.to.local.rules", "sasl.login.refresh.window.factor",
		"sasl.login.refresh.window.jitter", "sasl.login.refresh.min.period.seconds",
		"sasl.login.refresh.buffer.seconds", "max.connections", "max.connection.creation.rate")
	// threadPoolConfigs is DynamicThreadPool.ReconfigurableConfigs.
	threadPoolConfigs = []string{"num.io.threads", "num.network.threads", "num.replica.fetchers",
		"num.recovery.threads.per.data.dir", "background.threads"}
	// clusterLevelListenerConfigs may be set per listener at the default level.
	clusterLevelListenerConfigs = set("max.connections", "max.connection.creation.rate")

	// allDynamicConfigs is DynamicBrokerConfig.AllDynamicConfigs.
	allDynamicConfigs = func() map[string]bool {
		m := maps.Clone(dynamicSecurityConfigs)
		maps.Copy(m, dynamicListenerConfigs)
		for _, n := range threadPoolConfigs {
			m[n] = true
		}
		for _, n := range []string{
			// LogCleaner.ReconfigurableConfigs
			"log.cleaner.threads", "log.cleaner.dedupe.buffer.size", "log.cleaner.io.buffer.load.factor",
			"log.cleaner.io.buffer.size", "message.max.bytes", "log.cleaner.io.max.bytes.per.second",
			"log.cleaner.backoff.ms",
			"metric.reporters",
			// SocketServer.ReconfigurableConfigs
			"max.connections.per.ip", "max.connections.per.ip.overrides", "max.connections",
			"max.connection.creation.rate",
		} {
			m[n] = true
		}
		// DynamicLogConfig.ReconfigurableConfigs: the topic defaults, but
		// log.message.format.version.
		for _, b := range topicSynonyms {
			if b != "log.message.format.version" {
				m[b] = true
			}
		}
		return m
	}()
	// perBrokerConfigs is DynamicBrokerConfig.PerBrokerConfigs.
	perBrokerConfigs = func() map[string]bool {
		m := maps.Clone(dynamicSecurityConfigs)
		maps.Copy(m, dynamicListenerConfigs)
		for n := range clusterLevelListenerConfigs {
			delete(m, n)
		}
		return m
	}()
	// listenerMechanismConfigs are set as listener.name.<l>.<mechanism>.<key>.
	listenerMechanismConfigs = []string{"sasl.jaas.config", "sasl.login.callback.handler.class",
		"sasl.login.class", "sasl.server.callback.handler.class", "connections.max.reauth.ms"}

	// listenerConfig is DynamicBrokerConfig.ListenerConfigRegex.
	listenerConfig = regexp.MustCompile(`^listener\.name\.[^.]*\.(.*)$`)

	// dynamicBrokerDef is DynamicConfig.Broker.brokerConfigDef: the
	// throttle rates and every dynamic KafkaConfig key.
	dynamicBrokerDef = func() *def {
		keys := slices.Clone(dynamicOnlyBrokerDef.keys)
		for _, k := range brokerDef.keys {
			if allDynamicConfigs[k.Name] {
				keys = append(keys, k)
			}
		}
		return newDef(keys)
	}()
)

// IsDynamicBrokerConfig reports whether a broker key can be changed with
// AlterConfigs (DescribeConfigs reports the others read-only).
func IsDynamicBrokerConfig(name string) bool { return allDynamicConfigs[name] }

// IsPerBrokerConfig reports whether a dynamic key can only be set per
// broker, never as a cluster default ("per-broker" in Kafka's docs).
func IsPerBrokerConfig(name string) bool { return perBrokerConfigs[name] }

// brokerConfigSynonyms is DynamicBrokerConfig.brokerConfigSynonyms: the
// names that set the same value, highest priority first.
func brokerConfigSynonyms(name string, matchListenerOverride bool) []string {
	switch name {
	case "log.roll.ms", "log.roll.hours":
		return []string{"log.roll.ms", "log.roll.hours"}
	case "log.roll.jitter.ms", "log.roll.jitter.hours":
		return []string{"log.roll.jitter.ms", "log.roll.jitter.hours"}
	case "log.flush.interval.ms":
		return []string{"log.flush.interval.ms", "log.flush.scheduler.interval.ms"}
	case "log.retention.ms", "log.retention.minutes", "log.retention.hours":
		return []string{"log.retention.ms", "log.retention.minutes", "log.retention.hours"}
	}
	if m := listenerConfig.FindStringSubmatch(name); m != nil && matchListenerOverride {
		base := m[1]
		for _, mech := range listenerMechanismConfigs {
			if strings.HasSuffix(base, mech) {
				return []string{name, mech}
			}
		}
		return []string{name, base}
	}
	return []string{name}
}

// brokerConfigType is KafkaConfig.configType: a key's type, from the
// broker's ConfigDef, the dynamic-only keys, or (listener overrides) its
// base key; TypeUnknown when none.
func brokerConfigType(name string) Type {
	if k, ok := brokerDef.key(name); ok {
		return k.Type
	}
	if k, ok := dynamicOnlyBrokerDef.key(name); ok {
		return k.Type
	}
	for _, s := range brokerConfigSynonyms(name, true) {
		if k, ok := brokerDef.key(s); ok {
			return k.Type
		}
	}
	return TypeUnknown
}

// scalaSet prints names as Scala's Set.toString does (sorted here, where
// Scala's order is its hash order).
func scalaSet(names []string) string {
	slices.Sort(names)
	return "Set(" + strings.Join(names, ", ") + ")"
}

func keysWhere(props map[string]string, pred func(string) bool) []string {
	var out []string
	for k := range props {
		if pred(k) {
			out = append(out, k)
		}
	}
	return out
}

// isNonDynamic is DynamicConfig.Broker.nonDynamicProps.
func isNonDynamic(name string) bool {
	_, defined := brokerDef.key(name)
	_, dynamic := dynamicBrokerDef.key(name)
	return defined && !dynamic
}

func isPerBrokerKey(name string) bool {
	if perBrokerConfigs[name] {
		return true
	}
	if m := listenerConfig.FindStringSubmatch(name); m != nil {
		return !clusterLevelListenerConfigs[m[1]]
	}
	return false
}

// validateDynamic is DynamicBrokerConfig.validateConfigs: names that may
// be set dynamically at this level, with values of the right types.
func validateDynamic(props map[string]string, perBroker bool) error {
	check := func(bad []string, msg string) error {
		if len(bad) == 0 {
			return nil
		}
		return newError(ErrConfig, msg+": "+scalaSet(bad))
	}
	if err := check(keysWhere(props, isNonDynamic), "Cannot update these configs dynamically"); err != nil {
		return err
	}
	if err := check(keysWhere(props, func(k string) bool { return dynamicSecurityConfigs[k] }),
		"These security configs can be dynamically updated only per-listener using the listener prefix"); err != nil {
		return err
	}
	if err := validateDynamicTypes(props); err != nil {
		return err
	}
	if !perBroker {
		return check(keysWhere(props, isPerBrokerKey), "Cannot update these configs at default cluster level, broker id must be specified")
	}
	return nil
}

// validateDynamicTypes is DynamicBrokerConfig.validateConfigTypes: listener
// prefixes stripped, parsed with the dynamic ConfigDef (custom keys pass).
func validateDynamicTypes(props map[string]string) error {
	base := make(map[string]string, len(props))
	for k, v := range props {
		if m := listenerConfig.FindStringSubmatch(k); m != nil {
			k = m[1]
		}
		base[k] = v
	}
	_, err := dynamicBrokerDef.parse(base)
	return err
}

// fromPersistent is DynamicBrokerConfig.fromPersistentProps: what a broker
// applies of the properties stored in ZooKeeper, dropping (and reporting)
// invalid values, non-dynamic keys, unprefixed security keys, per-broker
// keys stored as cluster defaults and (Wharf stores none) encoded passwords.
func fromPersistent(stored map[string]string, perBroker bool) (map[string]string, []string) {
	props := maps.Clone(stored)
	if props == nil {
		props = map[string]string{}
	}
	var dropped []string
	drop := func(names []string, why string) {
		if len(names) == 0 {
			return
		}
		for _, n := range names {
			delete(props, n)
		}
		dropped = append(dropped, why+": "+scalaSet(names))
	}
	if validateDynamicTypes(props) != nil {
		source := "default cluster"
		if perBroker {
			source = "broker"
		}
		drop(keysWhere(props, func(k string) bool {
			return validateDynamicTypes(map[string]string{k: props[k]}) != nil
		}), fmt.Sprintf("Dynamic %s config contains invalid values in", source))
	}
	drop(keysWhere(props, isNonDynamic), "Non-dynamic configs configured in ZooKeeper will be ignored")
	drop(keysWhere(props, func(k string) bool { return dynamicSecurityConfigs[k] }),
		"Security configs can be dynamically updated only using listener prefix, base configs will be ignored")
	if !perBroker {
		drop(keysWhere(props, isPerBrokerKey), "Per-broker configs defined at default cluster level will be ignored")
	}
	drop(keysWhere(props, isPasswordConfig), "Dynamic password configs are not supported and will be ignored")
	return props, dropped
}

// isPasswordConfig is DynamicBrokerConfig.isPasswordConfig: a dynamic key
// (or listener override) of type PASSWORD.
func isPasswordConfig(name string) bool {
	for n := range allDynamicConfigs {
		if k, ok := brokerDef.key(n); ok && k.Type == TypePassword && strings.HasSuffix(name, n) {
			return true
		}
	}
	return false
}

// overrideProps is DynamicBrokerConfig.overrideProps: each override
// replaces its synonyms, so that a dynamic log.roll.hours beats a static
// log.roll.ms.
func overrideProps(props, overrides map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(overrides)) {
		for _, s := range brokerConfigSynonyms(k, false) {
			delete(props, s)
		}
		props[k] = overrides[k]
	}
}

// effectiveProps is the properties of the current KafkaConfig: static,
// then cluster defaults, then per-broker configs.
func effectiveProps(static, dynDefault, dynBroker map[string]string) map[string]string {
	p := maps.Clone(static)
	if p == nil {
		p = map[string]string{}
	}
	overrideProps(p, dynDefault)
	overrideProps(p, dynBroker)
	return p
}

// validateReconfiguration is the reconfigurables' validateReconfiguration
// that concern Wharf (DynamicThreadPool, LogCleaner, the connection
// quotas), with processReconfiguration's wrapping of their messages.
func validateReconfiguration(cur, next *Broker) error {
	wrap := func(msg string) error {
		return newError(ErrConfig, "Invalid value org.apache.kafka.common.config.ConfigException: "+msg+" for configuration Invalid dynamic configuration")
	}
	for _, k := range threadPoolConfigs {
		nv, _ := next.values[k].(int32)
		ov, _ := cur.values[k].(int32)
		if nv == ov {
			continue
		}
		prefix := fmt.Sprintf("Dynamic thread count update validation failed for %s=%d", k, nv)
		switch {
		case nv <= 0:
			return wrap(prefix + ", value should be at least 1")
		case nv < ov/2:
			return wrap(fmt.Sprintf("%s, value should be at least half the current value %d", prefix, ov))
		case nv > ov*2:
			return wrap(fmt.Sprintf("%s, value should not be greater than double the current value %d", prefix, ov))
		}
	}
	if cur.Log.Cleaner.Enable && next.Log.Cleaner.Threads != cur.Log.Cleaner.Threads {
		nt, ct := next.Log.Cleaner.Threads, cur.Log.Cleaner.Threads
		switch {
		case nt < 1:
			return wrap("Log cleaner threads should be at least 1")
		case nt < ct/2:
			return wrap(fmt.Sprintf("Log cleaner threads cannot be reduced to less than half the current value %d", ct))
		case nt > ct*2:
			return wrap(fmt.Sprintf("Log cleaner threads cannot be increased to more than double the current value %d", ct))
		}
	}
	if next.MaxConnections != cur.MaxConnections && next.MaxConnections <= 0 {
		return wrap(fmt.Sprintf("Invalid max.connections %d", next.MaxConnections))
	}
	if next.MaxConnectionCreationRate != cur.MaxConnectionCreationRate && next.MaxConnectionCreationRate <= 0 {
		return wrap(fmt.Sprintf("Invalid max.connection.creation.rate %d", next.MaxConnectionCreationRate))
	}
	return nil
}
