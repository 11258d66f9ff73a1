#!/usr/bin/env python3
"""Side-by-side benchmark: redis-rs-server against redis-server on this machine.

Starts both servers with the same settings (no persistence, same hz), pins the
servers and redis-benchmark to different cores when there are enough, and runs
each redis-benchmark test against one server then the other, interleaved over
ROUNDS rounds so machine drift cancels. The interleaving is per test: within a
round each server gets the same sequence of tests on the same data (as one
`redis-benchmark -t a,b,c` would give it), but the two servers take turns test
by test, first one then the other, so a slow minute on this shared machine
falls on both servers' runs of a test rather than on one server's whole round. Prints per test the median rps of each
server, the ratio (ours / redis) and p50/p99 latency. Suites: p1, p16 (the
standard tests at pipeline 1 and 16), d1024 (1 KiB values), c1000 (1,000
clients), lists (LPUSH..LRANGE_600), zset1m (ZRANK/ZSCORE/ZRANGE on a 1M-member
sorted set), memory (RSS per item for 1M string keys with and without TTL,
1M-field hash, 1M-member set and sorted set, 100k hashes of 10 fields, 1,000
lists of 1,000 items, one 1M-item list). Writes all results as JSON.

usage: scripts/bench_vs_redis.py [--rounds 3] [--quick] [--json out.json]
       [--only TEST,TEST] [--ours PATH] [--redis PATH]
"""
import argparse
import csv
import io
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = ("ping_inline,ping_mbulk,set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,"
         "zadd,zpopmin,lrange_100,lrange_300,mset")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server on {port} did not start")


def cores():
    try:
        return sorted(os.sched_getaffinity(0))
    except AttributeError:
        return list(range(os.cpu_count() or 1))


def taskset(core_list):
    if shutil.which("taskset") and core_list:
        return ["taskset", "-c", ",".join(map(str, core_list))]
    return []


class Server:
    def __init__(self, name, argv, server_cores):
        self.name = name
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix=f"bench-{name}-")
        common = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--hz", "10",
                  "--dir", self.dir, "--maxclients", "10000"]
        if name == "redis":
            common += ["--appendonly", "no"]
        self.proc = subprocess.Popen(taskset(server_cores) + argv + common,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port)

    def rss_kb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def cli(self, *args, stdin=None):
        return subprocess.run(["redis-cli", "-p", str(self.port)] + list(args), input=stdin,
                              capture_output=True, check=False)

    def flush(self):
        self.cli("FLUSHALL")

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def split_tests(args):
    """One `-t a,b,c` run as a list of runs, one per test, in the same order.

    The LRANGE tests stay together: redis-benchmark fills the list they read
    once per run, before the first of them."""
    if "-t" not in args:
        return [args]
    at = args.index("-t")
    tests = args[at + 1].split(",")
    groups = []
    for test in tests:
        if test.startswith("lrange"):
            lranges = [t for t in tests if t.startswith("lrange")]
            if test == lranges[0]:
                groups.append(",".join(lranges))
        else:
            groups.append(test)
    return [args[:at + 1] + [g] + args[at + 2:] for g in groups]


def run_benchmark(server, args, bench_cores):
    cmd = taskset(bench_cores) + ["redis-benchmark", "-p", str(server.port), "--csv"] + args
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    rows = {}
    for row in csv.DictReader(io.StringIO(out)):
        rows[row["test"]] = {k: float(v) for k, v in row.items() if k != "test"}
    return rows


def pipe_load(server, payload):
    time.sleep(0.3)
    before = server.rss_kb()
    res = server.cli("--pipe", stdin=payload)
    if b"errors: 0" not in res.stdout:
        raise RuntimeError(f"{server.name}: --pipe failed: {res.stdout[-200:]!r}")
    time.sleep(0.3)
    return (server.rss_kb() - before) * 1024


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def memory_payloads(n):
    """Datasets whose memory is compared, each loaded with --pipe into a
    fresh server: name -> (payload, items it holds)."""
    value = b"x" * 16
    small = max(n // 10, 1)
    lists = max(n // 1000, 1)
    return {
        "string_keys": (b"".join(resp(b"SET", b"key:%d" % i, value) for i in range(n)), n),
        "string_keys_ttl": (b"".join(resp(b"SET", b"key:%d" % i, value, b"EX", b"100000") for i in range(n)), n),
        "hash_fields": (b"".join(resp(b"HSET", b"bighash", b"field:%d" % i, value) for i in range(n)), n),
        "set_members": (b"".join(resp(b"SADD", b"bigset", b"member:%d" % i) for i in range(n)), n),
        "zset_members": (b"".join(resp(b"ZADD", b"bigzset", b"%d" % i, b"member:%d" % i) for i in range(n)), n),
        "small_hashes_10_fields": (b"".join(
            resp(b"HSET", b"hash:%d" % i, *[x for f in range(10) for x in (b"field%d" % f, value)])
            for i in range(small)), small),
        "lists_of_1000_items": (b"".join(
            resp(b"RPUSH", b"list:%d" % i, *[b"item:%d" % j for j in range(1000)]) for i in range(lists)), lists),
        "one_list_items": (b"".join(resp(b"RPUSH", b"biglist", b"item:%d" % i) for i in range(n)), n),
    }


def zset_payload(n):
    """One sorted set of n members (member:i with score i), for zset1m."""
    return b"".join(resp(b"ZADD", b"bigzset", b"%d" % i, b"member:%d" % i) for i in range(n))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="fewer requests, for a smoke run")
    ap.add_argument("--json", default=os.path.join(ROOT, "target", "bench-vs-redis.json"))
    ap.add_argument("--only", default="", help="comma-separated subset of suites: p1,p16,d1024,c1000,lists,zset1m,memory")
    ap.add_argument("--ours", default=os.path.join(ROOT, "target", "release", "redis-rs-server"))
    ap.add_argument("--redis", default=shutil.which("redis-server") or "redis-server")
    opts = ap.parse_args()

    n = 20000 if opts.quick else 200000
    mem_n = 100000 if opts.quick else 1000000
    all_cores = cores()
    if len(all_cores) >= 2:
        server_cores, bench_cores = all_cores[:1], all_cores[1:]
    else:
        server_cores, bench_cores = [], []
    # Each suite: the redis-benchmark runs it makes (one custom command per
    # run), and the dataset it needs loaded first (None: starts empty).
    z = str(mem_n)
    suites = {
        "p1": ([["-t", TESTS, "-n", str(n), "-c", "50", "-r", "100000", "-P", "1"]], None),
        "p16": ([["-t", TESTS, "-n", str(n * 5), "-c", "50", "-r", "100000", "-P", "16"]], None),
        "d1024": ([["-t", "set,get", "-n", str(n), "-c", "50", "-r", "100000", "-d", "1024"]], None),
        "c1000": ([["-t", "set,get", "-n", str(n), "-c", "1000", "-r", "100000"]], None),
        "lists": ([["-t", "lpush,rpush,lpop,rpop,lrange_100,lrange_600", "-n", str(n // 2), "-c", "50"]], None),
        "zset1m": ([["-n", str(n), "-c", "50", "-r", z] + cmd for cmd in (
            ["ZRANK", "bigzset", "member:__rand_int__"],
            ["ZSCORE", "bigzset", "member:__rand_int__"],
            ["ZRANGE", "bigzset", "__rand_int__", "+inf", "BYSCORE", "LIMIT", "0", "10"],
            ["ZREVRANGE", "bigzset", "0", "9", "WITHSCORES"],
        )], lambda: zset_payload(mem_n)),
    }
    wanted = set(filter(None, opts.only.split(","))) or set(suites) | {"memory"}

    ours = Server("ours", [opts.ours], server_cores)
    redis = Server("redis", [opts.redis], server_cores)
    servers = [ours, redis]
    results = {"machine": {"cores": len(all_cores), "server_cores": server_cores, "bench_cores": bench_cores},
               "rounds": opts.rounds, "throughput": {}, "memory": {}}
    try:
        for suite, (runs, setup) in suites.items():
            if suite not in wanted:
                continue
            dataset = setup() if setup else None
            samples = {s.name: {} for s in servers}
            steps = [step for args in runs for step in split_tests(args)]
            for rnd in range(opts.rounds):
                for s in servers:
                    s.flush()
                    if dataset:
                        pipe_load(s, dataset)
                for i, args in enumerate(steps):
                    order = servers if (rnd + i) % 2 == 0 else servers[::-1]
                    for s in order:
                        for test, row in run_benchmark(s, args, bench_cores).items():
                            samples[s.name].setdefault(test, []).append(row)
            for test in samples["redis"]:
                if test not in samples["ours"]:
                    continue
                med = lambda name, key: statistics.median(r[key] for r in samples[name][test])
                entry = {name: {k: med(name, k) for k in ("rps", "p50_latency_ms", "p99_latency_ms")}
                         for name in ("ours", "redis")}
                for name in ("ours", "redis"):
                    entry[name]["rps_per_round"] = [r["rps"] for r in samples[name][test]]
                entry["ratio"] = entry["ours"]["rps"] / entry["redis"]["rps"] if entry["redis"]["rps"] else 0
                results["throughput"][f"{suite}:{test}"] = entry
                print(f"{suite:6} {test[:40]:40} ours {entry['ours']['rps']:>11.0f} rps  redis {entry['redis']['rps']:>11.0f} rps"
                      f"  ratio {entry['ratio']:.2f}  p50 {entry['ours']['p50_latency_ms']:.3f}/{entry['redis']['p50_latency_ms']:.3f}"
                      f"  p99 {entry['ours']['p99_latency_ms']:.3f}/{entry['redis']['p99_latency_ms']:.3f} ms", flush=True)
        if "memory" in wanted:
            # A fresh pair of servers per dataset: freed memory is not always
            # returned to the OS, so a reused server would measure reuse.
            for s in servers:
                s.stop()
            servers = []
            for name, (payload, items) in memory_payloads(mem_n).items():
                per = {}
                for label, argv in (("ours", [opts.ours]), ("redis", [opts.redis])):
                    fresh = Server(label, argv, server_cores)
                    try:
                        per[label] = pipe_load(fresh, payload) / items
                    except RuntimeError as e:
                        print(f"memory {name}: {e}", flush=True)
                        per[label] = None
                    finally:
                        fresh.stop()
                if None in per.values():
                    continue
                ratio = per["ours"] / per["redis"] if per["redis"] else 0
                results["memory"][name] = {"ours_bytes_per_item": per["ours"], "redis_bytes_per_item": per["redis"],
                                           "ratio": ratio, "items": items}
                print(f"memory {name:22} ours {per['ours']:7.1f} B/item  redis {per['redis']:7.1f} B/item  ratio {ratio:.2f}",
                      flush=True)
    finally:
        for s in servers:
            if s.proc.poll() is None:
                s.stop()
    ratios = [(v["ratio"], k) for k, v in results["throughput"].items()]
    if ratios:
        low = min(ratios)
        print(f"minimum throughput ratio: {low[0]:.2f} ({low[1]})")
        results["min_ratio"] = {"ratio": low[0], "test": low[1]}
    os.makedirs(os.path.dirname(opts.json), exist_ok=True)
    with open(opts.json, "w") as f:
        json.dump(results, f, indent=2)
    print(f"results written to {opts.json}")


if __name__ == "__main__":
    sys.exit(main())
