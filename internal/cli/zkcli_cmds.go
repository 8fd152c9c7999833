package cli

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/magiconair/properties"

	"github.com/wharf-project/wharf/internal/zk/client"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// zkCommand is one CliCommand: its name, the option string of its usage
// line, its options, and what it does.
type zkCommand struct {
	name   string
	optStr string
	opts   []zkOpt
	group  *zkOptGroup
	// helpOpts adds the option list to the usage (3.9's CommandUsageHelper).
	helpOpts bool
	run      func(sh *zkShell, c *zkCall) error
}

// zkCall is one invocation: the parsed line and the raw one.
type zkCall struct {
	cmd *zkCommand
	p   *zkParsed
	raw []string
}

func (c *zkCall) arg(i int) string { return c.p.args[i] }
func (c *zkCall) nargs() int       { return len(c.p.args) }

// usage is getUsageStr.
func (cmd *zkCommand) usage() string {
	u := cmd.name + " " + cmd.optStr
	if cmd.helpOpts {
		u += "\n" + zkHelpOptions(cmd.opts) + "\n"
	}
	return u
}

func (c *zkCall) usageErr() error { return zkErr(c.cmd.usage()) }

// reparseWatch is retainCompatibility for `get|ls|stat path watch`: Java
// rewrites the third word (whatever it is) to -w, warns, and parses again.
func (c *zkCall) reparseWatch(sh *zkShell, form string) error {
	if c.nargs() <= 2 {
		return nil
	}
	c.raw[2] = "-w"
	fmt.Fprintln(sh.errw, "'"+c.cmd.name+" path [watch]' has been deprecated. Please use '"+form+"' instead.")
	p, err := zkParse(c.cmd.opts, c.cmd.group, c.raw)
	if err != nil {
		return zkErr(err.Error())
	}
	c.p = p
	return nil
}

var bg = context.Background()

// zkWrap turns a client error into the message CliWrapperException (or
// MalformedPathException, for a refused path) prints.
func zkWrap(err error, path string) error {
	if err == nil {
		return nil
	}
	var ae *client.ArgumentError
	if errors.As(err, &ae) {
		return zkErr(ae.Msg)
	}
	if errors.Is(err, client.ErrNoACL) {
		return zkErr("Acl is not valid : null")
	}
	var code jute.Code
	if !errors.As(err, &code) {
		return zkErr(err.Error())
	}
	p := path
	if p == "" {
		p = "null"
	}
	switch code {
	case jute.NoNode:
		return zkErr("Node does not exist: " + p)
	case jute.NoChildrenForEphemerals:
		return zkErr("Ephemerals cannot have children: " + p)
	case jute.NodeExists:
		return zkErr("Node already exists: " + p)
	case jute.NotEmpty:
		return zkErr("Node not empty: " + p)
	case jute.NotReadOnly:
		return zkErr("Not a read-only call: " + p)
	case jute.InvalidACL:
		return zkErr("Acl is not valid : " + p)
	case jute.NoAuth:
		return zkErr("Insufficient permission : " + p)
	case jute.BadArguments:
		return zkErr("Arguments are not valid : " + p)
	case jute.BadVersion:
		return zkErr("version No is not valid : " + p)
	case jute.ReconfigInProgress:
		return zkErr("Another reconfiguration is in progress -- concurrent reconfigs not supported (yet)")
	case jute.NewConfigNoQuorum:
		return zkErr("No quorum of new config is connected and up-to-date with the leader of last commmitted config - try invoking reconfiguration after new servers are connected and synced")
	case jute.QuotaExceeded:
		return zkErr("Quota has exceeded : " + p)
	}
	return zkErr(zkKeeperMessage(code, path))
}

// zkKeeperMessage is KeeperException.getMessage.
func zkKeeperMessage(code jute.Code, path string) string {
	if path == "" {
		return code.Error()
	}
	return code.ErrorFor(path)
}

// zkCrash is an exception Java's shell does not catch: it ends the shell.
func zkCrash(class, msg string) error {
	return errors.New(`Exception in thread "main" ` + class + ": " + msg)
}

func (sh *zkShell) watch(on bool) *client.Watcher {
	if on {
		return sh.zk.DefaultWatcher()
	}
	return nil
}

var zkCommands []*zkCommand

func zkCommandByName(name string) *zkCommand {
	for _, c := range zkCommands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func init() {
	zkCommands = []*zkCommand{
		{name: "addauth", optStr: "scheme auth", run: zkAddAuth},
		{name: "addWatch", optStr: "[-m mode] path # optional mode is one of [PERSISTENT, PERSISTENT_RECURSIVE] - default is PERSISTENT_RECURSIVE",
			opts: []zkOpt{{"m", true, ""}}, run: zkAddWatch},
		{name: "close", run: func(sh *zkShell, c *zkCall) error { sh.zk.Close(); return nil }},
		{name: "config", optStr: "[-c] [-w] [-s]", opts: []zkOpt{{"s", false, "stats"}, {"w", false, "watch"}, {"c", false, "client connection string"}}, run: zkConfig},
		{name: "create", optStr: "[-s] [-e] [-c] [-t ttl] path [data] [acl]",
			opts: []zkOpt{{"e", false, "ephemeral"}, {"s", false, "sequential"}, {"c", false, "container"}, {"t", true, "ttl"}}, run: zkCreate},
		{name: "delete", optStr: "[-v version] path", opts: []zkOpt{{"v", true, "version"}}, run: zkDelete},
		{name: "deleteall", optStr: "path [-b batch size]", opts: []zkOpt{{"b", true, "batch size"}}, run: zkDeleteAll},
		{name: "delquota", optStr: "[-n|-b|-N|-B] path", opts: zkQuotaOpts(false), group: &zkOptGroup{names: []string{"n", "b", "N", "B"}}, run: zkDelQuota},
		{name: "get", optStr: "[-s] [-w] [-b] [-x] path", helpOpts: true, opts: []zkOpt{{"s", false, "Print znode stats additionally"},
			{"w", false, "Watch for changes on the znode"}, {"b", false, "Output data in base64 format"}, {"x", false, "Output data in hexdump format"}}, run: zkGet},
		{name: "getAcl", optStr: "[-s] path", opts: []zkOpt{{"s", false, "stats"}}, run: zkGetACL},
		{name: "getAllChildrenNumber", optStr: "path", run: zkGetAllChildrenNumber},
		{name: "getEphemerals", optStr: "path", run: zkGetEphemerals},
		{name: "listquota", optStr: "path", run: zkListQuota},
		{name: "ls", optStr: "[-s] [-w] [-R] path", opts: []zkOpt{{"?", false, "help"}, {"s", false, "stat"}, {"w", false, "watch"}, {"R", false, "recurse"}}, run: zkLs},
		{name: "reconfig", optStr: "[-s] [-v version] [[-file path] | [-members serverID=host:port1:port2;port3[,...]*]] | [-add serverId=host:port1:port2;port3[,...]]* [-remove serverId[,...]*]",
			opts: []zkOpt{{"s", false, "stats"}, {"v", true, "required current config version"}, {"file", true, "path of config file to parse for membership"},
				{"members", true, "comma-separated list of config strings for non-incremental reconfig"}, {"add", true, "comma-separated list of config strings for new servers"},
				{"remove", true, "comma-separated list of server IDs to remove"}}, run: zkReconfig},
		{name: "removewatches", optStr: "path [-c|-d|-a] [-l]", opts: []zkOpt{{"c", false, "child watcher type"}, {"d", false, "data watcher type"},
			{"p", false, "persistent watcher type"}, {"r", false, "persistent recursive watcher type"}, {"a", false, "any watcher type"},
			{"l", false, "remove locally when there is no server connection"}}, run: zkRemoveWatches},
		{name: "set", optStr: "path data [-s] [-v version] [-b]", helpOpts: true, opts: []zkOpt{{"s", false, "Print znode stats additionally"},
			{"v", true, "Set with an expected version"}, {"b", false, "Supply data in base64 format"}}, run: zkSet},
		{name: "setAcl", optStr: "[-s] [-v version] [-R] path acl", opts: []zkOpt{{"s", false, "stats"}, {"v", true, "version"}, {"R", false, "recursive"}}, run: zkSetACL},
		{name: "setquota", optStr: "-n|-b|-N|-B val path", opts: zkQuotaOpts(true), group: &zkOptGroup{names: []string{"n", "b", "N", "B"}, required: true}, run: zkSetQuota},
		{name: "stat", optStr: "[-w] path", opts: []zkOpt{{"w", false, "watch"}}, run: zkStat},
		{name: "sync", optStr: "path", run: zkSync},
		{name: "version", run: zkVersion},
		{name: "whoami", run: zkWhoAmI},
	}
}

func zkQuotaOpts(hasArg bool) []zkOpt {
	return []zkOpt{{"n", hasArg, "num soft quota"}, {"b", hasArg, "bytes soft quota"}, {"N", hasArg, "num hard quota"}, {"B", hasArg, "bytes hard quota"}}
}

func zkAddAuth(sh *zkShell, c *zkCall) error {
	if c.nargs() < 2 {
		return c.usageErr()
	}
	var auth []byte
	if c.nargs() >= 3 {
		auth = []byte(c.arg(2))
	}
	// Java sends the credentials without waiting; the next command then
	// races the server's verdict. Waiting makes a refusal deterministic: the
	// AuthFailed event prints now and later commands say "Not connected".
	sh.zk.AddAuth(bg, c.arg(1), auth)
	return nil
}

func zkAddWatch(sh *zkShell, c *zkCall) error {
	if c.nargs() != 2 {
		return c.usageErr()
	}
	mode := client.AddWatchPersistentRecursive
	if c.p.has("m") {
		switch strings.ToUpper(c.p.value("m")) {
		case "PERSISTENT":
			mode = client.AddWatchPersistent
		case "PERSISTENT_RECURSIVE":
		default:
			return c.usageErr()
		}
	}
	path := c.arg(1)
	err := sh.zk.AddWatch(bg, path, sh.zk.DefaultWatcher(), mode)
	var ae *client.ArgumentError
	if errors.As(err, &ae) {
		return zkCrash("java.lang.IllegalArgumentException", ae.Msg)
	}
	return zkWrap(err, path)
}

func zkConfig(sh *zkShell, c *zkCall) error {
	data, st, err := sh.zk.GetConfig(bg, sh.watch(c.p.has("w")))
	if err != nil {
		return zkWrap(err, client.ConfigNode)
	}
	if data == nil {
		data = []byte("null")
	}
	if c.p.has("c") {
		fmt.Fprintln(sh.out, zkClientConfigStr(string(data)))
	} else {
		fmt.Fprintln(sh.out, string(data))
	}
	if c.p.has("s") {
		zkPrintStat(sh.out, &st, sh.loc)
	}
	return nil
}

// zkClientConfigStr is ConfigUtils.getClientConfigStr: "version host:port,...".
func zkClientConfigStr(cfg string) string {
	p, err := properties.LoadString(cfg)
	if err != nil {
		return ""
	}
	version := strings.TrimSpace(p.GetString("version", ""))
	var addrs []string
	for _, k := range p.Keys() {
		if !strings.HasPrefix(k, "server.") {
			continue
		}
		v := strings.TrimSpace(p.GetString(k, ""))
		if i := strings.IndexByte(v, ';'); i >= 0 {
			ca := v[i+1:]
			if !strings.Contains(ca, ":") {
				ca = "0.0.0.0:" + ca
			}
			addrs = append(addrs, ca)
		}
	}
	return version + " " + strings.Join(addrs, ",")
}

func zkCreate(sh *zkShell, c *zkCall) error {
	if c.nargs() < 2 {
		return c.usageErr()
	}
	hasE, hasS, hasC, hasT := c.p.has("e"), c.p.has("s"), c.p.has("c"), c.p.has("t")
	if hasC && (hasE || hasS) {
		return zkErr("-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.")
	}
	var ttl int64
	if hasT {
		var err error
		if ttl, err = strconv.ParseInt(c.p.value("t"), 10, 64); err != nil {
			return zkErr("-t argument must be a long value")
		}
	}
	if hasT && hasE {
		return zkErr("TTLs cannot be used with Ephemeral znodes")
	}
	if hasT && hasC {
		return zkErr("TTLs cannot be used with Container znodes")
	}
	mode := client.ModePersistent
	switch {
	case hasE && hasS:
		mode = client.ModeEphemeralSequential
	case hasE:
		mode = client.ModeEphemeral
	case hasS && hasT:
		mode = client.ModePersistentSequentialWithTTL
	case hasS:
		mode = client.ModePersistentSequential
	case hasC:
		mode = client.ModeContainer
	case hasT:
		mode = client.ModePersistentWithTTL
	}
	if hasT {
		if err := client.ValidateTTL(mode, ttl); err != nil {
			return zkWrap(err, "")
		}
	}
	path := c.arg(1)
	var data []byte
	if c.nargs() > 2 {
		data = []byte(c.arg(2))
	}
	acl := []jute.ACL{{Perms: jute.PermAll, ID: jute.Id{Scheme: "world", ID: "anyone"}}}
	if c.nargs() > 3 {
		acl = zkParseACL(c.arg(3), sh.errw)
	}
	var created string
	var err error
	if hasT {
		created, _, err = sh.zk.CreateTTL(bg, path, data, acl, mode, ttl)
	} else {
		created, err = sh.zk.Create(bg, path, data, acl, mode)
	}
	switch {
	case err == nil:
		fmt.Fprintln(sh.errw, "Created "+created)
		return nil
	case errors.Is(err, jute.EphemeralOnLocalSession):
		fmt.Fprintln(sh.errw, "Unable to create ephemeral node on a local session")
	case errors.Is(err, client.ErrNoACL):
		fmt.Fprintln(sh.errw, jute.InvalidACL.Error())
	case errors.Is(err, jute.InvalidACL):
		fmt.Fprintln(sh.errw, jute.InvalidACL.ErrorFor(path))
	}
	return zkWrap(err, path)
}

// zkVersionArg reads -v as Integer.parseInt does (-1 when absent).
func zkVersionArg(c *zkCall) (int32, error) {
	if !c.p.has("v") {
		return -1, nil
	}
	return zkParseInt(c.p.value("v"))
}

func zkDelete(sh *zkShell, c *zkCall) error {
	if c.nargs() < 2 {
		return c.usageErr()
	}
	if c.nargs() > 2 {
		fmt.Fprintln(sh.errw, "'delete path [version]' has been deprecated. Please use 'delete [-v version] path' instead.")
	}
	version, err := zkVersionArg(c)
	if err != nil {
		return err
	}
	path := c.arg(1)
	return zkWrap(sh.zk.Delete(bg, path, version), path)
}

func zkDeleteAll(sh *zkShell, c *zkCall) error {
	if c.nargs() < 2 {
		return c.usageErr()
	}
	batch := int64(1000)
	if c.p.has("b") {
		var err error
		if batch, err = strconv.ParseInt(c.p.value("b"), 10, 32); err != nil {
			return zkErr("-b argument must be an int value")
		}
	}
	path := c.arg(1)
	if err := client.ValidatePath(path, false); err != nil {
		return zkWrap(err, path)
	}
	// ZKUtil.listSubTreeBFS, then delete leaves first.
	tree := []string{path}
	for i := 0; i < len(tree); i++ {
		kids, err := sh.zk.Children(bg, tree[i], nil)
		if err != nil {
			return zkWrap(err, tree[i])
		}
		for _, k := range kids {
			if tree[i] == "/" {
				tree = append(tree, "/"+k)
			} else {
				tree = append(tree, tree[i]+"/"+k)
			}
		}
	}
	if batch <= 0 {
		for i := len(tree) - 1; i >= 0; i-- {
			if err := sh.zk.Delete(bg, tree[i], -1); err != nil {
				return zkWrap(err, tree[i])
			}
		}
		return nil
	}
	var ops []client.Op
	for i := len(tree) - 1; i >= 0; i-- {
		ops = append(ops, client.DeleteOp(tree[i], -1))
		if len(ops) == int(batch) || i == 0 {
			if _, err := sh.zk.Multi(bg, ops...); err != nil {
				fmt.Fprintln(sh.errw, "Failed to delete some node(s) in the subtree!")
				return nil
			}
			ops = nil
		}
	}
	return nil
}

// zkPrintData prints data as get does: plain, base64 (-b) or hexdump (-x).
func zkPrintData(sh *zkShell, c *zkCall, data []byte) {
	if data == nil {
		data = []byte("null")
	}
	s := string(data)
	if c.p.has("b") {
		s = base64.StdEncoding.EncodeToString(data)
	}
	if c.p.has("x") {
		s = zkHexDump(data)
	}
	fmt.Fprintln(sh.out, s)
}

func zkGet(sh *zkShell, c *zkCall) error {
	if c.nargs() < 2 {
		return c.usageErr()
	}
	if err := c.reparseWatch(sh, "get [-s] [-w] path"); err != nil {
		return err
	}
	path := c.arg(1)
	data, st, err := sh.zk.Get(bg, path, sh.watch(c.p.has("w")))
	if err != nil {
		return zkWrap(err, path)
	}
	zkPrintData(sh, c, data)
	if c.p.has("s") {
		zkPrintStat(sh.out, &st, sh.loc)
	}
	return nil
}

func zkGetACL(sh *zkShell, c *zkCall) error {
	if c.nargs() < 2 {
		return c.usageErr()
	}
	path := c.arg(1)
	acl, st, err := sh.zk.GetACL(bg, path)
	if err != nil {
		return zkWrap(err, path)
	}
	for _, a := range acl {
		fmt.Fprintln(sh.out, zkIDString(a.ID)+": "+zkPermString(a.Perms))
	}
	if c.p.has("s") {
		zkPrintStat(sh.out, &st, sh.loc)
	}
	return nil
}

func zkGetAllChildrenNumber(sh *zkShell, c *zkCall) error {
	if c.nargs() < 2 {
		return zkErr(c.cmd.usage())
	}
	path := c.arg(1)
	n, err := sh.zk.AllChildrenNumber(bg, path)
	if err != nil {
		return zkWrap(err, path)
	}
	fmt.Fprintln(sh.out, n)
	return nil
}

func zkGetEphemerals(sh *zkShell, c *zkCall) error {
	path := "/"
	if c.nargs() >= 2 {
		path = c.arg(1)
	}
	eph, err := sh.zk.Ephemerals(bg, path)
	if err != nil {
		return zkWrap(err, "")
	}
	fmt.Fprintln(sh.out, zkJavaList(eph))
	return nil
}

func zkLs(sh *zkShell, c *zkCall) error {
	if c.p.has("?") {
		fmt.Fprintln(sh.out, "usage: ls [options] path\n"+zkHelpOptions(c.cmd.opts))
	}
	if err := c.reparseWatch(sh, "ls [-w] path"); err != nil {
		return err
	}
	if c.nargs() < 2 {
		return zkErr(c.cmd.usage())
	}
	path := c.arg(1)
	w := sh.watch(c.p.has("w"))
	if c.p.has("R") {
		return zkVisitDFS(sh.zk, path, w, func(p string) { fmt.Fprintln(sh.out, p) })
	}
	kids, st, err := sh.zk.Children2(bg, path, w)
	if err != nil {
		return zkWrap(err, path)
	}
	zkSortJava(kids)
	fmt.Fprint(sh.out, zkJavaList(kids)+"\n")
	if c.p.has("s") {
		zkPrintStat(sh.out, &st, sh.loc)
	}
	return nil
}

// zkSortJava sorts as Collections.sort on Strings: by UTF-16 code units.
func zkSortJava(s []string) {
	key := func(x string) []rune { return zkUTF16(x) }
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && zkCompareRunes(key(s[j]), key(s[j-1])) < 0; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func zkUTF16(s string) []rune {
	var out []rune
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			out = append(out, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		} else {
			out = append(out, r)
		}
	}
	return out
}

func zkCompareRunes(a, b []rune) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return int(a[i]) - int(b[i])
		}
	}
	return len(a) - len(b)
}

// zkVisitDFS is ZKUtil.visitSubTreeDFS: the root, then each level's
// children (sorted) before descending; nodes vanishing meanwhile are
// skipped. A failure comes back as the shell's message for the failing path.
func zkVisitDFS(zk *client.Client, path string, w *client.Watcher, visit func(string)) error {
	return zkWrapPath(zkWalk(zk, path, w, func(p string) error { visit(p); return nil }), path)
}

func zkRemoveWatches(sh *zkShell, c *zkCall) error {
	if c.nargs() < 2 {
		return c.usageErr()
	}
	t := client.WatcherAny
	switch {
	case c.p.has("c"):
		t = client.WatcherChildren
	case c.p.has("d"):
		t = client.WatcherData
	case c.p.has("p"):
		t = client.WatcherPersistent
	case c.p.has("r"):
		t = client.WatcherPersistentRecursive
	}
	path := c.arg(1)
	return zkWrap(sh.zk.RemoveWatches(bg, path, nil, t, c.p.has("l")), path)
}

func zkSet(sh *zkShell, c *zkCall) error {
	if c.nargs() < 3 {
		return c.usageErr()
	}
	path := c.arg(1)
	data := []byte(c.arg(2))
	if c.p.has("b") {
		var err error
		if data, err = base64.StdEncoding.DecodeString(c.arg(2)); err != nil {
			return zkCrash("java.lang.IllegalArgumentException", "Illegal base64 character")
		}
	}
	version, err := zkVersionArg(c)
	if err != nil {
		return err
	}
	st, err := sh.zk.Set(bg, path, data, version)
	if err != nil {
		return zkWrap(err, path)
	}
	if c.p.has("s") {
		zkPrintStat(sh.out, &st, sh.loc)
	}
	return nil
}

func zkSetACL(sh *zkShell, c *zkCall) error {
	if c.nargs() < 3 {
		return c.usageErr()
	}
	path := c.arg(1)
	acl := zkParseACL(c.arg(2), sh.errw)
	version, err := zkVersionArg(c)
	if err != nil {
		return err
	}
	if c.p.has("R") {
		return zkVisitDFS(sh.zk, path, nil, func(p string) {
			if _, err := sh.zk.SetACL(bg, p, acl, version); err != nil {
				// Java prints the KeeperException's message, with no newline.
				var code jute.Code
				if errors.Is(err, client.ErrNoACL) {
					fmt.Fprint(sh.out, jute.InvalidACL.Error())
				} else if errors.As(err, &code) {
					fmt.Fprint(sh.out, zkKeeperMessage(code, p))
				}
			}
		})
	}
	st, err := sh.zk.SetACL(bg, path, acl, version)
	if err != nil {
		return zkWrap(err, path)
	}
	if c.p.has("s") {
		zkPrintStat(sh.out, &st, sh.loc)
	}
	return nil
}

func zkStat(sh *zkShell, c *zkCall) error {
	if c.nargs() < 2 {
		return c.usageErr()
	}
	if err := c.reparseWatch(sh, "stat [-w] path"); err != nil {
		return err
	}
	path := c.arg(1)
	st, err := sh.zk.Exists(bg, path, sh.watch(c.p.has("w")))
	if err != nil {
		return zkWrap(err, path)
	}
	if st == nil {
		return zkWrap(jute.NoNode, path)
	}
	zkPrintStat(sh.out, st, sh.loc)
	return nil
}

func zkSync(sh *zkShell, c *zkCall) error {
	if c.nargs() < 2 {
		return c.usageErr()
	}
	path := c.arg(1)
	ctx, cancel := context.WithTimeout(bg, 30*time.Second)
	defer cancel()
	err := sh.zk.Sync(ctx, path)
	var code jute.Code
	switch {
	case err == nil:
		fmt.Fprintln(sh.out, "Sync is OK")
	case errors.As(err, &code):
		fmt.Fprintf(sh.out, "Sync has failed. rc=%d\n", int32(code))
	case errors.Is(err, context.DeadlineExceeded):
		return zkErr("java.util.concurrent.TimeoutException")
	default:
		return zkWrap(err, path)
	}
	return nil
}

func zkVersion(sh *zkShell, c *zkCall) error {
	if c.nargs() > 1 {
		return c.usageErr()
	}
	fmt.Fprintln(sh.out, "ZooKeeper CLI version: "+zkFullVersion())
	return nil
}

func zkWhoAmI(sh *zkShell, c *zkCall) error {
	infos, _ := sh.zk.WhoAmI(bg)
	var b strings.Builder
	b.WriteString("Auth scheme: User\n")
	for _, i := range infos {
		b.WriteString(i.AuthScheme + ": " + i.User + "\n")
	}
	io.WriteString(sh.out, b.String())
	return nil
}

func zkReconfig(sh *zkShell, c *zkCall) error {
	p := c.p
	if !(p.has("file") || p.has("members")) && !p.has("add") && !p.has("remove") {
		return c.usageErr()
	}
	version := int64(-1)
	if p.has("v") {
		v, err := strconv.ParseUint(p.value("v"), 16, 64)
		if err != nil {
			return zkErr("-v must be followed by a long (configuration version)")
		}
		version = int64(v)
	}
	if (p.has("file") || p.has("members")) && (p.has("add") || p.has("remove")) {
		return zkErr("Can't use -file or -members together with -add or -remove (mixing incremental and non-incremental modes is not allowed)")
	}
	if p.has("file") && p.has("members") {
		return zkErr("Can't use -file and -members together (conflicting non-incremental modes)")
	}
	joining, leaving, members := strings.ToLower(p.value("add")), strings.ToLower(p.value("remove")), strings.ToLower(p.value("members"))
	if p.has("file") {
		props, err := properties.LoadFile(p.value("file"), properties.UTF8)
		if err != nil {
			return zkErr("Error processing " + p.value("file") + err.Error())
		}
		var lines []string
		for _, k := range props.Keys() {
			if strings.HasPrefix(k, "server.") {
				lines = append(lines, k+"="+strings.TrimSpace(props.GetString(k, "")))
			}
		}
		members = strings.Join(lines, ",")
	}
	data, st, err := sh.zk.Reconfig(bg, joining, leaving, members, version)
	if err != nil {
		return zkWrap(err, "")
	}
	fmt.Fprintln(sh.out, "Committed new configuration:\n"+string(data))
	if p.has("s") {
		zkPrintStat(sh.out, &st, sh.loc)
	}
	return nil
}
