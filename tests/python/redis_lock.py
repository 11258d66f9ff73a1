#!/usr/bin/env python3
"""redis-py 8's Lock (its Lua scripts through register_script: EVALSHA
with the NOSCRIPT fallback) against a server.

Usage: redis_lock.py --port P [--protocol {2,3,default}]

1. 16 threads take turns on one lock (timeout, blocking_timeout, extend,
   reacquire). Mutual exclusion holds: no two threads are ever inside at
   once, and a counter only the holder changes (read, then written back)
   ends at the number of turns.
2. An expired lock is taken over by another client, and releasing it
   afterwards through the first client raises LockNotOwnedError, as does
   extending it.
3. SCRIPT FLUSH in the middle: the next release reloads its script.

Prints one line per check; exits non-zero on the first failure.
"""

import argparse
import threading
import time

import redis
from redis.exceptions import LockNotOwnedError

THREADS = 16
ROUNDS = 6


def client(opts):
    kwargs = {} if opts.protocol == "default" else {"protocol": int(opts.protocol)}
    return redis.Redis(host="127.0.0.1", port=opts.port, **kwargs)


def take_turns(opts):
    r = client(opts)
    r.delete("lock:turns", "lock:counter")
    guard = threading.Lock()
    inside = [0]
    overlaps = []
    turns = [0]
    errors = []

    def worker(n):
        try:
            c = client(opts)
            lock = c.lock("lock:turns", timeout=10, blocking_timeout=60, sleep=0.005)
            for i in range(ROUNDS):
                if not lock.acquire():
                    errors.append(f"thread {n} round {i}: not acquired within blocking_timeout")
                    return
                with guard:
                    inside[0] += 1
                    if inside[0] != 1:
                        overlaps.append((n, i, inside[0]))
                try:
                    value = int(c.get("lock:counter") or 0)
                    if i % 3 == 1:
                        assert lock.extend(5), "extend"
                    if i % 3 == 2:
                        assert lock.reacquire(), "reacquire"
                    assert lock.owned(), "owned"
                    time.sleep(0.001)
                    c.set("lock:counter", value + 1)
                    with guard:
                        turns[0] += 1
                finally:
                    with guard:
                        inside[0] -= 1
                    lock.release()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(f"thread {n}: {type(e).__name__}: {e}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert not overlaps, f"two holders at once: {overlaps}"
    assert turns[0] == THREADS * ROUNDS, turns[0]
    counter = int(r.get("lock:counter"))
    assert counter == THREADS * ROUNDS, f"counter {counter} != {THREADS * ROUNDS}"
    assert r.exists("lock:turns") == 0
    print(f"turns: {THREADS} threads x {ROUNDS} rounds, counter {counter}, no overlap")


def expiry_and_ownership(opts):
    a = client(opts)
    b = client(opts)
    a.delete("lock:exp")
    first = a.lock("lock:exp", timeout=0.3, thread_local=False)
    assert first.acquire(blocking=False)
    second = b.lock("lock:exp", timeout=10, blocking_timeout=30, sleep=0.05, thread_local=False)
    assert not second.acquire(blocking=False), "held lock acquired twice"
    # The first holder never releases: its lock expires and is taken over.
    assert second.acquire(), "expired lock not taken over"
    assert second.owned() and not first.owned()
    print("expired lock taken over")
    try:
        first.extend(1)
        raise AssertionError("extending someone else's lock succeeded")
    except LockNotOwnedError:
        print("extend of a lock owned by another: LockNotOwnedError")
    try:
        first.reacquire()
        raise AssertionError("reacquiring someone else's lock succeeded")
    except LockNotOwnedError:
        print("reacquire of a lock owned by another: LockNotOwnedError")
    try:
        first.release()
        raise AssertionError("releasing someone else's lock succeeded")
    except LockNotOwnedError:
        print("release of a lock owned by another: LockNotOwnedError")
    assert b.get("lock:exp") is not None
    second.release()
    assert a.get("lock:exp") is None
    print("owner released")


def flush_in_between(opts):
    r = client(opts)
    lock = r.lock("lock:flush", timeout=10)
    assert lock.acquire(blocking=False)
    r.script_flush()
    assert lock.extend(1)
    lock.release()
    assert r.exists("lock:flush") == 0
    print("scripts reloaded after SCRIPT FLUSH")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--protocol", default="default")
    opts = ap.parse_args()
    take_turns(opts)
    expiry_and_ownership(opts)
    flush_in_between(opts)
    print("all lock checks passed")


if __name__ == "__main__":
    main()
