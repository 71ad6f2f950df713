#!/usr/bin/env bash
# The long fuzz run: the suite's tests/fuzz.rs with more cases per target (default 100,000;
# the normal suite runs a few thousand), in the test build the suite already made (its
# dependencies are optimised). Fixed seed, so a failure reproduces; proptest prints
# the minimal failing input.
#   scripts/fuzz.sh            # 100k cases per target
#   CASES=20000 scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
CASES="${CASES:-100000}"
start=$(date +%s)
KUMIAI_FUZZ_CASES="$CASES" cargo test --test fuzz -- --test-threads 2
echo "fuzz: ${CASES} cases per target passed in $(( $(date +%s) - start )) s"
