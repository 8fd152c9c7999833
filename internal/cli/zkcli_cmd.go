package cli

import "github.com/spf13/cobra"

// `wharf zk` is zkCli.sh; the binary called as zkCli.sh or Kafka's
// zookeeper-shell.sh (which takes the server as its first argument) runs it
// directly.
func init() {
	Register(Command{
		Name: "zk",
		New:  newZkCommand,
		Aliases: []Alias{
			{Name: "zkCli.sh"},
			{Name: "zookeeper-shell.sh", Rewrite: func(args []string) []string {
				return append([]string{"zk", "-server"}, args...)
			}},
		},
	})
}

func newZkCommand() *cobra.Command {
	return &cobra.Command{
		Use: "zk [-server host:port[,host:port][/chroot]] [-timeout ms] [-r] [-waitforconnection]" +
			" [-client-configuration file] [cmd args...]",
		Short: "The ZooKeeper shell (zkCli.sh): one command, or commands from stdin",
		Long: "zk is Apache ZooKeeper 3.9's zkCli.sh: the same commands, options, output and exit\n" +
			"codes. With a command it runs it and exits with its status; without, it reads\n" +
			"commands from stdin, one per line (with a prompt on a terminal).",
		// zkCli's options are single-dash words (-server): they pass through as is.
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return exitStatus(RunZkCli(args, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()))
		},
	}
}
