"""kazoo's session handling, driven step by step by the Go test.

  expire HOSTS T     connect with session timeout T seconds, create an ephemeral, print "session <id> <pw>"
                     and "ready", then wait for a line on stdin. Meanwhile the
                     Go test stops this process (SIGSTOP), ends the session
                     from a second client (the "close" mode below) and lets it
                     go on (SIGCONT); or it waits until the server has
                     expired the frozen session. Prints the states kazoo reported and
                     what is left of the old session.
  close HOSTS ID PW  attach to session ID (hex) with password PW (hex), print
                     what it sees, and close the session.
  restart HOSTS      connect, create an ephemeral, watch a node with get()
                     and with DataWatch, print "ready", wait for a line on
                     stdin (the Go test restarts the server and changes the
                     watched node meanwhile), then print whether the session
                     survived and what the watches saw. kazoo 2.8 sends no
                     setWatches: on SUSPENDED it fires every plain watch with
                     a NONE event and forgets it; DataWatch re-reads the node
                     once CONNECTED again.
"""
import sys
import threading
import time

from kazoo.client import KazooClient, KazooState

HOSTS, MODE = sys.argv[1], sys.argv[2]
BASE = "/session-restart" if MODE == "restart" else "/session-expire"


def out(*args):
    print(" ".join(str(a) for a in args), flush=True)


def wait_until(cond, what, timeout=30.0):
    deadline = time.monotonic() + timeout
    delay = 0.001
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


def client(timeout, **kwargs):
    # Retry the connection quickly: the server is back within seconds.
    return KazooClient(hosts=HOSTS, timeout=timeout,
                       connection_retry=dict(max_tries=-1, delay=0.05, backoff=1.5, max_delay=0.5),
                       **kwargs)


def watched_client(timeout):
    zk = client(timeout)
    states, mu = [], threading.Lock()

    def listener(state):
        with mu:
            states.append(state)

    zk.add_listener(listener)
    zk.start(timeout=20)
    return zk, states


def expire():
    zk, states = watched_client(float(sys.argv[3]))
    zk.ensure_path(BASE)
    if zk.exists(BASE + "/eph"):  # left by an earlier client's session
        zk.delete(BASE + "/eph")
    zk.create(BASE + "/eph", b"mine", ephemeral=True)
    sid, pw = zk.client_id
    out("session", "%x" % sid, pw.hex())
    out("ready")
    sys.stdin.readline()
    wait_until(lambda: KazooState.LOST in states, "LOST")
    # kazoo starts a new session by itself after LOST.
    wait_until(lambda: zk.connected and zk.client_id[0] != sid, "a new session")
    out("states", [s for s in states])
    out("new session differs", zk.client_id[0] != sid)
    out("ephemeral after expiry", zk.exists(BASE + "/eph"))
    zk.stop()


def close():
    sid, pw = int(sys.argv[3], 16), bytes.fromhex(sys.argv[4])
    zk = client(10.0, client_id=(sid, pw))
    zk.start(timeout=20)
    out("attached to the same session", zk.client_id[0] == sid)
    data, stat = zk.get(BASE + "/eph")
    out("sees", data.decode(), "owner is the session", stat.ephemeralOwner == sid)
    zk.stop()  # closeSession: the session ends for its first client too
    out("closed")


def restart():
    zk, states = watched_client(20.0)
    zk.ensure_path(BASE)
    zk.create(BASE + "/eph", b"mine", ephemeral=True)
    zk.create(BASE + "/watched", b"before")
    events, seen = [], []
    zk.get(BASE + "/watched", watch=events.append)
    zk.DataWatch(BASE + "/watched", lambda data, stat: seen.append(data.decode()))
    sid = zk.client_id[0]
    out("ready")
    sys.stdin.readline()
    wait_until(lambda: KazooState.SUSPENDED in states and zk.connected, "reconnection")
    wait_until(lambda: "after" in seen, "DataWatch to see the change")
    out("states", states)
    out("same session", zk.client_id[0] == sid)
    out("ephemeral", zk.get(BASE + "/eph")[0].decode())
    out("plain watch", [(e.type, e.path) for e in events])
    out("DataWatch", seen)
    zk.stop()


{"expire": expire, "close": close, "restart": restart}[MODE]()
