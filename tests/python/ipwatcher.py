#!/usr/bin/env python3
"""The Real Python tutorial's bot detector (seed document 000_a0f3db2574cc3957,
"PyHats.com" section) with redis-py, as a script.

Usage: ipwatcher.py --port P [--protocol 2|3]

Four visits are queued with lpush before the consumer starts; the consumer
(the tutorial's ipwatcher loop: blpop, incrby on "<addr>:<minute>", expire 60,
blacklist from the 15th visit) drains them and blocks in BLPOP; then a scraper
pushes twenty visits from one address. The minute is read once, so a run that
crosses a minute boundary does not split the count. Prints one line per item
and the blacklist; run against redis-server and our server, the outputs must
be equal.
"""

import argparse
import datetime
import ipaddress
import threading
import time

import redis

MAXVISITS = 15


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--protocol", type=int, default=2)
    opts = ap.parse_args()

    r = redis.Redis(port=opts.port, db=5, protocol=opts.protocol)
    r.flushdb()
    for ip in ("51.218.112.236", "90.213.45.98", "115.215.230.176", "51.218.112.236"):
        print("lpush", r.lpush("ips", ip))

    minute = datetime.datetime.now(datetime.timezone.utc).minute
    blacklist = set()
    lines = []

    def ipwatcher_loop():
        ipwatcher = redis.Redis(port=opts.port, db=5, protocol=opts.protocol)
        for _ in range(24):
            _, addr = ipwatcher.blpop("ips")
            addr = ipaddress.ip_address(addr.decode("utf-8"))
            addrts = f"{addr}:{minute}"
            n = ipwatcher.incrby(addrts, 1)
            if n >= MAXVISITS:
                lines.append(f"Hat bot detected!:  {addr}")
                blacklist.add(addr)
            else:
                lines.append(f"saw {addr}")
            _ = ipwatcher.expire(addrts, 60)

    consumer = threading.Thread(target=ipwatcher_loop)
    consumer.start()
    # Wait until the queue is drained and the consumer waits in BLPOP.
    deadline = time.time() + 20
    while not (r.llen("ips") == 0 and any(c.get("cmd") == "blpop" and c.get("db") == "5" for c in r.client_list())):
        if time.time() > deadline:
            raise SystemExit("the consumer never drained the queue")
        time.sleep(0.01)
    for _ in range(20):
        r.lpush("ips", "104.174.118.18")
    consumer.join(timeout=30)
    for line in lines:
        print(line)
    print("blacklist", sorted(str(a) for a in blacklist))
    print("count", r.get(f"104.174.118.18:{minute}"), "ttl in (0, 60]", 0 < r.ttl(f"104.174.118.18:{minute}") <= 60)


if __name__ == "__main__":
    main()
