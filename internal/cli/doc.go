// Package cli is the wharf command line: a cobra root command built from a
// registry of tools, dispatch on argv[0] for the original tools' names
// (busybox-style), exit codes, and logging flags.
//
// Each tool lives in its own file and registers itself from init with
// Register (see Command); nothing else has to change when a tool is added.
// cmd/wharf only calls Main.
//
// Invariants:
//   - Main never lets cobra print: errors are printed once, on one line, as
//     "wharf: <message>", and usage text only on --help or `wharf` alone.
//   - Exit codes: 0 success; 1 a command failed; 2 a usage error (unknown
//     command or flag, wrong arguments, UsageErrorf); 130 cancelled by
//     SIGINT/SIGTERM; an *ExitError's Code otherwise, printing nothing when
//     its Err is nil (tools that mimic an original print their own texts).
//   - Called through a link named after a registered alias, the binary runs
//     `wharf <Alias.Rewrite(args)>`, or `wharf <command> args...`.
//   - Every run builds a fresh command tree (Command.New), so runs share no
//     flag state and Run can be called repeatedly, e.g. from tests.
//   - Loggers come from --log-level/--log-format through LoggerFor; there is
//     no global logger.
package cli
