#!/usr/bin/env python3
"""Snapshot benchmark: our fork-free BGSAVE against redis-server's fork.

For each server (ours, release build, and redis-server 7.0) on the same
dataset (default 1M keys, values of mixed sizes) it measures:

  * RSS before the save (idle) and the peak RSS while saving under full
    write load (ours: the process; redis: parent + fork child);
  * write latency (redis-benchmark SET, random keys of the dataset) without
    a save and while saves run back to back: p50, p99 (medians of the
    rounds; the phases alternate so drift falls on both), max (of all);
  * the time one BGSAVE takes on an idle server and under write load;
  * the time to load the dump at startup ("DB loaded from disk").

    cargo build --release
    scripts/bench-snapshot.py [--keys 1000000] [--requests 1000000] [--rounds 3] [--json out.json]

Not a test: the machine is shared and noisy; run it a few times. The
dataset mixes strings, lists, hashes, sets and sorted sets (`load_dataset`).
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OURS = os.path.join(ROOT, "target", "release", "redis-rs-server")


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.f = self.s.makefile("rb")

    def read(self):
        line = self.f.readline()
        t = line[:1]
        if t == b"$":
            n = int(line[1:])
            if n < 0:
                return None
            data = self.f.read(n + 2)
            return data[:-2]
        if t == b"*":
            return [self.read() for _ in range(int(line[1:]))]
        if t == b":":
            return int(line[1:])
        if t == b"-":
            raise RuntimeError(line.decode().strip())
        return line[1:].strip().decode()

    def cmd(self, *args):
        self.s.sendall(resp(*args))
        return self.read()

    def info(self, section="persistence"):
        text = self.cmd("INFO", section).decode()
        return dict(l.split(":", 1) for l in text.splitlines() if ":" in l)


def wait_port(port, proc, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited")
        try:
            c = Conn(port)
            while True:
                try:
                    c.cmd("PING")
                    return c
                except RuntimeError as e:
                    if "LOADING" not in str(e):
                        raise
                    time.sleep(0.01)
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("server did not start")


EXTRA = []
# Command prefix for the servers and redis-benchmark (--nice: shield the
# measurement from other load on a shared machine; both servers alike).
PREFIX = []


def start(kind, port, d):
    log = os.path.join(d, "log")
    args = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", d, "--logfile", log] + EXTRA
    if kind == "redis":
        args = ["redis-server"] + args + ["--appendonly", "no"]
    else:
        args = [OURS] + args
    p = subprocess.Popen(PREFIX + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return p, wait_port(port, p), log


def load_dataset(c, keys):
    """keys keys named key:%012d (the names redis-benchmark -r uses) of
    mixed types: 60% strings of 10 to 300 bytes, 10% each lists of 20
    items, hashes of 10 fields, sets of 10 members and sorted sets of 10
    members (small collections, as most real ones are)."""
    batch = []
    for i in range(keys):
        key = b"key:%012d" % i
        kind = i % 10
        if kind == 1:
            batch.append(resp("RPUSH", key, *[b"item-%d-%d" % (i, j) for j in range(20)]))
        elif kind == 2:
            fields = []
            for j in range(10):
                fields += [b"field%d" % j, b"value-%d-%d" % (i, j)]
            batch.append(resp("HSET", key, *fields))
        elif kind == 3:
            batch.append(resp("SADD", key, *[b"member-%d" % (i * 10 + j) for j in range(10)]))
        elif kind == 4:
            pairs = []
            for j in range(10):
                pairs += [j * 1.5, b"m%d" % j]
            batch.append(resp("ZADD", key, *pairs))
        else:
            size = 10 + (i * 7919) % 291
            batch.append(resp("SET", key, (b"v%d:" % i).ljust(size, b"x")))
        if len(batch) == 10000 or i == keys - 1:
            c.s.sendall(b"".join(batch))
            for _ in batch:
                c.read()
            batch = []


def rss_of(pid):
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * 4096
    except OSError:
        return 0


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def rss_total(pid):
    return rss_of(pid) + sum(rss_of(c) for c in children(pid))


class RssSampler:
    """Peak RSS of a server (and its fork children), read every 5 ms by a
    thread while the `with` block runs."""

    def __init__(self, pid):
        self.pid, self.peak = pid, 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.sample)

    def sample(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, rss_total(self.pid))
            time.sleep(0.005)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def benchmark(port, keys, requests):
    out = subprocess.run(
        PREFIX + ["redis-benchmark", "-p", str(port), "-t", "set", "-r", str(keys), "-n", str(requests), "-d", "100",
         "-c", "50", "--csv"],
        capture_output=True, text=True, check=True).stdout
    lines = [l for l in out.splitlines() if l.startswith('"SET"')]
    f = [float(x.strip('"')) for x in lines[-1].split(",")[1:]]
    return {"rps": f[0], "avg_ms": f[1], "p50_ms": f[3], "p95_ms": f[4], "p99_ms": f[5], "max_ms": f[6]}


def timed_bgsave(c, poll=0.002):
    t = time.time()
    c.cmd("BGSAVE")
    while c.info()["rdb_bgsave_in_progress"] == "1":
        time.sleep(poll)
    return time.time() - t


class Background:
    """What runs beside redis-benchmark in a phase, alike in both phases
    except for the saves: the RSS sampler (alone it raised our write p99
    from ~0.45 to ~0.73 ms) and a client polling INFO persistence every
    POLL_S; with `save`, that client also starts a BGSAVE whenever none
    runs (saves back to back)."""

    POLL_S = 0.01

    def __init__(self, port, pid, save):
        self.port, self.save, self.saves = port, save, []
        self.sampler = RssSampler(pid)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.loop)

    def loop(self):
        c = Conn(self.port)
        while not self.stop.is_set():
            if self.save:
                self.saves.append(timed_bgsave(c, self.POLL_S))
            else:
                c.info()
                time.sleep(self.POLL_S)

    def __enter__(self):
        self.sampler.__enter__()
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self.sampler.__exit__(*exc)


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def run(kind, port, keys, requests, rounds):
    d = tempfile.mkdtemp(prefix=f"bench-snap-{kind}-")
    p, c, log = start(kind, port, d)
    try:
        t = time.time()
        load_dataset(c, keys)
        fill_s = time.time() - t
        time.sleep(1)
        rss_before = rss_total(p.pid)
        idle_save_s = timed_bgsave(c)
        # The two phases alternate, `rounds` times each, so machine drift
        # falls on both; each phase's figures are the medians of its rounds.
        phases = {False: [], True: []}
        saves, peak, rss_before_load = [], 0, None
        for _ in range(rounds):
            for save in (False, True):
                if save and rss_before_load is None:
                    rss_before_load = rss_total(p.pid)  # after the first baseline writes
                with Background(port, p.pid, save) as bg:
                    phases[save].append(benchmark(port, keys, requests))
                if save:
                    saves += bg.saves
                    peak = max(peak, bg.sampler.peak)
        base, during = ({m: median([r[m] for r in phases[s]]) for m in phases[s][0]} for s in (False, True))
        base["max_ms"], during["max_ms"] = (max(r["max_ms"] for r in phases[s]) for s in (False, True))
        info = c.info()
        c.cmd("SAVE")
        c.cmd("SHUTDOWN", "NOSAVE")
        p.wait()
        p, c, log = start(kind, port, d)
        load_s = None
        with open(log) as f:
            for line in f:
                if "DB loaded from disk:" in line:
                    load_s = float(line.split("DB loaded from disk:")[1].split()[0])
        dbsize = c.cmd("DBSIZE")
        c.cmd("SHUTDOWN", "NOSAVE")
        p.wait()
        return {
            "server": kind,
            "keys": keys,
            "dbsize_after_reload": dbsize,
            "fill_s": round(fill_s, 2),
            "rss_before_mb": round(rss_before / 2**20, 1),
            "rss_before_saves_mb": round(rss_before_load / 2**20, 1),
            "peak_rss_during_save_mb": round(peak / 2**20, 1),
            "peak_ratio": round(peak / rss_before_load, 3),
            "rdb_last_cow_size_mb": round(int(info.get("rdb_last_cow_size", 0)) / 2**20, 1),
            "idle_save_s": round(idle_save_s, 3),
            "saves_under_load": len(saves),
            "save_under_load_s": round(sum(saves) / max(len(saves), 1), 3),
            "load_s": load_s,
            "dump_mb": round(os.path.getsize(os.path.join(d, "dump.rdb")) / 2**20, 1),
            "writes_no_save": base,
            "writes_during_save": during,
            "rounds": {"no_save": phases[False], "during_save": phases[True]},
        }
    finally:
        if p.poll() is None:
            p.kill()
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--requests", type=int, default=1_000_000, help="per phase and round")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of the two phases, alternating")
    ap.add_argument("--port", type=int, default=26300)
    ap.add_argument("--json")
    ap.add_argument("--only", choices=["ours", "redis"], help="measure one server")
    ap.add_argument("--nice", type=int, help="run servers and redis-benchmark at this nice level (root: < 0)")
    ap.add_argument("--set", action="append", default=[], metavar="DIRECTIVE=VALUE",
                    help="extra configuration for both servers, e.g. --set rdbcompression=no")
    a = ap.parse_args()
    if a.nice is not None:
        PREFIX.extend(["nice", "-n", str(a.nice)])
    for kv in a.set:
        k, v = kv.split("=", 1)
        EXTRA.extend(["--" + k, v])
    if not os.path.exists(OURS):
        sys.exit("build first: cargo build --release")
    if a.only:
        r = run(a.only, a.port, a.keys, a.requests, a.rounds)
        print(json.dumps(r, indent=2))
        return
    results = [run("ours", a.port, a.keys, a.requests, a.rounds), run("redis", a.port + 1, a.keys, a.requests, a.rounds)]
    rows = [
        ("RSS before saves (MB)", "rss_before_saves_mb"),
        ("peak RSS during saves (MB)", "peak_rss_during_save_mb"),
        ("peak / before", "peak_ratio"),
        ("BGSAVE idle (s)", "idle_save_s"),
        ("BGSAVE under load (s, mean)", "save_under_load_s"),
        ("saves during the run", "saves_under_load"),
        ("load at startup (s)", "load_s"),
        ("dump size (MB)", "dump_mb"),
    ]
    print(f"{'':32}{'ours':>14}{'redis-server':>14}")
    for label, k in rows:
        print(f"{label:32}{str(results[0][k]):>14}{str(results[1][k]):>14}")
    for phase in ("writes_no_save", "writes_during_save"):
        for m in ("rps", "p50_ms", "p99_ms", "max_ms"):
            print(f"{phase + ' ' + m:32}{results[0][phase][m]:>14}{results[1][phase][m]:>14}")
    for phase in ("no_save", "during_save"):
        for x in results:
            print(f"{x['server']} p99 per round, {phase}: {[r['p99_ms'] for r in x['rounds'][phase]]}")
    o, r = results
    print(f"ours: p99 during/outside = {o['writes_during_save']['p99_ms'] / o['writes_no_save']['p99_ms']:.2f}, "
          f"redis: {r['writes_during_save']['p99_ms'] / r['writes_no_save']['p99_ms']:.2f}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
