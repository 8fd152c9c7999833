// Package testutil holds the helpers that black-box and interop tests share:
// free ports, temp dirs, a polling WaitFor, real servers as processes
// (Apache ZooKeeper 3.8 and `wharf zookeeper`, through the zkproc
// subpackage), and the real clients (zkCli, the C client cli_mt, kazoo).
//
// Import it from _test.go files only: it imports "testing" and fails or
// skips the calling test itself.
//
// Rules every helper follows:
//   - Servers listen on 127.0.0.1, are stopped by PID in t.Cleanup, and
//     leave their log in the test's temp dir; when the test fails the log's
//     tail is printed.
//   - A missing peer (java, a jar, cli_mt, kazoo) skips the test with the
//     command that installs it — except under CI (CI=true), where the CI
//     script has installed everything, so a missing peer fails the test
//     (RequirePeer).
//   - Tests that start processes are slow: they are skipped under -short
//     (Slow).
//   - Nothing sleeps a fixed time: waits poll a condition (WaitFor).
package testutil
