"""Shared helpers for the kazoo scenarios run by the zkinterop tests.

A scenario is a function taking a base path (fresh for it: $KZ_ROOT/name,
by default /kazoo/name) and printing its observations through out(). run() calls the
scenarios named on the command line (all of them when none is named) in one
process and prefixes each line with the scenario's name, so the Go test can
split the output into one subtest per scenario. An exception ends only its
own scenario: it prints "<name>: ERROR <type>: <message>".

Usage: python3 script.py HOSTS [scenario ...]
"""
import os
import sys
import threading
import time
import traceback

from kazoo.client import KazooClient

HOSTS = sys.argv[1]
ROOT = os.environ.get("KZ_ROOT", "/kazoo")
_current = threading.local()
_lock = threading.Lock()
_clients = []


def out(*args):
    """Prints one observation line of the running scenario."""
    line = " ".join(str(a) for a in args)
    with _lock:
        print("%s: %s" % (_scenario_name(), line), flush=True)


def _scenario_name():
    return getattr(_current, "name", None) or _main_name[0]


_main_name = ["-"]


def connect(timeout=10.0, **kwargs):
    """A started KazooClient, stopped at the end of the scenario."""
    c = KazooClient(hosts=HOSTS, timeout=timeout, **kwargs)
    c.start(timeout=20)
    _clients.append(c)
    return c


def wait_until(cond, what, timeout=20.0):
    """Polls cond (1 ms doubling to 50 ms) until it is true."""
    deadline = time.monotonic() + timeout
    delay = 0.001
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


def thread(fn, *args):
    """Starts fn in a thread that reports under the current scenario."""
    name = _scenario_name()
    errors = []

    def body():
        _current.name = name
        try:
            fn(*args)
        except Exception as e:  # reported by join()
            errors.append(e)

    t = threading.Thread(target=body, daemon=True)
    t.errors = errors
    t.start()
    return t


def join(*threads, timeout=30.0):
    for t in threads:
        t.join(timeout)
        if t.is_alive():
            raise AssertionError("thread did not finish")
        if t.errors:
            raise t.errors[0]


def run(scenarios):
    """Runs the named scenarios (a dict name -> function) in order."""
    names = sys.argv[2:] or list(scenarios)
    for name in names:
        _main_name[0] = name
        try:
            scenarios[name](ROOT + "/" + name)
        except Exception as e:
            out("ERROR %s: %s" % (type(e).__name__, e))
            traceback.print_exc()
        finally:
            while _clients:
                c = _clients.pop()
                try:
                    c.stop()
                    c.close()
                except Exception:
                    pass
