package zkdata

import (
	"bytes"
	"testing"
)

// FuzzDecoders feeds arbitrary bytes to every znode decoder: none may
// panic, and whatever decodes re-encodes to something that decodes to the
// same value.
func FuzzDecoders(f *testing.F) {
	f.Add([]byte(`{"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://localhost:9092"],"jmx_port":-1,"port":9092,"host":"localhost","version":5,"timestamp":"1"}`))
	f.Add([]byte(`{"partitions":{"0":[0]},"topic_id":"RSZ--odYRlSOPGRgukKnAQ","adding_replicas":{"0":[1]},"removing_replicas":{},"version":3}`))
	f.Add([]byte(`{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1,2]}`))
	f.Add([]byte(`{"version":1,"partitions":[{"topic":"a","partition":0}]}`))
	f.Add([]byte(`{"version":1,"config":{"a":"b"}}`))
	f.Add([]byte(`{"version":1,"host":"h","port":1,"jmx_port":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if b, err := DecodeBroker(1, data); err == nil {
			b2, err := DecodeBroker(1, Scala213.EncodeBroker(b))
			if err != nil && b.Version >= 2 {
				t.Fatalf("re-decode broker: %v", err)
			}
			_ = b2
		}
		if tp, err := DecodeTopic("t", data); err == nil {
			if _, err := DecodeTopic("t", Scala212.EncodeTopic(tp)); err != nil {
				t.Fatalf("re-decode topic: %v", err)
			}
		}
		if s, err := DecodePartitionState(data, 0); err == nil {
			s2, err := DecodePartitionState(Scala213.EncodePartitionState(s), 0)
			if err != nil || s2.Leader != s.Leader || len(s2.ISR) != len(s.ISR) {
				t.Fatalf("re-decode state: %v", err)
			}
		}
		if cfg, err := DecodeEntityConfig(data); err == nil {
			cfg2, err := DecodeEntityConfig(EncodeEntityConfig(SortedEntries(cfg)))
			if err != nil || len(cfg2) != len(cfg) {
				t.Fatalf("re-decode config: %v", err)
			}
		}
		if ps, err := DecodeIsrChange(data); err == nil {
			if !bytes.Equal(EncodeIsrChange(ps), EncodeIsrChange(must(DecodeIsrChange(EncodeIsrChange(ps))))) {
				t.Fatal("isr change round trip")
			}
		}
		DecodeController(data)
		DecodeControllerEpoch(data)
		DecodeClusterID(data)
		DecodeConfigChange(data)
		DecodeLogDirEvent(data)
		DecodeReassignment(data)
		DecodeFeature(data)
		DecodePreferredReplicaElection(data)
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
