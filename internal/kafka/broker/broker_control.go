package broker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/partition"
	"github.com/wharf-project/wharf/internal/kafka/replica"
	"github.com/wharf-project/wharf/internal/kafka/zkdata"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// controlState is what the broker remembers of the controllers that
// talked to it (KafkaApis' and ReplicaManager's controllerEpoch), for the
// UpdateMetadata fencing the replica manager does not do.
type controlState struct {
	mu              sync.Mutex
	controllerEpoch int32
}

// handleControl is the broker's end of the controller's channel: the
// LeaderAndIsr, UpdateMetadata and StopReplica requests that Kafka's
// KafkaApis receives from the controller, delivered in process
// (controller.LocalChannel). Requests carrying an older broker epoch than
// this broker's registration are refused with STALE_BROKER_EPOCH, as
// KafkaApis.isBrokerEpochStale does.
func (b *Broker) handleControl(_ context.Context, req kmsg.Request) (kmsg.Response, error) {
	select {
	case <-b.stopping:
		return nil, ErrShuttingDown
	default:
	}
	switch r := req.(type) {
	case *kmsg.LeaderAndISRRequest:
		if b.brokerEpochStale(r.BrokerEpoch) {
			resp := kmsg.NewPtrLeaderAndISRResponse()
			resp.Version, resp.ErrorCode = r.Version, kerr.StaleBrokerEpoch.Code
			return resp, nil
		}
		b.noteControllerEpoch(r.ControllerEpoch)
		return b.Replicas.BecomeLeaderOrFollower(r), nil
	case *kmsg.UpdateMetadataRequest:
		return b.updateMetadata(r), nil
	case *kmsg.StopReplicaRequest:
		if b.brokerEpochStale(r.BrokerEpoch) {
			resp := kmsg.NewPtrStopReplicaResponse()
			resp.Version, resp.ErrorCode = r.Version, kerr.StaleBrokerEpoch.Code
			return resp, nil
		}
		b.noteControllerEpoch(r.ControllerEpoch)
		return b.Replicas.StopReplicas(r), nil
	}
	return nil, fmt.Errorf("broker: unexpected control request %s", kmsg.NameForKey(req.Key()))
}

// updateMetadata is KafkaApis.handleUpdateMetadataRequest: fenced by the
// broker and controller epochs, then applied to the metadata cache; the
// per-topic metrics of topics it deleted go with them.
func (b *Broker) updateMetadata(r *kmsg.UpdateMetadataRequest) *kmsg.UpdateMetadataResponse {
	resp := kmsg.NewPtrUpdateMetadataResponse()
	resp.Version = r.Version
	if b.brokerEpochStale(r.BrokerEpoch) {
		resp.ErrorCode = kerr.StaleBrokerEpoch.Code
		return resp
	}
	b.control.mu.Lock()
	stale := r.ControllerEpoch < b.control.controllerEpoch
	if !stale {
		b.control.controllerEpoch = r.ControllerEpoch
	}
	b.control.mu.Unlock()
	if stale {
		b.Log.Warn("Received UpdateMetadata request from an old controller", "controllerId", r.ControllerID,
			"controllerEpoch", r.ControllerEpoch)
		resp.ErrorCode = kerr.StaleControllerEpoch.Code
		return resp
	}
	removed := b.Meta.UpdateMetadata(r)
	if b.Groups != nil {
		b.Groups.OnMetadataChange()
	}
	if b.Groups != nil && len(removed) > 0 {
		deleted := map[string][]int32{}
		for _, tp := range removed {
			deleted[tp.Topic] = append(deleted[tp.Topic], tp.Partition)
		}
		b.Groups.OnPartitionsDeleted(deleted)
	}
	snap := b.Meta.Snapshot()
	gone := map[string]bool{}
	for _, tp := range removed {
		if !gone[tp.Topic] && !snap.Contains(tp.Topic) {
			gone[tp.Topic] = true
			b.Metrics.RemoveTopic(tp.Topic)
			b.forgetTopicConfigs(tp.Topic)
		}
	}
	return resp
}

func (b *Broker) noteControllerEpoch(epoch int32) {
	b.control.mu.Lock()
	b.control.controllerEpoch = max(b.control.controllerEpoch, epoch)
	b.control.mu.Unlock()
}

// brokerEpochStale is KafkaApis.isBrokerEpochStale: -1 is a controller
// that predates broker epochs; a newer epoch than ours is possible (the
// controller saw the registration first) and accepted.
func (b *Broker) brokerEpochStale(epoch int64) bool {
	return epoch != -1 && b.Controller != nil && epoch < b.Controller.BrokerEpoch()
}

// metaView is the replica manager's view of the metadata cache.
type metaView struct{ b *Broker }

func (m metaView) HasPartition(tp partition.TopicPartition) bool {
	_, ok := m.b.Meta.Snapshot().Partition(tp.Topic, tp.Partition)
	return ok
}

// IsBrokerAlive: this broker is alive even before the controller's first
// UpdateMetadata names it.
func (m metaView) IsBrokerAlive(id int32) bool {
	if id == m.b.ID {
		return true
	}
	_, ok := m.b.Meta.Snapshot().Broker(id)
	return ok
}

// zkIsrUpdater writes a leader's ISR changes straight to the partition
// state znode, conditioned on its version, and tells the controller
// through /isr_change_notification: Kafka's ZkIsrManager (the path for
// controllers without AlterIsr, which Wharf's controller is).
type zkIsrUpdater struct{ b *Broker }

// isrRetryPause spaces out retries of an ISR write that failed for a
// reason other than a stale version.
const isrRetryPause = 500 * time.Millisecond

func (u zkIsrUpdater) UpdateIsr(tp partition.TopicPartition, change replica.IsrChange, done func(replica.IsrOutcome, replica.LeaderAndIsr)) {
	b := u.b
	b.bg.Add(1)
	go func() {
		defer b.bg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		ztp := zkdata.TopicPartition{Topic: tp.Topic, Partition: tp.Partition}
		st := zkdata.PartitionState{
			LeaderAndIsr:    zkdata.LeaderAndIsr{Leader: change.Leader, LeaderEpoch: change.LeaderEpoch, ISR: change.ISR, ZkVersion: change.ZkVersion},
			ControllerEpoch: change.ControllerEpoch,
		}
		version, err := b.ZK.UpdatePartitionState(ctx, ztp, st)
		committed := replica.LeaderAndIsr{ControllerEpoch: change.ControllerEpoch, Leader: change.Leader,
			LeaderEpoch: change.LeaderEpoch, ISR: change.ISR, ZkVersion: version}
		switch {
		case err == nil:
			b.Log.Info("Updated ISR", "partition", tp.String(), "isr", change.ISR, "zkVersion", version)
			if perr := b.ZK.PropagateIsrChanges(ctx, []zkdata.TopicPartition{ztp}); perr != nil {
				b.Log.Warn("ISR change notification failed", "partition", tp.String(), "err", perr)
			}
			done(replica.IsrCommitted, committed)
		case errors.Is(err, jute.BadVersion), errors.Is(err, jute.NoNode):
			b.Log.Info("Cached zkVersion does not match the partition state; skipping the ISR update",
				"partition", tp.String(), "zkVersion", change.ZkVersion, "err", err)
			done(replica.IsrGaveUp, committed)
		default:
			b.Log.Warn("ISR update failed; retrying", "partition", tp.String(), "err", err)
			select {
			case <-time.After(isrRetryPause):
				done(replica.IsrRetry, committed)
			case <-b.stopping:
				done(replica.IsrGaveUp, committed)
			}
		}
	}()
}
