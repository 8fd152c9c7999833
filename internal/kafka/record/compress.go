package record

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// DefaultMaxUncompressed bounds decompression when a caller passes no
// limit. Kafka streams compressed records and never holds them whole; this
// package decompresses into a buffer, so the buffer needs a bound (a 1 MiB
// batch of zeros would otherwise expand to a gigabyte: CVE-2023-34455 is the
// snappy-java instance of the problem).
const DefaultMaxUncompressed = 64 << 20

// zstd windows. zstd-jni refuses frames whose window exceeds
// ZSTD_WINDOWLOG_LIMIT_DEFAULT (2^27) and allocates the window up front, as
// the streaming decoder here does: a 20-byte frame can ask for 128 MiB.
// So a window may exceed zstdFreeWindow only up to the caller's output
// limit (and never zstdMaxWindow). Producers' frames use far less (the
// window of a streamed frame is 2 MiB at the default level 3, 8 MiB at
// level 19); only levels 20-22 streamed without a size go beyond.
// Decoders that needed more than zstdFreeWindow are not pooled.
const (
	zstdMaxWindow  = 1 << 27
	zstdFreeWindow = 8 << 20
)

// Compress appends src compressed with c, framed as Kafka's Java client
// frames it, to dst. level 0 is the codec's default; otherwise it is
// Kafka's compression.<codec>.level: gzip 1..9, zstd -131072..22, lz4
// 1..17 where, as in Kafka, 9 is the fast compressor and any other level
// the high-compression one (its search depth capped at pierrec/lz4's
// Level9). Snappy has no levels.
func Compress(dst []byte, c Compression, level int, src []byte) ([]byte, error) {
	switch c {
	case CompressionNone:
		return append(dst, src...), nil
	case CompressionGzip:
		return gzipCompress(dst, src, level)
	case CompressionSnappy:
		return snappyCompress(dst, src), nil
	case CompressionLZ4:
		return lz4Compress(dst, src, level)
	case CompressionZstd:
		enc, err := zstdEncoder(level)
		if err != nil {
			return dst, err
		}
		return enc.EncodeAll(src, dst), nil
	}
	return dst, fmt.Errorf("%w: codec id %d", ErrCompression, c)
}

// Decompress appends the content of src, compressed with c as Kafka reads
// it, to dst. It never produces more than limit bytes (limit <= 0 means
// DefaultMaxUncompressed), failing with ErrTooLarge instead; a malformed
// stream fails with ErrCorrupt, an unknown codec with ErrCompression.
func Decompress(dst []byte, c Compression, src []byte, limit int) ([]byte, error) {
	if limit <= 0 {
		limit = DefaultMaxUncompressed
	}
	limit += len(dst)
	var err error
	switch c {
	case CompressionNone:
		if len(src) > limit-len(dst) {
			return dst, fmt.Errorf("%w: %d uncompressed bytes exceed the limit of %d", ErrTooLarge, len(src), limit-len(dst))
		}
		return append(dst, src...), nil
	case CompressionGzip:
		dst, err = gzipDecompress(dst, src, limit)
	case CompressionSnappy:
		dst, err = snappyDecompress(dst, src, limit)
	case CompressionLZ4:
		dst, err = lz4Decompress(dst, src, limit)
	case CompressionZstd:
		dst, err = zstdDecompress(dst, src, limit)
	default:
		return dst, fmt.Errorf("%w: codec id %d", ErrCompression, c)
	}
	switch {
	case err == nil:
		return dst, nil
	case errors.Is(err, ErrTooLarge):
		return dst, fmt.Errorf("%w: %s records decompress to more than %d bytes", ErrTooLarge, c, limit)
	default:
		return dst, fmt.Errorf("%w: failed to decompress %s records: %v", ErrCorrupt, c, err)
	}
}

// RecordData returns b's records uncompressed: b.Records() itself when b
// is not compressed, else the records decompressed onto dst[:0] (pass a
// buffer to reuse it), at most limit bytes (0: DefaultMaxUncompressed).
func (b Batch) RecordData(dst []byte, limit int) ([]byte, error) {
	c := b.Compression()
	if c == CompressionNone {
		return b.Records(), nil
	}
	return Decompress(dst[:0], c, b.Records(), limit)
}

// readBounded reads r to its end onto dst, refusing to go past limit.
func readBounded(dst []byte, r io.Reader, limit int) ([]byte, error) {
	for {
		if len(dst) == cap(dst) {
			if len(dst) > limit {
				return dst, ErrTooLarge
			}
			dst = grow(dst, min(max(cap(dst), 32<<10), limit+1-len(dst)))
		}
		n, err := r.Read(dst[len(dst):min(cap(dst), limit+1)])
		dst = dst[:len(dst)+n]
		if len(dst) > limit {
			return dst, ErrTooLarge
		}
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}

// gzip: Java's GZIPInputStream reads concatenated members and stops quietly
// at anything after a member that is not a valid gzip header.

type gzipReader struct {
	z   gzip.Reader
	src bytes.Reader
}

var gzipReaders sync.Pool

func gzipDecompress(dst, src []byte, limit int) ([]byte, error) {
	gr, _ := gzipReaders.Get().(*gzipReader)
	if gr == nil {
		gr = new(gzipReader)
	}
	defer gzipReaders.Put(gr)
	gr.src.Reset(src)
	defer gr.src.Reset(nil) // do not keep the caller's bytes in the pool
	if err := gr.z.Reset(&gr.src); err != nil {
		return dst, err
	}
	for {
		gr.z.Multistream(false)
		var err error
		if dst, err = readBounded(dst, &gr.z, limit); err != nil {
			return dst, err
		}
		if gr.src.Len() == 0 {
			return dst, nil
		}
		if err := gr.z.Reset(&gr.src); err != nil {
			return dst, nil // trailing bytes that are not a member: ignored
		}
	}
}

var gzipWriters [12]sync.Pool // levels -2 .. 9

func gzipCompress(dst, src []byte, level int) ([]byte, error) {
	if level == 0 {
		level = gzip.DefaultCompression
	}
	if level < gzip.HuffmanOnly || level > gzip.BestCompression {
		return dst, fmt.Errorf("%w: gzip doesn't support given compression level: %d", ErrCompression, level)
	}
	buf := bytes.NewBuffer(dst)
	pool := &gzipWriters[level-gzip.HuffmanOnly]
	w, _ := pool.Get().(*gzip.Writer)
	if w == nil {
		var err error
		if w, err = gzip.NewWriterLevel(buf, level); err != nil {
			return dst, err
		}
	} else {
		w.Reset(buf)
	}
	defer pool.Put(w)
	if _, err := w.Write(src); err != nil {
		return dst, err
	}
	if err := w.Close(); err != nil {
		return dst, err
	}
	return buf.Bytes(), nil
}

// zstd

var zstdEncoders sync.Map // level -> *zstd.Encoder; EncodeAll is safe for concurrent use

func zstdEncoder(level int) (*zstd.Encoder, error) {
	if level == 0 {
		level = 3
	}
	if level < -131072 || level > 22 {
		return nil, fmt.Errorf("%w: zstd doesn't support given compression level: %d", ErrCompression, level)
	}
	if e, ok := zstdEncoders.Load(level); ok {
		return e.(*zstd.Encoder), nil
	}
	e, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(level)))
	if err != nil {
		return nil, err
	}
	actual, loaded := zstdEncoders.LoadOrStore(level, e)
	if loaded {
		e.Close()
	}
	return actual.(*zstd.Encoder), nil
}

type zstdReader struct {
	d      *zstd.Decoder
	src    bytes.Reader
	window uint64 // the decoder's max window
}

var zstdReaders sync.Pool

// zstdDecompress streams the frames (as zstd-jni's ZstdInputStream does):
// memory follows the frame's window, not a declared content size, and the
// output stops at the limit.
func zstdDecompress(dst, src []byte, limit int) ([]byte, error) {
	zr, _ := zstdReaders.Get().(*zstdReader)
	window := uint64(min(max(limit-len(dst), zstdFreeWindow), zstdMaxWindow))
	if zr == nil {
		d, err := zstd.NewReader(nil,
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(window),
		)
		if err != nil {
			return dst, err
		}
		zr = &zstdReader{d: d, window: window}
	}
	zr.src.Reset(src)
	var err error
	if window != zr.window {
		zr.window = window
		err = zr.d.ResetWithOptions(&zr.src, zstd.WithDecoderMaxWindow(window))
	} else {
		err = zr.d.Reset(&zr.src)
	}
	if err != nil {
		zr.d.Close()
		return dst, err
	}
	dst, err = readBounded(dst, zr.d, limit)
	zr.src.Reset(nil)
	var h zstd.Header
	if zr.d.Reset(nil) == nil && (h.Decode(src) != nil || h.WindowSize <= zstdFreeWindow) {
		zstdReaders.Put(zr)
	} else {
		zr.d.Close()
	}
	return dst, err
}
