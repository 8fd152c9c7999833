package kconfig

import (
	"maps"
	"slices"
	"strings"

	"github.com/wharf-project/wharf/internal/config"
)

// Sources are where a broker's static configuration comes from, lowest
// precedence first: the server.properties file, the official Docker
// image's KAFKA_* environment variables (which its launcher appends to the
// file), then kafka-server-start.sh's --override k=v arguments.
type Sources struct {
	// File is the server.properties path ("" for none).
	File string
	// Env is the process environment as os.Environ returns it; nil or
	// empty for none. Only KAFKA_* variables are read (see EnvProperties).
	Env []string
	// Overrides are the values of the --override arguments, "k=v" each.
	Overrides []string
}

// Load reads the sources and merges them (later wins). The result is what
// ParseBroker takes.
func Load(src Sources) (map[string]string, error) {
	props := map[string]string{}
	if src.File != "" {
		p, _, err := config.LoadProperties(src.File)
		if err != nil {
			return nil, err
		}
		maps.Copy(props, p)
	}
	env, err := EnvProperties(src.Env)
	if err != nil {
		return nil, err
	}
	maps.Copy(props, env)
	maps.Copy(props, ParseOverrides(src.Overrides))
	return props, nil
}

// dockerExcludedEnv are the KAFKA_* variables the image's launcher does not
// turn into properties (KafkaDockerWrapper's ExcludeServerPropsEnv).
var dockerExcludedEnv = set("KAFKA_VERSION", "KAFKA_HEAP_OPTS", "KAFKA_LOG4J_OPTS", "KAFKA_OPTS",
	"KAFKA_JMX_OPTS", "KAFKA_JVM_PERFORMANCE_OPTS", "KAFKA_GC_LOG_OPTS", "KAFKA_LOG4J_ROOT_LOGLEVEL",
	"KAFKA_LOG4J_LOGGERS", "KAFKA_TOOLS_LOG4J_LOGLEVEL", "KAFKA_JMX_HOSTNAME")

// EnvPropertyName maps an environment variable to the property the
// official apache/kafka image makes of it (KafkaDockerWrapper
// getServerConfigsFromEnv; the Confluent images use the same rules):
// every "KAFKA_" removed, lower-cased, then "_" to ".", "..." to "-",
// ".." to "_" — KAFKA_LOG_DIRS is log.dirs, KAFKA_ABC__DEF is abc_def,
// KAFKA_A___B is a-b. ok is false for variables the image ignores.
func EnvPropertyName(variable string) (name string, ok bool) {
	if !strings.HasPrefix(variable, "KAFKA_") || dockerExcludedEnv[variable] {
		return "", false
	}
	n := strings.ToLower(strings.ReplaceAll(variable, "KAFKA_", ""))
	n = strings.ReplaceAll(n, "_", ".")
	n = strings.ReplaceAll(n, "...", "-")
	n = strings.ReplaceAll(n, "..", "_")
	return n, true
}

// EnvProperties returns the properties the official image derives from an
// environment ("NAME=value" entries): each KAFKA_* variable becomes a
// "name=value" line appended to server.properties, so its value is read
// with .properties escapes, as the broker reads the file. Like the image's
// configure script, listeners defaults to advertised.listeners with every
// host replaced by 0.0.0.0 when only KAFKA_ADVERTISED_LISTENERS is set.
func EnvProperties(environ []string) (map[string]string, error) {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	if adv, ok := env["KAFKA_ADVERTISED_LISTENERS"]; ok && adv != "" && env["KAFKA_LISTENERS"] == "" {
		if roles := env["KAFKA_PROCESS_ROLES"]; roles != "controller" {
			env["KAFKA_LISTENERS"] = wildcardHosts(adv)
		}
	}
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(env)) {
		if name, ok := EnvPropertyName(k); ok {
			lines = append(lines, name+"="+env[k])
		}
	}
	props, _, err := config.ParseProperties([]byte(strings.Join(lines, "\n")))
	return props, err
}

// wildcardHosts is the configure script's sed 's|://[^:]*:|://0.0.0.0:|g'.
func wildcardHosts(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "://")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		rest := s[i+3:]
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString("://0.0.0.0:")
		s = rest[j+1:]
	}
}

// ParseOverrides is Kafka's handling of --override arguments
// (CommandLineUtils.parseKeyValueArgs): split at the first '=', a missing
// value is the empty string.
func ParseOverrides(args []string) map[string]string {
	m := make(map[string]string, len(args))
	for _, a := range args {
		k, v, _ := strings.Cut(a, "=")
		m[k] = v
	}
	return m
}
