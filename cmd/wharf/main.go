// Command wharf is Kafka and ZooKeeper rebuilt in Go, in one binary. All of
// it is in internal/cli; see `wharf --help`.
package main

import (
	"os"

	"github.com/wharf-project/wharf/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args)) }
