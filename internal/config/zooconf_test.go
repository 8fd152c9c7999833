package config

import (
	"reflect"
	"testing"
)

// The expected texts were captured from Apache ZooKeeper 3.8.0 (Debian) with
// the same configs; 3.9.4's dumpConf is the same code.

func TestConfTextStandalone(t *testing.T) {
	dir := zooDir(t, map[string]string{"s1data/.keep": ""})
	c, err := ParseZooConfigBytes([]byte("tickTime=2000\ndataDir=./s1data\nclientPort=21811\nclientPortAddress=127.0.0.1\n"+
		"admin.enableServer=false\n4lw.commands.whitelist=*\nmaxClientCnxns=0\n"), dir)
	if err != nil {
		t.Fatal(err)
	}
	got := c.ConfText(ConfRuntime{ClientPort: 21811, SecureClientPort: -1, DataDirSize: 457, DataLogSize: 457})
	want := "clientPort=21811\nsecureClientPort=-1\n" +
		"dataDir=" + dir + "/./s1data/version-2\ndataDirSize=457\n" +
		"dataLogDir=" + dir + "/./s1data/version-2\ndataLogSize=457\n" +
		"tickTime=2000\nmaxClientCnxns=0\nminSessionTimeout=4000\nmaxSessionTimeout=40000\n" +
		"clientPortListenBacklog=-1\nserverId=0\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	m := c.ConfMap(ConfRuntime{ClientPort: 21811})
	wantMap := map[string]any{
		"client_port": 21811, "data_dir": dir + "/./s1data/version-2", "data_log_dir": dir + "/./s1data/version-2",
		"tick_time": 2000, "max_client_cnxns": 0, "min_session_timeout": 4000, "max_session_timeout": 40000,
		"server_id": int64(0), "client_port_listen_backlog": -1,
	}
	if !reflect.DeepEqual(m, wantMap) {
		t.Errorf("ConfMap = %v", m)
	}
}

func TestConfTextQuorum(t *testing.T) {
	dir := zooDir(t, map[string]string{"q1data/myid": "1\n"})
	c, err := ParseZooConfigBytes([]byte("tickTime=2000\ninitLimit=10\nsyncLimit=5\ndataDir="+dir+"/q1data/\n"+
		"standaloneEnabled=false\nadmin.enableServer=false\n4lw.commands.whitelist=conf, srvr ,ruok\n"+
		"server.1=127.0.0.1:28881:38881;21812\n"+
		"server.2=localhost:28882:38882:observer;127.0.0.1:21813\n"+
		"server.3=[::1]:28883:38883:observer\n"), dir)
	if err != nil {
		t.Fatal(err)
	}
	got := c.ConfText(ConfRuntime{ClientPort: 21812, SecureClientPort: -1, DataDirSize: 629, DataLogSize: 629, Quorum: true})
	want := "clientPort=21812\nsecureClientPort=-1\n" +
		"dataDir=" + dir + "/q1data/version-2\ndataDirSize=629\n" +
		"dataLogDir=" + dir + "/q1data/version-2\ndataLogSize=629\n" +
		"tickTime=2000\nmaxClientCnxns=60\nminSessionTimeout=4000\nmaxSessionTimeout=40000\n" +
		"clientPortListenBacklog=-1\nserverId=1\n" +
		"initLimit=10\nsyncLimit=5\nelectionAlg=3\nelectionPort=38881\nquorumPort=28881\npeerType=0\n" +
		"membership: \n" +
		"server.1=127.0.0.1:28881:38881:participant;0.0.0.0:21812\n" +
		"server.2=localhost:28882:38882:observer;127.0.0.1:21813\n" +
		"server.3=[0:0:0:0:0:0:0:1]:28883:38883:observer\n" +
		"version=0"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if !c.FourLetterWordEnabled("conf") || !c.FourLetterWordEnabled("ruok") || c.FourLetterWordEnabled("stat") {
		t.Errorf("whitelist %v", c.FourLetterWords)
	}
}

func TestJavaHost(t *testing.T) {
	for in, want := range map[string]string{
		"zk1": "zk1", "127.0.0.1": "127.0.0.1", "::1": "[0:0:0:0:0:0:0:1]",
		"fe80::1:2": "[fe80:0:0:0:0:0:1:2]", "::ffff:10.0.0.1": "10.0.0.1", "0.0.0.0": "0.0.0.0",
	} {
		if got := javaHost(in); got != want {
			t.Errorf("javaHost(%q) = %q, want %q", in, got, want)
		}
	}
}
