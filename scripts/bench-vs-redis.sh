#!/usr/bin/env bash
# Builds the release binary and runs the side-by-side benchmark against the
# real redis-server (see scripts/bench_vs_redis.py for options).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
exec python3 scripts/bench_vs_redis.py "$@"
