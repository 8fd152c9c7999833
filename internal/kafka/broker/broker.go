package broker

import (
	"log/slog"

	"github.com/wharf-project/wharf/internal/kafka/controller"
	"github.com/wharf-project/wharf/internal/kafka/kconfig"
	"github.com/wharf-project/wharf/internal/kafka/logmanager"
	"github.com/wharf-project/wharf/internal/kafka/meta"
	"github.com/wharf-project/wharf/internal/kafka/partition"
	"github.com/wharf-project/wharf/internal/kafka/zkdata"
	"github.com/wharf-project/wharf/internal/metrics"
)

// Broker wires the broker's parts together; handlers reach it as
// ctx.Broker.(*Broker). Every field is set before the server starts serving
// and never replaced afterwards, so handlers read them without locks.
//
// The parts, bottom up: Logs (the log directories), Replicas (partitions:
// appends, reads, leadership), Meta (the metadata cache, fed by the
// controller's UpdateMetadata requests), Configs (static and dynamic
// configs in ZooKeeper), ZK (the ZooKeeper session), Controller (elected
// through /controller; on every broker, active on one) and Admin (the
// topic operations a ZooKeeper-mode broker performs itself by writing
// znodes), Metrics, and the network Server.
type Broker struct {
	ID        int32
	ClusterID string
	Config    *kconfig.Broker
	Log       *slog.Logger

	ZK         *zkdata.Client
	Configs    *kconfig.Manager
	Meta       *meta.Cache
	Controller *controller.Controller
	Admin      *controller.Admin
	Logs       *logmanager.Manager
	Replicas   *partition.ReplicaManager
	Metrics    *metrics.Registry
	Server     *Server

	// ProducerIDs hands out producer ids for InitProducerId (blocks
	// reserved in /latest_producer_id_block, as Kafka's ProducerIdManager).
	ProducerIDs ProducerIDSource
}

// ProducerIDSource allocates producer ids.
type ProducerIDSource interface {
	NextProducerID() (int64, error)
}
