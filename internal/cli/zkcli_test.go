package cli

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/zkproc"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

func TestZkParse(t *testing.T) {
	ls := zkCommandByName("ls")
	set := zkCommandByName("set")
	sq := zkCommandByName("setquota")
	rc := zkCommandByName("reconfig")
	cases := []struct {
		cmd  *zkCommand
		args string
		want string // args|opt=value,... or the error
	}{
		{ls, "ls -sw /a", "ls /a|s,w"},
		{ls, "ls /a -R", "ls /a|R"},
		{ls, "ls -- -s", "ls -s|"},
		{ls, "ls -x /a", "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: -x"},
		{ls, "ls -v5 /a", "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: -v5"},
		{ls, "ls --s /a", "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: --s"},
		{set, "set -v5 /a d", "set /a d|v=5"},
		{set, "set /a d -v -1", "set /a d|v=-1"},
		{set, "set -v=3 /a d", "set /a d|v=3"},
		{set, "set /a -1", "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: -1"},
		{set, "set /a d -v", "org.apache.commons.cli.MissingArgumentException: Missing argument for option: v"},
		{set, "set -v -s /a d", "org.apache.commons.cli.MissingArgumentException: Missing argument for option: v"},
		{ls, "ls -v -x", "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: -v"},
		{set, "set - /a", "set - /a|"},
		{sq, "setquota /a", "org.apache.commons.cli.MissingOptionException: Missing required option: [-n num soft quota, -b bytes soft quota, -N num hard quota, -B bytes hard quota]"},
		{sq, "setquota -n 5 -b 10 /a", "org.apache.commons.cli.AlreadySelectedException: The option 'b' was specified but an option from this group has already been selected: 'n'"},
		{sq, "setquota -n5 /a", "setquota /a|n=5"},
		{rc, "reconfig -members a,b -s", "reconfig|members=a,b,s"},
		{rc, "reconfig -remove 2 -v 1f", "reconfig|remove=2,v=1f"},
	}
	for _, c := range cases {
		p, err := zkParse(c.cmd.opts, c.cmd.group, strings.Fields(c.args))
		var got string
		if err != nil {
			got = err.Error()
		} else {
			var opts []string
			for _, o := range p.order {
				if v := p.values[o]; len(v) > 0 {
					opts = append(opts, o+"="+v[0])
				} else {
					opts = append(opts, o)
				}
			}
			got = strings.Join(p.args, " ") + "|" + strings.Join(opts, ",")
		}
		if got != c.want {
			t.Errorf("%q: got %q, want %q", c.args, got, c.want)
		}
	}
}

func TestZkUsageText(t *testing.T) {
	// Rendered by commons-cli 1.5's HelpFormatter (checked with the jar).
	if got, want := zkCommandByName("get").usage(), "get [-s] [-w] [-b] [-x] path\n"+
		" -b   Output data in base64 format\n -s   Print znode stats additionally\n"+
		" -w   Watch for changes on the znode\n -x   Output data in hexdump format\n"; got != want {
		t.Errorf("get usage:\n%s\nwant:\n%s", got, want)
	}
	if got, want := zkCommandByName("set").usage(), "set path data [-s] [-v version] [-b]\n"+
		" -b         Supply data in base64 format\n -s         Print znode stats additionally\n"+
		" -v <arg>   Set with an expected version\n"; got != want {
		t.Errorf("set usage:\n%s\nwant:\n%s", got, want)
	}
	if got := zkCommandByName("version").usage(); got != "version " {
		t.Errorf("version usage %q", got)
	}
}

func TestZkSplitLine(t *testing.T) {
	cases := map[string][]string{
		"ls /":                  {"ls", "/"},
		`create /a "two words"`: {"create", "/a", "two words"},
		`set /a 'x y' z`:        {"set", "/a", "x y", "z"},
		"  ls   /a  ":           {"ls", "/a"},
		"   ":                   {" "}, // Java's pattern: a blank line is one blank word
		`set /a ""`:             {"set", "/a", ""},
		`"`:                     nil,
	}
	for in, want := range cases {
		if got := zkSplitLine(in); !slices.Equal(got, want) {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

func TestZkFormats(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip(err)
	}
	if got := zkJavaDate(1532765649000, time.UTC); got != "Sat Jul 28 08:14:09 UTC 2018" {
		t.Errorf("date %q", got)
	}
	if got := zkJavaDate(0, berlin); got != "Thu Jan 01 01:00:00 CET 1970" {
		t.Errorf("date %q", got)
	}
	var b bytes.Buffer
	zkPrintStat(&b, &jute.Stat{Czxid: 0x1a, Mzxid: 0x1b, Pzxid: -1, EphemeralOwner: 0x100000fca520010, Version: 2, Cversion: -1, DataLength: 5}, time.UTC)
	want := "cZxid = 0x1a\nctime = Thu Jan 01 00:00:00 UTC 1970\nmZxid = 0x1b\nmtime = Thu Jan 01 00:00:00 UTC 1970\n" +
		"pZxid = 0xffffffffffffffff\ncversion = -1\ndataVersion = 2\naclVersion = 0\nephemeralOwner = 0x100000fca520010\n" +
		"dataLength = 5\nnumChildren = 0\n"
	if b.String() != want {
		t.Errorf("stat:\n%s", b.String())
	}
	if got := zkIDString(jute.Id{Scheme: "digest", ID: "u,1%}\n"}) + ": " + zkPermString(jute.PermAll); got != "'digest,'u%2C1%25%7D%0A\n: cdrwa" {
		t.Errorf("id %q", got)
	}
	var errb bytes.Buffer
	acl := zkParseACL("world:anyone:rx,foo,ip:1.2.3.4:cd,digest:u:h=:a", &errb)
	if errb.String() != "Unknown perm type: x\nfoo does not have the form scheme:id:perm\n" || len(acl) != 3 ||
		acl[0].Perms != jute.PermRead || acl[2].ID.ID != "u:h=" || acl[1].Perms != jute.PermCreate|jute.PermDelete {
		t.Errorf("acl %+v, errors %q", acl, errb.String())
	}
	// netty's prettyHexDump of the same bytes, as printed by Java.
	dump := zkHexDump([]byte("hello world, this is a longer line\n\x01"))
	wantDump := "         +-------------------------------------------------+\n" +
		"         |  0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f |\n" +
		"+--------+-------------------------------------------------+----------------+\n" +
		"|00000000| 68 65 6c 6c 6f 20 77 6f 72 6c 64 2c 20 74 68 69 |hello world, thi|\n" +
		"|00000010| 73 20 69 73 20 61 20 6c 6f 6e 67 65 72 20 6c 69 |s is a longer li|\n" +
		"|00000020| 6e 65 0a 01                                     |ne..            |\n" +
		"+--------+-------------------------------------------------+----------------+"
	if dump != wantDump {
		t.Errorf("hexdump:\n%s", dump)
	}
	if zkHexDump(nil) != "" {
		t.Error("empty hexdump")
	}
	for in, want := range map[string]string{
		"count=5,bytes=-1=;byteHardLimit=1000;countHardLimit=10": "count=5,bytes=-1=;byteHardLimit=1000;countHardLimit=10",
		"count=2,bytes=0": "count=2,bytes=0",
		"":                "count=-1,bytes=-1",
		"bytes=7;zeta=1":  "count=-1,bytes=7=;zeta=1",
	} {
		if got := zkParseStats(in).String(); got != want {
			t.Errorf("stats %q = %q, want %q", in, got, want)
		}
	}
	if v, err := zkDecodeInt("0x1f"); v != 31 || err != nil {
		t.Error("decode hex")
	}
	if v, err := zkDecodeInt("010"); v != 8 || err != nil {
		t.Error("decode octal")
	}
	if _, err := zkDecodeInt("x"); err == nil || err.Error() != `Exception in thread "main" java.lang.NumberFormatException: For input string: "x"` {
		t.Errorf("decode error %v", err)
	}
}

// zkServer returns a ZooKeeper server for the shell tests.
func zkServer(t *testing.T) string {
	t.Helper()
	if a := os.Getenv("WHARF_ZK_ADDR"); a != "" {
		return a
	}
	testutil.RequirePeer(t, "Apache ZooKeeper 3.8 (or WHARF_ZK_ADDR)", zkproc.ApacheAvailable() == nil)
	return testutil.StartApacheZK(t, testutil.ZKOptions{ExtendedTypes: true}).Addr
}

func runShell(t *testing.T, interactive bool, stdin string, args ...string) zkResult {
	t.Helper()
	var out, errb bytes.Buffer
	code := RunZkCliWith(args, strings.NewReader(stdin), &out, &errb, ZkCliOptions{Interactive: &interactive, Location: time.UTC})
	return zkResult{code, out.String(), errb.String()}
}

// TestZkShell39 covers what the 3.8 zkCli cannot record: 3.9's options, the
// terminal prompt, and the cases where Java's output is a race.
func TestZkShell39(t *testing.T) {
	server := zkServer(t)
	base := []string{"-server", server, "-waitforconnection"}
	banner := "Connecting to " + server + "\n\nWATCHER::\n\nWatchedEvent state:SyncConnected type:None path:null zxid: -1\n" +
		"Welcome to ZooKeeper!\nJLine support is disabled\n"

	r := runShell(t, false, "create /s39 hi\nget -b /s39\nget -x /s39\nset -b /s39 aGVsbG8=\nget /s39\nget -b /nonexistent\n"+
		"get -w /s39\nset /s39 x\nremovewatches /s39 -z\ndelete /s39\n", base...)
	wantOut := banner + "aGk=\n" +
		"         +-------------------------------------------------+\n" +
		"         |  0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f |\n" +
		"+--------+-------------------------------------------------+----------------+\n" +
		"|00000000| 68 69                                           |hi              |\n" +
		"+--------+-------------------------------------------------+----------------+\n" +
		"hello\nhello\n"
	if !strings.HasPrefix(r.stdout, wantOut) || !strings.Contains(r.stdout, "type:NodeDataChanged path:/s39 zxid: ") {
		t.Errorf("stdout:\n%s\nwant prefix:\n%s", r.stdout, wantOut)
	}
	if !strings.Contains(r.stderr, "Node does not exist: /nonexistent\n") ||
		!strings.Contains(r.stderr, "Unrecognized option: -z\n") || r.code != 0 {
		t.Errorf("stderr %q code %d", r.stderr, r.code)
	}

	// A terminal gets JLine's banner and prompts with the command counter.
	r = runShell(t, true, "ls /zookeeper\n\nfoo\n", base...)
	wantOut = "Connecting to " + server + "\n\nWATCHER::\n\nWatchedEvent state:SyncConnected type:None path:null zxid: -1\n" +
		"Welcome to ZooKeeper!\nJLine support is enabled\n" +
		"[zk: " + server + "(CONNECTED) 0] [config, quota]\n" +
		"[zk: " + server + "(CONNECTED) 1] [zk: " + server + "(CONNECTED) 1] [zk: " + server + "(CONNECTED) 2] \n"
	if r.stdout != wantOut || r.code != 127 {
		t.Errorf("interactive stdout:\n%q\nwant:\n%q (code %d)", r.stdout, wantOut, r.code)
	}

	// A refused credential: the AuthFailed event, then every command says
	// "Not connected" (Java may instead fail the next command in flight).
	r = runShell(t, false, "addauth digest\nls /zookeeper\nwhoami\n", base...)
	if want := banner + "\nWATCHER::\n\nWatchedEvent state:AuthFailed type:None path:null zxid: -1\nNot connected\nNot connected\n"; r.stdout != want {
		t.Errorf("auth failure:\n%s", r.stdout)
	}

	// close, then commands, then connect again (Java prints the Closed event
	// on another thread, so its order against "Not connected" varies).
	r = runShell(t, false, "close\nls /zookeeper\nhistory\nconnect "+server+"\nls /zookeeper\n", base...)
	want := banner + "\nWATCHER::\n\nWatchedEvent state:Closed type:None path:null zxid: -1\nNot connected\n" +
		"0 - close\n1 - ls /zookeeper\n2 - history\nNot connected\n" +
		"\nWATCHER::\n\nWatchedEvent state:SyncConnected type:None path:null zxid: -1\n[config, quota]\n"
	if r.stdout != want {
		t.Errorf("close/connect:\n%s\nwant:\n%s", r.stdout, want)
	}
}

func TestZkAliases(t *testing.T) {
	server := zkServer(t)
	ctx := context.Background()
	var out, errb bytes.Buffer
	if code := Run(ctx, []string{"/usr/bin/zookeeper-shell.sh", server, "get", "/nonexistent"}, strings.NewReader(""), &out, &errb); code != 1 ||
		!strings.Contains(errb.String(), "Node does not exist: /nonexistent") {
		t.Errorf("zookeeper-shell.sh: code %d, stderr %q", code, errb.String())
	}
	out.Reset()
	if code := Run(ctx, []string{"zkCli.sh", "-server", server, "ls", "/zookeeper"}, strings.NewReader(""), &out, &errb); code != 0 ||
		!strings.HasSuffix(out.String(), "[config, quota]\n") {
		t.Errorf("zkCli.sh: code %d, stdout %q", code, out.String())
	}
	out.Reset()
	if code := Run(ctx, []string{"wharf", "zk", "-server", server, "foo"}, strings.NewReader(""), &out, &errb); code != 127 {
		t.Errorf("wharf zk foo: code %d", code)
	}
	// Kafka's script with no argument: Java complains and uses the default.
	if got := zkParseOpts([]string{"-server"}); got.server != "localhost:2181" {
		t.Errorf("server %q", got.server)
	}
}

func zkParseOpts(args []string) *zkShell {
	sh := &zkShell{server: "localhost:2181", errw: &bytes.Buffer{}}
	sh.parseOptions(args)
	return sh
}
