#!/usr/bin/env python3
"""Drives an interactive redis-cli session in a pseudo-terminal.

Usage: cli_session.py --port P [--cli-arg ARG ...] LINE [LINE ...]

Starts `redis-cli -p P ARGS` in a pty (TERM=dumb, so linenoise prints plain
prompts with no escape sequences), waits for each prompt before typing the
next line, and prints the transcript: CRLF as LF and the port as PORT, so
transcripts from two servers compare equal. After the last line, if the
session is still open, it sends end-of-file. Exits 1 if redis-cli stops
answering for 30 s (a hang).
"""

import argparse
import os
import pty
import re
import select
import sys
import time

PROMPT = re.compile(rb"\d+\.\d+\.\d+\.\d+:\d+(\[\d+\])?> $")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", required=True)
    ap.add_argument("--cli-arg", action="append", default=[])
    ap.add_argument("lines", nargs="*")
    opts = ap.parse_args()

    env = dict(os.environ, TERM="dumb")
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe("redis-cli", ["redis-cli", "-p", opts.port] + opts.cli_arg, env)

    out = bytearray()  # read but not yet moved to the transcript
    transcript = bytearray()

    def read_until(pred, what):
        deadline = time.monotonic() + 30
        while not pred():
            left = deadline - time.monotonic()
            if left <= 0:
                sys.stdout.write(out.decode("utf-8", "replace"))
                sys.exit(f"timed out waiting for {what}")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                return False
            if not chunk:
                return False
            out.extend(chunk)
        return True

    open_ = True
    for line in opts.lines:
        if not read_until(lambda: PROMPT.search(bytes(out)) is not None, "a prompt"):
            open_ = False
            break
        os.write(fd, line.encode() + b"\r")
        # Wait for the echo of the line, so the next prompt search starts after it.
        mark = len(out)
        read_until(lambda: b"\n" in out[mark:], "the echo")
        del_upto = out.rfind(b"\n")
        transcript.extend(out[: del_upto + 1])
        del out[: del_upto + 1]
    if open_:
        if read_until(lambda: PROMPT.search(bytes(out)) is not None, "the last prompt"):
            os.write(fd, b"\x04")
        read_until(lambda: False, "the end of the session")
    transcript.extend(out)
    os.waitpid(pid, 0)
    text = transcript.replace(b"\r\n", b"\n").decode("utf-8", "replace")
    text = text.replace(f":{opts.port}", ":PORT")
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
