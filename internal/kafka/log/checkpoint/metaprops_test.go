package checkpoint

import (
	"errors"
	"io/fs"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/config"
	"github.com/wharf-project/wharf/internal/vfs"
)

var testDirID = Uuid{0xdc, 0x07, 0x5c, 0xe0, 0x58, 0xdf, 0x4d, 0xec, 0xa9, 0x45, 0x64, 0x4e, 0x99, 0x00, 0xcd, 0x21}

func TestMetaPropertiesGolden(t *testing.T) {
	if testDirID.String() != "3Adc4FjfTeypRWROmQDNIQ" {
		t.Fatalf("testDirID = %s", testDirID)
	}
	// Each want is what JDK 17 wrote for Kafka's MetaProperties.toProperties
	// through Properties.store (PropertiesUtils.writePropertiesFile).
	for _, tc := range []struct {
		name string
		m    MetaProperties
		want string
	}{
		{"ZooKeeper broker", ZkMetaProperties("zd2vLVrZQlCLJj8-k7A10w", 0),
			"#\n#Sat Nov 21 09:49:22 UTC 2026\nbroker.id=0\nversion=0\ncluster.id=zd2vLVrZQlCLJj8-k7A10w\n"},
		{"v1 with directory.id", MetaProperties{Version: MetaV1, ClusterID: "c", HasClusterID: true, NodeID: 1,
			HasNodeID: true, DirectoryID: testDirID, HasDirectoryID: true},
			"#\n#Sat Nov 21 09:49:22 UTC 2026\nnode.id=1\ndirectory.id=3Adc4FjfTeypRWROmQDNIQ\nversion=1\ncluster.id=c\n"},
		{"v0 with directory.id", MetaProperties{Version: MetaV0, ClusterID: "c", HasClusterID: true, NodeID: 0,
			HasNodeID: true, DirectoryID: testDirID, HasDirectoryID: true},
			"#\n#Sat Nov 21 09:49:22 UTC 2026\nbroker.id=0\ndirectory.id=3Adc4FjfTeypRWROmQDNIQ\nversion=0\ncluster.id=c\n"},
		{"v0 without broker.id", MetaProperties{Version: MetaV0, ClusterID: "c", HasClusterID: true},
			"#\n#Sat Nov 21 09:49:22 UTC 2026\nversion=0\ncluster.id=c\n"},
		{"nothing", MetaProperties{}, "#\n#Sat Nov 21 09:49:22 UTC 2026\nversion=0\n"},
		{"escaped cluster.id", MetaProperties{ClusterID: " a=b:c#d!e\\f\tg\u00e9h\u0001", HasClusterID: true},
			"#\n#Sat Nov 21 09:49:22 UTC 2026\nversion=0\ncluster.id=\\ a\\=b\\:c\\#d\\!e\\\\f\\tg\\u00E9h\\u0001\n"},
		{"astral and DEL", MetaProperties{ClusterID: "x\U0001F600 y \u007f~", HasClusterID: true},
			"#\n#Sat Nov 21 09:49:22 UTC 2026\nversion=0\ncluster.id=x\\uD83D\\uDE00 y \\u007F~\n"},
	} {
		got, err := tc.m.Encode(testTime)
		if err != nil || string(got) != tc.want {
			t.Errorf("%s: got %q, %v\nwant %q", tc.name, got, err, tc.want)
		}
	}
	// The date is Date.toString in the writer's zone.
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	got, _ := MetaProperties{}.Encode(testTime.In(ny))
	if want := "#\n#Sat Nov 21 04:49:22 EST 2026\nversion=0\n"; string(got) != want {
		t.Errorf("New York: got %q, want %q", got, want)
	}
	if b := appendPropertiesEscaped(nil, " lead", true); string(b) != `\ lead` {
		t.Errorf("key escape: %q", b)
	}
	if b := appendPropertiesEscaped(nil, "k y", true); string(b) != `k\ y` {
		t.Errorf("key escape: %q", b)
	}
}

func TestMetaPropertiesString(t *testing.T) {
	// Kafka's MetaPropertiesTest expectations.
	for _, tc := range []struct {
		m    MetaProperties
		want string
	}{
		{MetaProperties{}, "MetaProperties(version=0)"},
		{MetaProperties{ClusterID: "zd2vLVrZQlCLJj8-k7A10w", HasClusterID: true}, "MetaProperties(version=0, clusterId=zd2vLVrZQlCLJj8-k7A10w)"},
		{MetaProperties{HasNodeID: true}, "MetaProperties(version=0, nodeId=0)"},
		{MetaProperties{Version: MetaV1, ClusterID: "zd2vLVrZQlCLJj8-k7A10w", HasClusterID: true, NodeID: 1, HasNodeID: true,
			DirectoryID: testDirID, HasDirectoryID: true},
			"MetaProperties(version=1, clusterId=zd2vLVrZQlCLJj8-k7A10w, nodeId=1, directoryId=3Adc4FjfTeypRWROmQDNIQ)"},
	} {
		if got := tc.m.String(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

func TestMetaPropertiesDecode(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want MetaProperties
		msg  string // error message, "" for success
	}{
		{name: "as Kafka writes it", in: "#\n#Sat Nov 21 09:49:22 UTC 2026\nbroker.id=0\nversion=0\ncluster.id=zd2vLVrZQlCLJj8-k7A10w\n",
			want: ZkMetaProperties("zd2vLVrZQlCLJj8-k7A10w", 0)},
		{name: "no version is v0", in: "broker.id=7\ncluster.id=c\n", want: ZkMetaProperties("c", 7)},
		{name: "empty file", in: "", want: MetaProperties{}},
		{name: "v0 ignores node.id", in: "version=0\nnode.id=x\nbroker.id=3", want: MetaProperties{NodeID: 3, HasNodeID: true}},
		{name: "v1 ignores broker.id", in: "version=1\nbroker.id=x\nnode.id=3\ncluster.id=a",
			want: MetaProperties{Version: MetaV1, NodeID: 3, HasNodeID: true, ClusterID: "a", HasClusterID: true}},
		{name: "version trimmed", in: "version= 1 \t\nnode.id=1\ncluster.id=c",
			want: MetaProperties{Version: MetaV1, NodeID: 1, HasNodeID: true, ClusterID: "c", HasClusterID: true}},
		{name: "empty cluster.id is present", in: "cluster.id=", want: MetaProperties{HasClusterID: true}},
		{name: "escapes", in: "cluster.id=a\\u0041\\=b", want: MetaProperties{ClusterID: "aA=b", HasClusterID: true}},
		{name: "directory.id", in: "directory.id=3Adc4FjfTeypRWROmQDNIQ", want: MetaProperties{DirectoryID: testDirID, HasDirectoryID: true}},
		{name: "signed broker.id", in: "broker.id=+7", want: MetaProperties{NodeID: 7, HasNodeID: true}},
		{name: "unknown version", in: "version=2", msg: "Unknown meta.properties version number 2"},
		{name: "bad version", in: "version=x", msg: "Invalid meta.properties version string 'x'"},
		{name: "broker.id not trimmed", in: "broker.id=1 ", msg: "Unable to read broker.id as a base-10 number."},
		{name: "broker.id overflows", in: "broker.id=2147483648", msg: "Unable to read broker.id as a base-10 number."},
		{name: "v1 without node.id", in: "version=1\ncluster.id=c", msg: "Failed to find node.id"},
		{name: "v1 without cluster.id", in: "version=1\nnode.id=1", msg: "cluster.id was not found."},
		{name: "bad directory.id", in: "directory.id=bad",
			msg: "Unable to read directory.id as a Uuid: Input string `bad` decoded as 2 bytes, which is not equal to the expected 16 bytes of a base64-encoded UUID"},
		{name: "bad escape", in: "cluster.id=\\uZZZZ", msg: "properties:1: malformed \\uxxxx encoding"},
	} {
		got, err := DecodeMetaProperties([]byte(tc.in))
		if tc.msg == "" {
			if err != nil || got != tc.want {
				t.Errorf("%s: got %v, %v; want %v", tc.name, got, err, tc.want)
			}
			continue
		}
		var e *Error
		if !errors.Is(err, ErrMetaProperties) || !errors.As(err, &e) || e.Msg != tc.msg {
			t.Errorf("%s: got %v; want %q", tc.name, err, tc.msg)
		}
	}
	if _, err := DecodeMetaProperties([]byte("cluster.id=\\uZZZZ")); !errors.Is(err, config.ErrSyntax) {
		t.Errorf("bad escape does not wrap config.ErrSyntax: %v", err)
	}
}

func TestMetaPropertiesValidate(t *testing.T) {
	for _, tc := range []struct {
		m   MetaProperties
		msg string
	}{
		{MetaProperties{Version: MetaV1, NodeID: 1, HasNodeID: true}, "cluster.id was not found."},
		{MetaProperties{Version: MetaV1, ClusterID: "c", HasClusterID: true}, "node.id was not found."},
		{MetaProperties{Version: 2}, "Unknown meta.properties version number 2"},
	} {
		_, err := tc.m.Encode(testTime)
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, ErrMetaProperties) || e.Msg != tc.msg {
			t.Errorf("%v: %v, want %q", tc.m, err, tc.msg)
		}
		if err := WriteMetaProperties(vfs.NewMem(), "/meta.properties", tc.m, testTime); !errors.Is(err, ErrMetaProperties) {
			t.Errorf("write %v: %v", tc.m, err)
		}
	}
}

func TestMetaPropertiesRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []rune("aZ09 =:#!\\\t\n\r\f\u0001\u007f\u00e9\u4e16\U0001F600-_.")
	fsys := vfs.NewMem()
	mkdirs(t, fsys, "/logs")
	path := "/logs/" + MetaPropertiesFileName
	for range 300 {
		var cid []rune
		for range r.IntN(12) {
			cid = append(cid, alphabet[r.IntN(len(alphabet))])
		}
		m := MetaProperties{Version: MetaVersion(r.IntN(2)), ClusterID: string(cid), HasClusterID: true,
			NodeID: r.Int32() - r.Int32(), HasNodeID: true, DirectoryID: RandomDirectoryID(), HasDirectoryID: r.IntN(2) == 0}
		if !m.HasDirectoryID {
			m.DirectoryID = ZeroUuid
		}
		if m.Version == MetaV0 && r.IntN(3) == 0 {
			m.NodeID, m.HasNodeID = 0, false
		}
		if err := WriteMetaProperties(fsys, path, m, testTime); err != nil {
			t.Fatal(err)
		}
		for _, c := range mustRead(t, fsys, path) {
			if c >= 0x80 {
				t.Fatalf("non-ASCII byte written for %q", m.ClusterID)
			}
		}
		got, err := ReadMetaProperties(fsys, path)
		if err != nil || got != m {
			t.Fatalf("wrote %v, read %v, %v", m, got, err)
		}
	}
}

func TestReadMetaPropertiesErrors(t *testing.T) {
	fsys := vfs.NewMem()
	mkdirs(t, fsys, "/logs")
	if _, err := ReadMetaProperties(fsys, "/logs/meta.properties"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing: %v", err)
	}
	mustWrite(t, fsys, "/logs/meta.properties", "version=9\n")
	_, err := ReadMetaProperties(fsys, "/logs/meta.properties")
	if !errors.Is(err, ErrMetaProperties) || err.Error() != "checkpoint: /logs/meta.properties: Unknown meta.properties version number 9" {
		t.Fatalf("bad version: %v", err)
	}
}

func TestMetaPropertiesCrashSafety(t *testing.T) {
	path := "/logs/" + MetaPropertiesFileName
	write := func(fsys vfs.FS) error {
		return WriteMetaProperties(fsys, path, ZkMetaProperties("new-cluster", 1), testTime)
	}
	for _, c := range []writeCase{
		{name: "first write", file: path, setup: func(t *testing.T, fsys vfs.FS) { mkdirs(t, fsys, "/logs") }, write: write},
		{name: "replace", file: path, setup: func(t *testing.T, fsys vfs.FS) {
			mkdirs(t, fsys, "/logs")
			if err := WriteMetaProperties(fsys, path, ZkMetaProperties("old-cluster", 1), testTime); err != nil {
				t.Fatal(err)
			}
		}, write: write},
	} {
		checkCrashes(t, c)
		checkErrors(t, c)
	}
}
