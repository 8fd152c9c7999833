package controller

import (
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/wharf-project/wharf/internal/kafka/zkdata"
)

// Shared types of the ZooKeeper layout.
type (
	// TopicPartition names a partition.
	TopicPartition = zkdata.TopicPartition
	// LeaderAndIsr is a partition's leader, epoch and ISR.
	LeaderAndIsr = zkdata.LeaderAndIsr
)

const noLeader = zkdata.NoLeader

var (
	codeInvalidPartitions        = kerr.InvalidPartitions.Code
	codeInvalidReplicationFactor = kerr.InvalidReplicationFactor.Code
	codeInvalidReplicaAssignment = kerr.InvalidReplicaAssignment.Code
)

// Errors of the controller.
var (
	// ErrNotController is returned by operations only the active
	// controller performs.
	ErrNotController = errors.New("controller: not the active controller")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("controller: closed")
	// ErrBrokerUnreachable is returned by a BrokerChannel that cannot
	// reach a broker.
	ErrBrokerUnreachable = errors.New("controller: broker unreachable")
)
