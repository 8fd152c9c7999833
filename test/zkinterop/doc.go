// Package zkinterop tests Wharf's ZooKeeper-compatible server with real
// clients: kazoo and its recipes (Python), Apache's C client cli_mt, Apache's
// zkCli (Java), go-zookeeper, and the four-letter words from netcat.
//
// Every scenario runs against Apache ZooKeeper 3.8 and against Wharf
// (testutil.ForEachZK), so Apache is the oracle: both must give the answers
// the test states. Where 3.8 and 3.9 (which Wharf follows) legitimately
// differ, the test states each server's own answer and says why. zkCli's
// whole outputs are compared, after times and session ids are normalised,
// with golden files that -update writes from Apache's answers.
//
// The package holds only tests; the Python scripts are under testdata/.
// Every test starts servers and client processes and is skipped by -short.
package zkinterop
