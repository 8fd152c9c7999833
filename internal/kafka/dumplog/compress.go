package dumplog

import krecord "github.com/wharf-project/wharf/internal/kafka/record"

// DefaultDecompress inflates with the record package's codecs, framed as
// Kafka's Java client frames them (snappy in xerial blocks, lz4 as an LZ4
// frame, gzip, zstd), up to krecord.DefaultMaxUncompressed bytes. Kafka
// streams the records instead; any failure is reported as the
// KafkaException its record iterator throws.
func DefaultDecompress(codec byte, data []byte) ([]byte, error) {
	out, err := krecord.Decompress(nil, krecord.Compression(codec), data, 0)
	if err != nil {
		return nil, jex(exKafka, "Failed to decompress record stream")
	}
	return out, nil
}
