#!/usr/bin/env python3
"""redis-py PubSub against a server: subscribe, psubscribe, get_message,
listen, run_in_thread with handlers, unsubscribe, PUBSUB introspection,
ping in subscribed mode, keyspace notifications (including an `expired`
event for a key nobody touches). Prints one JSON array [label, repr] per
line; the output against redis-server and against our server must be
equal.

Usage: pubsub_py.py --port P --protocol {2,3,default}
"""

import argparse
import json
import time

import redis


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--protocol", default="default")
    opts = ap.parse_args()
    kwargs = {} if opts.protocol == "default" else {"protocol": int(opts.protocol)}
    r = redis.Redis(host="127.0.0.1", port=opts.port, **kwargs)
    out = []

    def rec(label, value):
        out.append([label, repr(value)])

    def drain(p, label, n, timeout=2.0):
        """Records the next n messages of p (None if one does not come)."""
        for i in range(n):
            deadline = time.time() + timeout
            msg = None
            while msg is None and time.time() < deadline:
                msg = p.get_message(timeout=0.1)
            rec(f"{label} {i}", msg)

    rec("protocol", r.connection_pool.connection_kwargs.get("protocol"))
    rec("resp", r.client_info().get("resp"))

    # subscribe / psubscribe / get_message
    p = r.pubsub()
    p.subscribe("ch1", "ch2")
    drain(p, "subscribe", 2)
    p.psubscribe("pat.*")
    drain(p, "psubscribe", 1)
    rec("publish ch1", r.publish("ch1", "hello"))
    rec("publish pat.x", r.publish("pat.x", "world"))
    rec("publish nobody", r.publish("nobody", "x"))
    drain(p, "messages", 2)
    rec("no more", p.get_message(timeout=0.2))
    rec("numsub", r.pubsub_numsub("ch1", "ch2", "nobody"))
    rec("numpat", r.pubsub_numpat())
    rec("channels", sorted(r.pubsub_channels()))
    rec("channels pattern", sorted(r.pubsub_channels("ch1*")))
    rec("info", {k: v for k, v in r.info("stats").items() if k.startswith("pubsub")})
    # binary and empty payloads
    r.publish("ch1", b"\x00\xffbin\r\n")
    r.publish("ch2", "")
    drain(p, "binary", 2)
    # ping while subscribed
    p.ping()
    drain(p, "ping", 1)
    p.ping("hi")
    drain(p, "ping msg", 1)

    # unsubscribe
    p.unsubscribe("ch1")
    drain(p, "unsubscribe ch1", 1)
    rec("after unsubscribe", r.publish("ch1", "lost"))
    p.unsubscribe()
    drain(p, "unsubscribe all", 1)
    p.punsubscribe()
    drain(p, "punsubscribe all", 1)
    rec("subscribed", p.subscribed)
    p.close()

    # handlers + run_in_thread
    got = []
    p2 = r.pubsub(ignore_subscribe_messages=True)
    p2.subscribe(**{"hch": lambda m: got.append(("h", m["channel"], m["data"]))})
    p2.psubscribe(**{"hp.*": lambda m: got.append(("p", m["pattern"], m["channel"], m["data"]))})
    t = p2.run_in_thread(sleep_time=0.01)
    deadline = time.time() + 5
    while r.pubsub_numsub("hch")[0][1] != 1 or r.pubsub_numpat() != 1:
        if time.time() > deadline:
            break
        time.sleep(0.01)
    for i in range(5):
        r.publish("hch", f"m{i}")
        r.publish("hp.a", f"n{i}")
    deadline = time.time() + 5
    while len(got) < 10 and time.time() < deadline:
        time.sleep(0.01)
    t.stop()
    t.join(timeout=5)
    rec("handled", got)
    p2.close()

    # listen
    p3 = r.pubsub()
    p3.subscribe("lch")
    pub = redis.Redis(host="127.0.0.1", port=opts.port, **kwargs)
    seen = []
    it = p3.listen()
    seen.append(next(it))
    for i in range(3):
        pub.publish("lch", f"l{i}")
    pub.publish("lch", "stop")
    for m in it:
        seen.append(m)
        if m["data"] == b"stop":
            break
    rec("listen", seen)
    p3.close()

    # A transaction's message goes out after EXEC.
    p4 = r.pubsub()
    p4.subscribe("tx")
    drain(p4, "tx subscribe", 1)
    pipe = r.pipeline(transaction=True)
    pipe.publish("tx", "a").set("txkey", "1").publish("tx", "b")
    rec("exec", pipe.execute())
    drain(p4, "tx messages", 2)
    p4.close()

    # Keyspace notifications.
    r.config_set("notify-keyspace-events", "KEA")
    p5 = r.pubsub()
    p5.psubscribe("__key*@0__:*")
    drain(p5, "ks subscribe", 1)
    r.set("k", "v")
    r.lpush("l", "a")
    r.delete("k")
    drain(p5, "ks events", 6)
    r.set("untouched", "1", px=30)
    drain(p5, "ks expired", 6, timeout=5)
    r.config_set("notify-keyspace-events", "")
    p5.close()

    # Shard channels.
    p6 = r.pubsub()
    p6.ssubscribe("sch")
    drain(p6, "ssubscribe", 1)
    rec("spublish", r.spublish("sch", "s1"))
    drain(p6, "smessage", 1)
    rec("shardnumsub", r.pubsub_shardnumsub("sch"))
    rec("shardchannels", r.pubsub_shardchannels())
    p6.sunsubscribe()
    drain(p6, "sunsubscribe", 1)
    p6.close()

    for item in out:
        print(json.dumps(item))


if __name__ == "__main__":
    main()
