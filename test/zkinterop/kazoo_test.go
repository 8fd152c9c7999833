package zkinterop

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/zkproc"
)

// Recipes with several sessions each (testdata/kazoo_recipes.py). The
// orders are the recipes' own guarantees: a lock and an election go to the
// contenders in the order of their sequential nodes, a queue by priority
// then insertion.
var kazooRecipes = map[string]string{
	"lock": `
		c0 acquire True
		c0 holds, holders=1
		c1 non-blocking False
		c1 timed acquire: LockTimeout
		contenders ['c0', 'c1', 'c2']
		c0 release True
		c1 holds, holders=1
		c2 holds, holders=1
		order ['c0', 'c1', 'c2']
		contenders after []
		c0 reacquire True
		c2 holds, holders=1
		after c0 session ended, contenders []`,
	"election": `
		leader c0 contenders ['c0']
		leader c2 contenders ['c2']
		leaders ['c0', 'c2']
		contenders after []`,
	"queue": `
		len 5
		got ['b', 'e', 'a', 'd', 'c']
		len after 0`,
	"locking_queue": `
		len 4
		c1 get x0 holds True
		c2 get x1 holds True
		c1 release True holds False
		c2 consume True
		c1 get x0
		c1 consume True
		c2 get x2
		c1 get x2
		c1 consume True
		c1 get x3
		c1 consume True
		len after 0 get on empty None`,
	"barrier": `
		create None
		wait with timeout while up False
		remove True
		waiter passed [True]
		wait when down True`,
	"double_barrier": `
		callers inside when enter returned [3, 3, 3]
		callers leaving when leave returned [3, 3, 3]
		children after []`,
	"counter": `
		value 60
		after -= 5 55 pre 60 post 55
		stored 55 version 61
		float 3.0`,
	"party": `
		Party members ['m0', 'm1', 'm2'] len 3
		Party after leave ['m0', 'm2'] len 2
		Party after session end ['m0']
		Party nodes 1
		ShallowParty members ['m0', 'm1', 'm2'] len 3
		ShallowParty after leave ['m0', 'm2'] len 2
		ShallowParty after session end ['m0']
		ShallowParty nodes 1`,
	"rw_lock": `
		r1 True r2 True
		w while read-locked: LockTimeout
		contenders ['r1', 'r2', 'w', 'r3']
		after r1 release []
		after r2 release [('w', True)]
		after w release [('w', True), ('r3', True)]`,
	"semaphore": `
		s0 True s1 True
		s2 non-blocking False
		holders ['s0', 's1']
		s2 after s0 release [True] holders ['s1', 's2']
		holders after []`,
	"tree_cache": `
		start added /kazoo/tree_cache ''
		start added /kazoo/tree_cache/a '1'
		start initialized None None
		event added /kazoo/tree_cache/a/b '2'
		event updated /kazoo/tree_cache/a "1'"
		event removed /kazoo/tree_cache/a/b '2'
		cache children ['a'] data 1'`,
}

// The core API (testdata/kazoo_basics.py).
var kazooBasics = map[string]string{
	"data_watch": `
		call v0 0 None
		call v1 1 CHANGED
		call v2 2 CHANGED
		call None None DELETED
		call v3 0 CREATED`,
	"children_watch": `
		call [] None
		call ['a'] CHILD
		call ['a', 'b'] CHILD
		call ['b'] CHILD
		call ['b', 'c'] CHILD
		call ['c'] CHILD
		call [] CHILD
		calls after delete 7`,
	"raw_watches": `
		exists before None
		event exists CREATED /kazoo/raw_watches CONNECTED
		event exists2 CHANGED /kazoo/raw_watches CONNECTED
		event get CHANGED /kazoo/raw_watches CONNECTED
		event children CHILD /kazoo/raw_watches CONNECTED
		event children-before-delete CHILD /kazoo/raw_watches CONNECTED
		event get-before-delete DELETED /kazoo/raw_watches CONNECTED
		total 6`,
	// Sequence numbers come from the parent's cversion, which the create
	// of /a in the same multi has already bumped.
	"transaction": `
		ok ['/kazoo/transaction/a', '/kazoo/transaction/s-0000000001', 'ZnodeStat', True, True]
		children ['s-0000000001'] data 1
		failed ['RolledBackError', 'BadVersionError', 'RuntimeInconsistency']
		after failure: b exists False data 1
		sequential in one txn ['/kazoo/transaction/s-0000000002', '/kazoo/transaction/s-0000000003']`,
	"paths": `
		ensure_path /kazoo/paths/a/b/c
		ensure again True
		create makepath /kazoo/paths/x/y/z
		create2 /kazoo/paths/x/y/z2 dataLength 5 version 0
		create existing NodeExistsError
		delete non-empty NotEmptyError
		delete missing NoNodeError
		create under missing NoNodeError
		set wrong version BadVersionError
		delete recursive None
		exists after None`,
	"ephemeral_sequence": `
		names ['/kazoo/ephemeral_sequence/n-0000000000', '/kazoo/ephemeral_sequence/n-0000000001', '/kazoo/ephemeral_sequence/e-0000000002', '/kazoo/ephemeral_sequence/eph']
		ephemeralOwner is the owner's session True
		persistent owner 0
		child of ephemeral NoChildrenForEphemeralsError
		after owner stopped ['n-0000000000', 'n-0000000001']
		next sequence /kazoo/ephemeral_sequence/n-0000000004`,
	// The last line is filled in per server.
	"acl": `
		acl [('digest', 'alice:V55/p2T0OpjQ+low3NVAH4aLvm0=', 31)] aversion 0
		anon get NoAuthError
		anon get public ok public
		anon set public NoAuthError
		anon get_acls NoAuthError
		bob get NoAuthError
		bob as alice get ok secret
		alice get after set_acls NoAuthError
		bob get after set_acls ok secret
		bob create child NoAuthError
		bob exists, aversion 1
		`,
	// An unknown scheme fails the session (AuthFailed); a digest without a
	// colon is accepted (DigestAuthenticationProvider just hashes it).
	"auth_failed": `
		add_auth AuthFailedError
		request after auth failure AuthFailedError
		digest without colon succeeded`,
	"super_user": `
		super get mine
		super get_acls [('digest', 'alice:V55/p2T0OpjQ+low3NVAH4aLvm0=')]
		alice sees super was here
		deleted by super None`,
	// The server_version line is added per server.
	"admin": `
		command ruok imok
		config node b'' version 0
		`,
}

func TestKazoo(t *testing.T) {
	testutil.Slow(t)
	opts := testutil.ZKOptions{SuperDigest: testutil.TestSuperDigest}
	testutil.ForEachZK(t, opts, func(t *testing.T, srv *testutil.ZKServer) {
		want := map[string]string{}
		for k, v := range kazooRecipes {
			want[k] = v
		}
		for k, v := range kazooBasics {
			want[k] = v
		}
		// ZooKeeper 3.8.0 answers exists() without checking READ; 3.8.4 and
		// 3.9 (FinalRequestProcessor, case OpCode.exists) check it, so
		// Wharf, following 3.9.4, says NoAuth.
		// kazoo's server_version() reads envi's zookeeper.version.
		if srv.Kind == zkproc.Apache {
			want["acl"] += "anon exists ok True"
			want["admin"] += "server_version (3, 8, 0)"
		} else {
			want["acl"] += "anon exists NoAuthError"
			want["admin"] += "server_version (3, 9, 4)"
		}
		got := runScenarios(t, srv.Addr, "kazoo_recipes.py")
		for k, v := range runScenarios(t, srv.Addr, "kazoo_basics.py") {
			got[k] = v
		}
		checkScenarios(t, got, want)
	})
}

// TestKazooSessionExpiry ends a kazoo client's session behind its back and
// checks that kazoo reports LOST, starts a new session, and that the old
// session's ephemeral is gone. The client is frozen (SIGSTOP) meanwhile, so
// nothing races: either a second client attaches to the same session with
// its id and password and closes it, or the server's session tracker
// expires it (tickTime 500 ms, so a 2 s session expires within about 2.5 s
// of the last ping).
func TestKazooSessionExpiry(t *testing.T) {
	testutil.Slow(t)
	testutil.ForEachZK(t, testutil.ZKOptions{TickTime: 500}, func(t *testing.T, srv *testutil.ZKServer) {
		watcher := testutil.Connect(t, srv.Addr)
		for _, how := range []string{"closed by another client", "timed out"} {
			t.Run(how, func(t *testing.T) {
				timeout := map[bool]string{true: "2", false: "10"}[how == "timed out"]
				owner := startKazoo(t, "kazoo_session.py", srv.Addr, "expire", timeout)
				f := strings.Fields(owner.expect("session "))
				owner.expect("ready")
				owner.signal(syscall.SIGSTOP)
				if how == "timed out" {
					gone := func() bool {
						ok, _, err := watcher.Exists("/session-expire/eph")
						return err == nil && !ok
					}
					if !testutil.WaitFor(gone, 30*time.Second) {
						t.Fatal("the frozen client's session did not expire within 30s")
					}
				} else {
					thief := startKazoo(t, "kazoo_session.py", srv.Addr, "close", f[1], f[2])
					if got, want := strings.Join(thief.wait(), "\n"), "attached to the same session True\nsees mine owner is the session True\nclosed"; got != want {
						t.Fatalf("second client:\n%s\nwant:\n%s", got, want)
					}
				}
				owner.signal(syscall.SIGCONT)
				owner.send("go")
				want := []string{
					"states ['CONNECTED', 'SUSPENDED', 'LOST', 'CONNECTED']",
					"new session differs True",
					"ephemeral after expiry None",
				}
				if got := owner.wait(); strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Fatalf("after expiry:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
			})
		}
	})
}

// TestKazooSurvivesRestart restarts the server on its data directory while
// a kazoo client is connected: the client reconnects within its session
// timeout (so the server must have kept the session and not gone back in
// zxid, which kazoo would refuse), keeps its ephemeral, and its DataWatch
// sees a change made while it was away.
func TestKazooSurvivesRestart(t *testing.T) {
	testutil.Slow(t)
	testutil.ForEachZK(t, testutil.ZKOptions{}, func(t *testing.T, srv *testutil.ZKServer) {
		p := startKazoo(t, "kazoo_session.py", srv.Addr, "restart")
		p.expect("ready")
		srv.Restart()
		conn := testutil.Connect(t, srv.Addr)
		if _, err := conn.Set("/session-restart/watched", []byte("after"), 0); err != nil {
			t.Fatalf("set after restart: %v", err)
		}
		p.send("go")
		want := []string{
			"states ['CONNECTED', 'SUSPENDED', 'CONNECTED']",
			"same session True",
			"ephemeral mine",
			"plain watch [('NONE', None)]",
			"DataWatch ['before', 'after']",
		}
		if got := p.wait(); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("after restart:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}
