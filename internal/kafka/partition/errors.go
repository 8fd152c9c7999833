package partition

import (
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/logmanager"
	"github.com/wharf-project/wharf/internal/kafka/producerstate"
	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/kafka/replica"
)

// Errors of this package; ErrorCode maps them (and the lower packages'
// errors) to Kafka error codes.
var (
	ErrUnknownTopicOrPartition = errors.New("partition: unknown topic or partition")
	ErrNotLeaderOrFollower     = errors.New("partition: not leader or follower")
	ErrStorage                 = errors.New("partition: partition is in an offline log directory")
	ErrInvalidTopic            = errors.New("partition: cannot append to an internal topic")
	ErrInvalidRequiredAcks     = errors.New("partition: invalid required acks")
	ErrPolicyViolation         = errors.New("partition: records can only be deleted from a topic with cleanup.policy delete")
	ErrOffsetNotAvailable      = errors.New("partition: the high watermark lags behind the start of the leader epoch")
	ErrClosed                  = errors.New("partition: replica manager closed")
	ErrInvalidRequest          = errors.New("partition: invalid request")
)

// ErrorCode is the Kafka error code for err (0 for nil), as
// Errors.forException maps Kafka's exceptions.
func ErrorCode(err error) int16 {
	if err == nil {
		return 0
	}
	var code *kerr.Error
	switch {
	case errors.As(err, &code):
		return code.Code
	case errors.Is(err, ErrUnknownTopicOrPartition):
		return kerr.UnknownTopicOrPartition.Code
	case errors.Is(err, ErrNotLeaderOrFollower), errors.Is(err, replica.ErrNotLeader), errors.Is(err, ErrClosed),
		errors.Is(err, log.ErrClosed), errors.Is(err, logmanager.ErrClosed):
		return kerr.NotLeaderForPartition.Code
	case errors.Is(err, ErrStorage), errors.Is(err, log.ErrStorage), errors.Is(err, logmanager.ErrLogDirOffline):
		return kerr.KafkaStorageError.Code
	case errors.Is(err, ErrInvalidTopic):
		return kerr.InvalidTopicException.Code
	case errors.Is(err, ErrInvalidRequiredAcks):
		return kerr.InvalidRequiredAcks.Code
	case errors.Is(err, ErrPolicyViolation):
		return kerr.PolicyViolation.Code
	case errors.Is(err, ErrOffsetNotAvailable):
		return kerr.OffsetNotAvailable.Code
	case errors.Is(err, ErrInvalidRequest):
		return kerr.InvalidRequest.Code
	case errors.Is(err, logmanager.ErrInconsistentTopicID):
		return kerr.InconsistentTopicID.Code
	case errors.Is(err, replica.ErrNotEnoughReplicas):
		return kerr.NotEnoughReplicas.Code
	case errors.Is(err, replica.ErrFencedLeaderEpoch):
		return kerr.FencedLeaderEpoch.Code
	case errors.Is(err, replica.ErrUnknownLeaderEpoch):
		return kerr.UnknownLeaderEpoch.Code
	case errors.Is(err, producerstate.ErrInvalidProducerEpoch):
		return kerr.InvalidProducerEpoch.Code
	case errors.Is(err, producerstate.ErrOutOfOrderSequence):
		return kerr.OutOfOrderSequenceNumber.Code
	case errors.Is(err, producerstate.ErrInvalidTxnState):
		return kerr.InvalidTxnState.Code
	case errors.Is(err, producerstate.ErrCoordinatorFenced):
		return kerr.TransactionCoordinatorFenced.Code
	case errors.Is(err, log.ErrOffsetOutOfRange):
		return kerr.OffsetOutOfRange.Code
	case errors.Is(err, log.ErrRecordTooLarge):
		return kerr.MessageTooLarge.Code
	case errors.Is(err, log.ErrRecordBatchTooLarge):
		return kerr.RecordListTooLarge.Code
	case errors.Is(err, log.ErrCorruptRecord), errors.Is(err, record.ErrCorrupt):
		return kerr.CorruptMessage.Code
	case errors.Is(err, record.ErrTimestamp):
		return kerr.InvalidTimestamp.Code
	case errors.Is(err, record.ErrUnsupportedMagic):
		return kerr.UnsupportedForMessageFormat.Code
	case errors.Is(err, log.ErrInvalidRecord), errors.Is(err, record.ErrInvalid), errors.Is(err, record.ErrCompression):
		return kerr.InvalidRecord.Code
	}
	return kerr.UnknownServerError.Code
}

// knownAppendError reports whether Kafka answers err with an unknown
// append info (base offset, log start offset -1) rather than with the
// partition's log start offset (ReplicaManager.appendToLocalLog).
func knownAppendError(err error) bool {
	switch ErrorCode(err) {
	case kerr.UnknownTopicOrPartition.Code, kerr.NotLeaderForPartition.Code, kerr.MessageTooLarge.Code,
		kerr.RecordListTooLarge.Code, kerr.CorruptMessage.Code, kerr.KafkaStorageError.Code, kerr.InvalidTopicException.Code:
		return true
	}
	return false
}

func isStorageError(err error) bool {
	return errors.Is(err, log.ErrStorage)
}
