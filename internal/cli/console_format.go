package cli

import (
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
)

// messageFormatter is Kafka's MessageFormatter: one record written out.
type messageFormatter interface {
	writeTo(rec *kgo.Record, w io.Writer) error
}

// The formatter classes --formatter can name.
const (
	defaultFormatterClass = "org.apache.kafka.tools.consumer.DefaultMessageFormatter"
	noOpFormatterClass    = "org.apache.kafka.tools.consumer.NoOpMessageFormatter"
	// LoggingMessageFormatter is the default one plus an INFO log line per
	// record, which tools-log4j.properties' WARN root logger drops.
	loggingFormatterClass = "org.apache.kafka.tools.consumer.LoggingMessageFormatter"
)

// deprecatedFormatters are ConsoleConsumerOptions.convertDeprecatedClass's
// old names (those Wharf has the replacement of).
var deprecatedFormatters = map[string]string{
	"kafka.tools.DefaultMessageFormatter": defaultFormatterClass,
	"kafka.tools.NoOpMessageFormatter":    noOpFormatterClass,
	"kafka.tools.LoggingMessageFormatter": loggingFormatterClass,
}

type noOpFormatter struct{}

func (noOpFormatter) writeTo(*kgo.Record, io.Writer) error { return nil }

// deserializer is a Deserializer followed by toString(): the text of a
// key, value or header value. Its error is the SerializationException's
// message.
type deserializer func(b []byte) (string, error)

func fixedSize(class string, size int) func(b []byte) error {
	return func(b []byte) error {
		if len(b) != size {
			return fmt.Errorf("Size of data received by %s is not %d", class, size)
		}
		return nil
	}
}

// deserializers are the org.apache.kafka.common.serialization classes
// whose toString Wharf renders as Java does.
var deserializers = map[string]deserializer{
	"org.apache.kafka.common.serialization.StringDeserializer": func(b []byte) (string, error) {
		return strings.ToValidUTF8(string(b), "\uFFFD"), nil
	},
	"org.apache.kafka.common.serialization.LongDeserializer": func(b []byte) (string, error) {
		if err := fixedSize("LongDeserializer", 8)(b); err != nil {
			return "", err
		}
		return strconv.FormatInt(int64(binary.BigEndian.Uint64(b)), 10), nil
	},
	"org.apache.kafka.common.serialization.IntegerDeserializer": func(b []byte) (string, error) {
		if err := fixedSize("IntegerDeserializer", 4)(b); err != nil {
			return "", err
		}
		return strconv.FormatInt(int64(int32(binary.BigEndian.Uint32(b))), 10), nil
	},
	"org.apache.kafka.common.serialization.ShortDeserializer": func(b []byte) (string, error) {
		if err := fixedSize("ShortDeserializer", 2)(b); err != nil {
			return "", err
		}
		return strconv.FormatInt(int64(int16(binary.BigEndian.Uint16(b))), 10), nil
	},
}

// defaultFormatter is DefaultMessageFormatter (Kafka 3.9,
// tools/src/main/java/org/apache/kafka/tools/consumer/DefaultMessageFormatter.java).
type defaultFormatter struct {
	printTimestamp, printKey, printValue, printPartition, printOffset, printHeaders bool
	keySep, lineSep, headersSep, nullLiteral                                        []byte
	keyDeser, valueDeser, headersDeser                                              deserializer
}

// newDefaultFormatter is DefaultMessageFormatter.configure. A deserializer
// class Wharf does not have is logged (as the original logs one it cannot
// instantiate) and the bytes are printed as they are.
func newDefaultFormatter(env toolEnv, configs map[string]string) *defaultFormatter {
	f := &defaultFormatter{printValue: true, keySep: []byte("\t"), lineSep: []byte("\n"), headersSep: []byte(","), nullLiteral: []byte("null")}
	for key, dst := range map[string]*bool{"print.timestamp": &f.printTimestamp, "print.key": &f.printKey, "print.offset": &f.printOffset,
		"print.partition": &f.printPartition, "print.headers": &f.printHeaders, "print.value": &f.printValue} {
		if v, ok := configs[key]; ok {
			*dst = strings.EqualFold(strings.TrimSpace(v), "true")
		}
	}
	for key, dst := range map[string]*[]byte{"key.separator": &f.keySep, "line.separator": &f.lineSep,
		"headers.separator": &f.headersSep, "null.literal": &f.nullLiteral} {
		if v, ok := configs[key]; ok {
			*dst = []byte(v)
		}
	}
	for _, d := range []struct {
		key string
		dst *deserializer
	}{{"key.deserializer", &f.keyDeser}, {"value.deserializer", &f.valueDeser}, {"headers.deserializer", &f.headersDeser}} {
		name, ok := configs[d.key]
		if !ok {
			continue
		}
		if *d.dst = deserializers[name]; *d.dst == nil {
			consoleLog(env, "ERROR", "Unable to instantiate a deserializer from "+name,
				"org.apache.kafka.tools.consumer.DefaultMessageFormatter", "java.lang.ClassNotFoundException: "+name)
		}
	}
	return f
}

// errDeserialize marks a deserializer's failure (a SerializationException).
type errDeserialize struct{ msg string }

func (e *errDeserialize) Error() string {
	return "org.apache.kafka.common.errors.SerializationException: " + e.msg
}

func (f *defaultFormatter) render(b []byte, d deserializer) ([]byte, error) {
	if b == nil {
		b = f.nullLiteral
	}
	if d == nil {
		return b, nil
	}
	s, err := d(b)
	if err != nil {
		return nil, &errDeserialize{err.Error()}
	}
	return []byte(s), nil
}

// writeTo is DefaultMessageFormatter.writeTo: timestamp, partition,
// offset, headers, key, value, each followed by key.separator when another
// field follows and by line.separator after the last. The record is
// rendered whole before anything is written.
func (f *defaultFormatter) writeTo(rec *kgo.Record, w io.Writer) error {
	var out []byte
	sep := func(more bool) {
		if more {
			out = append(out, f.keySep...)
		} else {
			out = append(out, f.lineSep...)
		}
	}
	if f.printTimestamp {
		switch rec.Attrs.TimestampType() {
		case 0:
			out = fmt.Appendf(out, "CreateTime:%d", rec.Timestamp.UnixMilli())
		case 1:
			out = fmt.Appendf(out, "LogAppendTime:%d", rec.Timestamp.UnixMilli())
		default:
			out = append(out, "NO_TIMESTAMP"...)
		}
		sep(f.printOffset || f.printPartition || f.printHeaders || f.printKey || f.printValue)
	}
	if f.printPartition {
		out = fmt.Appendf(out, "Partition:%d", rec.Partition)
		sep(f.printOffset || f.printHeaders || f.printKey || f.printValue)
	}
	if f.printOffset {
		out = fmt.Appendf(out, "Offset:%d", rec.Offset)
		sep(f.printHeaders || f.printKey || f.printValue)
	}
	if f.printHeaders {
		if len(rec.Headers) == 0 {
			out = append(out, "NO_HEADERS"...)
		}
		for i, h := range rec.Headers {
			v, err := f.render(h.Value, f.headersDeser)
			if err != nil {
				return err
			}
			out = append(append(append(out, h.Key...), ':'), v...)
			if i < len(rec.Headers)-1 {
				out = append(out, f.headersSep...)
			}
		}
		sep(f.printKey || f.printValue)
	}
	if f.printKey {
		k, err := f.render(rec.Key, f.keyDeser)
		if err != nil {
			return err
		}
		out = append(out, k...)
		sep(f.printValue)
	}
	if f.printValue {
		v, err := f.render(rec.Value, f.valueDeser)
		if err != nil {
			return err
		}
		out = append(append(out, v...), f.lineSep...)
	}
	_, err := w.Write(out)
	return err
}
