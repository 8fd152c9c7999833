package config

import "testing"

func TestQuorumConfigText(t *testing.T) {
	dir := zooDir(t, map[string]string{"q1data/myid": "1\n"})
	c, err := ParseZooConfigBytes([]byte("tickTime=2000\ninitLimit=10\nsyncLimit=5\ndataDir="+dir+"/q1data/\n"+
		"standaloneEnabled=false\nadmin.enableServer=false\n4lw.commands.whitelist=conf, srvr ,ruok\n"+
		"server.1=127.0.0.1:28881:38881;21812\n"+
		"server.2=localhost:28882:38882:observer;127.0.0.1:21813\n"+
		"server.3=[::1]:28883:38883:observer\n"), dir)
	if err != nil {
		t.Fatal(err)
	}
	// The membership section of `conf` on Apache ZooKeeper 3.8.0 with this config.
	got := c.QuorumConfigText()
	want := "server.1=127.0.0.1:28881:38881:participant;0.0.0.0:21812\n" +
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
