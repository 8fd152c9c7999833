"""kazoo's recipes, several clients at once, against one server.

Each scenario prints what it observed; the Go test holds the expected lines.
"""
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kzlib import connect, join, out, run, thread, wait_until  # noqa: E402

from kazoo.exceptions import LockTimeout  # noqa: E402


def lock(base):
    """Lock: FIFO hand-over among three sessions, never two holders."""
    clients = [connect() for _ in range(3)]
    locks = [c.Lock(base, "c%d" % i) for i, c in enumerate(clients)]
    holders, order, mu = [0], [], threading.Lock()

    def critical(i):
        with mu:
            holders[0] += 1
            order.append("c%d" % i)
            out("c%d holds, holders=%d" % (i, holders[0]))
        with mu:
            holders[0] -= 1

    out("c0 acquire", locks[0].acquire(timeout=10))
    critical(0)
    out("c1 non-blocking", locks[1].acquire(blocking=False))
    try:
        locks[1].acquire(timeout=0.2)
        out("c1 timed acquire succeeded")
    except LockTimeout:
        out("c1 timed acquire: LockTimeout")

    def contend(i):
        locks[i].acquire(timeout=20)
        critical(i)
        locks[i].release()

    threads = []
    for i in (1, 2):
        threads.append(thread(contend, i))
        wait_until(lambda: len(locks[0].contenders()) == i + 1, "contender c%d" % i)
    out("contenders", locks[0].contenders())
    with mu:  # printed before c1, which takes mu to print, can report holding
        out("c0 release", locks[0].release())
    join(*threads)
    out("order", order)
    out("contenders after", locks[0].contenders())

    # A holder whose session ends hands the lock on: its node is ephemeral.
    out("c0 reacquire", locks[0].acquire(timeout=10))
    waiter = thread(contend, 2)
    wait_until(lambda: len(locks[0].contenders()) == 2, "contender c2")
    clients[0].stop()
    join(waiter)
    out("after c0 session ended, contenders", locks[1].contenders())


def election(base):
    """Election: leaders follow the order of joining; cancel leaves it."""
    clients = [connect() for _ in range(3)]
    elections = [c.Election(base, "c%d" % i) for i, c in enumerate(clients)]
    done = [threading.Event() for _ in range(3)]
    printed = threading.Event()
    leaders = []

    def lead(i):
        leaders.append("c%d" % i)
        out("leader c%d" % i, "contenders", elections[i].contenders())
        if i == 0:
            printed.set()
        done[i].wait(20)

    threads = []
    for i in range(3):
        threads.append(thread(elections[i].run, lead, i))
        wait_until(lambda: len(elections[0].contenders()) == i + 1, "contender c%d" % i)
        if i == 0:  # c0 reports its contenders before c1 joins
            printed.wait(20)
    wait_until(lambda: leaders == ["c0"], "c0 leads")
    # c1 gives up before its turn: c2 follows c0.
    elections[1].cancel()
    join(threads[1])
    wait_until(lambda: len(elections[0].contenders()) == 2, "c1 gone")
    done[0].set()
    join(threads[0])
    wait_until(lambda: len(leaders) == 2, "next leader")
    done[2].set()
    join(threads[2])
    out("leaders", leaders)
    out("contenders after", elections[0].contenders())


def queue(base):
    """Queue: priority order, then insertion order; None when empty."""
    producer, consumer = connect(), connect()
    q = producer.Queue(base)
    q.put(b"a")
    q.put(b"b", priority=10)
    q.put(b"c", priority=200)
    q.put(b"d")
    q.put(b"e", priority=10)
    out("len", len(q))
    cq = consumer.Queue(base)
    got = []
    while True:
        item = cq.get()
        if item is None:
            break
        got.append(item.decode())
    out("got", got)
    out("len after", len(cq))


def locking_queue(base):
    """LockingQueue: an item taken by one consumer is hidden from another
    until consumed or released."""
    producer, c1, c2 = connect(), connect(), connect()
    producer.LockingQueue(base).put_all([b"x1", b"x2", b"x3"], priority=5)
    producer.LockingQueue(base).put(b"x0", priority=1)
    q1, q2 = c1.LockingQueue(base), c2.LockingQueue(base)
    out("len", len(q1))
    out("c1 get", q1.get(timeout=5).decode(), "holds", q1.holds_lock())
    out("c2 get", q2.get(timeout=5).decode(), "holds", q2.holds_lock())
    out("c1 release", q1.release(), "holds", q1.holds_lock())
    out("c2 consume", q2.consume())
    out("c1 get", q1.get(timeout=5).decode())
    out("c1 consume", q1.consume())
    out("c2 get", q2.get(timeout=5).decode())
    c2.stop()  # dies holding x2: its lock node is ephemeral
    out("c1 get", q1.get(timeout=5).decode())
    out("c1 consume", q1.consume())
    out("c1 get", q1.get(timeout=5).decode())
    out("c1 consume", q1.consume())
    out("len after", len(q1), "get on empty", q1.get(timeout=0.1))


def barrier(base):
    """Barrier: waiters block while the node exists, pass once removed."""
    owner, waiter = connect(), connect()
    b = owner.Barrier(base)
    out("create", b.create())
    wb = waiter.Barrier(base)
    out("wait with timeout while up", wb.wait(timeout=0.2))
    results = []
    t = thread(lambda: results.append(wb.wait(timeout=20)))
    out("remove", b.remove())
    join(t)
    out("waiter passed", results)
    out("wait when down", wb.wait(timeout=0.2))


def double_barrier(base):
    """DoubleBarrier: nobody enters until all three are in, nobody leaves
    until all three are out."""
    clients = [connect() for _ in range(3)]
    mu = threading.Lock()
    entering, leaving = [0], [0]
    seen_in, seen_out = [], []

    def member(i):
        db = clients[i].DoubleBarrier(base, 3, identifier="m%d" % i)
        with mu:
            entering[0] += 1
        db.enter()
        with mu:
            seen_in.append(entering[0])
        with mu:
            leaving[0] += 1
        db.leave()
        with mu:
            seen_out.append(leaving[0])

    threads = [thread(member, i) for i in range(3)]
    join(*threads)
    out("callers inside when enter returned", sorted(seen_in))
    out("callers leaving when leave returned", sorted(seen_out))
    out("children after", clients[0].get_children(base))


def counter(base):
    """Counter: 3 sessions x 20 increments race on the node's version."""
    clients = [connect() for _ in range(3)]

    def bump(c):
        cnt = c.Counter(base)
        for _ in range(20):
            cnt += 1

    join(*[thread(bump, c) for c in clients])
    cnt = clients[0].Counter(base)
    out("value", cnt.value)
    cnt -= 5
    out("after -= 5", cnt.value, "pre", cnt.pre_value, "post", cnt.post_value)
    data, stat = clients[0].get(base)
    out("stored", data.decode(), "version", stat.version)
    f = clients[1].Counter(base + "-float", default=0.0)
    f += 1.5
    f += 1.5
    out("float", f.value)


def party(base):
    """Party and ShallowParty: members join, leave, and vanish with their
    session."""
    for kind in ("Party", "ShallowParty"):
        path = base + "/" + kind
        clients = [connect() for _ in range(3)]
        parties = [getattr(c, kind)(path, "m%d" % i) for i, c in enumerate(clients)]
        for p in parties:
            p.join()
        out(kind, "members", sorted(parties[0]), "len", len(parties[0]))
        parties[1].leave()
        out(kind, "after leave", sorted(parties[0]), "len", len(parties[0]))
        clients[2].stop()
        wait_until(lambda: len(parties[0]) == 1, "m2's session to end")
        out(kind, "after session end", sorted(parties[0]))
        out(kind, "nodes", len(clients[0].get_children(path)))


def rw_lock(base):
    """ReadLock and WriteLock: readers share, a writer waits for them and
    blocks later readers until it is done."""
    r1c, r2c, wc, r3c = connect(), connect(), connect(), connect()
    r1, r2 = r1c.ReadLock(base, "r1"), r2c.ReadLock(base, "r2")
    w, r3 = wc.WriteLock(base, "w"), r3c.ReadLock(base, "r3")
    out("r1", r1.acquire(timeout=10), "r2", r2.acquire(timeout=10))
    try:
        w.acquire(timeout=0.2)
        out("w acquired while read-locked")
    except LockTimeout:
        out("w while read-locked: LockTimeout")
    got = []
    tw = thread(lambda: got.append(("w", w.acquire(timeout=20))))
    wait_until(lambda: len(r1.contenders()) == 3, "the writer to queue")
    # A reader after a queued writer waits behind it.
    tr = thread(lambda: got.append(("r3", r3.acquire(timeout=20))))
    wait_until(lambda: len(r1.contenders()) == 4, "r3 to queue")
    out("contenders", r1.contenders())
    r1.release()
    out("after r1 release", got)
    r2.release()
    join(tw)
    out("after r2 release", got)
    w.release()
    join(tr)
    out("after w release", got)
    r3.release()


def semaphore(base):
    """Semaphore: at most max_leases holders; a waiter gets the lease a
    holder gives back."""
    clients = [connect() for _ in range(3)]
    sems = [c.Semaphore(base, "s%d" % i, max_leases=2) for i, c in enumerate(clients)]
    out("s0", sems[0].acquire(timeout=10), "s1", sems[1].acquire(timeout=10))
    out("s2 non-blocking", sems[2].acquire(blocking=False))
    out("holders", sorted(sems[0].lease_holders()))
    got = []
    t = thread(lambda: got.append(sems[2].acquire(timeout=20)))
    sems[0].release()
    join(t)
    out("s2 after s0 release", got, "holders", sorted(sems[1].lease_holders()))
    sems[1].release()
    sems[2].release()
    out("holders after", sems[0].lease_holders())


def tree_cache(base):
    """TreeCache: the initial tree, then additions, updates and removals
    anywhere below the root, from one recursive set of watches."""
    from kazoo.recipe.cache import TreeCache, TreeEvent
    zk, writer = connect(), connect()
    zk.create(base + "/a", b"1", makepath=True)
    names = {TreeEvent.NODE_ADDED: "added", TreeEvent.NODE_UPDATED: "updated",
             TreeEvent.NODE_REMOVED: "removed", TreeEvent.INITIALIZED: "initialized",
             TreeEvent.CONNECTION_SUSPENDED: "suspended",
             TreeEvent.CONNECTION_RECONNECTED: "reconnected",
             TreeEvent.CONNECTION_LOST: "lost"}
    events, cond = [], threading.Condition()

    def listener(event):
        with cond:
            data = event.event_data
            events.append((names[event.event_type],
                           None if data is None else data.path,
                           None if data is None or data.data is None else repr(data.data.decode())))
            cond.notify_all()

    def step(n, action):
        action()
        with cond:
            if not cond.wait_for(lambda: len(events) >= n, 20):
                raise AssertionError("have %d events, want %d: %s" % (len(events), n, events))

    cache = TreeCache(zk, base)
    cache.listen(listener)
    step(3, cache.start)  # base, base/a, initialized: in no fixed order
    for e in sorted(events[:3], key=str):
        out("start", *e)
    del events[:3]
    step(1, lambda: writer.create(base + "/a/b", b"2"))
    step(2, lambda: writer.set(base + "/a", b"1'"))
    step(3, lambda: writer.delete(base + "/a/b"))
    for e in events:
        out("event", *e)
    out("cache children", sorted(cache.get_children(base)), "data", cache.get_data(base + "/a").data.decode())
    cache.close()


run({
    "lock": lock,
    "election": election,
    "queue": queue,
    "locking_queue": locking_queue,
    "barrier": barrier,
    "double_barrier": double_barrier,
    "counter": counter,
    "party": party,
    "rw_lock": rw_lock,
    "semaphore": semaphore,
    "tree_cache": tree_cache,
})
