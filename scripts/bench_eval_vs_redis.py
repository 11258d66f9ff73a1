#!/usr/bin/env python3
"""Scripting benchmark: EVAL and EVALSHA of `return redis.call('incr',KEYS[1])`
on redis-rs-server and redis-server, side by side (the servers of
scripts/bench_vs_redis.py: same settings, pinned to a core apart from
redis-benchmark when there are two), interleaved over ROUNDS rounds.

Prints per test the median rps of each server and the ratio (ours / redis),
and the servers' CPU time per request (from /proc, utime + stime): on a
shared, noisy machine the CPU cost is the steadier number.

usage: scripts/bench_eval_vs_redis.py [--rounds 3] [-n 100000] [-P 1]
       [--ours PATH] [--redis PATH]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_vs_redis as bench  # noqa: E402

SCRIPT = "return redis.call('incr',KEYS[1])"
SHA = "6f5ade10a69975e903c6d07b10ea44c6382381a5"


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(server, args, bench_cores, n):
    cmd = bench.taskset(bench_cores) + ["redis-benchmark", "-p", str(server.port), "-q", "--csv"] + args
    before = cpu_seconds(server.proc.pid)
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    after = cpu_seconds(server.proc.pid)
    row = next(csv_rows(out), None)
    if row is None:
        raise RuntimeError(f"{server.name}: no result from redis-benchmark: {out!r}")
    return float(row[1]), (after - before) * 1e6 / n


def csv_rows(text):
    import csv
    import io
    for row in csv.reader(io.StringIO(text)):
        if row and row[0] != "test":
            yield row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("-n", type=int, default=100000)
    ap.add_argument("-P", type=int, default=1)
    ap.add_argument("--ours", default=os.path.join(bench.ROOT, "target", "release", "redis-rs-server"))
    ap.add_argument("--redis", default=shutil.which("redis-server") or "redis-server")
    opts = ap.parse_args()
    all_cores = bench.cores()
    server_cores, bench_cores = (all_cores[:1], all_cores[1:]) if len(all_cores) >= 2 else ([], [])
    servers = [bench.Server("ours", [opts.ours], server_cores), bench.Server("redis", [opts.redis], server_cores)]
    tests = {
        "EVAL": ["-n", str(opts.n), "-P", str(opts.P), "eval", SCRIPT, "1", "k"],
        "EVALSHA": ["-n", str(opts.n), "-P", str(opts.P), "evalsha", SHA, "1", "k"],
    }
    try:
        for s in servers:
            s.cli("SCRIPT", "LOAD", SCRIPT)
        for test, args in tests.items():
            samples = {s.name: [] for s in servers}
            for rnd in range(opts.rounds):
                for s in servers if rnd % 2 == 0 else servers[::-1]:
                    samples[s.name].append(run(s, args, bench_cores, opts.n))
            med = {name: (statistics.median(r for r, _ in v), statistics.median(c for _, c in v))
                   for name, v in samples.items()}
            (ours_rps, ours_cpu), (redis_rps, redis_cpu) = med["ours"], med["redis"]
            print(f"{test:8} -P {opts.P:<3} ours {ours_rps:>10.0f} rps  redis {redis_rps:>10.0f} rps  "
                  f"ratio {ours_rps / redis_rps:.2f}   cpu/request ours {ours_cpu:.2f} us  "
                  f"redis {redis_cpu:.2f} us  (redis/ours {redis_cpu / ours_cpu:.2f})", flush=True)
    finally:
        for s in servers:
            s.stop()


if __name__ == "__main__":
    main()
