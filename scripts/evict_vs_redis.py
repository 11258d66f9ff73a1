#!/usr/bin/env python3
"""The cache bar of issue 11, against redis-server in the same run.

For each policy (allkeys-lru, allkeys-lfu, volatile-ttl) and each server
(ours, then redis-server, alternating across repeats) this starts a fresh
server with `maxmemory 50mb`, runs `scripts/evict_load.rs` (a std-only Rust
client built here with rustc): a hot set of 1,000 keys stored first, then
500 MB of new keys written in pipelined batches of 500 with a GET of a
random hot key every 10 writes, a missed hot key written again as a cache
fills a miss (with volatile-ttl, hot keys get EX 86400 and the others EX
3600). While it runs, the server's RSS is sampled every 50 ms.

Reported per run: hot-set hit ratio, throughput (ops/s), write errors,
peak RSS growth over the RSS of the freshly started server as a multiple of
maxmemory, server CPU seconds. Then the ratios ours/redis (medians over
repeats). A `noeviction` check follows: both servers filled until a write
fails, the error text compared, a read served after.

Usage: scripts/evict_vs_redis.py [--ours target/release/redis-rs-server]
       [--redis redis-server] [--maxmemory-mb 50] [--total-mb 500]
       [--value-size 100] [--repeat 1] [--policies allkeys-lru,...]
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OOM = "OOM command not allowed when used memory > 'maxmemory'."


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def command(port, *args):
    """One command over a fresh connection; returns the raw first reply line(s)."""
    with socket.create_connection(("127.0.0.1", port)) as s:
        out = f"*{len(args)}\r\n".encode()
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        s.sendall(out)
        f = s.makefile("rb")
        line = f.readline()
        if line.startswith(b"$") and not line.startswith(b"$-1"):
            return line + f.read(int(line[1:]) + 2)
        return line


def info_field(port, field):
    text = command(port, "INFO", "all").decode(errors="replace")
    for line in text.split("\r\n"):
        if line.startswith(field + ":"):
            return line.split(":", 1)[1]
    return None


class Server:
    def __init__(self, binary, extra):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="evict-cmp-")
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", self.dir] + extra
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while True:
            try:
                if command(self.port, "PING").startswith(b"+PONG"):
                    break
            except OSError:
                pass
            if time.time() > deadline:
                raise RuntimeError(f"{binary} did not start")
            time.sleep(0.05)

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def build_loader():
    out = os.path.join(tempfile.gettempdir(), f"evict_load_{os.getuid()}")
    src = os.path.join(HERE, "evict_load.rs")
    if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(src):
        subprocess.check_call(["rustc", "-O", "--edition", "2024", src, "-o", out])
    return out


def run_cache(binary, loader, policy, args):
    maxmemory = args.maxmemory_mb << 20
    srv = Server(binary, ["--maxmemory", str(maxmemory), "--maxmemory-policy", policy])
    pid = srv.proc.pid
    time.sleep(0.2)
    base = rss(pid)
    cpu0 = cpu_seconds(pid)
    peak = [base]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss(pid))
            time.sleep(0.05)

    t = threading.Thread(target=sample)
    t.start()
    mode = "volatile" if policy.startswith("volatile") else "none"
    out = subprocess.check_output([loader, str(srv.port), str(args.total_mb << 20), str(args.value_size), "1000",
                                   "10", "500", mode])
    done.set()
    t.join()
    peak[0] = max(peak[0], rss(pid))
    r = json.loads(out)
    r["cpu"] = cpu_seconds(pid) - cpu0
    r["base_rss"] = base
    r["peak_rss"] = peak[0]
    r["rss_growth"] = (peak[0] - base) / maxmemory
    r["hit_ratio"] = r["hot_hits"] / max(1, r["hot_reads"])
    r["ops_per_sec"] = r["ops"] / r["secs"]
    r["used_memory"] = int(info_field(srv.port, "used_memory"))
    r["evicted_keys"] = int(info_field(srv.port, "evicted_keys"))
    srv.stop()
    return r


def run_noeviction(binary, args):
    srv = Server(binary, ["--maxmemory", str(args.maxmemory_mb << 20), "--maxmemory-policy", "noeviction"])
    value = b"x" * 1000
    with socket.create_connection(("127.0.0.1", srv.port)) as s:
        f = s.makefile("rb")
        stored, error = 0, None
        while error is None:
            batch = b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\nk:%d\r\n$1000\r\n%s\r\n" % (len(b"k:%d" % (stored + i)),
                                                                               stored + i, value) for i in range(100))
            s.sendall(batch)
            for _ in range(100):
                line = f.readline()
                if line.startswith(b"-") and error is None:
                    error = line[1:].rstrip(b"\r\n").decode()
                elif line.startswith(b"+"):
                    stored += 1
    read = command(srv.port, "GET", "k:0")
    srv.stop()
    return {"stored": stored, "error": error, "read_served": read.startswith(b"$1000\r\n")}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ours", default=os.path.join(HERE, "..", "target", "release", "redis-rs-server"))
    ap.add_argument("--redis", default="redis-server")
    ap.add_argument("--maxmemory-mb", type=int, default=50)
    ap.add_argument("--total-mb", type=int, default=500)
    ap.add_argument("--value-size", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--policies", default="allkeys-lru,allkeys-lfu,volatile-ttl")
    args = ap.parse_args()
    loader = build_loader()
    servers = [("ours", args.ours), ("redis", args.redis)]
    print(f"maxmemory {args.maxmemory_mb} MB, {args.total_mb} MB written in {args.value_size}-byte values, "
          f"1,000 hot keys read every 10 writes")
    results = {}
    for policy in args.policies.split(","):
        for rep in range(args.repeat):
            order = servers if rep % 2 == 0 else servers[::-1]
            for name, binary in order:
                r = run_cache(binary, loader, policy, args)
                results.setdefault((policy, name), []).append(r)
                print(f"{policy:13} {name:5} hit {r['hit_ratio']:.4f}  {r['ops_per_sec']:9.0f} ops/s  "
                      f"cpu {r['cpu']:5.1f}s  errors {r['write_errors']}  RSS base {r['base_rss'] >> 20} MB "
                      f"peak {r['peak_rss'] >> 20} MB (+{r['rss_growth']:.2f} x maxmemory)  "
                      f"used_memory {r['used_memory'] >> 20} MB  evicted {r['evicted_keys']}", flush=True)
    print()
    print("policy         hit ours/redis   throughput ours/redis   cpu ours/redis   RSS growth ours  redis")
    ok = True
    for policy in args.policies.split(","):
        o, t = results[(policy, "ours")], results[(policy, "redis")]
        med = lambda rs, k: statistics.median(r[k] for r in rs)
        print(f"{policy:13}  {med(o, 'hit_ratio'):.4f}/{med(t, 'hit_ratio'):.4f}      "
              f"{med(o, 'ops_per_sec') / med(t, 'ops_per_sec'):5.2f}x                  "
              f"{med(o, 'cpu') / max(1e-9, med(t, 'cpu')):5.2f}x          "
              f"{med(o, 'rss_growth'):.2f}x   {med(t, 'rss_growth'):.2f}x")
        ok &= all(r["hit_ratio"] >= 0.99 and r["write_errors"] == 0 and r["rss_growth"] <= 1.2 for r in o)
    print()
    for name, binary in servers:
        n = run_noeviction(binary, args)
        print(f"noeviction {name:5}: {n['stored']} keys of 1 KB stored, then {n['error']!r}; "
              f"read served after: {n['read_served']}")
        ok &= n["error"] == OOM and n["read_served"]
    print("bar met" if ok else "bar NOT met")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
