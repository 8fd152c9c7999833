package cli

// The zkCli shell: Apache ZooKeeper 3.9's ZooKeeperMain and its cli/*Command
// classes, with the same commands, options, usage lines, messages (on the
// same stream) and exit codes. It reads commands from the arguments (one
// shot) or from stdin, one per line. On a terminal it prints the prompt
// "[zk: host(STATE) N] " as the JLine console does; otherwise it prints no
// prompt, as zkCli does without JLine (Debian's zkCli, Kafka's
// zookeeper-shell). Where Java's shell dies on an uncaught exception (a
// non-numeric version, `redo x`), this one prints the exception line Java
// prints first and exits 1 the same way, without the stack trace.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/magiconair/properties"

	"github.com/wharf-project/wharf/internal/zk/client"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// ZkCliVersion is the ZooKeeper release whose shell this one reproduces.
const ZkCliVersion = "3.9.4"

// ZkCliOptions adjusts RunZkCliWith for tests and embedding.
type ZkCliOptions struct {
	// Interactive forces the prompt on (true) or off (false); nil decides
	// by whether stdin is a terminal.
	Interactive *bool
	// Location is the zone of the times in stat output (default time.Local).
	Location *time.Location
}

// RunZkCli runs the shell with zkCli.sh's arguments:
// [-server host:port[,host:port][/chroot]] [-timeout ms] [-r]
// [-waitforconnection] [-client-configuration file] [cmd args...].
// It returns the process exit code.
func RunZkCli(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return RunZkCliWith(args, stdin, stdout, stderr, ZkCliOptions{})
}

// RunZooKeeperShell runs Kafka's zookeeper-shell.sh: the server is the first
// argument (`zookeeper-shell.sh localhost:2181 ls /`).
func RunZooKeeperShell(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return RunZkCli(append([]string{"-server"}, args...), stdin, stdout, stderr)
}

// zkExit ends the shell with a code (quit, an uncaught Java exception).
type zkExit struct{ code int }

func (e *zkExit) Error() string { return "exit " + strconv.Itoa(e.code) }

// zkCliError is a CliException: printed on stderr, setting the exit code.
type zkCliError struct {
	msg  string
	code int
}

func (e *zkCliError) Error() string { return e.msg }

func zkErr(msg string) error { return &zkCliError{msg: msg, code: 1} }

// zkShell is one ZooKeeperMain.
type zkShell struct {
	stdin       io.Reader
	rawOut      io.Writer
	rawErr      io.Writer
	out, errw   io.Writer // ordered after pending watch events
	wmu         sync.Mutex
	loc         *time.Location
	interactive bool

	server, timeout, clientConfig string
	readOnly, waitForConnection   bool
	command                       []string // one-shot command, or nil

	zk           *client.Client
	host         string
	history      map[int]string
	count        int
	last         []string // the last parsed line, reused by a blank one
	printWatches bool
	exitCode     int
	eventsMu     sync.Mutex
	eventsOn     bool     // banner printed: watch events print as they come
	held         []string // events that arrived before that
	connected    chan struct{}
	connOnce     *sync.Once
}

// zkOrdered writes after every watch event received so far has printed, so
// a command's output follows the events the server sent before its reply.
type zkOrdered struct {
	sh *zkShell
	w  io.Writer
}

func (o zkOrdered) Write(p []byte) (int, error) {
	if zk := o.sh.zk; zk != nil {
		zk.WaitEvents(context.Background())
	}
	o.sh.wmu.Lock()
	defer o.sh.wmu.Unlock()
	return o.w.Write(p)
}

// RunZkCliWith is RunZkCli with options.
func RunZkCliWith(args []string, stdin io.Reader, stdout, stderr io.Writer, o ZkCliOptions) int {
	sh := &zkShell{stdin: stdin, rawOut: stdout, rawErr: stderr, loc: o.Location,
		server: "localhost:2181", timeout: "30000", history: map[int]string{}, printWatches: true}
	sh.out, sh.errw = zkOrdered{sh, stdout}, zkOrdered{sh, stderr}
	if sh.loc == nil {
		sh.loc = time.Local
	}
	if o.Interactive != nil {
		sh.interactive = *o.Interactive
	} else if f, ok := stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			sh.interactive = true
		}
	}
	code := sh.main(args)
	if sh.zk != nil {
		// Events already received print (Java's event thread usually wins
		// the race with System.exit); then, like System.exit, the connection
		// drops and the session lives on.
		sh.zk.WaitEvents(context.Background())
		sh.eventsMu.Lock()
		sh.eventsOn, sh.held = false, nil
		sh.printWatches = false
		sh.eventsMu.Unlock()
		sh.zk.Disconnect()
	}
	return code
}

func (sh *zkShell) main(args []string) int {
	sh.parseOptions(args)
	fmt.Fprintln(sh.out, "Connecting to "+sh.server)
	if sh.waitForConnection {
		// Java's watcher prints the SyncConnected event before it lets the
		// constructor return, so it comes before the banner.
		sh.enableEvents()
	}
	if err := sh.connectToZK(sh.server); err != nil {
		return sh.exitFrom(err)
	}
	if sh.command != nil {
		sh.enableEvents()
		if err := sh.processCmd(sh.command); err != nil {
			return sh.exitFrom(err)
		}
		return sh.exitCode
	}
	fmt.Fprintln(sh.out, "Welcome to ZooKeeper!")
	if sh.interactive {
		fmt.Fprintln(sh.out, "JLine support is enabled")
	} else {
		fmt.Fprintln(sh.out, "JLine support is disabled")
	}
	sh.enableEvents()
	r := bufio.NewReader(sh.stdin)
	for {
		if sh.interactive {
			fmt.Fprint(sh.out, sh.prompt())
		}
		line, err := r.ReadString('\n')
		if line == "" && err != nil {
			if sh.interactive {
				fmt.Fprintln(sh.out)
			}
			return sh.exitCode
		}
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		if err := sh.executeLine(line); err != nil {
			return sh.exitFrom(err)
		}
	}
}

func (sh *zkShell) exitFrom(err error) int {
	var e *zkExit
	if errors.As(err, &e) {
		return e.code
	}
	fmt.Fprintln(sh.errw, err.Error())
	return 1
}

// parseOptions is MyCommandOptions.parseOptions: options up to the first
// argument that does not start with "-", which begins the command.
func (sh *zkShell) parseOptions(args []string) {
	for i := 0; i < len(args); i++ {
		opt := args[i]
		next := func(set *string) {
			if i+1 < len(args) {
				i++
				*set = args[i]
			} else {
				fmt.Fprintln(sh.errw, "Error: no argument found for option "+opt)
			}
		}
		switch opt {
		case "-server":
			next(&sh.server)
		case "-timeout":
			next(&sh.timeout)
		case "-r":
			sh.readOnly = true
		case "-client-configuration":
			next(&sh.clientConfig)
		case "-waitforconnection":
			sh.waitForConnection = true
		}
		if !strings.HasPrefix(opt, "-") {
			sh.command = slices.Clone(args[i:])
			return
		}
	}
}

func (sh *zkShell) prompt() string {
	return "[zk: " + sh.host + "(" + sh.zk.State().String() + ") " + strconv.Itoa(sh.count) + "] "
}

// enableEvents starts printing watch events as they arrive, first those
// held back while the banner printed.
func (sh *zkShell) enableEvents() {
	sh.eventsMu.Lock()
	held := sh.held
	sh.held, sh.eventsOn = nil, true
	sh.eventsMu.Unlock()
	sh.wmu.Lock()
	defer sh.wmu.Unlock()
	for _, s := range held {
		io.WriteString(sh.rawOut, s)
	}
}

// watcher is MyWatcher: print the event, and release -waitforconnection.
func (sh *zkShell) watcher(connected chan struct{}, once *sync.Once) func(client.Event) {
	return func(e client.Event) {
		sh.eventsMu.Lock()
		if sh.printWatches {
			msg := "\nWATCHER::\n\n" + e.String() + "\n"
			if sh.eventsOn {
				sh.wmu.Lock()
				io.WriteString(sh.rawOut, msg)
				sh.wmu.Unlock()
			} else {
				sh.held = append(sh.held, msg)
			}
		}
		sh.eventsMu.Unlock()
		if e.Type == jute.EventNone && e.State == jute.StateSyncConnected {
			once.Do(func() { close(connected) })
		}
	}
}

// connectToZK closes the current session and opens one to host.
func (sh *zkShell) connectToZK(host string) error {
	if sh.zk != nil && sh.zk.State().Alive() {
		sh.zk.Close()
	}
	sh.host = host
	timeout, err := zkParseInt(sh.timeout)
	if err != nil {
		return err
	}
	cfg := client.Config{Servers: host, SessionTimeout: time.Duration(timeout) * time.Millisecond, CanBeReadOnly: sh.readOnly}
	if sh.clientConfig != "" {
		if err := zkClientConfig(sh.clientConfig, &cfg); err != nil {
			fmt.Fprintln(sh.errw, err.Error())
			return &zkExit{2}
		}
	}
	connected, once := make(chan struct{}), &sync.Once{}
	cfg.Watcher = sh.watcher(connected, once)
	zk, cerr := client.Connect(cfg)
	if cerr != nil {
		var ae *client.ArgumentError
		if errors.As(cerr, &ae) {
			return errors.New(`Exception in thread "main" java.lang.IllegalArgumentException: ` + ae.Msg)
		}
		return cerr
	}
	old := sh.zk
	sh.zk = zk
	if old != nil {
		old.WaitEvents(context.Background())
	}
	if sh.waitForConnection {
		select {
		case <-connected:
		case <-time.After(time.Duration(timeout) * time.Millisecond):
			zk.Close()
			return errors.New(`Exception in thread "main" java.io.IOException: org.apache.zookeeper.KeeperException$ConnectionLossException: KeeperErrorCode = ConnectionLoss`)
		}
	}
	return nil
}

// zkClientConfig reads a ZKClientConfig properties file into cfg.
func zkClientConfig(path string, cfg *client.Config) error {
	p, err := properties.LoadFile(path, properties.UTF8)
	if err != nil {
		return errors.New("org.apache.zookeeper.server.quorum.QuorumPeerConfig$ConfigException: Error while processing " + path)
	}
	if v, ok := p.Get("zookeeper.request.timeout"); ok {
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
			cfg.RequestTimeout = time.Duration(n) * time.Millisecond
		}
	}
	if v, ok := p.Get("jute.maxbuffer"); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			cfg.MaxPacket = n
		}
	}
	if v, ok := p.Get("zookeeper.disableAutoWatchReset"); ok {
		cfg.DisableAutoWatchReset = strings.EqualFold(strings.TrimSpace(v), "true")
	}
	return nil
}

// zkArgsPattern splits a command line as MyCommandOptions.parseCommand.
// A blank line yields one " " word, as Java's pattern gives.
var zkArgsPattern = regexp.MustCompile(`\s*([^"']\S*|"[^"]*"|'[^']*')\s*`)

func zkSplitLine(line string) []string {
	var args []string
	for _, m := range zkArgsPattern.FindAllStringSubmatch(line, -1) {
		v := m[1]
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		args = append(args, v)
	}
	return args
}

// executeLine runs one line of input; an empty line is skipped.
func (sh *zkShell) executeLine(line string) error {
	if line == "" {
		return nil
	}
	if args := zkSplitLine(line); len(args) > 0 {
		sh.last = args
	} else if sh.last == nil {
		// Java's parser keeps the previous command for a blank line; with
		// none there is none to run.
		return errors.New(`Exception in thread "main" java.lang.NullPointerException`)
	}
	sh.history[sh.count] = line
	err := sh.processCmd(slices.Clone(sh.last))
	sh.count++
	return err
}

// processCmd runs a command; a CliException prints on stderr and sets the
// exit code. Other errors end the shell.
func (sh *zkShell) processCmd(args []string) error {
	err := sh.processZKCmd(args)
	var ce *zkCliError
	switch {
	case err == nil:
		sh.exitCode = 0
	case errors.As(err, &ce):
		sh.exitCode = ce.code
		fmt.Fprintln(sh.errw, ce.msg)
	default:
		return err
	}
	return nil
}

func (sh *zkShell) usage() {
	var b strings.Builder
	b.WriteString("ZooKeeper -server host:port -client-configuration properties-file cmd args\n")
	names := make([]string, 0, len(zkCommands)+5)
	opts := map[string]string{"connect": "host:port", "history": "", "redo": "cmdno", "printwatches": "on|off", "quit": ""}
	for n := range opts {
		names = append(names, n)
	}
	for _, c := range zkCommands {
		names = append(names, c.name)
		opts[c.name] = c.optStr
	}
	sort.Strings(names)
	for _, n := range names {
		b.WriteString("\t" + n + " " + opts[n] + "\n")
	}
	io.WriteString(sh.errw, b.String())
}

func (sh *zkShell) processZKCmd(args []string) error {
	cmd := args[0]
	c := zkCommandByName(cmd)
	builtin := map[string]bool{"connect": true, "history": true, "redo": true, "printwatches": true, "quit": true}
	if c == nil && !builtin[cmd] {
		sh.usage()
		return &zkCliError{msg: "Command not found: Command not found " + cmd, code: 127}
	}
	switch {
	case cmd == "quit":
		sh.zk.Close()
		sh.zk.WaitEvents(context.Background())
		return &zkExit{sh.exitCode}
	case cmd == "redo" && len(args) >= 2:
		i, err := zkDecodeInt(args[1])
		if err != nil {
			return err
		}
		if sh.count <= i || i < 0 {
			return zkErr("Command index out of range")
		}
		redo := zkSplitLine(sh.history[i])
		if len(redo) > 0 && redo[0] == "redo" {
			return zkErr("No redoing redos")
		}
		sh.history[sh.count] = sh.history[i]
		if err := sh.processCmd(redo); err != nil {
			return err
		}
	case cmd == "history":
		for i := max(sh.count-10, 0); i <= sh.count; i++ {
			h, ok := sh.history[i]
			if !ok {
				h = "null"
			}
			fmt.Fprintf(sh.out, "%d - %s\n", i, h)
		}
	case cmd == "printwatches":
		sh.eventsMu.Lock()
		if len(args) == 1 {
			on := map[bool]string{true: "on", false: "off"}[sh.printWatches]
			sh.eventsMu.Unlock()
			fmt.Fprintln(sh.out, "printwatches is "+on)
		} else {
			sh.printWatches = args[1] == "on"
			sh.eventsMu.Unlock()
		}
	case cmd == "connect":
		host := sh.host
		if len(args) >= 2 {
			host = args[1]
		}
		if err := sh.connectToZK(host); err != nil {
			return err
		}
	}
	if sh.zk == nil || !sh.zk.State().Alive() {
		fmt.Fprintln(sh.out, "Not connected")
		return nil
	}
	if c == nil {
		return nil
	}
	p, err := zkParse(c.opts, c.group, args)
	if err != nil {
		return zkErr(err.Error())
	}
	return c.run(sh, &zkCall{cmd: c, p: p, raw: args})
}

// zkParseInt is Integer.parseInt; failure is an uncaught exception.
func zkParseInt(s string) (int32, error) {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, zkNumberFormat(s)
	}
	return int32(n), nil
}

func zkNumberFormat(s string) error {
	msg := `For input string: "` + s + `"`
	if s == "" {
		msg = `For input string: ""`
	}
	return errors.New(`Exception in thread "main" java.lang.NumberFormatException: ` + msg)
}

// zkDecodeInt is Integer.decode: decimal, 0x/#/0 prefixes, a sign.
func zkDecodeInt(s string) (int, error) {
	t, neg := s, false
	if strings.HasPrefix(t, "-") || strings.HasPrefix(t, "+") {
		neg, t = t[0] == '-', t[1:]
	}
	base := 10
	switch {
	case strings.HasPrefix(t, "0x"), strings.HasPrefix(t, "0X"):
		base, t = 16, t[2:]
	case strings.HasPrefix(t, "#"):
		base, t = 16, t[1:]
	case strings.HasPrefix(t, "0") && len(t) > 1:
		base, t = 8, t[1:]
	}
	n, err := strconv.ParseInt(t, base, 32)
	if err != nil || t == "" || strings.HasPrefix(t, "-") || strings.HasPrefix(t, "+") {
		return 0, zkNumberFormat(s)
	}
	if neg {
		n = -n
	}
	return int(n), nil
}

// zkFullVersion is Version.getFullVersion for this build.
func zkFullVersion() string {
	rev, date := "wharf", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if len(s.Value) >= 12 {
					rev = "wharf-" + s.Value[:12]
				}
			case "vcs.time":
				if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
					date = t.UTC().Format("2006-01-02 15:04 UTC")
				}
			}
		}
	}
	return ZkCliVersion + "-" + rev + ", built on " + date
}
