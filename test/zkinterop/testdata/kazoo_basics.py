"""kazoo's core API against one server: watches and the watcher recipes,
transactions, paths, ephemeral and sequential nodes, ACLs.

Each scenario prints what it observed; the Go test holds the expected lines.
"""
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kzlib import connect, out, run, wait_until  # noqa: E402

from kazoo.exceptions import (  # noqa: E402
    NoAuthError, NodeExistsError, NoNodeError, NotEmptyError,
    BadVersionError)
from kazoo.security import make_acl, make_digest_acl  # noqa: E402


def ev(event):
    return None if event is None else event.type


def data_watch(base):
    """DataWatch: one call per change, None after deletion, and the node's
    re-creation seen too. Each change waits for its call, so none merge."""
    zk, writer = connect(), connect()
    zk.create(base, b"v0", makepath=True)
    calls, cond = [], threading.Condition()

    def changed(data, stat, event):
        with cond:
            calls.append((None if data is None else data.decode(),
                          None if stat is None else stat.version, ev(event)))
            cond.notify_all()

    zk.DataWatch(base, changed)

    def step(n, action):
        action()
        with cond:
            if not cond.wait_for(lambda: len(calls) >= n, 20):
                raise AssertionError("no call %d" % n)

    step(1, lambda: None)
    step(2, lambda: writer.set(base, b"v1"))
    step(3, lambda: writer.set(base, b"v2"))
    step(4, lambda: writer.delete(base))
    step(5, lambda: writer.create(base, b"v3"))
    for c in calls:
        out("call", *c)


def children_watch(base):
    """ChildrenWatch: sorted children after every add and remove; it stops
    when the node is deleted."""
    zk, writer = connect(), connect()
    zk.create(base, makepath=True)
    calls, cond = [], threading.Condition()

    def changed(children, event):
        with cond:
            calls.append((sorted(children), ev(event)))
            cond.notify_all()

    cw = zk.ChildrenWatch(base, changed, send_event=True)

    def step(n, action):
        action()
        with cond:
            if not cond.wait_for(lambda: len(calls) >= n, 20):
                raise AssertionError("no call %d" % n)

    step(1, lambda: None)
    step(2, lambda: writer.create(base + "/a"))
    step(3, lambda: writer.create(base + "/b"))
    step(4, lambda: writer.delete(base + "/a"))
    writer.set(base + "/b", b"a data change is not a child change")
    step(5, lambda: writer.create(base + "/c"))
    step(6, lambda: writer.delete(base + "/b"))
    step(7, lambda: writer.delete(base + "/c"))
    writer.delete(base)
    wait_until(lambda: cw._stopped, "the watch to stop after the node is deleted")
    for c in calls:
        out("call", *c)
    out("calls after delete", len(calls))


def raw_watches(base):
    """One-shot watches set by get, get_children and exists: which event
    each receives, once."""
    zk, writer = connect(), connect()
    events, cond = [], threading.Condition()

    def watcher(name):
        def w(event):
            with cond:
                events.append((name, event.type, event.path, event.state))
                cond.notify_all()
        return w

    def wait_events(n):
        with cond:
            if not cond.wait_for(lambda: len(events) >= n, 20):
                raise AssertionError("have %d events, want %d" % (len(events), n))

    out("exists before", zk.exists(base, watch=watcher("exists")))
    writer.create(base, b"x", makepath=True)
    wait_events(1)
    zk.get(base, watch=watcher("get"))
    zk.get_children(base, watch=watcher("children"))
    zk.exists(base, watch=watcher("exists2"))
    writer.set(base, b"y")  # get and exists2 fire; children does not
    wait_events(3)
    writer.create(base + "/kid")  # children fires
    wait_events(4)
    writer.set(base, b"z")  # nothing is left to fire
    zk.get(base, watch=watcher("get-before-delete"))
    zk.get_children(base, watch=watcher("children-before-delete"))
    writer.delete(base, recursive=True)
    wait_events(6)
    zk.sync(base)  # a round trip: anything more would have arrived by now
    out("event", *events[0])
    # get and exists2 watch the same change: the server sends one
    # notification, kazoo calls both watchers in no set order.
    for e in sorted(events[1:3]):
        out("event", *e)
    # The two watches on one change may arrive in either order.
    out("event", *events[3])
    for e in sorted(events[4:]):
        out("event", *e)
    out("total", len(events))


def transaction(base):
    """client.transaction(): all-or-nothing, per-op results."""
    zk = connect()
    zk.create(base, b"0")
    t = zk.transaction()
    t.create(base + "/a", b"A")
    t.create(base + "/s-", b"S", sequence=True)
    t.set_data(base, b"1")
    t.check(base, 1)
    t.delete(base + "/a")
    results = t.commit()
    out("ok", [r if isinstance(r, (str, bool)) else type(r).__name__ for r in results])
    out("children", sorted(zk.get_children(base)), "data", zk.get(base)[0].decode())

    t = zk.transaction()
    t.create(base + "/b", b"B")
    t.check(base, 7)
    t.set_data(base, b"2")
    results = t.commit()
    out("failed", [type(r).__name__ for r in results])
    out("after failure: b exists", zk.exists(base + "/b") is not None,
        "data", zk.get(base)[0].decode())

    t = zk.transaction()
    t.create(base + "/s-", b"S", sequence=True)
    t.create(base + "/s-", b"S", sequence=True)
    out("sequential in one txn", t.commit())


def paths(base):
    """ensure_path, makepath, recursive delete and the errors around them."""
    zk = connect()
    out("ensure_path", zk.ensure_path(base + "/a/b/c"))
    out("ensure again", zk.ensure_path(base + "/a/b/c"))
    out("create makepath", zk.create(base + "/x/y/z", b"deep", makepath=True))
    path, stat = zk.create(base + "/x/y/z2", b"12345", include_data=True)
    out("create2", path, "dataLength", stat.dataLength, "version", stat.version)
    for call, label in ((lambda: zk.create(base + "/x"), "create existing"),
                        (lambda: zk.delete(base + "/x"), "delete non-empty"),
                        (lambda: zk.delete(base + "/nope"), "delete missing"),
                        (lambda: zk.create(base + "/nope/child"), "create under missing"),
                        (lambda: zk.set(base + "/x", b"v", version=3), "set wrong version")):
        try:
            call()
            out(label, "succeeded")
        except (NodeExistsError, NotEmptyError, NoNodeError, BadVersionError) as e:
            out(label, type(e).__name__)
    out("delete recursive", zk.delete(base, recursive=True))
    out("exists after", zk.exists(base))


def ephemeral_sequence(base):
    """Ephemeral and sequential nodes: names, owners, and removal with the
    session."""
    owner, other = connect(), connect()
    owner.ensure_path(base)
    names = [owner.create(base + "/n-", sequence=True) for _ in range(2)]
    names.append(owner.create(base + "/e-", b"e", ephemeral=True, sequence=True))
    names.append(owner.create(base + "/eph", ephemeral=True))
    out("names", names)
    stat = other.exists(base + "/eph")
    out("ephemeralOwner is the owner's session", stat.ephemeralOwner == owner.client_id[0])
    out("persistent owner", other.exists(names[0]).ephemeralOwner)
    try:
        owner.create(base + "/eph/child")
    except Exception as e:
        out("child of ephemeral", type(e).__name__)
    owner.stop()
    out("after owner stopped", sorted(other.get_children(base)))
    out("next sequence", other.create(base + "/n-", sequence=True))


def acl(base):
    """make_digest_acl and add_auth: who may read, write and see the ACL."""
    alice = connect(auth_data=[("digest", "alice:pw")])
    anon, bob = connect(), connect()
    alice_acl = make_digest_acl("alice", "pw", all=True)
    alice.create(base, b"secret", acl=[alice_acl], makepath=True)
    alice.create(base + "-pub", b"public",
                 acl=[alice_acl, make_acl("world", "anyone", read=True)])
    acls, stat = alice.get_acls(base)
    out("acl", [(a.id.scheme, a.id.id, a.perms) for a in acls], "aversion", stat.aversion)

    def attempt(label, call):
        try:
            r = call()
            out(label, "ok", r[0].decode() if isinstance(r, tuple) else "")
        except NoAuthError:
            out(label, "NoAuthError")

    attempt("anon get", lambda: anon.get(base))
    attempt("anon get public", lambda: anon.get(base + "-pub"))
    attempt("anon set public", lambda: anon.set(base + "-pub", b"x"))
    attempt("anon get_acls", lambda: anon.get_acls(base))
    bob.add_auth("digest", "bob:pw")
    attempt("bob get", lambda: bob.get(base))
    bob.add_auth("digest", "alice:pw")
    attempt("bob as alice get", lambda: bob.get(base))
    bob.set_acls(base, [make_digest_acl("bob", "pw", read=True, write=True)])
    attempt("alice get after set_acls", lambda: alice.get(base))
    attempt("bob get after set_acls", lambda: bob.get(base))
    attempt("bob create child", lambda: bob.create(base + "/kid"))
    out("bob exists, aversion", bob.exists(base).aversion)
    # Whether exists needs READ is where 3.8.0 and 3.9 differ: the Go test
    # knows which answer each server gives.
    attempt("anon exists", lambda: (str(anon.exists(base) is not None).encode(), None))


def auth_failed(base):
    """An unknown auth scheme fails the session: AuthFailed, after which
    kazoo refuses requests."""
    from kazoo.exceptions import AuthFailedError
    zk = connect()
    try:
        zk.add_auth("nosuchscheme", "x")
        out("add_auth succeeded")
    except AuthFailedError:
        out("add_auth AuthFailedError")
    try:
        zk.exists("/")
        out("request after auth failure succeeded")
    except Exception as e:
        out("request after auth failure", type(e).__name__)
    good = connect()
    try:
        good.add_auth("digest", "no-colon")
        out("digest without colon succeeded")
    except AuthFailedError:
        out("digest without colon AuthFailedError")


def super_user(base):
    """The superDigest user reads and changes what its ACL keeps from
    everyone else."""
    alice = connect(auth_data=[("digest", "alice:pw")])
    alice.create(base, b"mine", acl=[make_digest_acl("alice", "pw", all=True)])
    root = connect(auth_data=[("digest", "super:test")])
    out("super get", root.get(base)[0].decode())
    root.set(base, b"super was here")
    out("super get_acls", [(a.id.scheme, a.id.id) for a in root.get_acls(base)[0]])
    out("alice sees", alice.get(base)[0].decode())
    root.delete(base)
    out("deleted by super", alice.exists(base))


def admin(base):
    """What a standalone server answers to kazoo's admin calls. (Not
    reconfig: kazoo 2.8 does not know ReconfigDisabled, -123, and its
    reader thread dies on it; zkCli covers reconfig.)"""
    zk = connect()
    out("command ruok", zk.command(b"ruok"))
    data, stat = zk.get("/zookeeper/config")
    out("config node", repr(data), "version", stat.version)
    out("server_version", zk.server_version())


run({
    "data_watch": data_watch,
    "children_watch": children_watch,
    "raw_watches": raw_watches,
    "transaction": transaction,
    "paths": paths,
    "ephemeral_sequence": ephemeral_sequence,
    "acl": acl,
    "auth_failed": auth_failed,
    "super_user": super_user,
    "admin": admin,
})
