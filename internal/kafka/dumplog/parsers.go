package dumplog

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// messageParser is DumpLogSegments.MessageParser: the key and payload text
// printed for a record with --print-data-log (nil: not printed).
type messageParser interface {
	parse(r *logRecord) (key, payload *string, err *JavaException)
}

// messageParser is DumpLogSegmentsOptions.messageParser, evaluated for
// every .log file (so a deprecated decoder's notice is printed each time).
func (d *dumper) messageParser() (messageParser, *JavaException) {
	o := d.opts
	switch {
	case o.set.Has(o.offsets):
		return offsetsParser{}, nil
	case o.set.Has(o.transactionLog):
		return txnLogParser{}, nil
	case o.set.Has(o.clusterMetadata):
		return nil, unsupported("dump-log: --cluster-metadata-decoder is not supported: Wharf runs Kafka in ZooKeeper mode and has no KRaft metadata log")
	case o.set.Has(o.remoteLog):
		return nil, unsupported("dump-log: --remote-log-metadata-decoder is not supported: Wharf has no tiered storage")
	}
	valueClass, err := o.value(o.valueDecoder)
	if err != nil {
		return nil, err
	}
	keyClass, err := o.value(o.keyDecoder)
	if err != nil {
		return nil, err
	}
	value, err := d.newDecoder(valueClass)
	if err != nil {
		return nil, err
	}
	key, err := d.newDecoder(keyClass)
	if err != nil {
		return nil, err
	}
	return decoderParser{key: key, value: value}, nil
}

// decoder is org.apache.kafka.tools.api.Decoder with toString applied.
type decoder func(b []byte) (string, *JavaException)

var decoders = map[string]decoder{
	"org.apache.kafka.tools.api.StringDecoder": func(b []byte) (string, *JavaException) { return javaString(b), nil },
	"org.apache.kafka.tools.api.LongDecoder": func(b []byte) (string, *JavaException) {
		if len(b) < 8 {
			return "", jexNull(exBufferUnderflow)
		}
		return fmt.Sprint(int64(binary.BigEndian.Uint64(b))), nil
	},
	"org.apache.kafka.tools.api.IntegerDecoder": func(b []byte) (string, *JavaException) {
		if len(b) < 4 {
			return "", jexNull(exBufferUnderflow)
		}
		return fmt.Sprint(int32(binary.BigEndian.Uint32(b))), nil
	},
	// byte[].toString is "[B@" and an identity hash code, which differs
	// from run to run in Java; a hash of the content stands in for it.
	"org.apache.kafka.tools.api.DefaultDecoder": func(b []byte) (string, *JavaException) {
		return fmt.Sprintf("[B@%x", crc32.ChecksumIEEE(b)), nil
	},
}

var deprecatedDecoders = map[string]string{
	"kafka.serializer.StringDecoder":  "org.apache.kafka.tools.api.StringDecoder",
	"kafka.serializer.LongDecoder":    "org.apache.kafka.tools.api.LongDecoder",
	"kafka.serializer.IntegerDecoder": "org.apache.kafka.tools.api.IntegerDecoder",
	"kafka.serializer.DefaultDecoder": "org.apache.kafka.tools.api.DefaultDecoder",
}

// newDecoder is DumpLogSegments.newDecoder: the old kafka.serializer
// names are mapped (with a notice on stdout); any other class cannot be
// loaded here.
func (d *dumper) newDecoder(class string) (decoder, *JavaException) {
	if repl, ok := deprecatedDecoders[class]; ok {
		d.printf("%s is deprecated. Please use %s instead\n", class, repl)
		class = repl
	}
	if dec, ok := decoders[class]; ok {
		return dec, nil
	}
	return nil, jex(exClassNotFound, "%s", class)
}

type decoderParser struct{ key, value decoder }

func (p decoderParser) parse(r *logRecord) (*string, *string, *JavaException) {
	var key *string
	if r.key != nil {
		k, err := p.key(r.key)
		if err != nil {
			return nil, nil, err
		}
		key = &k
	}
	if r.value == nil {
		return key, nil, nil
	}
	v, err := p.value(r.value)
	if err != nil {
		return nil, nil, err
	}
	return key, &v, nil
}

// controlRecordText is what a control record's line ends with.
func controlRecordText(r *logRecord) (string, *JavaException) {
	if r.key == nil {
		return "", jexNull(exNullPointer)
	}
	if len(r.key) < 4 {
		return "", jex(exInvalidRecord, "Invalid value size found for end control record key. Must have at least 4 bytes, but found only %d", len(r.key))
	}
	if v := int16(binary.BigEndian.Uint16(r.key)); v < 0 {
		return "", jex(exInvalidRecord, "Invalid version found for control record: %d. May indicate data corruption", v)
	}
	typ := int16(binary.BigEndian.Uint16(r.key[2:]))
	switch typ {
	case 0, 1: // ABORT, COMMIT: EndTransactionMarker.deserialize
		if r.value == nil {
			return "", jexNull(exNullPointer)
		}
		if len(r.value) < 6 {
			return "", jex(exInvalidRecord, "Invalid value size found for end transaction marker. Must have at least 6 bytes, but found only %d", len(r.value))
		}
		if v := int16(binary.BigEndian.Uint16(r.value)); v < 0 {
			return "", jex(exInvalidRecord, "Invalid version found for end transaction marker: %d. May indicate data corruption", v)
		}
		name := "ABORT"
		if typ == 1 {
			name = "COMMIT"
		}
		return fmt.Sprintf(" endTxnMarker: %s coordinatorEpoch: %d", name, int32(binary.BigEndian.Uint32(r.value[2:]))), nil
	case 3, 4, 5, 6:
		return kraftControlText(typ, r.value)
	case 2:
		return fmt.Sprintf(" controlType: LEADER_CHANGE(%d)", typ), nil
	}
	return fmt.Sprintf(" controlType: UNKNOWN(%d)", typ), nil
}
