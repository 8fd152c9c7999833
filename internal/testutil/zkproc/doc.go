// Package zkproc starts and stops ZooKeeper-compatible servers as real
// processes: Apache ZooKeeper 3.8 (Debian's jar, run on the JVM directly) and
// Wharf (`wharf zookeeper zoo.cfg`). Both are given the same zoo.cfg form, so
// one test or benchmark can run against either.
//
// It is the process layer under internal/testutil (tests) and bench/zkbench
// (a program), so it imports no "testing".
//
// Invariants:
//   - Every server listens on 127.0.0.1 only (clientPortAddress, and the
//     AdminServer address when enabled) and is stopped by its PID.
//   - A started process gets SIGKILL from the kernel if the process that
//     started it dies (Pdeathsig), so a crashed or timed-out test binary
//     leaves no server behind.
//   - Start returns only once the server answers ruok with imok (and, for
//     Apache ZooKeeper, srvr reports a mode, since Apache answers ruok
//     before its database is loaded); it never sleeps a fixed time.
//   - A Server's methods are not safe for concurrent use: one goroutine owns
//     its lifecycle (Stop, Kill, Restart).
package zkproc
