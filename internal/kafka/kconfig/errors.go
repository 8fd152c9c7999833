package kconfig

import (
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"
)

// Error kinds. errors.Is tells them apart; an *Error carries Kafka's own
// message (Msg) for the wire and the log.
var (
	// ErrConfig is Kafka's ConfigException or IllegalArgumentException: a
	// value refused at startup, or (wrapped as INVALID_REQUEST) by an
	// AlterConfigs request.
	ErrConfig = errors.New("kconfig: invalid configuration")
	// ErrInvalidConfig is InvalidConfigurationException (INVALID_CONFIG):
	// an unknown topic config name, or values that conflict.
	ErrInvalidConfig = errors.New("kconfig: invalid config")
	// ErrInvalidRequest is InvalidRequestException (INVALID_REQUEST).
	ErrInvalidRequest = errors.New("kconfig: invalid request")
	// ErrUnknownTopic is UnknownTopicOrPartitionException.
	ErrUnknownTopic = errors.New("kconfig: unknown topic")
	// ErrInvalidTopic is InvalidTopicException (a topic name Kafka refuses).
	ErrInvalidTopic = errors.New("kconfig: invalid topic")
	// ErrPolicy is PolicyViolationException (Options.AlterPolicy refused).
	ErrPolicy = errors.New("kconfig: policy violation")
	// ErrStore is a ZooKeeper (Store) failure; the cause is wrapped.
	ErrStore = errors.New("kconfig: config store")
	// ErrClosed is an operation on a closed Manager.
	ErrClosed = errors.New("kconfig: closed")
)

// Error is a refused configuration or request with Kafka's message.
type Error struct {
	Kind error  // one of the sentinels above
	Msg  string // Kafka's message, as the wire and Kafka's log carry it
}

func newError(kind error, msg string) *Error { return &Error{Kind: kind, Msg: msg} }

func (e *Error) Error() string        { return e.Kind.Error() + ": " + e.Msg }
func (e *Error) Is(target error) bool { return target == e.Kind }

// Message returns the text Kafka would put in a response's error message
// for err (nil for nil).
func Message(err error) *string {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		m := e.Msg
		return &m
	}
	return nil // UNKNOWN_SERVER_ERROR carries no message (ApiError.fromThrowable)
}

// Code returns the Kafka error code for err (0 for nil).
func Code(err error) int16 {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrInvalidConfig):
		return kerr.InvalidConfig.Code
	case errors.Is(err, ErrConfig), errors.Is(err, ErrInvalidRequest):
		return kerr.InvalidRequest.Code
	case errors.Is(err, ErrUnknownTopic):
		return kerr.UnknownTopicOrPartition.Code
	case errors.Is(err, ErrInvalidTopic):
		return kerr.InvalidTopicException.Code
	case errors.Is(err, ErrPolicy):
		return kerr.PolicyViolation.Code
	}
	return kerr.UnknownServerError.Code
}
