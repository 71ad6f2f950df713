#!/usr/bin/env bash
# kumiai performance benchmarks (see BENCHMARKS.md for what each figure means).
#
#   scripts/bench.sh            # everything, ~5-15 minutes on a 2-core machine
#
# Environment:
#   BIG_MB=100        size of the replicated corpus for the indexing run (MB = 10^6 bytes)
#   TOK_MB=50         size of the text for the tokenizer-only and MeCab runs
#   RESULTS=FILE      where the summary goes (default target-bench/bench-results.txt)
#   CARGO_TARGET_DIR  default target-bench/, so the benchmark build does not wait for (or
#                     invalidate) the debug build in target/
#   SKIP_CARGO_BENCH=1  skip (d), the in-process cargo benches
#
# Needs: cargo, hyperfine, ripgrep (rg), GNU time (/usr/bin/time); mecab with IPADIC optional.
# Release builds only: lindera unoptimised is an order of magnitude slower.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target-bench}
BIN=$CARGO_TARGET_DIR/release/kumiai
BIG_MB=${BIG_MB:-100}
TOK_MB=${TOK_MB:-50}
RESULTS=${RESULTS:-$CARGO_TARGET_DIR/bench-results.txt}
CORPUS=$ROOT/corpora
THREADS=$(nproc)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kumiai-bench.XXXXXX")
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT

for tool in hyperfine rg /usr/bin/time; do
    command -v "$tool" >/dev/null || {
        echo "bench.sh: $tool is required (apt-get install hyperfine ripgrep time)" >&2
        exit 2
    }
done

SUMMARY=$WORK/summary.txt
say() { printf '%s\n' "$*" | tee -a "$SUMMARY"; }
section() { printf '\n== %s\n' "$*" | tee -a "$SUMMARY"; }
# Floating-point helpers (awk: no bc dependency).
calc() { awk "BEGIN { printf \"%.2f\", $* }"; }
now() { date +%s.%N; }
mbytes() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }

say "kumiai benchmarks — $(date -u '+%Y-%m-%d %H:%M UTC')"
say "machine: $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(awk '/MemTotal/ { printf "%.1f GB RAM", $2 / 1048576 }' /proc/meminfo)"
say "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)  (other builds may share the machine: compare ratios, not absolutes)"
say "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src 2>/dev/null || echo ' (src/ has uncommitted changes)')"

# ---------------------------------------------------------------------------------------------
section "build (release, CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
cargo build --release --quiet
cargo bench --no-run --quiet --bench tokenize --bench search 2>/dev/null ||
    cargo bench --no-run --bench tokenize --bench search
say "built $BIN"

# ---------------------------------------------------------------------------------------------
# The replicated corpus: every bundled document copied under a distinct name, with a manifest
# giving each copy its own id (and the original org/year/kind/form), so nothing is deduplicated
# and the survey copies still go through the form parser.
section "replicated corpus (≥ $BIG_MB MB)"
BIG=$WORK/big
mkdir -p "$BIG"
docs=()
while IFS= read -r f; do docs+=("$f"); done < <(awk -F'"' '/^file = / { print $2 }' "$CORPUS/kumiai.toml")
one=0
for f in "${docs[@]}"; do one=$((one + $(stat -c %s "$CORPUS/$f"))); done
copies=$(((BIG_MB * 1000000 + one - 1) / one))
for ((k = 1; k <= copies; k++)); do
    tag=$(printf 'c%04d' "$k")
    for f in "${docs[@]}"; do cp "$CORPUS/$f" "$BIG/$tag-$f"; done
done
{
    # Header (synonyms, user dictionaries) once, then each [[document]] block once per copy.
    awk '/^\[\[document\]\]/ { exit } { print }' "$CORPUS/kumiai.toml"
    for ((k = 1; k <= copies; k++)); do
        tag=$(printf 'c%04d' "$k")
        awk -v tag="$tag" '
            /^\[\[document\]\]/ { on = 1 }
            !on { next }
            /^file = "/ { sub(/^file = "/, "file = \"" tag "-") }
            /^id = "/ { sub(/"$/, "-" tag "\"") }
            { print }' "$CORPUS/kumiai.toml"
    done
} >"$BIG/kumiai.toml"
big_bytes=$(cat "$BIG"/*.txt "$BIG"/*.md | wc -c)
nfiles=$(find "$BIG" -type f ! -name kumiai.toml | wc -l)
say "$copies copies × ${#docs[@]} documents = $nfiles files, $(mbytes "$big_bytes") MB (bundled corpus: $(mbytes "$one") MB)"

# ---------------------------------------------------------------------------------------------
section "(a) kumiai index on the replicated corpus ($THREADS threads available)"
status=0
/usr/bin/time -v -o "$WORK/index.time" \
    "$BIN" index --corpus "$BIG" --index "$WORK/big-index" 2>"$WORK/index.err" || status=$?
if [ "$status" -gt 1 ]; then
    cat "$WORK/index.err" >&2
    exit "$status"
fi
grep -E '^(indexed|index )' "$WORK/index.err" | sed 's/^/  /' | tee -a "$SUMMARY"
nwarn=$(grep -c '^warning' "$WORK/index.err" || true)
[ "$nwarn" -gt 0 ] && say "  ($nwarn warning line(s), exit status $status: the bundled corpus's own input warnings, once per copy)"
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$WORK/index.time")
user=$(awk -F': ' '/User time/ { print $2 }' "$WORK/index.time")
sys=$(awk -F': ' '/System time/ { print $2 }' "$WORK/index.time")
rss_kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/index.time")
index_mbs=$(calc "$big_bytes / 1e6 / $wall")
index_size=$(du -sb "$WORK/big-index" | cut -f1)
say "  wall $wall s (user $user s, sys $sys s, CPU $(calc "($user + $sys) / $wall * 100")% of one core)"
say "  throughput $index_mbs MB/s  (target ≥ 15 MB/s: $(awk -v v="$index_mbs" 'BEGIN { print (v >= 15 ? "met" : "MISSED") }'))"
say "  peak RSS $(calc "$rss_kb / 1024") MB  (target < 1 GB: $([ "$rss_kb" -lt 1048576 ] && echo met || echo MISSED))"
say "  index size $(mbytes "$index_size") MB"

# ---------------------------------------------------------------------------------------------
# The same text as one file, repeated to TOK_MB; tokenized on one thread by the CLI.
section "(b) tokenizer only, one thread (kumiai tokenize --wakati, ≥ $TOK_MB MB)"
TOK=$WORK/tok.txt
: >"$TOK"
while [ "$(stat -c %s "$TOK")" -lt $((TOK_MB * 1000000)) ]; do
    for f in "${docs[@]}"; do
        sed '1s/^\xEF\xBB\xBF//' "$CORPUS/$f" >>"$TOK"
    done
done
tok_bytes=$(stat -c %s "$TOK")
t0=$(now)
"$BIN" tokenize --wakati <"$TOK" >"$WORK/kumiai.wakati"
t1=$(now)
tok_s=$(calc "$t1 - $t0")
tok_mbs=$(calc "$tok_bytes / 1e6 / $tok_s")
say "  $(mbytes "$tok_bytes") MB in $tok_s s: $tok_mbs MB/s on 1 thread (CLI: stdin, analysis, output)"
ideal=$(calc "$tok_mbs * $THREADS")
say "  index ÷ (tokenizer × $THREADS threads) = $index_mbs ÷ $ideal = $(calc "$index_mbs / $ideal * 100")%  (ambition ≥ 90%)"

# ---------------------------------------------------------------------------------------------
section "(e) MeCab comparison (same ${TOK_MB} MB file, -Owakati, one thread)"
if command -v mecab >/dev/null; then
    dic=/var/lib/mecab/dic/ipadic-utf8
    [ -d "$dic" ] || dic=$(mecab -D 2>/dev/null | awk -F'\t' '/filename/ { sub(/\/sys.dic$/, "", $2); print $2 }')
    t0=$(now)
    mecab -d "$dic" -Owakati <"$TOK" >"$WORK/mecab.wakati"
    t1=$(now)
    mecab_s=$(calc "$t1 - $t0")
    mecab_mbs=$(calc "$tok_bytes / 1e6 / $mecab_s")
    say "  mecab ($dic): $mecab_s s, $mecab_mbs MB/s"
    say "  kumiai tokenize / mecab = $tok_mbs / $mecab_mbs = $(calc "$tok_mbs / $mecab_mbs")×"
    say "  tokens: kumiai $(wc -w <"$WORK/kumiai.wakati"), mecab $(wc -w <"$WORK/mecab.wakati") (kumiai adds a union-domain user dictionary)"
else
    mecab_mbs=
    say "  mecab is not installed: skipped (apt-get install mecab mecab-ipadic-utf8)"
fi
rm -f "$WORK/kumiai.wakati" "$WORK/mecab.wakati"

# ---------------------------------------------------------------------------------------------
# Whole-process search on the bundled corpus with a warm (up-to-date) index, against grep.
section "(c) whole-process search, bundled corpus, warm index (hyperfine)"
IDX=$WORK/small-index
status=0
"$BIN" index --corpus "$CORPUS" --index "$IDX" 2>/dev/null || status=$?
[ "$status" -le 1 ] || { echo "indexing the bundled corpus failed" >&2; exit "$status"; }
status=0
"$BIN" search --corpus "$CORPUS" --index "$IDX" 未加入者 >/dev/null 2>&1 || status=$?
[ "$status" -le 1 ] || { echo "kumiai search failed" >&2; exit "$status"; }
# Exit status 1 means "done, with warnings about the input" (the bundled corpus has some).
K="$BIN --corpus $CORPUS search --index $IDX"
hf() { hyperfine -N -i --style basic --warmup 3 --min-runs 20 --export-csv "$WORK/hf.csv" "$@" >"$WORK/hf.out" 2>&1; }
mean_ms() { awk -F, -v n="$1" 'NR == n + 1 { printf "%.1f", $2 * 1000 }' "$WORK/hf.csv"; }
compare() { # label, kumiai args, rg args
        # Plain labels: hyperfine's CSV quotes a name with a comma, which the awk above would split.
    hf -n kumiai "$K $2" -n rg "rg $3 $CORPUS"
    local k r
    k=$(mean_ms 1)
    r=$(mean_ms 2)
    printf '  %-34s kumiai %7s ms   rg %6s ms   ratio %6s×\n' "$1" "$k" "$r" "$(calc "$k / $r")" | tee -a "$SUMMARY"
    echo "$k" >>"$WORK/search-means"
}
: >"$WORK/search-means"
compare "未加入者" "未加入者" "未加入者"
search_ms=$(head -1 "$WORK/search-means")
compare "自治労 (-w, not 自治労連)" "-- -自治労連 自治労" "-e 自治労(?!連) --pcre2"
compare "新採 kind:survey" "'新採 kind:survey'" "-e 新採 -e 新規採用"
compare "人手不足 人員確保" "人手不足 人員確保" "-e 人手不足 -e 人員確保"
compare "共済 --kwic" "共済 --kwic" "-o '.{0,12}共済.{0,12}'"
hf -n startup "$BIN tokenize x"
say "  $(printf '%-34s kumiai %7s ms' 'startup: kumiai tokenize x' "$(mean_ms 1)")  (process start + dictionary load)"
say "  kumiai search 未加入者: $search_ms ms  (target < 100 ms: $(awk -v v="$search_ms" 'BEGIN { print (v < 100 ? "met" : "MISSED") }'))"

# ---------------------------------------------------------------------------------------------
if [ -z "${SKIP_CARGO_BENCH:-}" ]; then
    section "(d) cargo bench (in-process)"
    cargo bench --quiet --bench tokenize 2>/dev/null | tee "$WORK/tok.out" | grep -v '^RESULT' | sed 's/^/  /' | tee -a "$SUMMARY"
    bench_mbs=$(awk -F= '/^RESULT tokenize_mb_per_s/ { print $2 }' "$WORK/tok.out")
    ideal=$(calc "$bench_mbs * $THREADS")
    say "  index ÷ (Analyzer::tokenize × $THREADS threads) = $index_mbs ÷ $ideal = $(calc "$index_mbs / $ideal * 100")%"
    [ -n "$mecab_mbs" ] && say "  Analyzer::tokenize / mecab = $bench_mbs / $mecab_mbs = $(calc "$bench_mbs / $mecab_mbs")×"
    cargo bench --quiet --bench search 2>/dev/null | grep -v '^RESULT' | sed 's/^/  /' | tee -a "$SUMMARY"
fi

say ""
say "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
mkdir -p "$(dirname "$RESULTS")"
cp "$SUMMARY" "$RESULTS"
echo "summary written to $RESULTS"
