package cli

import (
	"github.com/spf13/cobra"

	"github.com/wharf-project/wharf/internal/kafka/dumplog"
)

// `wharf dump-log` is Kafka's kafka-dump-log.sh (kafka.tools.DumpLogSegments
// of Kafka 3.9): the same jopt-simple options, output and exit codes. The
// work is done by package dumplog; this file only wires it in.
func init() {
	Register(Command{
		Name:    "dump-log",
		New:     newDumpLogCommand,
		Aliases: []Alias{{Name: "kafka-dump-log.sh"}},
	})
}

func newDumpLogCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "dump-log --files a.log[,b.index,c.timeindex,...] [options]",
		Short: "Print the contents of Kafka log segments and index files (kafka-dump-log.sh)",
		Long: "dump-log is Kafka 3.9's kafka-dump-log.sh: it prints the batches and records of\n" +
			".log segments, the entries of .index, .timeindex and .txnindex files and\n" +
			"producer .snapshot files, exactly as the original does. Run it with --help\n" +
			"for the original's option table.",
		// jopt-simple options (--opt value, --opt=value, -opt) pass through as is.
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return exitStatus(dumplog.Run(args, dumplog.Env{Stdout: cmd.OutOrStdout(), Stderr: cmd.ErrOrStderr()}))
		},
	}
}
