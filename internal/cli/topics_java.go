package cli

import (
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/wharf-project/wharf/internal/javafmt"
	"github.com/wharf-project/wharf/internal/kafka/kconfig"
)

// The Java behaviours kafka-topics.sh's output depends on.

// tcComma and tcColon are the separators of --replica-assignment, split
// as String.split does (javaSplit).
var (
	tcComma = regexp.MustCompile(`,`)
	tcColon = regexp.MustCompile(`:`)
)

// tcTrim is String.trim: code points up to ' ' off both ends.
func tcTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// tcParseInt is Integer.parseInt with its NumberFormatException text.
func tcParseInt(s string) (int32, error) {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, &tcError{"java.lang.NumberFormatException", fmt.Sprintf("For input string: \"%s\"", s)}
	}
	return int32(n), nil
}

// tcHashOrder returns keys (distinct, in insertion order) in the order a
// java.util.HashMap[String, _] created with initialCapacity iterates after
// they are put in that order. Kafka's Config keeps its entries in such a
// map (capacity 16), so this is the order `Configs:` lists them in.
func tcHashOrder(keys []string, initialCapacity int) []string {
	return javafmt.HashOrder(keys, javafmt.StringHash, javafmt.HashCapacity(initialCapacity, len(keys)))
}

// tcDescribeOrder is the order --describe prints topics in: the Admin
// client puts the sorted names in a HashMap(n) of futures, returns a copy
// of it (new HashMap<>(map), sized as JDK 17 sizes it: n/0.75+1), and
// allTopicNames() copies that into another HashMap(n).
func tcDescribeOrder(sorted []string) []string {
	n := len(sorted)
	futures := tcHashOrder(sorted, n)
	copied := javafmt.HashOrder(futures, javafmt.StringHash, javafmt.HashCapacity(int(float32(n)/0.75+1), n))
	return tcHashOrder(copied, n)
}

// topicIncludeList is TopicFilter.IncludeList: a Java regex over whole
// topic names, after the same clean-up (commas are alternatives, spaces and
// surrounding quotes go).
type topicIncludeList struct {
	re *regexp.Regexp
}

var (
	tcLeadingQuotes  = regexp.MustCompile(`^["']+`)
	tcTrailingQuotes = regexp.MustCompile(`["']+$`)
)

func newTopicIncludeList(raw string) (*topicIncludeList, error) {
	regex := strings.ReplaceAll(strings.ReplaceAll(tcTrim(raw), ",", "|"), " ", "")
	regex = tcTrailingQuotes.ReplaceAllString(tcLeadingQuotes.ReplaceAllString(regex, ""), "")
	re, err := regexp.Compile(`^(?:` + regex + `)$`)
	if err != nil {
		return nil, &tcError{"java.lang.RuntimeException", regex + " is an invalid regex."}
	}
	return &topicIncludeList{re: re}, nil
}

// tcInternalTopics is Topic.INTERNAL_TOPICS of Kafka 3.9.
var tcInternalTopics = map[string]bool{"__consumer_offsets": true, "__transaction_state": true, "__share_group_state": true}

func (f *topicIncludeList) allowed(topic string, excludeInternal bool) bool {
	return f.re.MatchString(topic) && !(tcInternalTopics[topic] && excludeInternal)
}

// tcParseReplicaAssignment is TopicCommand.tcParseReplicaAssignment:
// "0:1,1:2" is partition 0 on brokers 0 and 1, partition 1 on 1 and 2.
func tcParseReplicaAssignment(s string) ([][]int32, error) {
	var out [][]int32
	for i, part := range javaSplit(s, tcComma) {
		var brokers []int32
		for _, b := range javaSplit(part, tcColon) {
			n, err := tcParseInt(tcTrim(b))
			if err != nil {
				return nil, err
			}
			brokers = append(brokers, n)
		}
		if dups := tcDuplicates(brokers); len(dups) > 0 {
			return nil, &tcError{"org.apache.kafka.server.common.AdminCommandFailedException",
				"Partition replica lists may not contain duplicate entries: " + tcJoinInts(dups, ",")}
		}
		out = append(out, brokers)
		if len(brokers) != len(out[0]) {
			return nil, &tcError{"org.apache.kafka.server.common.AdminOperationException",
				fmt.Sprintf("Partition %d has different replication factor: [%s]", i, tcJoinInts(brokers, ", "))}
		}
	}
	return out, nil
}

// tcDuplicates is ToolsUtils.duplicates: the values seen more than once,
// in a HashSet of Integers' order (ascending for the non-negative ids a
// small table holds).
func tcDuplicates(xs []int32) []int32 {
	seen := map[int32]int{}
	var dups []int32
	for _, x := range xs {
		seen[x]++
		if seen[x] == 2 {
			dups = append(dups, x)
		}
	}
	slices.Sort(dups)
	return dups
}

func tcJoinInts(xs []int32, sep string) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(int(x))
	}
	return strings.Join(s, sep)
}

// tcConfigSep is the `\s*=\s*` parseTopicConfigsToBeAdded splits on.
var tcConfigSep = regexp.MustCompile(`[ \t\n\x0B\f\r]*=[ \t\n\x0B\f\r]*`)

var errTCConfigFormat = tcIllegalArgument(`requirement failed: Invalid topic config: all configs to be added must be in the format "key=val".`)

// tcParseConfigs is parseTopicConfigsToBeAdded: k=v pairs, validated
// as LogConfig.validate does (Kafka 3.9's names; the values Wharf's
// kconfig knows are checked by its validators). The keys come back in
// the order given; a later value of a key replaces the earlier one.
func tcParseConfigs(pairs []string) (keys []string, values map[string]string, err error) {
	values = map[string]string{}
	var split [][]string
	for _, p := range pairs {
		kv := javaSplit(p, tcConfigSep)
		split = append(split, kv)
	}
	for _, kv := range split {
		if len(kv) != 2 {
			return nil, nil, errTCConfigFormat
		}
	}
	for _, kv := range split {
		k, v := tcTrim(kv[0]), tcTrim(kv[1])
		if _, dup := values[k]; !dup {
			keys = append(keys, k)
		}
		values[k] = v
	}
	known := map[string]string{}
	for _, k := range tcHashOrder(keys, 16) {
		if !slices.Contains(topicConfigNames39, k) {
			return nil, nil, &tcError{"org.apache.kafka.common.errors.InvalidConfigurationException", "Unknown topic config name: " + k}
		}
		if _, ok := kconfig.TopicConfigKey(k); ok {
			known[k] = values[k]
		}
	}
	if err := kconfig.ValidateTopicConfig(known); err != nil {
		var ke *kconfig.Error
		if errors.As(err, &ke) {
			class := "org.apache.kafka.common.config.ConfigException"
			if errors.Is(err, kconfig.ErrInvalidConfig) {
				class = "org.apache.kafka.common.errors.InvalidConfigurationException"
			}
			return nil, nil, &tcError{class, ke.Msg}
		}
		return nil, nil, &tcError{"org.apache.kafka.common.config.ConfigException", err.Error()}
	}
	return keys, values, nil
}

// tcUuidString is Uuid.toString: URL-safe base64 without padding.
func tcUuidString(id [16]byte) string { return base64.RawURLEncoding.EncodeToString(id[:]) }

// tcParseUuid is Uuid.fromString.
func tcParseUuid(s string) ([16]byte, error) {
	var id [16]byte
	if len(s) > 24 {
		return id, tcIllegalArgument("Input string with prefix `" + s[:24] + "` is too long to be decoded as a base64 UUID")
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		var ce base64.CorruptInputError
		if errors.As(err, &ce) && int(ce) < len(s) {
			return id, tcIllegalArgument(fmt.Sprintf("Illegal base64 character %x", s[ce]))
		}
		return id, tcIllegalArgument("Last unit does not have enough valid bits")
	}
	if len(b) != 16 {
		return id, tcIllegalArgument(fmt.Sprintf("Input string `%s` decoded as %d bytes, which is not equal to the expected 16 bytes of a base64-encoded UUID", s, len(b)))
	}
	copy(id[:], b)
	return id, nil
}
