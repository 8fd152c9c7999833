package zkproc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Where Debian's packages put Apache ZooKeeper 3.8 and its clients
// (zookeeper, libzookeeper-java, libslf4j-java, zookeeper-bin).
const (
	ZooKeeperJar   = "/usr/share/java/zookeeper.jar"
	Slf4jSimpleJar = "/usr/share/java/slf4j-simple.jar" // gives the server a log on stderr
	Slf4jNopJar    = "/usr/share/java/slf4j-nop.jar"    // silences the CLI
	ZooKeeperConf  = "/etc/zookeeper/conf"
	CliMt          = "/usr/lib/zookeeper/bin/cli_mt"
	// Debian's python3-* modules load only under this interpreter, not under
	// a python3 that comes first in PATH (pyenv and the like).
	SystemPython = "/usr/bin/python3"
)

// ErrPeerMissing means a real peer (a JVM, a jar, a client binary) is not
// installed; scripts/install-test-deps.sh installs them.
var ErrPeerMissing = errors.New("zkproc: peer not installed")

// Java returns the java binary to run the ZooKeeper jar with ($JAVA, else
// java on PATH).
func Java() (string, error) {
	name := "java"
	if j := os.Getenv("JAVA"); j != "" {
		name = j
	}
	j, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%w: no %s (Debian: default-jre, which the zookeeper package pulls in)", ErrPeerMissing, name)
	}
	return j, nil
}

// ApacheAvailable reports (as a nil error) whether Apache ZooKeeper can be run
// here: a JVM and Debian's zookeeper jar with the slf4j binding.
func ApacheAvailable() error {
	if _, err := Java(); err != nil {
		return err
	}
	return filesExist(ZooKeeperJar, Slf4jSimpleJar)
}

// ZkCliAvailable reports whether the Java CLI (ZooKeeperMain, what zkCli.sh
// runs) can be run here.
func ZkCliAvailable() error {
	if _, err := Java(); err != nil {
		return err
	}
	return filesExist(ZooKeeperJar)
}

// CliMtAvailable reports whether the C client's shell is installed.
func CliMtAvailable() error { return filesExist(CliMt) }

func filesExist(paths ...string) error {
	var missing []string
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: missing %s", ErrPeerMissing, strings.Join(missing, ", "))
	}
	return nil
}

// ApacheClasspath is the server's classpath: Debian's conf dir, the jar (its
// manifest names the other jars it needs) and slf4j-simple, without which the
// server logs nothing.
func ApacheClasspath() string {
	return ZooKeeperConf + ":" + ZooKeeperJar + ":" + Slf4jSimpleJar
}

// ZkCliCommand returns the argv that runs the Java CLI against addr the way
// zkCli.sh does, minus Debian's zkEnv.sh (fixed log and conf dirs) and with
// slf4j-nop so that nothing but the CLI's own output is printed.
// -waitforconnection makes the CLI connect before reading commands, so the
// connection banner always comes first, and makes it exit 1 when no server
// answers within 30s instead of hanging.
func ZkCliCommand(addr string, args ...string) ([]string, error) {
	java, err := Java()
	if err != nil {
		return nil, err
	}
	cp := ZooKeeperJar
	if _, err := os.Stat(Slf4jNopJar); err == nil {
		cp += ":" + Slf4jNopJar
	}
	argv := []string{java, "-Xmx256m", "-cp", cp, "org.apache.zookeeper.ZooKeeperMain",
		"-server", addr, "-waitforconnection", "-timeout", "30000"}
	return append(argv, args...), nil
}
