#!/usr/bin/env python3
"""redis-py's client-side cache (RESP3, CacheConfig) against a server:
reads served from the local cache, invalidated when another client writes
the key, deletes it, when it expires, and on FLUSHALL. redis-py 8 refuses
its cache below Redis 7.4 (a product-compatibility gate, not a protocol
need); the gate is lowered here so the same script runs against Redis
7.0.15 and our server. Prints one JSON array [label, repr] per line; the
output against redis-server and against our server must be equal.

Usage: client_cache.py --port P
"""

import argparse
import json
import time

import redis
from redis.cache import CacheConfig
from redis.connection import CacheProxyConnection

CacheProxyConnection.MIN_ALLOWED_VERSION = "7.0.0"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    opts = ap.parse_args()
    r = redis.Redis(host="127.0.0.1", port=opts.port, protocol=3, cache_config=CacheConfig(max_size=100),
                    single_connection_client=True)
    w = redis.Redis(host="127.0.0.1", port=opts.port)
    cache = r.get_cache()
    out = []

    def rec(label, value):
        out.append([label, repr(value)])

    def settle():
        # Invalidations arrive as pushes; redis-py reads them before its
        # next command. Give the server a moment to send them.
        time.sleep(0.05)

    w.flushall()
    w.set("k", "v1")
    rec("get1", r.get("k"))
    rec("cached", cache.size)
    rec("get2", r.get("k"))
    w.set("k", "v2")
    settle()
    rec("after write", r.get("k"))
    w.delete("k")
    settle()
    rec("after delete", r.get("k"))
    w.set("h", "x")
    rec("mget", r.mget("h", "k"))
    rec("cached mget", cache.size)
    w.set("e", "soon", px=50)
    rec("get e", r.get("e"))
    time.sleep(0.3)
    rec("after expiry", r.get("e"))
    w.set("k", "v3")
    rec("get k", r.get("k"))
    w.flushall()
    settle()
    rec("after flushall", r.get("k"))
    rec("tracking info", r.client_trackinginfo())
    r.close()
    w.close()
    for item in out:
        print(json.dumps(item))


if __name__ == "__main__":
    main()
