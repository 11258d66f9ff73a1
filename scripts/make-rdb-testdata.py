#!/usr/bin/env python3
"""Builds the RDB test data under tests/data/ with the real redis-server 7.0:
every type in small (listpack/intset) and large (hashtable/skiplist/
quicklist) encodings, binary keys and values, integers, empty strings,
expiries (one already past when saved), several databases.

    scripts/make-rdb-testdata.py [redis-server]

Writes tests/data/redis-7.0-all-types.rdb and redis-7.0-strings.rdb. The
integration tests (tests/integration/persistence.rs) hold the expected
contents; keep both in step."""
import os, shutil, subprocess, sys, tempfile, time
import redis

SERVER = sys.argv[1] if len(sys.argv) > 1 else "redis-server"
OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "data")
FAR = 4102444800000  # 2100-01-01, ms


def strings(r):
    r.select(0)
    r.set(b"plain", b"hello")
    r.set(b"empty", b"")
    r.set(b"int-small", b"7")
    r.set(b"int-neg", b"-128")
    r.set(b"int-16", b"32767")
    r.set(b"int-32", b"2147483647")
    r.set(b"int-64", b"9223372036854775807")
    r.set(b"not-int", b"0123")
    r.set(b"bin\x00key\r\n\xff", b"\x00\x01\x02\xff\xfe\r\n")
    r.set(b"compressible", b"a" * 500)
    r.set(b"incompressible", bytes((i * 7919) % 251 for i in range(300)))
    r.set(b"big", b"xyz" * 40000)
    r.set(b"ttl", b"v", pxat=FAR)
    r.set(b"gone", b"v", px=1000)
    r.select(1)
    r.set(b"db1", b"one")
    r.select(15)
    r.set(b"db15", b"fifteen", pxat=FAR + 1)


def collections(r):
    r.select(2)
    r.rpush(b"list-small", b"a", b"1", b"", b"\x00b")
    r.rpush(b"list-big", *[str(i).encode() * (i % 5 + 1) for i in range(3000)])
    r.execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1000")
    r.rpush(b"list-plain-node", b"q" * 10000, b"small")  # a PLAIN quicklist node
    r.sadd(b"set-ints", 1, 2, 3, -5, 1 << 40)
    r.sadd(b"set-small", b"a", b"b", b"\xff")
    r.sadd(b"set-big", *[b"m%d" % i for i in range(1000)])
    r.hset(b"hash-small", mapping={b"f": b"v", b"n": b"12", b"": b"empty-field"})
    r.hset(b"hash-big", mapping={b"f%d" % i: b"v%d" % i for i in range(1000)})
    r.zadd(b"zset-small", {b"a": 1.5, b"b": -2, b"c": float("inf")})
    r.zadd(b"zset-big", {b"m%d" % i: i / 3 for i in range(1000)})
    r.pexpireat(b"hash-small", FAR)


def build(path, fill):
    d = tempfile.mkdtemp()
    p = subprocess.Popen([SERVER, "--port", "26998", "--bind", "127.0.0.1", "--save", "", "--dir", d,
                          "--enable-debug-command", "yes"], stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                r = redis.Redis(port=26998)
                r.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        fill(r)
        time.sleep(1.2)  # "gone" is past its TTL, still in memory
        r.save()
        shutil.copy(os.path.join(d, "dump.rdb"), path)
    finally:
        p.kill()
        p.wait()
        shutil.rmtree(d)


build(os.path.join(OUT, "redis-7.0-strings.rdb"), strings)
build(os.path.join(OUT, "redis-7.0-all-types.rdb"), lambda r: (strings(r), collections(r)))
print("written to", os.path.abspath(OUT))
