package log

import (
	"fmt"
	"math"
)

// CleanerConfig is the log cleaner's broker configuration (Kafka's
// CleanerConfig), under Kafka's key names and defaults. The per-topic
// compaction settings (cleanup.policy, delete.retention.ms,
// min/max.compaction.lag.ms, min.cleanable.dirty.ratio) are in Config.
type CleanerConfig struct {
	// Enable is log.cleaner.enable; when false, Start does nothing (the
	// owner may still call CleanOnce).
	Enable bool
	// Threads is log.cleaner.threads: how many logs are cleaned at once.
	Threads int
	// DedupeBufferSize is log.cleaner.dedupe.buffer.size: the memory of
	// the offset maps of all threads together (each gets its share, at
	// most 2 GiB, as in Kafka). A map holds a key in 24 bytes.
	DedupeBufferSize int64
	// DedupeBufferLoadFactor is log.cleaner.io.buffer.load.factor: how full
	// an offset map may get before a cleaning stops at the offset it
	// reached. Kafka takes any value; Wharf requires (0, 1].
	DedupeBufferLoadFactor float64
	// IOBufferSize is log.cleaner.io.buffer.size: the read and write
	// buffers of all threads together (each thread gets half its share for
	// reading and half for writing; a buffer grows to the largest batch).
	IOBufferSize int
	// IOMaxBytesPerSecond is log.cleaner.io.max.bytes.per.second: the
	// bytes all threads together may read and write per second.
	IOMaxBytesPerSecond float64
	// BackoffMs is log.cleaner.backoff.ms: how long a thread sleeps when no
	// log needs cleaning.
	BackoffMs int64
	// MaxMessageSize is message.max.bytes (Kafka sizes the cleaner's I/O
	// buffers with it); the largest read buffer kept between cleanings.
	MaxMessageSize int
	// ProducerIDExpirationMs is producer.id.expiration.ms: a producer whose
	// last batch is older than this is no longer active, and the cleaner
	// stops keeping its last batch (see Cleaner).
	ProducerIDExpirationMs int64
}

// Kafka's defaults.
const (
	DefaultCleanerDedupeBufferSize = 128 << 20
	DefaultCleanerIOBufferSize     = 512 << 10
	DefaultCleanerBackoffMs        = 15 * 1000
	DefaultCleanerLoadFactor       = 0.9
	DefaultProducerIDExpirationMs  = 24 * 60 * 60 * 1000
	offsetMapEntryBytes            = 24 // a 128-bit key hash and an offset
	maxOffsetMapBytes              = math.MaxInt32
)

// DefaultCleanerConfig returns Kafka's defaults.
func DefaultCleanerConfig() CleanerConfig {
	return CleanerConfig{
		Enable:                 true,
		Threads:                1,
		DedupeBufferSize:       DefaultCleanerDedupeBufferSize,
		DedupeBufferLoadFactor: DefaultCleanerLoadFactor,
		IOBufferSize:           DefaultCleanerIOBufferSize,
		IOMaxBytesPerSecond:    math.MaxFloat64,
		BackoffMs:              DefaultCleanerBackoffMs,
		MaxMessageSize:         DefaultMaxMessageBytes,
		ProducerIDExpirationMs: DefaultProducerIDExpirationMs,
	}
}

// Validate checks the values against Kafka's bounds, and that each
// thread's offset map holds more than one key (Kafka's "offset map is too
// small to fit in even a single message").
func (c CleanerConfig) Validate() error {
	bad := func(key string, v any, rule string) error {
		return fmt.Errorf("%w: invalid value %v for configuration %s: %s", ErrInvalidConfig, v, key, rule)
	}
	switch {
	case c.Threads < 0:
		return bad("log.cleaner.threads", c.Threads, "value must be at least 0")
	case c.IOBufferSize < 0:
		return bad("log.cleaner.io.buffer.size", c.IOBufferSize, "value must be at least 0")
	case c.BackoffMs < 0:
		return bad("log.cleaner.backoff.ms", c.BackoffMs, "value must be at least 0")
	case !(c.DedupeBufferLoadFactor > 0 && c.DedupeBufferLoadFactor <= 1):
		return bad("log.cleaner.io.buffer.load.factor", c.DedupeBufferLoadFactor, "value must be in (0, 1]")
	case math.IsNaN(c.IOMaxBytesPerSecond) || c.IOMaxBytesPerSecond <= 0:
		return bad("log.cleaner.io.max.bytes.per.second", c.IOMaxBytesPerSecond, "value must be positive")
	case c.MaxMessageSize < 0:
		return bad("message.max.bytes", c.MaxMessageSize, "value must be at least 0")
	case c.ProducerIDExpirationMs < 1:
		return bad("producer.id.expiration.ms", c.ProducerIDExpirationMs, "value must be at least 1")
	}
	if float64(c.offsetMapSlots())*c.DedupeBufferLoadFactor <= 1 {
		return bad("log.cleaner.dedupe.buffer.size", c.DedupeBufferSize,
			"offset map is too small to fit in even a single message, so log cleaning will never make progress")
	}
	return nil
}

// threads is the number of workers (at least one, for CleanOnce).
func (c CleanerConfig) threads() int { return max(c.Threads, 1) }

// offsetMapSlots is how many keys one thread's offset map can hold.
func (c CleanerConfig) offsetMapSlots() int {
	share := min(c.DedupeBufferSize/int64(c.threads()), maxOffsetMapBytes)
	return int(max(share, 0) / offsetMapEntryBytes)
}

// ioBufferSize is one thread's read (or write) buffer: Kafka's
// ioBufferSize / numThreads / 2, at least one batch header.
func (c CleanerConfig) ioBufferSize() int {
	return max(c.IOBufferSize/c.threads()/2, 4096)
}
