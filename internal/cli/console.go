package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/wharf-project/wharf/internal/jopt"
)

// `wharf produce` and `wharf consume` are Kafka 3.9's
// kafka-console-producer.sh (kafka.tools.ConsoleProducer) and
// kafka-console-consumer.sh (org.apache.kafka.tools.consumer.ConsoleConsumer):
// the same jopt-simple options, usage and error texts, line reader and
// message formatter, with franz-go's kgo client in place of the Java one.
// Both also take the legacy --zookeeper host:port[/chroot] of the old
// tutorials (the brokers are read from /brokers/ids), and the producer the
// deprecated --broker-list. Where the Java tool logs through log4j, the
// line has tools-log4j.properties' layout, "[date] LEVEL message (logger)",
// followed by the exception's first line (no stack trace).
func init() {
	Register(Command{
		Name: "produce",
		New: func() *cobra.Command {
			return newConsoleCommand("produce", "Read lines from standard input and publish them to Kafka (kafka-console-producer.sh)", runConsoleProducer)
		},
		Aliases: []Alias{{Name: "kafka-console-producer.sh"}},
	})
	Register(Command{
		Name: "consume",
		New: func() *cobra.Command {
			return newConsoleCommand("consume", "Print the records of Kafka topics on standard output (kafka-console-consumer.sh)", runConsoleConsumer)
		},
		Aliases: []Alias{{Name: "kafka-console-consumer.sh"}},
	})
}

func newConsoleCommand(name, short string, run toolRun) *cobra.Command {
	return toolCommand(&cobra.Command{
		Use:   name + " [options]",
		Short: short,
		Long: short + ".\nThe options are the original's (jopt-simple: --opt value or --opt=value);\n" +
			"run with --help for its option table.",
	}, run, untilInterrupted)
}

// consoleLog is a log4j line in tools-log4j.properties' layout
// "[%d] %p %m (%c)%n", then the exception's first line when there is one.
func consoleLog(env toolEnv, level, msg, logger string, exc string) {
	fmt.Fprintf(env.stderr, "[%s] %s %s (%s)\n", env.now().Format("2006-01-02 15:04:05,000"), level, msg, logger)
	if exc != "" {
		fmt.Fprintln(env.stderr, exc)
	}
}

// consoleKeyValues is CommandLineUtils.parseKeyValueArgs: "k=v" (the value
// may hold '='), "k" or "k=" meaning an empty value; later keys win.
func consoleKeyValues(args []string) map[string]string {
	props := map[string]string{}
	for _, a := range args {
		k, v, _ := strings.Cut(a, "=")
		props[k] = v
	}
	return props
}

// validHostPorts is ToolsUtils.validatePortOrDie's test: every
// comma-separated entry (trailing empty ones dropped, as String.split
// does) ends in ":<port>" (Utils.getPort's pattern, whose host part
// accepts anything but a line break).
func validHostPorts(s string) bool {
	parts := strings.Split(s, ",")
	for len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	for _, hp := range parts {
		i := strings.LastIndexByte(hp, ':')
		if i < 0 || strings.ContainsAny(hp, "\n\r") {
			return false
		}
		if _, ok := jopt.ParseInt(hp[i+1:]); !ok || strings.ContainsAny(hp[i+1:], "+-") {
			return false
		}
	}
	return true
}

// javaErrorClasses are the exception classes of the error codes whose
// class is not named after the code (org.apache.kafka.common.protocol.Errors).
var javaErrorClasses = map[int16]string{
	kerr.UnknownServerError.Code:    "UnknownServerException",
	kerr.CorruptMessage.Code:        "CorruptRecordException",
	kerr.MessageTooLarge.Code:       "RecordTooLargeException",
	kerr.RequestTimedOut.Code:       "TimeoutException",
	kerr.RecordListTooLarge.Code:    "RecordBatchTooLargeException",
	kerr.InvalidRecord.Code:         "InvalidRecordException",
	kerr.NotLeaderForPartition.Code: "NotLeaderOrFollowerException",
}

// javaErrorMessages are Errors.java's default messages (Kafka 3.9) where
// franz-go's kerr words them differently.
var javaErrorMessages = map[int16]string{
	6: "For requests intended only for the leader, this error indicates that the broker is not the current leader. " +
		"For requests intended for any replica, this error indicates that the broker is not a replica of the topic partition.",
	9: "The replica is not available for the requested topic-partition. Produce/Fetch requests and other requests intended only for " +
		"the leader or follower return NOT_LEADER_OR_FOLLOWER if the broker is not a replica of the topic-partition.",
	10: "The request included a message larger than the max message size the server will accept.",
	24: "The configured groupId is invalid.",
	47: "Producer attempted to produce with an old epoch.",
	74: "The leader epoch in the request is older than the epoch on the broker.",
	75: "The leader epoch in the request is newer than the epoch on the broker.",
	78: "The leader high watermark has not caught up from a recent leader election so the offsets cannot be guaranteed to be monotonically increasing.",
	79: "The group member needs to have a valid member id before actually entering a consumer group.",
	81: "The consumer group has reached its max size.",
	87: "This record has failed the validation on broker and hence will be rejected.",
}

// consoleJavaError names err as the Java client would throw it: a Kafka
// error code as its org.apache.kafka.common.errors class and default
// message, anything else as a KafkaException.
func consoleJavaError(err error) string {
	var ke *kerr.Error
	if errors.As(err, &ke) {
		var b strings.Builder
		for _, w := range strings.Split(strings.ToLower(ke.Message), "_") {
			if w != "" {
				b.WriteString(strings.ToUpper(w[:1]) + w[1:])
			}
		}
		name := b.String()
		switch {
		case javaErrorClasses[ke.Code] != "":
			name = javaErrorClasses[ke.Code]
		case strings.HasSuffix(name, "AuthorizationFailed"): // TOPIC_AUTHORIZATION_FAILED: TopicAuthorizationException
			name = strings.TrimSuffix(name, "Failed") + "Exception"
		case !strings.HasSuffix(name, "Exception"):
			name += "Exception"
		}
		msg := ke.Description
		if m, ok := javaErrorMessages[ke.Code]; ok {
			msg = m
		}
		return "org.apache.kafka.common.errors." + name + ": " + msg
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "org.apache.kafka.common.errors.TimeoutException: " + err.Error()
	}
	return "org.apache.kafka.common.KafkaException: " + err.Error()
}
