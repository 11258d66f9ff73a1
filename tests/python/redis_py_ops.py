#!/usr/bin/env python3
"""Runs a fixed sequence of redis-py calls and prints their results, one
JSON array [label, repr(result)] per line.

Usage: redis_py_ops.py --port P --protocol {2,3,default}

Run against redis-server and against our server, the two outputs must be
equal. Results are recorded with repr(), so Python types count (bytes vs
int vs float vs list vs set: RESP3 replies become richer types). Anything
time- or order-dependent is normalised here: TTLs become ranges, KEYS and
SCAN results are sorted. Errors are recorded as their message.
"""

import argparse
import json
import sys

import redis


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--protocol", default="default")
    opts = ap.parse_args()
    kwargs = {} if opts.protocol == "default" else {"protocol": int(opts.protocol)}
    r = redis.Redis(host="127.0.0.1", port=opts.port, **kwargs)
    results = []

    def rec(label, fn):
        try:
            value = fn()
        except redis.ResponseError as e:
            value = f"ResponseError: {e}"
        results.append([label, repr(value)])

    def ttl_range(v):
        if v < 0:
            return v
        return "0..100" if v <= 100 else "101..100000" if v <= 100000 else "more"

    rec("version major", lambda: redis.__version__.split(".")[0])
    rec("flushall", lambda: r.flushall())
    rec("ping", lambda: r.ping())
    rec("set", lambda: r.set("a", "1"))
    rec("set nx", lambda: r.set("a", "2", nx=True))
    rec("set xx get", lambda: r.set("a", "3", xx=True, get=True))
    rec("set ex", lambda: r.set("b", "bee", ex=100))
    rec("get", lambda: r.get("a"))
    rec("get missing", lambda: r.get("missing"))
    rec("mset", lambda: r.mset({"Croatia": "Zagreb", "Bahamas": "Nassau", "n": 10}))
    rec("mget", lambda: r.mget("Croatia", "missing", "Bahamas", "n"))
    rec("exists", lambda: r.exists("a", "b", "missing", "a"))
    rec("expire", lambda: r.expire("a", 100))
    rec("expire missing", lambda: r.expire("missing", 100))
    rec("ttl", lambda: ttl_range(r.ttl("a")))
    rec("pttl", lambda: ttl_range(r.pttl("a") // 1000))
    rec("ttl no expiry", lambda: r.ttl("Croatia"))
    rec("ttl missing", lambda: r.ttl("missing"))
    rec("pttl missing", lambda: r.pttl("missing"))
    rec("persist", lambda: r.persist("a"))
    rec("persist again", lambda: r.persist("a"))
    rec("ttl after persist", lambda: r.ttl("a"))
    rec("expire nx", lambda: r.expire("a", 50, nx=True))
    rec("expire gt", lambda: r.expire("a", 10, gt=True))
    rec("pexpire", lambda: r.pexpire("Bahamas", 100000))
    rec("pttl bahamas", lambda: ttl_range(r.pttl("Bahamas") // 1000))
    rec("expiretime", lambda: r.expiretime("Croatia"))
    rec("incr", lambda: r.incr("n"))
    rec("incrby", lambda: r.incrby("n", 5))
    rec("decr", lambda: r.decr("n"))
    rec("incrbyfloat", lambda: r.incrbyfloat("n", 0.5))
    rec("incr non-number", lambda: r.incr("Croatia"))
    rec("append", lambda: r.append("Croatia", "!"))
    rec("strlen", lambda: r.strlen("Croatia"))
    rec("getrange", lambda: r.getrange("Croatia", 1, -2))
    rec("setrange", lambda: r.setrange("Croatia", 0, "z"))
    rec("getdel", lambda: r.getdel("b"))
    rec("getex", lambda: r.getex("Croatia", ex=1000))
    rec("type", lambda: r.type("Croatia"))
    rec("object encoding", lambda: r.object("encoding", "n"))
    rec("rename", lambda: r.rename("Bahamas", "Bahamas2"))
    rec("copy", lambda: r.copy("Bahamas2", "Bahamas3"))
    rec("lcs", lambda: r.lcs("Croatia", "Bahamas2"))
    rec("delete", lambda: r.delete("Bahamas3", "missing"))
    for i in range(30):
        r.set(f"x:{i}", i)
        r.set(f"y:{i}", i)
    rec("keys", lambda: sorted(r.keys("x:1*")))
    rec("keys all", lambda: len(r.keys()))
    rec("scan_iter", lambda: sorted(r.scan_iter(match="x:*", count=7)))
    rec("scan_iter type", lambda: sorted(r.scan_iter(_type="string", match="y:2*")))
    rec("dbsize", lambda: r.dbsize())

    # A 10,000-command pipeline without MULTI.
    pipe = r.pipeline(transaction=False)
    for i in range(10000):
        k = f"p:{i % 97}"
        op = i % 5
        if op == 0:
            pipe.set(k, i)
        elif op == 1:
            pipe.get(k)
        elif op == 2:
            pipe.incr(k)
        elif op == 3:
            pipe.exists(k, "missing")
        else:
            pipe.append(k, "x")
    rec("pipeline", lambda: pipe.execute(raise_on_error=False))
    rec("pipeline dbsize", lambda: r.dbsize())
    rec("flushdb", lambda: r.flushdb())
    for entry in results:
        sys.stdout.write(json.dumps(entry) + "\n")


if __name__ == "__main__":
    main()
