#!/usr/bin/env bash
# Search latency of `kumiai serve` over HTTP: 8 concurrent clients for 15 s against the search
# page of the bundled corpus (queries rotating over single words, several words, a compound,
# a phrase, filters and the KWIC view), with wrk; p50/p90/p99 as wrk prints them.
#
#   scripts/serve-bench.sh                 # builds the release binary into target-bench/
#   KUMIAI=target/release/kumiai scripts/serve-bench.sh
#
# Environment: CLIENTS=8, SECONDS_=15, KUMIAI (a release binary). Needs wrk (apt-get install wrk).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CLIENTS=${CLIENTS:-8}
DURATION=${SECONDS_:-15}
if [ -z "${KUMIAI:-}" ]; then
    export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target-bench}
    cargo build --release --quiet
    KUMIAI=$CARGO_TARGET_DIR/release/kumiai
fi
command -v wrk >/dev/null || { echo "serve-bench.sh: wrk is required (apt-get install wrk)" >&2; exit 2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kumiai-serve.XXXXXX")
"$KUMIAI" --corpus corpora serve --port 0 --index "$WORK/index" >"$WORK/out" 2>"$WORK/err" &
PID=$!
trap 'kill -INT $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do grep -q http "$WORK/out" && break; sleep 0.1; done
BASE=$(grep -o 'http://[0-9.:]*' "$WORK/out")
cat >"$WORK/queries.lua" <<'LUA'
local queries = {
  "/?q=%E6%9C%AA%E5%8A%A0%E5%85%A5%E8%80%85",                         -- 未加入者
  "/?q=%E4%BA%BA%E6%89%8B%E4%B8%8D%E8%B6%B3+%E4%BA%BA%E5%93%A1%E7%A2%BA%E4%BF%9D", -- 人手不足 人員確保
  "/?q=%E7%AB%B6%E5%90%88%E7%B5%84%E5%90%88",                         -- 競合組合
  "/?q=%22%E6%96%B0%E8%A6%8F%E6%8E%A1%E7%94%A8%E8%80%85%22+kind%3Asurvey", -- "新規採用者" kind:survey
  "/?q=%E5%BF%99%E3%81%97%E3%81%84",                                  -- 忙しい
  "/?q=%E7%B5%84%E5%90%88+org%3A%E8%87%AA%E6%B2%BB%E5%8A%B4",         -- 組合 org:自治労
  "/?q=%E5%85%B1%E6%B8%88&view=kwic",                                 -- 共済, KWIC
  "/?q=%E8%B3%83%E4%B8%8A%E3%81%92&offset=20",                        -- 賃上げ, page 2
}
local i = 0
request = function()
  i = i % #queries + 1
  return wrk.format("GET", queries[i])
end
LUA
# Warm-up (the first request of each query loads the index's pages).
wrk -t1 -c1 -d2s -s "$WORK/queries.lua" "$BASE" >/dev/null
echo "kumiai serve: $CLIENTS concurrent clients, ${DURATION} s, $(nproc) cores"
THREADS=$(( CLIENTS < 2 ? CLIENTS : 2 ))
wrk -t"$THREADS" -c"$CLIENTS" -d"${DURATION}s" --latency -s "$WORK/queries.lua" "$BASE"
