package cli

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/cobra"
)

// Command is one tool of the wharf binary. Each tool file registers its
// Command from an init function; the root command needs no edit:
//
//	func init() {
//		cli.Register(cli.Command{
//			Name: "zk",
//			New:  newZKCommand,
//			Aliases: []cli.Alias{
//				{Name: "zkCli.sh"},
//				{Name: "zookeeper-shell.sh", Rewrite: zookeeperShellArgs},
//			},
//		})
//	}
type Command struct {
	// Name is the subcommand: `wharf <Name> ...`. It must equal the Name()
	// of the command New builds.
	Name string
	// New builds the cobra command. It is called afresh for every run, so
	// flag variables can live in a closure and never leak between runs.
	// The command writes through cmd.OutOrStdout() and cmd.ErrOrStderr() and
	// reads cmd.InOrStdin(), and gets its logger from LoggerFor(cmd).
	New func() *cobra.Command
	// Aliases are the names under which the binary, called through a link
	// of that name (see `wharf aliases`), runs this tool directly.
	Aliases []Alias
}

// Alias is an argv[0] name for a tool, such as "zkCli.sh".
type Alias struct {
	Name string
	// Rewrite maps the arguments given to the alias (argv[1:]) to the
	// arguments that follow `wharf`: the first one names the subcommand, so
	// an alias can reach another tool's command (zkServer.sh status → status).
	// nil means `wharf <Command.Name> argv[1:]...`.
	Rewrite func(args []string) []string
}

// AliasInfo is a registered alias and the command that registered it.
type AliasInfo struct {
	Alias
	Command string
}

var registry struct {
	sync.Mutex
	commands map[string]Command
	aliases  map[string]AliasInfo
}

// Register adds a tool. It panics on a programming error: an empty name, a
// nil constructor, or a name or alias registered twice.
func Register(c Command) {
	registry.Lock()
	defer registry.Unlock()
	if registry.commands == nil {
		registry.commands = map[string]Command{}
		registry.aliases = map[string]AliasInfo{}
	}
	if c.Name == "" || c.New == nil {
		panic("cli: Register needs a Name and a New function")
	}
	if _, dup := registry.commands[c.Name]; dup {
		panic(fmt.Sprintf("cli: command %q registered twice", c.Name))
	}
	seen := map[string]bool{}
	for _, a := range c.Aliases {
		if a.Name == "" || a.Name == "wharf" || strings.ContainsAny(a.Name, `/\`) {
			panic(fmt.Sprintf("cli: command %q: bad alias %q", c.Name, a.Name))
		}
		prev, dup := registry.aliases[a.Name]
		if seen[a.Name] {
			prev, dup = AliasInfo{Command: c.Name}, true
		}
		if dup {
			panic(fmt.Sprintf("cli: alias %q registered by %q and %q", a.Name, prev.Command, c.Name))
		}
		seen[a.Name] = true
	}
	registry.commands[c.Name] = c
	for _, a := range c.Aliases {
		registry.aliases[a.Name] = AliasInfo{Alias: a, Command: c.Name}
	}
}

// Commands returns the registered tools, sorted by name.
func Commands() []Command {
	return sortedByName(func() map[string]Command { return registry.commands }, func(c Command) string { return c.Name })
}

// Aliases returns every registered alias, sorted by name.
func Aliases() []AliasInfo {
	return sortedByName(func() map[string]AliasInfo { return registry.aliases }, func(a AliasInfo) string { return a.Name })
}

// sortedByName lists the values of the registry map m returns, under the lock.
func sortedByName[V any](m func() map[string]V, name func(V) string) []V {
	registry.Lock()
	out := slices.Collect(maps.Values(m()))
	registry.Unlock()
	slices.SortFunc(out, func(a, b V) int { return strings.Compare(name(a), name(b)) })
	return out
}

// aliasArgs returns the root arguments for a call through alias name, and
// whether name is an alias at all.
func aliasArgs(name string, args []string) ([]string, bool) {
	registry.Lock()
	a, ok := registry.aliases[name]
	registry.Unlock()
	if !ok {
		return nil, false
	}
	if a.Rewrite != nil {
		return a.Rewrite(slices.Clone(args)), true
	}
	return append([]string{a.Command}, args...), true
}
