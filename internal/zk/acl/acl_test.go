package acl

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net/netip"
	"reflect"
	"strconv"
	"testing"
	"unicode/utf8"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

const superDigest = "super:D/InIHSb7yEEbrWz8b9l71RjZJU=" // password "test"

func digestID(userPass string) jute.Id { return jute.Id{Scheme: SchemeDigest, ID: Digest(userPass)} }

func TestIPMatchesAsZooKeeper(t *testing.T) {
	for _, c := range ipMatchCases {
		if got := ipMatches(c.id, c.expr); got != c.want {
			t.Errorf("matches(%q, %q) = %v, want %v", c.id, c.expr, got, c.want)
		}
	}
}

func TestIPValidAsZooKeeper(t *testing.T) {
	for _, c := range ipValidCases {
		if got := ipValid(c.id); got != c.want {
			t.Errorf("isValid(%q) = %v, want %v", c.id, got, c.want)
		}
	}
}

func TestDigestValidAsZooKeeper(t *testing.T) {
	for _, c := range digestValidCases {
		if got := (DigestProvider{}).IsValid(c.id); got != c.want {
			t.Errorf("isValid(%q) = %v, want %v", c.id, got, c.want)
		}
	}
}

func TestDigestAsZooKeeper(t *testing.T) {
	for _, c := range digestCases {
		if got := Digest(c.idPassword); got != c.want {
			t.Errorf("Digest(%q) = %q, want %q", c.idPassword, got, c.want)
		}
	}
}

// The digest is base64(sha1("user:password")), what `echo -n user1:password1 |
// sha1sum | xxd -r -p | base64` prints.
func TestDigestIsSHA1Base64(t *testing.T) {
	sum := sha1.Sum([]byte("user1:password1"))
	want := "user1:" + base64.StdEncoding.EncodeToString(sum[:])
	if got := Digest("user1:password1"); got != want || got != "user1:XDkd2dsEuhc9ImU3q8pa8UOdtpI=" {
		t.Fatalf("Digest = %q, want %q", got, want)
	}
}

func TestAuthenticateDigestBytesAsZooKeeper(t *testing.T) {
	opts := Options{SuperDigest: superDigest}
	for _, c := range authBytesCases {
		b, err := hex.DecodeString(c.hex)
		if err != nil {
			t.Fatal(err)
		}
		ids, code := Authenticate(SchemeDigest, b, "10.0.0.1", opts)
		if code != jute.OK || !reflect.DeepEqual(ids, c.want) {
			t.Errorf("Authenticate(digest, %s) = %v %v, want %v", c.hex, ids, code, c.want)
		}
	}
}

func TestMaskDigestAsZooKeeper(t *testing.T) {
	for _, c := range maskCases {
		if got := maskDigest(c.id); got != c.want {
			t.Errorf("maskDigest(%q) = %q, want %q", c.id, got, c.want)
		}
	}
}

func TestSuperDigestPasswordTest(t *testing.T) {
	opts := Options{SuperDigest: superDigest}
	ids, code := Authenticate(SchemeDigest, []byte("super:test"), "", opts)
	want := []jute.Id{Super, {Scheme: SchemeDigest, ID: superDigest}}
	if code != jute.OK || !reflect.DeepEqual(ids, want) {
		t.Fatalf("super:test = %v %v, want %v", ids, code, want)
	}
	ids, _ = Authenticate(SchemeDigest, []byte("super:wrong"), "", opts)
	if len(ids) != 1 || ids[0].Scheme != SchemeDigest {
		t.Fatalf("super:wrong = %v, want a digest id only", ids)
	}
	// Without a configured super digest nobody is super.
	ids, _ = Authenticate(SchemeDigest, []byte("super:test"), "", Options{})
	if len(ids) != 1 {
		t.Fatalf("no superDigest: %v", ids)
	}
	// The super id opens a node nobody else may touch.
	locked := []jute.ACL{{Perms: jute.PermRead, ID: digestID("alice:pw")}}
	if !Check(locked, jute.PermAdmin, []jute.Id{IPID("127.0.0.1"), Super}, Options{}) {
		t.Fatal("super denied")
	}
}

func TestAuthenticate(t *testing.T) {
	cases := []struct {
		name     string
		scheme   string
		auth     string
		remoteIP string
		opts     Options
		want     []jute.Id
		code     jute.Code
	}{
		{"digest", "digest", "user1:password1", "", Options{}, []jute.Id{digestID("user1:password1")}, jute.OK},
		{"digest without colon", "digest", "user1", "", Options{}, []jute.Id{{Scheme: "digest", ID: Digest("user1")}}, jute.OK},
		{"digest disabled", "digest", "user1:password1", "", Options{DigestDisabled: true}, nil, jute.AuthFailed},
		{"ip ignores the data", "ip", "whatever", "10.1.2.3", Options{}, []jute.Id{{Scheme: "ip", ID: "10.1.2.3"}}, jute.OK},
		{"ip v6 in Java form", "ip", "", "::1", Options{}, []jute.Id{{Scheme: "ip", ID: "0:0:0:0:0:0:0:1"}}, jute.OK},
		{"world has no provider", "world", "anyone", "", Options{}, nil, jute.AuthFailed},
		{"super has no provider", "super", "test", "", Options{}, nil, jute.AuthFailed},
		{"unknown scheme", "kerberos", "x", "", Options{}, nil, jute.AuthFailed},
		{"empty scheme", "", "x", "", Options{}, nil, jute.AuthFailed},
		{"extra provider", "token", "t1", "", Options{Providers: []Provider{tokenProvider{}}}, []jute.Id{{Scheme: "token", ID: "t1"}}, jute.OK},
		{"extra provider refuses", "token", "", "", Options{Providers: []Provider{tokenProvider{}}}, nil, jute.AuthFailed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ids, code := Authenticate(c.scheme, []byte(c.auth), c.remoteIP, c.opts)
			if code != c.code || !reflect.DeepEqual(ids, c.want) {
				t.Fatalf("got %v %v, want %v %v", ids, code, c.want, c.code)
			}
		})
	}
}

func TestHostAddressIsJavaGetHostAddress(t *testing.T) {
	cases := map[string]string{
		"127.0.0.1":              "127.0.0.1",
		"::1":                    "0:0:0:0:0:0:0:1",
		"2001:db8::ff00:42:8329": "2001:db8:0:0:0:ff00:42:8329",
		"2001:DB8:0:0:0:0:0:1":   "2001:db8:0:0:0:0:0:1",
		"::ffff:10.1.2.3":        "10.1.2.3",
		"fe80::1%eth0":           "fe80:0:0:0:0:0:0:1%eth0",
		"10.1.2.3:2181":          "10.1.2.3",
		"[::1]:2181":             "0:0:0:0:0:0:0:1",
		"not an address":         "not an address",
		"":                       "",
	}
	for in, want := range cases {
		if got := HostAddress(in); got != want {
			t.Errorf("HostAddress(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheck(t *testing.T) {
	alice, bob := digestID("alice:pw"), digestID("bob:pw")
	local := IPID("127.0.0.1")
	aliceOnly := []jute.ACL{{Perms: jute.PermAll, ID: alice}}
	cases := []struct {
		name string
		acls []jute.ACL
		perm int32
		ids  []jute.Id
		opts Options
		want bool
	}{
		{"empty ACL grants everything", nil, jute.PermAdmin, nil, Options{}, true},
		{"world anyone", OpenACLUnsafe(), jute.PermWrite, nil, Options{}, true},
		{"world anyone without the bit", ReadACLUnsafe(), jute.PermWrite, []jute.Id{local}, Options{}, false},
		{"world other id is nobody", []jute.ACL{{Perms: jute.PermAll, ID: jute.Id{Scheme: "world", ID: "someone"}}}, jute.PermRead, []jute.Id{local}, Options{}, false},
		{"digest match", aliceOnly, jute.PermDelete, []jute.Id{local, alice}, Options{}, true},
		{"digest other user", aliceOnly, jute.PermRead, []jute.Id{local, bob}, Options{}, false},
		{"digest disabled", aliceOnly, jute.PermRead, []jute.Id{alice}, Options{DigestDisabled: true}, false},
		{"any bit of perm", []jute.ACL{{Perms: jute.PermRead, ID: alice}}, jute.PermRead | jute.PermAdmin, []jute.Id{alice}, Options{}, true},
		{"ip CIDR", []jute.ACL{{Perms: jute.PermRead, ID: jute.Id{Scheme: "ip", ID: "127.0.0.0/8"}}}, jute.PermRead, []jute.Id{local}, Options{}, true},
		{"ip other net", []jute.ACL{{Perms: jute.PermRead, ID: jute.Id{Scheme: "ip", ID: "10.0.0.0/8"}}}, jute.PermRead, []jute.Id{local}, Options{}, false},
		{"ip v6", []jute.ACL{{Perms: jute.PermRead, ID: jute.Id{Scheme: "ip", ID: "::1"}}}, jute.PermRead, []jute.Id{IPID("::1")}, Options{}, true},
		{"scheme must agree", []jute.ACL{{Perms: jute.PermRead, ID: jute.Id{Scheme: "ip", ID: alice.ID}}}, jute.PermRead, []jute.Id{alice}, Options{}, false},
		{"unknown scheme never matches", []jute.ACL{{Perms: jute.PermRead, ID: jute.Id{Scheme: "x509", ID: "CN=a"}}}, jute.PermRead, []jute.Id{{Scheme: "x509", ID: "CN=a"}}, Options{}, false},
		{"extra provider", []jute.ACL{{Perms: jute.PermRead, ID: jute.Id{Scheme: "token", ID: "t1"}}}, jute.PermRead, []jute.Id{{Scheme: "token", ID: "t1"}}, Options{Providers: []Provider{tokenProvider{}}}, true},
		{"super", aliceOnly, jute.PermAdmin, []jute.Id{Super}, Options{}, true},
		{"skipACL", aliceOnly, jute.PermAdmin, nil, Options{SkipACL: true}, true},
		{"no ids", aliceOnly, jute.PermRead, nil, Options{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Check(c.acls, c.perm, c.ids, c.opts); got != c.want {
				t.Fatalf("Check = %v, want %v", got, c.want)
			}
		})
	}
}

func TestCheckDoesNotAllocate(t *testing.T) {
	acls := []jute.ACL{{Perms: jute.PermRead, ID: jute.Id{Scheme: "ip", ID: "10.0.0.0/8"}}, {Perms: jute.PermAll, ID: digestID("a:b")}}
	ids := []jute.Id{IPID("127.0.0.1"), digestID("a:b")}
	if n := testing.AllocsPerRun(100, func() { Check(acls, jute.PermWrite, ids, Options{}) }); n != 0 {
		t.Fatalf("Check allocates %v times", n)
	}
}

func TestFixupACL(t *testing.T) {
	alice, bob := digestID("alice:pw"), digestID("bob:pw")
	local := IPID("127.0.0.1")
	world := jute.ACL{Perms: jute.PermAll, ID: Anyone}
	cases := []struct {
		name string
		acls []jute.ACL
		ids  []jute.Id
		want []jute.ACL
		code jute.Code
	}{
		{"nil", nil, nil, nil, jute.InvalidACL},
		{"empty", []jute.ACL{}, nil, nil, jute.InvalidACL},
		{"world anyone", []jute.ACL{world}, nil, []jute.ACL{world}, jute.OK},
		{"duplicates dropped", []jute.ACL{world, world, {Perms: 1, ID: Anyone}, world}, nil, []jute.ACL{world, {Perms: 1, ID: Anyone}}, jute.OK},
		{"world must be anyone", []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "world", ID: "everyone"}}}, nil, nil, jute.InvalidACL},
		{"auth expands to authenticated ids", []jute.ACL{{Perms: 5, ID: AuthIDs}}, []jute.Id{local, alice, bob},
			[]jute.ACL{{Perms: 5, ID: alice}, {Perms: 5, ID: bob}}, jute.OK},
		{"auth id text is ignored", []jute.ACL{world, {Perms: 31, ID: jute.Id{Scheme: "auth", ID: "whoever"}}}, []jute.Id{alice},
			[]jute.ACL{world, {Perms: 31, ID: alice}}, jute.OK},
		{"auth without authentication", []jute.ACL{{Perms: 31, ID: AuthIDs}}, []jute.Id{local}, nil, jute.InvalidACL},
		{"auth skips super", []jute.ACL{{Perms: 31, ID: AuthIDs}}, []jute.Id{Super}, nil, jute.InvalidACL},
		{"auth expansion is not deduplicated", []jute.ACL{{Perms: 31, ID: alice}, {Perms: 31, ID: AuthIDs}}, []jute.Id{alice},
			[]jute.ACL{{Perms: 31, ID: alice}, {Perms: 31, ID: alice}}, jute.OK},
		{"digest well formed", []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "digest", ID: "u:h"}}}, nil, []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "digest", ID: "u:h"}}}, jute.OK},
		{"digest without hash", []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "digest", ID: "u"}}}, nil, nil, jute.InvalidACL},
		{"digest with two colons", []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "digest", ID: "u:h:x"}}}, nil, nil, jute.InvalidACL},
		{"ip", []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "ip", ID: "10.0.0.0/8"}}}, nil, []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "ip", ID: "10.0.0.0/8"}}}, jute.OK},
		{"ip bad", []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "ip", ID: "10.0.0/8"}}}, nil, nil, jute.InvalidACL},
		{"unknown scheme", []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "sasl", ID: "bob"}}}, nil, nil, jute.InvalidACL},
		{"super scheme", []jute.ACL{{Perms: 31, ID: Super}}, nil, nil, jute.InvalidACL},
		{"empty scheme", []jute.ACL{{Perms: 31}}, nil, nil, jute.InvalidACL},
		{"one bad entry fails all", []jute.ACL{world, {Perms: 31, ID: jute.Id{Scheme: "ip", ID: "x"}}}, nil, nil, jute.InvalidACL},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, code := FixupACL(c.acls, c.ids, Options{})
			if code != c.code || !reflect.DeepEqual(got, c.want) {
				t.Fatalf("FixupACL = %v %v, want %v %v", got, code, c.want, c.code)
			}
		})
	}
}

func TestFixupACLLeavesInputAlone(t *testing.T) {
	in := []jute.ACL{{Perms: 31, ID: Anyone}, {Perms: 31, ID: Anyone}, {Perms: 1, ID: AuthIDs}}
	orig := append([]jute.ACL(nil), in...)
	if _, code := FixupACL(in, []jute.Id{digestID("a:b")}, Options{}); code != jute.OK {
		t.Fatal(code)
	}
	if !reflect.DeepEqual(in, orig) {
		t.Fatalf("input changed: %v", in)
	}
	clean := []jute.ACL{{Perms: 31, ID: Anyone}}
	if n := testing.AllocsPerRun(100, func() { FixupACL(clean, nil, Options{}) }); n != 0 {
		t.Fatalf("FixupACL of a clean list allocates %v times", n)
	}
}

func TestReadACLMasksDigestsWithoutAdmin(t *testing.T) {
	alice := digestID("alice:pw")
	stored := []jute.ACL{
		{Perms: jute.PermRead, ID: Anyone},
		{Perms: jute.PermAll, ID: alice},
		{Perms: jute.PermRead, ID: jute.Id{Scheme: "ip", ID: "127.0.0.1"}},
	}
	masked := []jute.ACL{stored[0], {Perms: jute.PermAll, ID: jute.Id{Scheme: "digest", ID: "alice:x"}}, stored[2]}
	got, code := ReadACL(stored, []jute.Id{IPID("10.0.0.1")}, Options{})
	if code != jute.OK || !reflect.DeepEqual(got, masked) {
		t.Fatalf("reader: %v %v, want %v", got, code, masked)
	}
	if stored[1].ID.ID != alice.ID {
		t.Fatal("ReadACL changed the stored ACL")
	}
	got, code = ReadACL(stored, []jute.Id{alice}, Options{})
	if code != jute.OK || !reflect.DeepEqual(got, stored) {
		t.Fatalf("admin: %v %v", got, code)
	}
	got, _ = ReadACL(stored, []jute.Id{Super}, Options{})
	if !reflect.DeepEqual(got, stored) {
		t.Fatalf("super: %v", got)
	}

	// Neither READ nor ADMIN: NoAuth. ADMIN alone (no READ) is enough.
	writeOnly := []jute.ACL{{Perms: jute.PermWrite, ID: Anyone}, {Perms: jute.PermAll, ID: alice}}
	if _, code := ReadACL(writeOnly, []jute.Id{IPID("10.0.0.1")}, Options{}); code != jute.NoAuth {
		t.Fatalf("write-only caller: %v, want NoAuth", code)
	}
	adminOnly := []jute.ACL{{Perms: jute.PermAdmin, ID: Anyone}, {Perms: jute.PermAll, ID: alice}}
	if got, code := ReadACL(adminOnly, nil, Options{}); code != jute.OK || !reflect.DeepEqual(got, adminOnly) {
		t.Fatalf("admin-only caller: %v %v", got, code)
	}
}

func TestWhoAmI(t *testing.T) {
	ids := []jute.Id{IPID("::1"), Super, digestID("alice:pw"), {Scheme: "token", ID: "t1"}, {Scheme: "sasl", ID: "bob"}}
	got := WhoAmI(ids, Options{Providers: []Provider{tokenProvider{}}})
	want := []jute.ClientInfo{
		{AuthScheme: "ip", User: "0:0:0:0:0:0:0:1"},
		{AuthScheme: "super", User: ""},
		{AuthScheme: "digest", User: "alice"},
		{AuthScheme: "token", User: "user-t1"},
		{AuthScheme: "sasl", User: ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("WhoAmI = %v, want %v", got, want)
	}
	if got := WhoAmI(nil, Options{}); got == nil || len(got) != 0 {
		t.Fatalf("WhoAmI(nil) = %#v, want an empty, non-nil list", got)
	}
}

func TestAddIDKeepsASet(t *testing.T) {
	ids := AddID(nil, IPID("127.0.0.1"))
	ids = AddID(ids, digestID("a:b"))
	ids = AddID(ids, digestID("a:b"))
	ids = AddID(ids, IPID("127.0.0.1"))
	if len(ids) != 2 {
		t.Fatalf("ids = %v", ids)
	}
}

func TestOptionsValidate(t *testing.T) {
	if err := DefaultOptions().Validate(); err != nil {
		t.Fatal(err)
	}
	bad := []Options{
		{Providers: []Provider{nil}},
		{Providers: []Provider{tokenProvider{}, tokenProvider{}}},
		{Providers: []Provider{namedProvider("world")}},
		{Providers: []Provider{namedProvider("super")}},
		{Providers: []Provider{namedProvider("")}},
	}
	for i, o := range bad {
		if err := o.Validate(); !errors.Is(err, ErrOptions) {
			t.Errorf("case %d: %v", i, err)
		}
	}
}

func TestJavaParseInt(t *testing.T) {
	cases := []struct {
		s     string
		radix int
		want  int32
		ok    bool
	}{
		{"0", 10, 0, true}, {"+7", 10, 7, true}, {"-7", 10, -7, true}, {"007", 10, 7, true},
		{"", 10, 0, false}, {"+", 10, 0, false}, {"-", 10, 0, false}, {"1 ", 10, 0, false},
		{"2147483647", 10, 2147483647, true}, {"2147483648", 10, 0, false},
		{"-2147483648", 10, -2147483648, true}, {"-2147483649", 10, 0, false},
		{"ff", 16, 255, true}, {"FF", 16, 255, true}, {"g", 16, 0, false}, {"a", 10, 0, false},
		{"\u0663\u0662", 10, 32, true}, {"\uff11\uff10", 10, 10, true}, {"\uff46", 16, 15, true},
		{"\U0001D7CF", 10, 0, false}, // supplementary digits are surrogates in Java
		{"99999999999999999999", 10, 0, false},
	}
	for _, c := range cases {
		got, ok := javaParseInt(c.s, c.radix)
		if got != c.want || ok != c.ok {
			t.Errorf("javaParseInt(%q, %d) = %d %v, want %d %v", c.s, c.radix, got, ok, c.want, c.ok)
		}
	}
}

func FuzzIPMatches(f *testing.F) {
	for _, c := range ipMatchCases {
		f.Add(c.id, c.expr)
	}
	f.Fuzz(func(t *testing.T, id, expr string) {
		if ipMatches(id, expr) && !ipValid(expr) {
			t.Fatalf("matches(%q, %q) with an invalid expression", id, expr)
		}
	})
}

// FuzzIPMatchesPrefix compares matching of well-formed addresses with
// net/netip's prefix containment.
func FuzzIPMatchesPrefix(f *testing.F) {
	f.Add(false, uint64(0x0a010203), uint64(0), uint64(0x0a000000), uint64(0), uint8(8))
	f.Add(true, uint64(0x20010db8), uint64(1), uint64(0x20010db8), uint64(0), uint8(32))
	f.Fuzz(func(t *testing.T, v6 bool, hi1, lo1, hi2, lo2 uint64, bits uint8) {
		var a, b netip.Addr
		if v6 {
			var x, y [16]byte
			binary.BigEndian.PutUint64(x[:], hi1)
			binary.BigEndian.PutUint64(x[8:], lo1)
			binary.BigEndian.PutUint64(y[:], hi2)
			binary.BigEndian.PutUint64(y[8:], lo2)
			a, b = netip.AddrFrom16(x), netip.AddrFrom16(y)
			bits %= 129
		} else {
			var x, y [4]byte
			binary.BigEndian.PutUint32(x[:], uint32(hi1))
			binary.BigEndian.PutUint32(y[:], uint32(hi2))
			a, b = netip.AddrFrom4(x), netip.AddrFrom4(y)
			bits %= 33
		}
		if v6 && (a.Is4In6() || b.Is4In6()) {
			return // netip prints these with a dotted tail, which ZooKeeper does not parse
		}
		want := netip.PrefixFrom(b, int(bits)).Masked().Contains(a)
		expr := b.String() + "/" + strconv.Itoa(int(bits))
		if got := ipMatches(HostAddress(a.String()), expr); got != want {
			t.Fatalf("matches(%s, %s) = %v, want %v", HostAddress(a.String()), expr, got, want)
		}
	})
}

func FuzzJavaString(f *testing.F) {
	for _, c := range authBytesCases {
		b, _ := hex.DecodeString(c.hex)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s := javaString(b)
		if !utf8.ValidString(s) {
			t.Fatalf("javaString(%x) is not UTF-8", b)
		}
		if utf8.Valid(b) && s != string(b) {
			t.Fatalf("javaString changed valid input %x", b)
		}
		if len(s) > 3*len(b) {
			t.Fatalf("javaString(%x) grew to %d bytes", b, len(s))
		}
		ids, code := Authenticate(SchemeDigest, b, "", Options{})
		if code != jute.OK || len(ids) != 1 || !(DigestProvider{}).IsValid(ids[0].ID) {
			t.Fatalf("Authenticate(%x) = %v %v", b, ids, code)
		}
	})
}

// tokenProvider is a stand-in for a configured provider (sasl, x509).
type tokenProvider struct{}

func (tokenProvider) Scheme() string { return "token" }
func (tokenProvider) Authenticate(auth []byte, _ string) ([]jute.Id, jute.Code) {
	if len(auth) == 0 {
		return nil, jute.AuthFailed
	}
	return []jute.Id{{Scheme: "token", ID: string(auth)}}, jute.OK
}
func (tokenProvider) IsAuthenticated() bool           { return true }
func (tokenProvider) IsValid(id string) bool          { return id != "" }
func (tokenProvider) Matches(id, aclExpr string) bool { return id == aclExpr }
func (tokenProvider) UserName(id string) string       { return "user-" + id }

type namedProvider string

func (n namedProvider) Scheme() string                                   { return string(n) }
func (namedProvider) Authenticate([]byte, string) ([]jute.Id, jute.Code) { return nil, jute.AuthFailed }
func (namedProvider) IsAuthenticated() bool                              { return false }
func (namedProvider) IsValid(string) bool                                { return false }
func (namedProvider) Matches(string, string) bool                        { return false }
func (namedProvider) UserName(string) string                             { return "" }
