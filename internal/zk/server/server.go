package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wharf-project/wharf/internal/config"
	"github.com/wharf-project/wharf/internal/vfs"
	"github.com/wharf-project/wharf/internal/zk/acl"
	"github.com/wharf-project/wharf/internal/zk/admin"
	"github.com/wharf-project/wharf/internal/zk/jute"
	"github.com/wharf-project/wharf/internal/zk/persist"
	"github.com/wharf-project/wharf/internal/zk/prep"
	"github.com/wharf-project/wharf/internal/zk/session"
	"github.com/wharf-project/wharf/internal/zk/tree"
)

// Options configure a Server. OptionsFromConfig fills them from a zoo.cfg.
type Options struct {
	Config *config.ZooConfig // kept for `conf` and `envi`; may be nil in code-built servers

	ClientAddr string // host:port to listen on; port 0 picks one
	AdminAddr  string // AdminServer host:port; "" disables it
	AdminURL   string // default /commands
	DataDir    string
	DataLogDir string
	ServerID   int64

	TickTime               int // ms
	MinSessionTimeout      int // ms
	MaxSessionTimeout      int // ms
	MaxBuffer              int // jute.maxbuffer
	MaxOutBuffer           int // bytes a client may leave unread before it is dropped
	MaxClientCnxns         int // per IP, 0 = unlimited
	MaxCnxns               int // total, 0 = unlimited
	MaxOutstandingPerConn  int
	SnapCount              int
	PreAllocSize           int64
	ForceSync              bool
	AutopurgeRetain        int
	AutopurgeInterval      time.Duration
	ContainerCheckInterval time.Duration
	ContainerMaxPerMinute  int
	FourLetterWords        []string // whitelist; "*" = all
	ExtendedTypes          bool
	ReconfigEnabled        bool
	SkipACL                bool
	SuperDigest            string

	FS     vfs.FS
	Logger *slog.Logger
}

// OptionsFromConfig maps a parsed zoo.cfg onto server options.
func OptionsFromConfig(cfg *config.ZooConfig) Options {
	o := Options{
		Config:                 cfg,
		ClientAddr:             net.JoinHostPort(cfg.ClientPortAddress, strconv.Itoa(cfg.ClientPort)),
		AdminURL:               cfg.AdminCommandURL,
		DataDir:                cfg.DataDir,
		DataLogDir:             cfg.DataLogDir,
		ServerID:               cfg.MyID,
		TickTime:               cfg.TickTime,
		MinSessionTimeout:      cfg.MinSessionTimeout,
		MaxSessionTimeout:      cfg.MaxSessionTimeout,
		MaxBuffer:              cfg.JuteMaxBuffer,
		MaxClientCnxns:         cfg.MaxClientCnxns,
		MaxCnxns:               cfg.MaxCnxns,
		SnapCount:              cfg.SnapCount,
		PreAllocSize:           cfg.PreAllocSize,
		ForceSync:              cfg.ForceSync,
		AutopurgeRetain:        cfg.AutopurgeSnapRetainCount,
		AutopurgeInterval:      cfg.AutopurgePurgeInterval,
		ContainerCheckInterval: cfg.ContainerCheckInterval,
		ContainerMaxPerMinute:  cfg.ContainerMaxPerMinute,
		FourLetterWords:        cfg.FourLetterWords,
		ExtendedTypes:          cfg.ExtendedTypesEnabled,
		ReconfigEnabled:        cfg.ReconfigEnabled,
		SkipACL:                cfg.SkipACL,
		SuperDigest:            cfg.SuperDigest,
	}
	if cfg.AdminEnableServer {
		o.AdminAddr = net.JoinHostPort(cfg.AdminServerAddress, strconv.Itoa(cfg.AdminServerPort))
	}
	return o
}

func (o *Options) setDefaults() {
	if o.TickTime <= 0 {
		o.TickTime = 3000
	}
	if o.MinSessionTimeout <= 0 {
		o.MinSessionTimeout = 2 * o.TickTime
	}
	if o.MaxSessionTimeout <= 0 {
		o.MaxSessionTimeout = 20 * o.TickTime
	}
	if o.MaxBuffer <= 0 {
		o.MaxBuffer = jute.MaxBuffer
	}
	if o.MaxOutBuffer <= 0 {
		o.MaxOutBuffer = max(64<<20, 16*o.MaxBuffer)
	}
	if o.MaxOutstandingPerConn <= 0 {
		o.MaxOutstandingPerConn = 1000
	}
	if o.SnapCount <= 1 {
		o.SnapCount = 100000
	}
	if o.PreAllocSize <= 0 {
		o.PreAllocSize = 64 << 20
	}
	if o.DataLogDir == "" {
		o.DataLogDir = o.DataDir
	}
	if o.AutopurgeRetain < 3 {
		o.AutopurgeRetain = 3
	}
	if o.ContainerCheckInterval <= 0 {
		o.ContainerCheckInterval = time.Minute
	}
	if o.ContainerMaxPerMinute <= 0 {
		o.ContainerMaxPerMinute = 10000
	}
	if o.AdminURL == "" {
		o.AdminURL = "/commands"
	}
	if o.FourLetterWords == nil {
		o.FourLetterWords = []string{"srvr"}
	}
	if o.FS == nil {
		o.FS = vfs.Default
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Server is a standalone ZooKeeper-compatible server.
type Server struct {
	opts    Options
	log     *slog.Logger
	aclOpts acl.Options
	core    *core
	stats   serverStats
	started time.Time

	ln       net.Listener
	admin    *adminServer
	connMu   sync.Mutex
	conns    map[*conn]struct{}
	perIP    map[string]int
	nextConn atomic.Uint64

	stopping chan struct{} // closed by Close: the core winds down
	stopped  chan struct{} // closed when everything has stopped
	coreDone chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup

	errMu sync.Mutex
	err   error

	traceMask     atomic.Int64
	lastSnapZxid  atomic.Int64
	lastSnapTime  atomic.Int64 // unix ms; 0 before the first snapshot
	initialConfig string       // the zoo.cfg as read, for icfg
}

// ErrFatal wraps an error that stopped the server (a failed fsync, say).
var ErrFatal = errors.New("server: fatal error")

// New restores the database from DataDir/DataLogDir and returns a server
// ready to Start.
func New(opts Options) (*Server, error) {
	opts.setDefaults()
	if opts.DataDir == "" {
		return nil, errors.New("server: dataDir is required")
	}
	s := &Server{
		opts:     opts,
		log:      opts.Logger,
		conns:    make(map[*conn]struct{}),
		perIP:    make(map[string]int),
		stopping: make(chan struct{}),
		stopped:  make(chan struct{}),
		coreDone: make(chan struct{}),
	}
	s.aclOpts = acl.Options{SkipACL: opts.SkipACL, SuperDigest: opts.SuperDigest}
	s.stats.reset()
	s.traceMask.Store(admin.DefaultTraceMask)
	if opts.Config != nil && opts.Config.Path != "" {
		if b, err := os.ReadFile(opts.Config.Path); err == nil {
			s.initialConfig = string(b)
		}
	}
	k := &core{
		srv:       s,
		log:       opts.Logger,
		events:    make(chan event, 4096),
		conns:     make(map[uint64]*conn),
		bySession: make(map[int64]*conn),
		committed: make(map[int64]int32),
		epoch:     time.Now(),
	}
	s.core = k
	if err := s.restore(); err != nil {
		return nil, err
	}
	return s, nil
}

// restore loads the newest valid snapshot and replays the log over it.
func (s *Server) restore() error {
	k := s.core
	log, err := persist.Open(s.opts.FS, s.opts.DataDir, s.opts.DataLogDir,
		persist.Options{PreAllocSize: s.opts.PreAllocSize, NoSync: !s.opts.ForceSync, Logger: s.log})
	if err != nil {
		return err
	}
	treeOpts := tree.Options{CanRead: k.canRead, ExtendedTypes: s.opts.ExtendedTypes, Logger: s.log}
	load := func(snap *jute.SnapshotData, snapZxid int64) error {
		if snap == nil {
			k.tree = tree.New(treeOpts)
			return nil
		}
		t, err := tree.FromSnapshot(snap, treeOpts)
		if err != nil {
			return err
		}
		k.tree = t
		for _, se := range snap.Sessions {
			k.committed[se.ID] = se.Timeout
		}
		k.tree.SetLastProcessedZxid(snapZxid)
		return nil
	}
	apply := func(hdr *jute.TxnHeader, rec jute.Record, dg *jute.TxnDigest) error {
		k.tree.Apply(hdr, rec)
		k.tree.CompareDigest(hdr.Zxid, dg)
		switch hdr.Type {
		case jute.OpCreateSession:
			if t, ok := rec.(*jute.CreateSessionTxn); ok {
				k.committed[hdr.ClientID] = t.TimeOut
			}
		case jute.OpCloseSession:
			delete(k.committed, hdr.ClientID)
		}
		return nil
	}
	snap, snapZxid, last, err := log.RestoreWith(load, apply)
	if err != nil {
		return err
	}
	// Sessions with ephemerals but no live session record died with a
	// crash before their closeSession was logged: their ephemerals go now
	// (ZooKeeperServer.killSession at load).
	for _, sid := range k.tree.Sessions() {
		if _, ok := k.committed[sid]; !ok {
			k.tree.KillSession(sid, last)
		}
	}
	// A clean snapshot of what was loaded, as ZooKeeperServer.loadData takes:
	// the next start replays nothing, and a new database gets snapshot 0
	// before its first txn, so a txn log never exists without a snapshot.
	if snap == nil || last != snapZxid {
		data := k.tree.Snapshot()
		data.Sessions = k.committedSessions()
		if _, err := log.WriteSnapshot(last, data); err != nil {
			return err
		}
		s.lastSnapZxid.Store(last)
		s.lastSnapTime.Store(time.Now().UnixMilli())
	}
	k.lastApplied, k.lastPrepared = last, last
	now := k.monoNow()
	// A standalone ZooKeeperServer stamps its session ids with server id 1
	// (createSessionTrackerServerId), whatever myid says.
	k.sessions = session.New(int64(s.opts.TickTime), standaloneSessionServerID, now)
	for id, to := range k.committed {
		k.sessions.Track(id, to, now)
	}
	k.prep = prep.New(prep.Options{
		ExtendedTypesEnabled: s.opts.ExtendedTypes,
		MaxBuffer:            s.opts.MaxBuffer,
		ACL:                  s.aclOpts,
		ReconfigEnabled:      s.opts.ReconfigEnabled,
		Standalone:           true,
	}, k.tree)
	k.pers = newPersister(log, k, s.opts.SnapCount)
	s.log.Info("database restored", "snapshotZxid", hex(snapZxid), "lastZxid", hex(last),
		"nodes", k.tree.NodeCount(), "sessions", len(k.committed))
	return nil
}

// canRead is the tree's check for persistent watches (CVE-2024-23944).
func (k *core) canRead(w tree.WatcherID, a []jute.ACL) bool {
	c := k.conns[uint64(w)]
	return c != nil && acl.Check(a, jute.PermRead, c.auth, k.srv.aclOpts)
}

// Start binds the client port (and the AdminServer) and starts serving.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.opts.ClientAddr)
	if err != nil {
		return fmt.Errorf("server: binding client port: %w", err)
	}
	if s.opts.AdminAddr != "" {
		a, err := startAdmin(s, s.opts.AdminAddr)
		if err != nil {
			// s.ln stays nil: Close then waits for no serving goroutine
			// (it used to wait forever for the core that never started).
			ln.Close()
			return err
		}
		s.admin = a
	}
	s.ln = ln
	s.started = time.Now()
	go s.core.pers.run()
	go s.core.run()
	s.wg.Add(1)
	go s.acceptLoop()
	if s.opts.AutopurgeInterval > 0 {
		s.wg.Add(1)
		go s.purgeLoop()
	}
	s.log.Info("serving ZooKeeper clients", "addr", ln.Addr().String())
	return nil
}

// Addr is the client listener's address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// AdminAddr is the AdminServer's address, or nil.
func (s *Server) AdminAddr() net.Addr {
	if s.admin == nil {
		return nil
	}
	return s.admin.addr()
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			select {
			case <-s.stopping:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			s.log.Error("accept failed", "err", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if tc, ok := nc.(*net.TCPConn); ok {
			tc.SetNoDelay(true)
		}
		c := newConn(s, s.nextConn.Add(1), nc, s.opts.MaxOutstandingPerConn)
		if !s.register(c) {
			nc.Close()
			continue
		}
		go func() {
			c.readLoop()
			s.unregister(c)
		}()
		go c.writeLoop()
	}
}

// register enforces maxClientCnxns (per IP) and maxCnxns (total).
func (s *Server) register(c *conn) bool {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if s.opts.MaxClientCnxns > 0 && s.perIP[c.remoteIP] >= s.opts.MaxClientCnxns {
		s.log.Warn("too many connections from host", "ip", c.remoteIP, "max", s.opts.MaxClientCnxns)
		return false
	}
	if s.opts.MaxCnxns > 0 && len(s.conns) >= s.opts.MaxCnxns {
		s.log.Warn("too many connections", "max", s.opts.MaxCnxns)
		return false
	}
	s.conns[c] = struct{}{}
	s.perIP[c.remoteIP]++
	return true
}

func (s *Server) unregister(c *conn) {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if _, ok := s.conns[c]; !ok {
		return
	}
	delete(s.conns, c)
	if s.perIP[c.remoteIP]--; s.perIP[c.remoteIP] <= 0 {
		delete(s.perIP, c.remoteIP)
	}
}

// purgeLoop purges at once and then every interval, as ZooKeeper's
// DatadirCleanupManager schedules its task with no initial delay.
func (s *Server) purgeLoop() {
	defer s.wg.Done()
	t := time.NewTicker(s.opts.AutopurgeInterval)
	defer t.Stop()
	for {
		if err := s.core.pers.log.Purge(s.opts.AutopurgeRetain); err != nil {
			s.log.Warn("autopurge failed", "err", err)
		}
		select {
		case <-t.C:
		case <-s.stopping:
			return
		}
	}
}

// fail stops the server after an error that makes further writes unsafe.
func (s *Server) fail(err error) {
	s.errMu.Lock()
	if s.err == nil {
		s.err = fmt.Errorf("%w: %v", ErrFatal, err)
	}
	s.errMu.Unlock()
	s.log.Error("stopping: persistence failed", "err", err)
	go s.Close()
}

// Err returns the error that stopped the server, if any.
func (s *Server) Err() error {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return s.err
}

// Done is closed when the server has stopped.
func (s *Server) Done() <-chan struct{} { return s.stopped }

// Close stops accepting, closes every connection, lets the persister finish
// what it holds, and closes the log.
func (s *Server) Close() error {
	s.stopOnce.Do(func() {
		close(s.stopping)
		if s.ln != nil {
			s.ln.Close()
		}
		if s.admin != nil {
			s.admin.close()
		}
		if s.ln != nil {
			<-s.coreDone
			s.core.pers.stop()
		}
		s.connMu.Lock()
		for c := range s.conns {
			c.close()
		}
		s.connMu.Unlock()
		s.wg.Wait()
		if err := s.core.pers.log.Close(); err != nil {
			s.log.Warn("closing the txn log", "err", err)
		}
		close(s.stopped)
	})
	return s.Err()
}

// standaloneSessionServerID is the server id in a standalone server's session ids.
const standaloneSessionServerID = 1

func hex(v int64) string { return "0x" + strconv.FormatUint(uint64(v), 16) }
