package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

func init() {
	Register(Command{Name: "aliases", New: newAliasesCommand})
}

func newAliasesCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "aliases [dir]",
		Short: "Link the original tool names (zkCli.sh, kafka-topics.sh, ...) to this binary",
		Long: "With a directory, aliases creates there a symbolic link named after every\n" +
			"original tool Wharf stands in for, pointing at this executable, so the\n" +
			"commands of the tutorials run verbatim. Stale links are replaced; other\n" +
			"files are left alone. Without a directory it lists the aliases.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				for _, a := range Aliases() {
					fmt.Fprintf(cmd.OutOrStdout(), "%s\twharf %s\n", a.Name, a.Command)
				}
				return nil
			}
			exe, err := os.Executable()
			if err != nil {
				return fmt.Errorf("aliases: cannot find this executable: %w", err)
			}
			if resolved, err := filepath.EvalSymlinks(exe); err == nil {
				exe = resolved
			}
			return linkAliases(args[0], exe, func(link string) {
				fmt.Fprintf(cmd.OutOrStdout(), "%s -> %s\n", link, exe)
			})
		},
	}
}

// linkAliases makes dir/<alias> a symlink to target for every alias, calling
// made for each link it creates or replaces. A link already pointing at
// target is kept; a file that is not a symlink is never touched, and is
// reported in the returned error after the other links are made.
func linkAliases(dir, target string, made func(link string)) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("aliases: %w", err)
	}
	var refused []error
	for _, a := range Aliases() {
		link := filepath.Join(dir, a.Name)
		fi, err := os.Lstat(link)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			refused = append(refused, err)
			continue
		case fi.Mode()&fs.ModeSymlink == 0:
			refused = append(refused, fmt.Errorf("%s exists and is not a symbolic link", link))
			continue
		default:
			if cur, err := os.Readlink(link); err == nil && cur == target {
				continue
			}
		}
		// Replace atomically: a new link under a temporary name, renamed over.
		tmp := filepath.Join(dir, "."+a.Name+".wharf-tmp")
		_ = os.Remove(tmp)
		if err := os.Symlink(target, tmp); err != nil {
			refused = append(refused, err)
			continue
		}
		if err := os.Rename(tmp, link); err != nil {
			_ = os.Remove(tmp)
			refused = append(refused, err)
			continue
		}
		made(link)
	}
	if len(refused) > 0 {
		return fmt.Errorf("aliases: %w", errors.Join(refused...))
	}
	return nil
}
