#!/usr/bin/env python3
"""redis-py 8's register_script: EVALSHA, and the NOSCRIPT fallback to
loading the script after SCRIPT FLUSH, directly and in a pipeline. Prints
one JSON array [label, repr(result)] per line so the output can be
compared with redis-server's.

Usage: register_script.py --port P [--protocol {2,3,default}]
"""

import argparse
import json

import redis


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--protocol", default="default")
    opts = ap.parse_args()
    kwargs = {} if opts.protocol == "default" else {"protocol": int(opts.protocol)}
    r = redis.Redis(host="127.0.0.1", port=opts.port, **kwargs)
    out = []

    def rec(label, fn):
        try:
            value = fn()
        except redis.ResponseError as e:
            value = f"{type(e).__name__}: {e}"
        out.append([label, repr(value)])

    r.flushall()
    r.script_flush()
    echo = r.register_script("return {KEYS[1], ARGV[1], redis.call('incr', KEYS[1])}")
    rec("sha", lambda: echo.sha)
    rec("exists before", lambda: r.script_exists(echo.sha))
    rec("call loads", lambda: echo(keys=["n"], args=["x"]))
    rec("exists after", lambda: r.script_exists(echo.sha))
    rec("evalsha again", lambda: echo(keys=["n"], args=["y"]))
    rec("flush", lambda: r.script_flush())
    rec("exists after flush", lambda: r.script_exists(echo.sha))
    rec("call after flush", lambda: echo(keys=["n"], args=["z"]))
    r.script_flush()
    pipe = r.pipeline()
    echo(keys=["n"], args=["p1"], client=pipe)
    pipe.get("n")
    echo(keys=["n"], args=["p2"], client=pipe)
    rec("pipeline after flush", lambda: pipe.execute())
    fail = r.register_script("return redis.call('incr', KEYS[1])")
    r.set("s", "text")
    rec("script error", lambda: fail(keys=["s"]))
    typed = r.register_script("redis.setresp(3); return {{double=1.5}, true, false, {ok='fine'}, {big_number='12'}}")
    rec("resp3 values", lambda: typed())
    rec("resp3 map", lambda: r.register_script("return {map={a=1}}")())
    conv = r.register_script("return {1, 2.7, 'three', true, false, {ok='st'}, {4, {5}}, nil, 6}")
    rec("conversions", lambda: conv())
    for label, value in out:
        print(json.dumps([label, value]))


if __name__ == "__main__":
    main()
