package jute

import (
	"bufio"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// loadGolden reads testdata/golden.txt: "name hex" lines printed by
// testdata/Golden.java from Apache ZooKeeper 3.8.0's own record classes.
func loadGolden(t *testing.T) map[string][]byte {
	t.Helper()
	f, err := os.Open("testdata/golden.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]byte{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, h, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		b, err := hex.DecodeString(h)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = b
	}
	return out
}

func testACL() []ACL {
	return []ACL{
		{Perms: PermAll, ID: Id{Scheme: "world", ID: "anyone"}},
		{Perms: PermRead, ID: Id{Scheme: "digest", ID: "u:h="}},
	}
}

func testStat() Stat {
	return Stat{Czxid: 1, Mzxid: 2, Ctime: 3, Mtime: 4, Version: 5, Cversion: 6, Aversion: 7,
		EphemeralOwner: 8, DataLength: 9, NumChildren: 10, Pzxid: 11}
}

// TestGoldenBytes checks that our encoding of each record is byte for byte
// what ZooKeeper's Java classes produce, and that decoding gives it back.
func TestGoldenBytes(t *testing.T) {
	golden := loadGolden(t)
	st := testStat()
	cases := []struct {
		name string
		rec  Record
		zero func() Record
	}{
		{"connect", &ConnectRequest{LastZxidSeen: 0x1234, TimeOut: 30000, Passwd: make([]byte, 16)}, func() Record { return &ConnectRequest{} }},
		{"connectResp", &ConnectResponse{TimeOut: 30000, SessionID: 0x100000000000001, Passwd: make([]byte, 16)}, func() Record { return &ConnectResponse{} }},
		{"create", &CreateRequest{Path: "/a", Data: []byte("hi"), ACL: testACL(), Flags: 3}, func() Record { return &CreateRequest{} }},
		{"createTTL", &CreateTTLRequest{Path: "/t", ACL: testACL(), Flags: 5, TTL: 1000}, func() Record { return &CreateTTLRequest{} }},
		{"stat", &st, func() Record { return &Stat{} }},
		{"getData", &GetDataRequest{Path: "/x", Watch: true}, func() Record { return &GetDataRequest{} }},
		{"setWatches2", &SetWatches{RelativeZxid: 7, DataWatches: []string{"/d"}, ExistWatches: []string{}, ChildWatches: []string{"/c"},
			PersistentWatches: []string{"/p"}, PersistentRecursiveWatches: []string{"/r"}, V2: true}, func() Record { return &SetWatches{V2: true} }},
		{"reply", &ReplyHeader{Xid: -1, Zxid: -1}, func() Record { return &ReplyHeader{} }},
		{"event", &WatcherEvent{Type: EventNodeDataChanged, State: StateSyncConnected, Path: "/x"}, func() Record { return &WatcherEvent{} }},
		{"txnHeader", &TxnHeader{ClientID: 0x55, Cxid: 9, Zxid: 0x100000002, Time: 1700000000000, Type: OpCreate}, func() Record { return &TxnHeader{} }},
		{"createTxn", &CreateTxn{Path: "/a", Data: []byte("hi"), ACL: testACL(), Ephemeral: true, ParentCVersion: 4}, func() Record { return &CreateTxn{} }},
		{"multi", &MultiRequest{Ops: []MultiOp{
			{Type: OpCreate, Op: &CreateRequest{Path: "/m", Data: []byte{}, ACL: testACL()[:1]}},
			{Type: OpSetData, Op: &SetDataRequest{Path: "/m", Data: []byte("x"), Version: -1}},
			{Type: OpCheck, Op: &CheckVersionRequest{Path: "/m"}},
			{Type: OpDelete, Op: &DeleteRequest{Path: "/m", Version: -1}},
		}}, func() Record { return &MultiRequest{} }},
		{"multiResp", &MultiResponse{Results: []MultiResult{
			{Type: OpCreate, Rec: &CreateResponse{Path: "/m"}},
			{Type: OpSetData, Rec: &SetDataResponse{Stat: st}},
			{Type: OpCheck},
			{Type: OpError, Err: int32(NoNode), Rec: &ErrorResponse{Err: int32(NoNode)}},
		}}, func() Record { return &MultiResponse{} }},
		{"multiTxn", &MultiTxn{Txns: []Txn{{Type: OpDelete, Data: []byte("abc")}}}, func() Record { return &MultiTxn{} }},
		{"whoami", &WhoAmIResponse{ClientInfo: []ClientInfo{{AuthScheme: "ip", User: "127.0.0.1"}}}, func() Record { return &WhoAmIResponse{} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want, ok := golden[tc.name]
			if !ok {
				t.Fatalf("no golden bytes for %s", tc.name)
			}
			got := Marshal(tc.rec)
			if hex.EncodeToString(got) != hex.EncodeToString(want) {
				t.Fatalf("encoding differs from ZooKeeper's\n got %x\nwant %x", got, want)
			}
			back := tc.zero()
			if err := Unmarshal(want, back); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if again := Marshal(back); hex.EncodeToString(again) != hex.EncodeToString(want) {
				t.Fatalf("decode/encode round trip differs\n got %x\nwant %x", again, want)
			}
		})
	}
}

func TestConnectRequestReadOnlyIsOptional(t *testing.T) {
	old := Marshal(&ConnectRequest{TimeOut: 1, Passwd: make([]byte, 16)})
	if len(old) != 44 {
		t.Fatalf("without readOnly: %d bytes, want 44", len(old))
	}
	var r ConnectRequest
	if err := Unmarshal(old, &r); err != nil || r.HasReadOnly {
		t.Fatalf("old form: err=%v HasReadOnly=%v", err, r.HasReadOnly)
	}
	withRO := append(old, 1)
	r = ConnectRequest{}
	if err := Unmarshal(withRO, &r); err != nil || !r.HasReadOnly || !r.ReadOnly {
		t.Fatalf("new form: err=%v %+v", err, r)
	}
	if got := Marshal(&r); len(got) != 45 {
		t.Fatalf("re-encoded with readOnly: %d bytes, want 45", len(got))
	}
}

func TestDecoderRefusesHugeLengthsBeforeAllocating(t *testing.T) {
	// A vector claiming 2^31-1 ACLs in a 20-byte packet must fail without allocating.
	b := Marshal(&PathRequest{Path: "/x"})
	b = append(b, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff)
	d := NewDecoder(b)
	_ = d.String()
	_ = d.Buffer()
	if DecodeACLs(d); d.Err() == nil {
		t.Fatal("huge vector accepted")
	}
	allocs := testing.AllocsPerRun(10, func() {
		d := NewDecoder([]byte{0x7f, 0xff, 0xff, 0xff, 1, 2, 3})
		d.Buffer()
	})
	if allocs > 1 {
		t.Fatalf("refusing a huge buffer allocated %v times", allocs)
	}
}

func TestDecodeTxnWithAndWithoutDigest(t *testing.T) {
	h := TxnHeader{ClientID: 1, Cxid: 2, Zxid: 3, Time: 4, Type: OpSetData}
	body := &SetDataTxn{Path: "/a", Data: []byte("v"), Version: 1}
	for _, dg := range []*TxnDigest{nil, {Version: 2, TreeDigest: 0x1234}} {
		e := NewEncoder(nil)
		EncodeTxn(e, &h, body, dg)
		gh, rec, gdg, err := DecodeTxn(e.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if gh != h || rec.(*SetDataTxn).Path != "/a" {
			t.Fatalf("got %+v %+v", gh, rec)
		}
		if (dg == nil) != (gdg == nil) || (dg != nil && *dg != *gdg) {
			t.Fatalf("digest %+v, want %+v", gdg, dg)
		}
	}
}

func TestCodeMessages(t *testing.T) {
	if got := NoNode.ErrorFor("/a"); got != "KeeperErrorCode = NoNode for /a" {
		t.Fatal(got)
	}
	if got := NotEmpty.Error(); got != "KeeperErrorCode = Directory not empty" {
		t.Fatal(got)
	}
	if got := Code(-9).Message(); got != "Unknown error -9" {
		t.Fatal(got)
	}
}
