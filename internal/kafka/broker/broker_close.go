package broker

import (
	"errors"
	"fmt"
)

// Close shuts the broker down in the order of Kafka 2.8's
// KafkaServer.shutdown (without controlled shutdown, which the controller
// does not have yet):
//
//  1. stop the dynamic configuration manager;
//  2. stop accepting and close every connection (waiting requests are
//     dropped; their handlers have returned when this step ends);
//  3. close the replica manager: delayed operations complete, every
//     partition's log is flushed and its producer snapshot written, the
//     high watermarks checkpointed;
//  4. close the log manager: recovery points and log start offsets
//     checkpointed, the clean shutdown marker written in every directory;
//  5. stop the controller (resigning if active);
//  6. close the ZooKeeper session: /brokers/ids/<id> (and /controller, if
//     held) go with it.
//
// Each step runs even if an earlier one failed; the errors are joined.
// Close is idempotent; call it after Start returned.
func (b *Broker) Close() error {
	b.closeOnce.Do(func() {
		b.Log.Info("shutting down")
		b.closeErr = b.shutdown()
		if b.closeErr != nil {
			b.Log.Error("shut down with errors", "err", b.closeErr)
		} else {
			b.Log.Info("shut down completed")
		}
	})
	return b.closeErr
}

// shutdown stops whatever Start brought up (fields still nil are skipped).
func (b *Broker) shutdown() error {
	select {
	case <-b.stopping:
		return nil // a failed Start already did it
	default:
	}
	b.state.Store(brokerStateShuttingDown)
	close(b.stopping)
	var errs []error
	step := func(what string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
		}
	}
	for i := len(b.cancels) - 1; i >= 0; i-- {
		b.cancels[i]()
	}
	if b.Configs != nil {
		step("dynamic config manager", b.Configs.Close())
	}
	if b.Server != nil {
		step("network server", b.Server.Close())
	}
	if b.Groups != nil {
		b.Groups.Close()
	}
	if b.Replicas != nil {
		step("replica manager", b.Replicas.Close())
	}
	b.bg.Wait()
	if b.Logs != nil {
		step("log manager", b.Logs.Close())
	}
	if b.Controller != nil {
		step("controller", b.Controller.Close())
	}
	if b.channel != nil {
		b.channel.Unregister(b.ID)
	}
	if b.ZK != nil {
		step("zookeeper session", b.ZK.Close())
	}
	b.state.Store(brokerStateNotRunning)
	return errors.Join(errs...)
}
