#!/usr/bin/env bash
# Runs the same commands on the bundled corpus with two kumiai binaries and diffs what they
# print: a refactor that promises "behaviour unchanged" (issue 11) must show no difference.
#
#   scripts/same-outputs.sh OLD_BINARY NEW_BINARY
#
# Exit 0 when every output is byte-identical; 1 with the diffs otherwise.
set -euo pipefail
[ $# -eq 2 ] || { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
old=$(realpath "$1"); new=$(realpath "$2")
cd "$(dirname "$0")/.."
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
commands=(
  "search 未加入者 --format json"
  "search 人手不足 人員確保 --format json --by unit"
  "search 共済 --kwic --format csv"
  "search 共済 --kwic"
  "search 人手不足 --facets"
  "trend 自治労 自治労連 未加入者"
  "compare corpora/jichiroren-saitama-2024-undo-mokuhyo.txt tests/fixtures/jichiroren-saitama-2026-draft.txt"
  "search 忙しい --format json"
  "themes --format json"
  "themes --question 悩んでいること --by 県本部 --format json"
  "themes --query 未加入者 --format json"
  "compare corpora/jichiroren-saitama-2024-undo-mokuhyo.txt tests/fixtures/jichiroren-saitama-2026-draft.txt --format json"
  "survey --format json"
  "trend 自治労 自治労連 未加入者 --format json"
  "units --format jsonl"
  "ca --by 県本部 --format csv --out {out}"
  "network --format csv --out {out}"
)
status=0
for i in "${!commands[@]}"; do
  cmd=${commands[$i]}
  for side in old new; do
    bin=$old; [ $side = new ] && bin=$new
    mkdir -p "$work/$side/$i/out"
    args=${cmd//\{out\}/$work/$side/$i/out}
    case $cmd in search*|themes*|ca*|network*) args="$args --index $work/$side-index" ;; esac
    # shellcheck disable=SC2086
    (NO_COLOR=1 "$bin" $args >"$work/$side/$i/stdout" 2>"$work/$side/$i/stderr" || echo "exit $?" >>"$work/$side/$i/stderr")
  done
  for side in old new; do
    # Timings and the scratch folder's name are not behaviour.
    sed -i -E "s| in [0-9.]+ s| in N s|; s|$work/$side|OUT|g" "$work/$side/$i/stderr"
  done
  if diff -r "$work/old/$i" "$work/new/$i" >"$work/diff" 2>&1; then
    echo "same: kumiai $cmd"
  else
    echo "DIFFERENT: kumiai $cmd"; head -20 "$work/diff"; status=1
  fi
done
exit $status
