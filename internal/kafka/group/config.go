package group

import (
	"fmt"
	"math"

	"github.com/wharf-project/wharf/internal/kafka/group/assignor"
)

// Config holds the group.* and offsets.* broker settings the shard obeys,
// under Kafka's key names and with Kafka's defaults.
type Config struct {
	// MinSessionTimeoutMs is group.min.session.timeout.ms: JoinGroup with a
	// shorter session timeout gets INVALID_SESSION_TIMEOUT.
	MinSessionTimeoutMs int32
	// MaxSessionTimeoutMs is group.max.session.timeout.ms.
	MaxSessionTimeoutMs int32
	// InitialRebalanceDelayMs is group.initial.rebalance.delay.ms: how long
	// the first rebalance of an empty group waits for more members.
	InitialRebalanceDelayMs int32
	// MaxSize is group.max.size: members beyond it get GROUP_MAX_SIZE_REACHED.
	MaxSize int32
	// NewMemberJoinTimeoutMs bounds how long a new member's parked JoinGroup
	// may wait (Kafka's internal classicGroupNewMemberJoinTimeoutMs, 5 minutes).
	NewMemberJoinTimeoutMs int32
	// OffsetsRetentionMs is offsets.retention.minutes in milliseconds.
	OffsetsRetentionMs int64
	// OffsetMetadataMaxBytes is offset.metadata.max.bytes: a commit with longer
	// metadata gets OFFSET_METADATA_TOO_LARGE for that partition.
	OffsetMetadataMaxBytes int32
	// OffsetsRetentionCheckIntervalMs is offsets.retention.check.interval.ms:
	// the period of CleanupExpiredOffsets once OnLoaded scheduled it.
	OffsetsRetentionCheckIntervalMs int64

	// ConsumerSessionTimeoutMs is group.consumer.session.timeout.ms: a
	// KIP-848 member that does not heartbeat for this long is fenced.
	ConsumerSessionTimeoutMs int32
	// ConsumerHeartbeatIntervalMs is group.consumer.heartbeat.interval.ms,
	// the interval ConsumerGroupHeartbeat replies ask members to keep.
	ConsumerHeartbeatIntervalMs int32
	// ConsumerMaxSize is group.consumer.max.size.
	ConsumerMaxSize int32
	// ConsumerAssignors is group.consumer.assignors, by name ("uniform",
	// "range"); the first is the default of a group whose members name none.
	ConsumerAssignors []string
	// ConsumerMetadataRefreshIntervalMs is how long a consumer group's
	// subscription metadata is trusted without a metadata change (Kafka's
	// internal consumerGroupMetadataRefreshIntervalMs: forever).
	ConsumerMetadataRefreshIntervalMs int64
}

// DefaultConfig returns Kafka 3.9's defaults.
func DefaultConfig() Config {
	return Config{
		MinSessionTimeoutMs:             6000,
		MaxSessionTimeoutMs:             1800000,
		InitialRebalanceDelayMs:         3000,
		MaxSize:                         math.MaxInt32,
		NewMemberJoinTimeoutMs:          5 * 60 * 1000,
		OffsetsRetentionMs:              10080 * 60 * 1000,
		OffsetMetadataMaxBytes:          4096,
		OffsetsRetentionCheckIntervalMs: 600000,

		ConsumerSessionTimeoutMs:          45000,
		ConsumerHeartbeatIntervalMs:       5000,
		ConsumerMaxSize:                   math.MaxInt32,
		ConsumerAssignors:                 assignor.Names(),
		ConsumerMetadataRefreshIntervalMs: math.MaxInt32,
	}
}

// Validate reports a setting Kafka would refuse.
func (c Config) Validate() error {
	switch {
	case c.MinSessionTimeoutMs < 0 || c.MaxSessionTimeoutMs < c.MinSessionTimeoutMs:
		return fmt.Errorf("%w: group.min.session.timeout.ms %d must be in [0, group.max.session.timeout.ms %d]",
			ErrConfig, c.MinSessionTimeoutMs, c.MaxSessionTimeoutMs)
	case c.InitialRebalanceDelayMs < 0:
		return fmt.Errorf("%w: group.initial.rebalance.delay.ms %d < 0", ErrConfig, c.InitialRebalanceDelayMs)
	case c.MaxSize < 1:
		return fmt.Errorf("%w: group.max.size %d < 1", ErrConfig, c.MaxSize)
	case c.NewMemberJoinTimeoutMs < 1:
		return fmt.Errorf("%w: new member join timeout %d < 1", ErrConfig, c.NewMemberJoinTimeoutMs)
	case c.OffsetsRetentionMs < 60000:
		return fmt.Errorf("%w: offsets.retention.minutes must be at least 1", ErrConfig)
	case c.OffsetMetadataMaxBytes < 0:
		return fmt.Errorf("%w: offset.metadata.max.bytes %d < 0", ErrConfig, c.OffsetMetadataMaxBytes)
	case c.OffsetsRetentionCheckIntervalMs < 1:
		return fmt.Errorf("%w: offsets.retention.check.interval.ms %d < 1", ErrConfig, c.OffsetsRetentionCheckIntervalMs)
	case c.ConsumerSessionTimeoutMs < 1:
		return fmt.Errorf("%w: group.consumer.session.timeout.ms %d < 1", ErrConfig, c.ConsumerSessionTimeoutMs)
	case c.ConsumerHeartbeatIntervalMs < 1 || c.ConsumerHeartbeatIntervalMs >= c.ConsumerSessionTimeoutMs:
		return fmt.Errorf("%w: group.consumer.heartbeat.interval.ms %d must be in [1, group.consumer.session.timeout.ms %d)",
			ErrConfig, c.ConsumerHeartbeatIntervalMs, c.ConsumerSessionTimeoutMs)
	case c.ConsumerMaxSize < 1:
		return fmt.Errorf("%w: group.consumer.max.size %d < 1", ErrConfig, c.ConsumerMaxSize)
	case len(c.ConsumerAssignors) == 0:
		return fmt.Errorf("%w: group.consumer.assignors is empty", ErrConfig)
	case c.ConsumerMetadataRefreshIntervalMs < 0:
		return fmt.Errorf("%w: consumer group metadata refresh interval %d < 0", ErrConfig, c.ConsumerMetadataRefreshIntervalMs)
	}
	for _, name := range c.ConsumerAssignors {
		if _, ok := assignor.ByName(name); !ok {
			return fmt.Errorf("%w: group.consumer.assignors: unknown assignor %q", ErrConfig, name)
		}
	}
	return nil
}
