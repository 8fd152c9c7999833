package cli

import "github.com/spf13/cobra"

// `wharf perf produce` and `wharf perf consume` are Kafka 3.9's
// kafka-producer-perf-test.sh (ProducerPerformance, argparse4j options)
// and kafka-consumer-perf-test.sh (ConsumerPerformance, jopt-simple
// options): the same options, help, errors, exit codes and output lines,
// with franz-go's kgo client in place of the Java one. Differences are
// Wharf's, and say so on stderr: no transactions and no consumer groups
// yet, client properties without a kgo equivalent ignored with a warning,
// an unreachable cluster reported in one line, and --print-metrics
// printing a subset of the client metrics, in ToolsUtils.printMetrics'
// layout, with rates averaged over the whole run:
//
//	producer-metrics: request-total/-rate, response-total/-rate,
//	  outgoing-byte-total/-rate, incoming-byte-total/-rate,
//	  request-latency-avg/-max, batch-size-avg/-max, compression-rate-avg,
//	  record-send-total/-rate, record-error-total, records-per-request-avg,
//	  produce-throttle-time-avg/-max; producer-topic-metrics: byte-total
//	consumer-metrics: the request, response, byte and latency ones above;
//	consumer-fetch-manager-metrics: fetch-total/-rate, fetch-latency-avg/
//	  -max, fetch-size-max, records-consumed-total/-rate,
//	  bytes-consumed-total/-rate, records-per-request-avg
//
// The tests run against franz-go's kfake, or against the broker at
// WHARF_KAFKA_ADDR when it is set.
func init() {
	Register(Command{
		Name: "perf",
		New:  newPerfCommand,
		Aliases: []Alias{
			{Name: "kafka-producer-perf-test.sh", Rewrite: func(args []string) []string { return append([]string{"perf", "produce"}, args...) }},
			{Name: "kafka-consumer-perf-test.sh", Rewrite: func(args []string) []string { return append([]string{"perf", "consume"}, args...) }},
		},
	})
}

func newPerfCommand() *cobra.Command {
	perf := &cobra.Command{
		Use:   "perf produce|consume [options]",
		Short: "Kafka's producer and consumer performance tests (kafka-*-perf-test.sh)",
		Args:  cobra.NoArgs,
	}
	perf.AddCommand(
		toolCommand(&cobra.Command{Use: "produce [options]", Short: "Measure producer throughput and latency (kafka-producer-perf-test.sh)"},
			runProducerPerf, untilInterrupted),
		toolCommand(&cobra.Command{Use: "consume [options]", Short: "Measure consumer throughput (kafka-consumer-perf-test.sh)"},
			runConsumerPerf, untilInterrupted),
	)
	return perf
}
