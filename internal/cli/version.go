package cli

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
)

// Version is Wharf's version, set at build time:
//
//	go build -ldflags "-X github.com/wharf-project/wharf/internal/cli.Version=1.0.0" ./cmd/wharf
var Version = "dev"

// The versions of the originals Wharf is compatible with.
const (
	ZooKeeperVersion = "3.9.4"
	KafkaVersion     = "2.8"
)

func init() {
	Register(Command{Name: "version", New: newVersionCommand})
}

func versionLine() string {
	return fmt.Sprintf("wharf %s (%s %s/%s)", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// VersionText is what `wharf version` prints.
func VersionText() string {
	return fmt.Sprintf("%s\ncompatible with: ZooKeeper %s, Kafka %s\n", versionLine(), ZooKeeperVersion, KafkaVersion)
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print Wharf's version and the ZooKeeper and Kafka versions it is compatible with",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprint(cmd.OutOrStdout(), VersionText())
			return err
		},
	}
}
