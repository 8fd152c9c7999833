package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// clientFrame encodes req as a client does (kmsg's RequestFormatter), the
// size prefix stripped.
func clientFrame(req kmsg.Request, corr int32, clientID *string) []byte {
	opts := []kmsg.RequestFormatterOpt{}
	if clientID != nil {
		opts = append(opts, kmsg.FormatterClientID(*clientID))
	}
	return kmsg.NewRequestFormatter(opts...).AppendRequest(nil, req, corr)[4:]
}

func strp(s string) *string { return &s }

func TestParseRequestHeadersAndBodies(t *testing.T) {
	apiv3 := kmsg.NewPtrApiVersionsRequest()
	apiv3.Version = 3
	apiv3.ClientSoftwareName, apiv3.ClientSoftwareVersion = "wharf-test", "1.0"
	apiv0 := kmsg.NewPtrApiVersionsRequest()
	meta9 := kmsg.NewPtrMetadataRequest()
	meta9.Version = 9
	meta9.Topics = []kmsg.MetadataRequestTopic{{Topic: strp("t1")}, {Topic: strp("t2")}}
	prod3 := kmsg.NewPtrProduceRequest()
	prod3.Version = 3
	prod3.Acks = -1
	prod3.Topics = []kmsg.ProduceRequestTopic{{Topic: "t", Partitions: []kmsg.ProduceRequestTopicPartition{{Partition: 2, Records: []byte("batch")}}}}
	cs1 := kmsg.NewPtrControlledShutdownRequest()
	cs1.Version = 1
	cs1.BrokerID = 3
	for _, tc := range []struct {
		name     string
		req      kmsg.Request
		clientID *string
		hv       int8
	}{
		{"ApiVersions v0", apiv0, strp("cid"), 1},
		{"ApiVersions v3 flexible", apiv3, strp("cid"), 2},
		{"Metadata v9 flexible, null client id", meta9, nil, 2},
		{"Produce v3", prod3, strp(""), 1},
		{"ControlledShutdown v1", cs1, strp("broker"), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			frame := clientFrame(tc.req, 77, tc.clientID)
			r, err := ParseRequest(frame)
			if err != nil {
				t.Fatal(err)
			}
			if r.Key != tc.req.Key() || r.Version != tc.req.GetVersion() || r.CorrelationID != 77 || r.HeaderVersion != tc.hv || r.Size != len(frame) {
				t.Fatalf("header %+v size %d", r.Header, r.Size)
			}
			if (r.ClientID == nil) != (tc.clientID == nil) || (r.ClientID != nil && *r.ClientID != *tc.clientID) {
				t.Fatalf("client id %v, want %v", r.ClientID, tc.clientID)
			}
			if err := r.Decode(); err != nil {
				t.Fatal(err)
			}
			if got, want := r.Body.AppendTo(nil), tc.req.AppendTo(nil); !bytes.Equal(got, want) {
				t.Fatalf("body re-encodes as %x, want %x", got, want)
			}
		})
	}
}

// ControlledShutdown v0's header has no client id (Kafka's quirk).
func TestParseRequestControlledShutdownV0HeaderHasNoClientID(t *testing.T) {
	frame := []byte{0, 7, 0, 0, 0, 0, 0, 9} // key 7, v0, correlation 9
	frame = binary.BigEndian.AppendUint32(frame, 5)
	r, err := ParseRequest(frame)
	if err != nil {
		t.Fatal(err)
	}
	if r.HeaderVersion != 0 || r.ClientID != nil || r.CorrelationID != 9 {
		t.Fatalf("header %+v", r.Header)
	}
	if err := r.Decode(); err != nil {
		t.Fatal(err)
	}
	if id := r.Body.(*kmsg.ControlledShutdownRequest).BrokerID; id != 5 {
		t.Fatalf("broker id %d", id)
	}
}

// The v2 header's tagged fields are skipped, whatever they hold.
func TestParseRequestSkipsHeaderTags(t *testing.T) {
	frame := []byte{0, 18, 0, 3, 0, 0, 0, 1, 0, 1, 'c'}
	frame = append(frame, 2, 5, 3, 'a', 'b', 'c', 0x80, 0x01, 0) // two tags: 5 (3 bytes) and 128 (empty)
	body := kmsg.NewPtrApiVersionsRequest()
	body.Version = 3
	body.ClientSoftwareName, body.ClientSoftwareVersion = "n", "v"
	frame = body.AppendTo(frame)
	r, err := ParseRequest(frame)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Decode(); err != nil {
		t.Fatal(err)
	}
	if got := r.Body.(*kmsg.ApiVersionsRequest); got.ClientSoftwareName != "n" || got.ClientSoftwareVersion != "v" {
		t.Fatalf("body %+v", got)
	}
}

func TestParseRequestRefusesBadHeaders(t *testing.T) {
	for _, tc := range []struct {
		name  string
		frame []byte
		want  error
	}{
		{"empty", nil, ErrInvalidHeader},
		{"key only", []byte{0, 3}, ErrInvalidHeader},
		{"unknown key", []byte{0x7f, 0x00, 0, 0, 0, 0, 0, 1, 0xff, 0xff}, ErrUnknownKey},
		{"negative key", []byte{0xff, 0xff, 0, 0, 0, 0, 0, 1, 0xff, 0xff}, ErrUnknownKey},
		{"no correlation id", []byte{0, 3, 0, 1, 0, 0}, ErrInvalidHeader},
		{"no client id", []byte{0, 3, 0, 1, 0, 0, 0, 1}, ErrInvalidHeader},
		{"client id too long", []byte{0, 3, 0, 1, 0, 0, 0, 1, 0, 5, 'a'}, ErrInvalidHeader},
		{"client id length -2", []byte{0, 3, 0, 1, 0, 0, 0, 1, 0xff, 0xfe}, ErrInvalidHeader},
		{"flexible, no tags", []byte{0, 18, 0, 3, 0, 0, 0, 1, 0xff, 0xff}, ErrInvalidHeader},
		{"tag longer than frame", []byte{0, 18, 0, 3, 0, 0, 0, 1, 0xff, 0xff, 1, 0, 9, 1}, ErrInvalidHeader},
		{"varint too long", []byte{0, 18, 0, 3, 0, 0, 0, 1, 0xff, 0xff, 0x80, 0x80, 0x80, 0x80, 0x80, 0}, ErrInvalidHeader},
		{"varint over 32 bits", []byte{0, 18, 0, 3, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f}, ErrInvalidHeader},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseRequest(tc.frame); !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
		})
	}
}

func TestDecodeRefusesTruncatedBodies(t *testing.T) {
	meta := kmsg.NewPtrMetadataRequest()
	meta.Version = 4
	meta.Topics = []kmsg.MetadataRequestTopic{{Topic: strp("topic")}}
	frame := clientFrame(meta, 1, strp("c"))
	for cut := 1; cut < len(frame)-10; cut++ { // the header is 10 bytes
		r, err := ParseRequest(frame[:len(frame)-cut])
		if err != nil {
			t.Fatalf("cut %d: header: %v", cut, err)
		}
		if err := r.Decode(); !errors.Is(err, ErrInvalidRequest) {
			t.Fatalf("cut %d: %v, want ErrInvalidRequest", cut, err)
		}
	}
}

func TestRequestHeaderVersion(t *testing.T) {
	for _, tc := range []struct {
		key, version int16
		want         int8
	}{
		{7, 0, 0}, {7, 1, 1}, {7, 3, 2}, {18, 2, 1}, {18, 3, 2}, {18, 99, 2}, {0, 8, 1}, {0, 9, 2}, {1, 11, 1}, {1, 12, 2},
	} {
		r := kmsg.RequestForKey(tc.key)
		r.SetVersion(tc.version)
		if got := RequestHeaderVersion(r); got != tc.want {
			t.Errorf("key %d v%d: header v%d, want v%d", tc.key, tc.version, got, tc.want)
		}
	}
}
