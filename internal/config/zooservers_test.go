package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestServerLines(t *testing.T) {
	tests := []struct {
		value string
		want  Server
	}{
		{"zk1:2888:3888", Server{Host: "zk1", QuorumPort: 2888, ElectionPort: 3888, Type: PeerParticipant}},
		{"zk1:2888:3888:observer", Server{Host: "zk1", QuorumPort: 2888, ElectionPort: 3888, Type: PeerObserver}},
		{"zk1:2888:3888:Participant", Server{Host: "zk1", QuorumPort: 2888, ElectionPort: 3888, Type: PeerParticipant}},
		{"zk1:2888:3888;2181", Server{Host: "zk1", QuorumPort: 2888, ElectionPort: 3888, Type: PeerParticipant, ClientAddr: "0.0.0.0", ClientPort: 2181}},
		{"zk1:2888:3888:observer;127.0.0.1:2181", Server{Host: "zk1", QuorumPort: 2888, ElectionPort: 3888, Type: PeerObserver, ClientAddr: "127.0.0.1", ClientPort: 2181}},
		{"[::1]:2888:3888;[::1]:2181", Server{Host: "::1", QuorumPort: 2888, ElectionPort: 3888, Type: PeerParticipant, ClientAddr: "::1", ClientPort: 2181}},
		{"zk1:2888:3888:", Server{Host: "zk1", QuorumPort: 2888, ElectionPort: 3888, Type: PeerParticipant}}, // String.split drops the empty tail
		{"zk1:2888:3888;", Server{Host: "zk1", QuorumPort: 2888, ElectionPort: 3888, Type: PeerParticipant}},
		{"a:1:2|b:3:4;2181", Server{Host: "a", QuorumPort: 1, ElectionPort: 2, Type: PeerParticipant, ClientAddr: "0.0.0.0", ClientPort: 2181, MoreAddrs: []string{"b:3:4"}}},
		{"a:1:2:observer|[fe80::1]:3:4:observer", Server{Host: "a", QuorumPort: 1, ElectionPort: 2, Type: PeerObserver, MoreAddrs: []string{"[fe80::1]:3:4"}}},
	}
	for _, tt := range tests {
		got, err := parseServerLine(7, tt.value)
		tt.want.ID = 7
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: got %+v, %v; want %+v", tt.value, got, err, tt.want)
		}
	}
}

func TestServerLineErrors(t *testing.T) {
	tests := []struct{ line, want string }{
		{"server.1=zk1:2888", `zoo.cfg: server.1: "zk1:2888" is not host:quorumPort:electionPort[:participant|:observer][;[clientAddress:]clientPort]`},
		{"server.1=zk1:2888:3888:observer:x", `zoo.cfg: server.1: "zk1:2888:3888:observer:x" is not host:quorumPort:electionPort[:participant|:observer][;[clientAddress:]clientPort]`},
		{"server.1=zk1:2888:2888", `zoo.cfg: server.1: "zk1:2888:2888" uses one port for quorum and election; they must differ`},
		{"server.1=zk1:x:3888", `zoo.cfg: server.1: "zk1:x:3888" has a quorum port that is not a number`},
		{"server.1=zk1:2888:99999", `zoo.cfg: server.1: "zk1:2888:99999" has an election port that is out of range`},
		{"server.1=zk1:2888:3888:witness", `zoo.cfg: server.1: "zk1:2888:3888:witness" has an unknown peer type "witness"`},
		{"server.1=zk1:2888:3888;a:b:2181", `zoo.cfg: server.1: "zk1:2888:3888;a:b:2181" has a client address that is not [host:]port`},
		{"server.1=zk1:2888:3888;2181;2", `zoo.cfg: server.1: "zk1:2888:3888;2181;2" has more than one ';'`},
		{"server.1=zk1:2888:3888;x", `zoo.cfg: server.1: "zk1:2888:3888;x" has a client port that is not a number`},
		{"server.1=[::1:2888:3888", `zoo.cfg: server.1: "[::1:2888:3888" starts with '[' but has no matching ']'`},
		{"server.1=[::1]:", `zoo.cfg: server.1: "[::1]:" has no port after the IPv6 address`},
		{"server.1=a:1:2:observer|b:3:4:participant", `zoo.cfg: server.1: "a:1:2:observer|b:3:4:participant" gives its addresses different peer types`},
		{"server.1=;;", `zoo.cfg: server.1: ";;" has no address`},
		{"server.x=zk1:2888:3888", `zoo.cfg: server.x: "x" is not a server id`},
		{"server.1=zk1:2888:3888:observer", `zoo.cfg: observers without participants are not a valid ensemble`},
		{"server.1=a:1:2\nserver.2=b:1:2:observer", `zoo.cfg: observers need a quorum: one participant runs standalone (set standaloneEnabled=false)`},
		{"standaloneEnabled=false\nserver.1=a:1:2:observer", `zoo.cfg: standaloneEnabled: is false, so there must be at least one participant`},
		{"dynamicConfigFile=/nonexistent/zoo.cfg.dynamic\nserver.1=a:1:2", `zoo.cfg: server.1: must be in a separate dynamic config file (dynamicConfigFile is set)`},
	}
	for _, tt := range tests {
		_, err := ParseZooConfigBytes([]byte(minimalZoo+tt.line+"\n"), "/work")
		if err == nil || err.Error() != tt.want {
			t.Errorf("%q:\n got  %v\n want %s", tt.line, err, tt.want)
		}
	}
}

// zooDir writes files into a temporary directory and returns it.
func zooDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const ensemble = "tickTime=2000\ninitLimit=10\nsyncLimit=5\ndataDir=data\n" +
	"server.1=127.0.0.1:2888:3888\nserver.2=127.0.0.2:2888:3888\nserver.3=127.0.0.3:2888:3888\n"

func TestEnsembleWithMyID(t *testing.T) {
	dir := zooDir(t, map[string]string{"data/myid": "2\n"})
	c, err := ParseZooConfigBytes([]byte(ensemble+"clientPort=2181\n"), dir)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Distributed() || c.MyID != 2 || !c.HasMyID || len(c.Servers) != 3 || c.PeerType != PeerParticipant {
		t.Errorf("parsed %+v", c)
	}
	if got := c.Participants(); !reflect.DeepEqual(got, []int64{1, 2, 3}) {
		t.Errorf("participants %v", got)
	}
	if c.DataDir != dir+"/data" {
		t.Errorf("dataDir %q", c.DataDir)
	}
}

func TestMyIDFile(t *testing.T) {
	tests := []struct {
		myid, want string // want: "" ok, else the error
		id         int64
	}{
		{"3\n", "", 3},
		{"3\r\n", "", 3},
		{"3", "", 3},
		{"3\nignored\n", "", 3},
		{"3 \n", `/myid: "3 " is not a server id (a number)`, 0}, // Long.parseLong does not trim
		{"", `/myid: "" is not a server id (a number)`, 0},
		{"replace this text with the cluster-unique zookeeper's instance id (1-255)\n", `/myid: "replace this text with the cluster-unique zookeeper's instance id (1-255)" is not a server id (a number)`, 0},
	}
	for _, tt := range tests {
		dir := zooDir(t, map[string]string{"data/myid": tt.myid})
		// A standalone config: myid is still read, and a bad one refused.
		c, err := ParseZooConfigBytes([]byte("dataDir=./data\nclientPort=2181\n"), dir)
		switch {
		case tt.want == "" && (err != nil || c.MyID != tt.id || !c.HasMyID):
			t.Errorf("myid %q: %v, %+v", tt.myid, err, c)
		case tt.want != "" && (err == nil || err.Error() != dir+"/./data"+tt.want):
			t.Errorf("myid %q: err %v, want %s", tt.myid, err, dir+"/./data"+tt.want)
		}
	}
}

func TestEnsembleChecks(t *testing.T) {
	tests := []struct {
		name, text, myid, want string
	}{
		{"no myid", ensemble + "clientPort=2181", "", "DIR/data/myid: is missing (an ensemble member needs its id)"},
		{"myid not listed", ensemble + "clientPort=2181", "9", "DIR/data/myid: server id 9 is not in the servers list ([1 2 3])"},
		{"no initLimit", strings.Replace(ensemble, "initLimit=10\n", "", 1) + "clientPort=2181", "1", "zoo.cfg: initLimit: is not set (an ensemble needs it)"},
		{"no syncLimit", strings.Replace(ensemble, "syncLimit=5\n", "", 1) + "clientPort=2181", "1", "zoo.cfg: syncLimit: is not set (an ensemble needs it)"},
		{"extended types id", "dataDir=data\nclientPort=2181\nextendedTypesEnabled=true", "300", "zoo.cfg: extendedTypesEnabled: is true but server id 300 is larger than 254"},
		{"client port from own line", "dataDir=data\nserver.1=a:1:2;2181\n", "1", ""},
		{"own line conflicts", "dataDir=data\nclientPort=2182\nserver.1=a:1:2;2181\n", "1", "zoo.cfg: clientPort: client address 0.0.0.0:2182 differs from 0.0.0.0:2181 in server.1"},
		{"own line address conflicts", "dataDir=data\nclientPort=2181\nclientPortAddress=127.0.0.1\nserver.1=a:1:2;10.0.0.1:2181\n", "1", "zoo.cfg: clientPort: client address 127.0.0.1:2181 differs from 10.0.0.1:2181 in server.1"},
		{"own line agrees", "dataDir=data\nclientPort=2181\nserver.1=a:1:2;127.0.0.1:2181\n", "1", ""},
		{"no client port anywhere", "dataDir=data\nserver.1=a:1:2\n", "1", "zoo.cfg: clientPort: is not set (nor secureClientPort, nor a client port in this server's server.N line)"},
	}
	for _, tt := range tests {
		files := map[string]string{"data/.keep": ""}
		if tt.myid != "" {
			files["data/myid"] = tt.myid
		}
		dir := zooDir(t, files)
		_, err := ParseZooConfigBytes([]byte(tt.text+"\n"), dir)
		want := strings.ReplaceAll(tt.want, "DIR", dir)
		if (want == "" && err != nil) || (want != "" && (err == nil || err.Error() != want)) {
			t.Errorf("%s:\n got  %v\n want %s", tt.name, err, want)
		}
	}
}

func TestOwnServerLine(t *testing.T) {
	dir := zooDir(t, map[string]string{"data/myid": "2"})
	text := "dataDir=data\ninitLimit=5\nsyncLimit=2\nserver.1=a:1:2;2181\nserver.2=b:1:2:observer;127.0.0.1:2182\nserver.3=c:1:2\n"
	c, err := ParseZooConfigBytes([]byte(text), dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.ClientPort != 2182 || c.ClientPortAddress != "127.0.0.1" || c.PeerType != PeerObserver {
		t.Errorf("client %s:%d peerType %s", c.ClientPortAddress, c.ClientPort, c.PeerType)
	}
	if got := c.Observers(); !reflect.DeepEqual(got, []int64{2}) {
		t.Errorf("observers %v", got)
	}
}

func TestDynamicConfigFile(t *testing.T) {
	dir := zooDir(t, map[string]string{
		"data/myid": "1\n",
		"zoo.cfg.dynamic.100000000": "server.1=127.0.0.1:2888:3888:participant;0.0.0.0:2181\n" +
			"server.2=127.0.0.2:2888:3888:participant;2181\nserver.3=127.0.0.3:2888:3888:observer;2181\n",
		"version.cfg.dynamic": "server.1=a:1:2\nversion=1\n",
		"unknown.cfg.dynamic": "server.1=a:1:2\ntickTime=1\n",
	})
	static := "tickTime=2000\ninitLimit=10\nsyncLimit=5\ndataDir=data\nreconfigEnabled=true\n"
	c, err := ParseZooConfigBytes([]byte(static+"dynamicConfigFile="+dir+"/zoo.cfg.dynamic.100000000\n"), dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.ConfigVersion != 0x100000000 || len(c.Servers) != 3 || c.ClientPort != 2181 || c.ClientPortAddress != "0.0.0.0" || !c.Distributed() {
		t.Errorf("parsed %+v", c)
	}
	want := "server.1=127.0.0.1:2888:3888:participant;0.0.0.0:2181\n" +
		"server.2=127.0.0.2:2888:3888:participant;0.0.0.0:2181\n" +
		"server.3=127.0.0.3:2888:3888:observer;0.0.0.0:2181\nversion=100000000"
	if got := c.QuorumConfigText(); got != want {
		t.Errorf("QuorumConfigText:\n%s\nwant:\n%s", got, want)
	}
	// A relative name resolves against the working directory.
	if c2, err := ParseZooConfigBytes([]byte(static+"dynamicConfigFile=./zoo.cfg.dynamic.100000000\n"), dir); err != nil || len(c2.Servers) != 3 {
		t.Errorf("relative dynamicConfigFile: %v", err)
	}
	for _, tt := range []struct{ file, want string }{
		{"version.cfg.dynamic", "DIR/version.cfg.dynamic: version: must not be in a dynamic config file (the version is its file name's suffix)"},
		{"unknown.cfg.dynamic", "DIR/unknown.cfg.dynamic: tickTime: is not a dynamic config parameter (only server.N, group.N and weight.N are)"},
		{"missing.dynamic", `zoo.cfg: dynamicConfigFile: "DIR/missing.dynamic" cannot be read: no such file or directory`},
		{"data", `zoo.cfg: dynamicConfigFile: "DIR/data" cannot be read: not a regular file`},
	} {
		_, err := ParseZooConfigBytes([]byte(static+"clientPort=2181\ndynamicConfigFile="+dir+"/"+tt.file+"\n"), dir)
		if want := strings.ReplaceAll(tt.want, "DIR", dir); err == nil || err.Error() != want {
			t.Errorf("%s:\n got  %v\n want %s", tt.file, err, want)
		}
	}
}

func TestSingleServerLineRunsStandalone(t *testing.T) {
	// HBase-style: one server line and standaloneEnabled (the default).
	c := mustParse(t, minimalZoo+"server.1=localhost:2888:3888\n")
	if c.Distributed() {
		t.Error("one participant with standaloneEnabled must run standalone")
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "only one server is listed") {
		t.Errorf("warnings %q", c.Warnings)
	}
}
