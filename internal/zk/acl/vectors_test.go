package acl

import "github.com/wharf-project/wharf/internal/zk/jute"

// Expected answers computed by Apache ZooKeeper 3.9.4 itself: its
// IPAuthenticationProvider, DigestAuthenticationProvider and PathUtils sources
// compiled and run on OpenJDK 17 (-Dfile.encoding=UTF-8, superDigest
// super:D/InIHSb7yEEbrWz8b9l71RjZJU=), so the Java library behaviour they lean
// on (String.split, Integer.parseInt, UTF-8 decoding, replaceAll) is the real one.

var ipMatchCases = []struct {
	id, expr string
	want     bool
}{
	{"127.0.0.1", "127.0.0.1", true},
	{"127.0.0.1", "127.0.0.0/8", true},
	{"10.1.2.3", "10.0.0.0/8", true},
	{"11.1.2.3", "10.0.0.0/8", false},
	{"10.1.2.3", "10.1.2.0/24", true},
	{"10.1.3.3", "10.1.2.0/24", false},
	{"10.1.2.3", "10.1.2.3/32", true},
	{"10.1.2.3", "0.0.0.0/0", true},
	{"10.1.2.3", "10.1.2.3/33", false},
	{"10.1.2.3", "10.1.2.3/-1", false},
	{"10.1.2.3", "10.1.2.3/+32", true},
	{"10.1.2.3", "10.1.2.3/", false},
	{"10.1.2.3", "+10.1.2.3", true},
	{"10.1.2.3", "010.1.2.3", true},
	{"10.1.2.3", "10.1.2.256", false},
	{"10.1.2.3", "10.1.2", false},
	{"10.1.2.3", "10.1.2.3.", false},
	{"10.1.2.3", "\u0661\u0660.1.2.3", true},
	{"10.1.2.3", "\uff11\uff10.1.2.3", true},
	{"10.1.2.3", "10.1.2.3/\u0668", true},
	{"10.1.2.3", "10.1.2.2/31", true},
	{"10.1.2.3", "10.1.2.4/30", false},
	{"10.1.2.3", "10.1.2.0/29", true},
	{"10.1.2.3", "10.1.2.3/0", true},
	{"0:0:0:0:0:0:0:1", "::1", true},
	{"0:0:0:0:0:0:0:1", "0:0:0:0:0:0:0:1/128", true},
	{"0:0:0:0:0:0:0:1", "::/0", true},
	{"fe80:0:0:0:1:2:3:4", "fe80::/10", true},
	{"fe80:0:0:0:1:2:3:4", "fe80::/64", true},
	{"fec0:0:0:0:1:2:3:4", "fe80::/10", false},
	{"2001:db8:0:0:0:0:0:1", "2001:db8::/32", true},
	{"2001:db9:0:0:0:0:0:1", "2001:db8::/32", false},
	{"2001:db8:0:0:0:0:0:1", "2001:DB8::1", true},
	{"2001:db8:0:0:0:0:0:1", "2001:0db8::0001", true},
	{"2001:db8:0:0:0:0:0:1", "2001:00db8::1", false},
	{"::1", "::1", true},
	{"10.1.2.3", "::ffff:10.1.2.3", false},
	{"0:0:0:0:0:0:0:1", ":::1", false},
	{"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8", true},
	{"1:2:3:4:5:6:7:8", "1:2:3:4::5:6:7:8", false},
	{"1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7::", true},
	{"1:0:0:0:0:0:0:8", "1::8", true},
	{"1:2:3:4:5:6:7:8", "1::2::8", false},
	{"ffff:0:0:0:0:0:0:0", "-1::", true},
	{"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8/129", false},
	{"10.1.2.3", "10.1.2.3/8/9", false},
	{"10.1.2.3", "0:0:0:0:0:0:a01:203", false},
	{"fe80:0:0:0:0:0:0:1%eth0", "fe80::1", false},
	{"10.1.2.3", "10.1.2.3/9999999999", false},
	{"abc", "abc", false},
	{"", "", false},
	{"10.1.2.3", " 10.1.2.3", false},
	{"1.2.3.4", "1.2.3.4/2147483647", false},
	{"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7", false},
	{"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", false},
	{"0:0:0:0:0:0:0:0", "::", true},
	{"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::8", false},
	{"1:0:0:0:0:0:0:0", "1::", true},
	{"0:0:0:0:0:0:0:ff", "::+ff", true},
	{"0:0:0:0:0:0:0:ff", "::\uff46\uff46", true},
	{"0:0:0:0:0:0:0:ff", "::\uff26\uff26/128", true},
	{"1.2.3.4", "1.2.3.4/\uff13\uff12", true},
	{"255.255.255.255", "255.255.255.255/31", true},
	{"1.2.3.4", "-0.2.3.4/8", false},
	{"0:0:0:0:0:0:0:1", "::1/-0", true},
	{"a:b:c:d:e:f:1:2", "A:B:C:D:E:F:1:2/112", true},
	{"10.1.2.3", "10.1.2.3/07", true},
}

var ipValidCases = []struct {
	id   string
	want bool
}{
	{"10.0.0.0/8", true},
	{"10.0.0.0/33", false},
	{"::/0", true},
	{"::1/129", false},
	{"1.2.3", false},
	{"abc", false},
	{"", false},
	{"/8", false},
	{"1.2.3.4/", false},
	{"+1.2.3.4", true},
	{"::ffff:1.2.3.4", false},
	{"1:2:3:4:5:6:7:8:9", false},
	{":", false},
	{"::", true},
	{":::", false},
	{"1.2.3.4/-0", true},
	{"fe80::1%eth0", false},
	{"1.2.3.4/08", true},
	{"1.2.3.4/ 8", false},
	{"1..2.3", false},
	{"12345::", false},
	{"1234::", true},
	{"\u0661.2.3.4", true},
	{"1.2.3.4/\u0663\u0662", true},
	{"g::1", false},
	{"::g", false},
}

var digestValidCases = []struct {
	id   string
	want bool
}{
	{"u:h", true},
	{"u:h:", true},
	{"u:", false},
	{":h", true},
	{"", false},
	{":", false},
	{"::", false},
	{"u::", false},
	{"u:h:x", false},
	{"u", false},
	{"u::h", false},
	{":::h", false},
}

// DigestAuthenticationProvider.generateDigest.
var digestCases = []struct {
	idPassword, want string
}{
	{"user1:password1", "user1:XDkd2dsEuhc9ImU3q8pa8UOdtpI="},
	{"super:test", "super:D/InIHSb7yEEbrWz8b9l71RjZJU="},
	{"bob:", "bob:tK1fpNO1hB0F++FhHpSq0Fa4tv0="},
	{"::pw", ":/lNd8IltXe7yR1Am5emIKhSZm6g="},
	{"nocolon", "nocolon:Ra+cHr2ZoHvBjtNArFGNGlVie4g="},
	{"", ":2jmj7l5rSw0yVb/vlWAYkK/YBwk="},
	{"a:b:c", "a:cLzgnoJ6mP5qz3w+mwvPE2vDgu0="},
	{"\u00fcn\u00ef:c\u00f8d\u00e9", "\u00fcn\u00ef:xQllqDAJT4MXfIfWHQyzwXoGn8M="},
	{"user:p\u00e4ssw\u00f6rd", "user:Vx8H+a8Jh/huGaoHXWUnrKRcDDI="},
	{"\u4e2d:\U0001f600", "\u4e2d:vVpIhZbUmwwNBG/J6SCCghhY5z8="},
}

// handleAuthentication of raw auth bytes (hex): malformed UTF-8 is decoded as
// new String(byte[]) does before hashing.
var authBytesCases = []struct {
	hex  string
	want []jute.Id
}{
	{"613aff62", []jute.Id{{Scheme: "digest", ID: "a:KpCYMPjc9H4XgsxB8SX2J2KpCh4="}}},
	{"613ae282", []jute.Id{{Scheme: "digest", ID: "a:QA/+SscEiwfqDoEuMvY+lJpHH5Q="}}},
	{"613ae28241", []jute.Id{{Scheme: "digest", ID: "a:vGrBY35KVe043URF+OfuadD28TM="}}},
	{"613af0908041", []jute.Id{{Scheme: "digest", ID: "a:vGrBY35KVe043URF+OfuadD28TM="}}},
	{"613aeda080", []jute.Id{{Scheme: "digest", ID: "a:QA/+SscEiwfqDoEuMvY+lJpHH5Q="}}},
	{"613ac080", []jute.Id{{Scheme: "digest", ID: "a:ZgxFPZMnN3d5KQRd7MadIhzOOm4="}}},
	{"613ae080", []jute.Id{{Scheme: "digest", ID: "a:ZgxFPZMnN3d5KQRd7MadIhzOOm4="}}},
	{"613af4908080", []jute.Id{{Scheme: "digest", ID: "a:Gv4AQHx0rtX6yCCljpW0q8ayNpg="}}},
	{"613af8", []jute.Id{{Scheme: "digest", ID: "a:QA/+SscEiwfqDoEuMvY+lJpHH5Q="}}},
	{"73757065723a74657374", []jute.Id{{Scheme: "super", ID: ""}, {Scheme: "digest", ID: "super:D/InIHSb7yEEbrWz8b9l71RjZJU="}}},
	{"613a80bf41", []jute.Id{{Scheme: "digest", ID: "a:SSfIOgVT6QY4HZNzqADIjdcDB8M="}}},
	{"613af09f9880", []jute.Id{{Scheme: "digest", ID: "a:GnXOVRZcqfY+xuUCmBXNfnxM4zs="}}},
	{"613aeda041", []jute.Id{{Scheme: "digest", ID: "a:vGrBY35KVe043URF+OfuadD28TM="}}},
	{"613aeda0", []jute.Id{{Scheme: "digest", ID: "a:QA/+SscEiwfqDoEuMvY+lJpHH5Q="}}},
	{"613aed41", []jute.Id{{Scheme: "digest", ID: "a:vGrBY35KVe043URF+OfuadD28TM="}}},
	{"613ae0a0", []jute.Id{{Scheme: "digest", ID: "a:QA/+SscEiwfqDoEuMvY+lJpHH5Q="}}},
	{"613af09080", []jute.Id{{Scheme: "digest", ID: "a:QA/+SscEiwfqDoEuMvY+lJpHH5Q="}}},
	{"613af0", []jute.Id{{Scheme: "digest", ID: "a:QA/+SscEiwfqDoEuMvY+lJpHH5Q="}}},
	{"613aeda0ed", []jute.Id{{Scheme: "digest", ID: "a:ZgxFPZMnN3d5KQRd7MadIhzOOm4="}}},
	{"613aedbfbf41", []jute.Id{{Scheme: "digest", ID: "a:vGrBY35KVe043URF+OfuadD28TM="}}},
	{"ff", []jute.Id{{Scheme: "digest", ID: "\ufffd:m9t3J2wYUuH7BnggRygS/PYIQCQ="}}},
	{"", []jute.Id{{Scheme: "digest", ID: ":2jmj7l5rSw0yVb/vlWAYkK/YBwk="}}},
}

// id.replaceAll(":.*", ":x"), the getACL masking.
var maskCases = []struct {
	id, want string
}{
	{"user:hash", "user:x"},
	{"user", "user"},
	{":", ":x"},
	{"a:b\u000ac:d", "a:x\u000ac:x"},
	{"a:b\u000d\u000ac", "a:x\u000d\u000ac"},
	{"a:b\u2028c:d", "a:x\u2028c:x"},
	{"a:b\u0085c", "a:x\u0085c"},
	{"a::b", "a:x"},
	{"", ""},
	{"a:b:c", "a:x"},
	{"\u00e9:\u00e9\u2029\u00e9", "\u00e9:x\u2029\u00e9"},
}
