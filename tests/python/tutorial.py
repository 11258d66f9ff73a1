#!/usr/bin/env python3
"""The first half of the Real Python tutorial "How to Use Redis With Python"
(seed document 000_a0f3db2574cc3957), as a script.

Usage: tutorial.py --port P --section {strings,sets}

strings: the redis-py "hello world" (mset/get), databases (Redis(db=1)),
         key expiry (setex with a timedelta, ttl, pttl, expire, exists after
         the key expired) and the string/key parts of the redis-cli tour
         (SET/GET/MSET/MGET/EXISTS/FLUSHDB) through redis-py.
sets:    "Allowed key types": sadd with a date key (DataError, client side),
         then with its isoformat, smembers, scard.

Prints one line per step; run against redis-server and our server, the
outputs must be equal. TTLs are printed as ranges.
"""

import argparse
import datetime
import time
from datetime import timedelta

import redis


def strings(port):
    r = redis.Redis(port=port)
    r.flushall()
    # redis-cli tour, through redis-py.
    print("SET Bahamas", r.set("Bahamas", "Nassau"))
    print("SET Croatia", r.set("Croatia", "Zagreb"))
    print("GET Croatia", r.get("Croatia"))
    print("GET Japan", r.get("Japan"))
    print("MSET", r.mset({"Lebanon": "Beirut", "Norway": "Oslo", "France": "Paris"}))
    print("MGET", r.mget("Lebanon", "Norway", "Bahamas"))
    print("EXISTS Norway", r.exists("Norway"))
    print("EXISTS Sweden", r.exists("Sweden"))
    print("FLUSHDB", r.flushdb())
    # Hello world.
    print("mset", r.mset({"Croatia": "Zagreb", "Bahamas": "Nassau"}))
    print("get", r.get("Bahamas"))
    print("decode", r.get("Bahamas").decode("utf-8"))
    # Databases: db 1 does not see db 0.
    r1 = redis.Redis(port=port, db=1)
    print("db1 get", r1.get("Bahamas"))
    print("db1 set", r1.set("Bahamas", "elsewhere"))
    print("db0 get", r.get("Bahamas"), "db1 get", r1.get("Bahamas"))
    # Key expiry.
    print("setex", r.setex("runner", timedelta(minutes=1), value="now you see me, now you don't"))
    ttl = r.ttl("runner")
    print("ttl in (0, 60]", 0 < ttl <= 60)
    pttl = r.pttl("runner")
    print("pttl in (0, 60000]", 0 < pttl <= 60000)
    print("get", r.get("runner"))
    print("expire", r.expire("runner", timedelta(seconds=1)))
    time.sleep(1.5)  # "Pause for a few seconds": the key expires meanwhile.
    print("get after expiry", r.get("runner"))
    print("exists after expiry", r.exists("runner"))
    print("psetex", r.psetex("p", timedelta(seconds=100), "v"), "pttl > 90000", r.pttl("p") > 90000)
    print("expireat", r.expireat("p", datetime.datetime.now() + timedelta(hours=1)))
    print("ttl in (3500, 3600]", 3500 < r.ttl("p") <= 3600)
    print("persist", r.persist("p"), "ttl", r.ttl("p"))
    print("pexpire", r.pexpire("p", timedelta(seconds=200)), "ttl in (190, 200]", 190 < r.ttl("p") <= 200)


def sets(port):
    r = redis.Redis(port=port)
    r.flushall()
    today = datetime.date(2019, 3, 10)
    visitors = {"dan", "jon", "alex"}
    try:
        r.sadd(today, *visitors)
    except redis.exceptions.DataError as e:
        print("DataError", e)
    stoday = today.isoformat()
    print("stoday", stoday)
    print("sadd", r.sadd(stoday, *visitors))
    print("smembers", sorted(r.smembers(stoday)))
    print("scard", r.scard(today.isoformat()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--section", choices=["strings", "sets"], required=True)
    opts = ap.parse_args()
    {"strings": strings, "sets": sets}[opts.section](opts.port)


if __name__ == "__main__":
    main()
