package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/twmb/franz-go/pkg/kfake"
)

// The peers run in child processes of their own, so that their CPU time
// and RSS are measured apart from the client's: the bench runs its own
// executable again with these variables set. An environment variable
// rather than a flag lets a test binary host them the same way (TestMain
// checks it before the testing package parses its flags).
const (
	envServe = "BROKERBENCH_SERVE"  // "kfake" or "nats"
	envAddr  = "BROKERBENCH_ADDR"   // kfake: 127.0.0.1:<port> to listen on
	envConf  = "BROKERBENCH_CONFIG" // nats: the nats-server config file
)

var errChildEnv = errors.New("brokerbench: bad child environment")

// childMain hosts a peer if the environment asks for one, and reports
// whether it did (then the process should exit with the returned code).
func childMain() (code int, hosted bool) {
	what := os.Getenv(envServe)
	if what == "" {
		return 0, false
	}
	var err error
	switch what {
	case "kfake":
		err = serveKfake(os.Getenv(envAddr))
	case "nats":
		err = serveNATS(os.Getenv(envConf))
	default:
		err = fmt.Errorf("%w: %s=%q", errChildEnv, envServe, what)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "brokerbench child:", err)
		return 1, true
	}
	return 0, true
}

// waitForTerm blocks until SIGTERM or SIGINT.
func waitForTerm() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
	<-ch
	signal.Stop(ch)
}

// releaseOnSignal returns the heap's free memory to the system
// (debug.FreeOSMemory) on each SIGUSR1: the bench's release step after a
// kfake run, whose deleted topic otherwise stays in the process as
// gigabytes of garbage that the next server's runs compete with.
func releaseOnSignal() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	for range ch {
		debug.FreeOSMemory()
	}
}

// serveKfake runs a one-broker kfake cluster, in memory (kfake's default
// storage), on addr's port. kfake always listens on 127.0.0.1.
func serveKfake(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	p, perr := strconv.Atoi(port)
	if err != nil || perr != nil || host != "127.0.0.1" {
		return fmt.Errorf("%w: %s=%q", errChildEnv, envAddr, addr)
	}
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(p))
	if err != nil {
		return err
	}
	fmt.Printf("kfake listening on %v\n", c.ListenAddrs())
	go releaseOnSignal()
	waitForTerm()
	c.Close()
	return nil
}

// serveNATS runs nats-server with JetStream from a config file, as the
// nats-server command would, without the command's own signal handling.
func serveNATS(conf string) error {
	if conf == "" {
		return fmt.Errorf("%w: %s unset", errChildEnv, envConf)
	}
	opts, err := natsserver.ProcessConfigFile(conf)
	if err != nil {
		return err
	}
	opts.NoSigs = true
	s, err := natsserver.NewServer(opts)
	if err != nil {
		return err
	}
	s.ConfigureLogger()
	go s.Start()
	if !s.ReadyForConnections(60 * time.Second) {
		s.Shutdown()
		return errors.New("brokerbench child: nats-server not ready in 60s")
	}
	waitForTerm()
	s.Shutdown()
	s.WaitForShutdown()
	return nil
}
