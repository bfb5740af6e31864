#!/bin/sh
# fuzz.sh TARGET SECONDS: runs one libFuzzer target of tests/fuzz for SECONDS and records the run.
# fuzz.sh list: names the targets.
#
# The targets build in their own folder (build-fuzz, or $KRAIT_FUZZ_BUILD) with clang 14, libFuzzer,
# AddressSanitizer and UndefinedBehaviorSanitizer (-DKRAIT_FUZZ=ON). The corpus grows across runs in
# build-fuzz/corpus/TARGET, seeded each run by tests/fuzz/make_seeds.py from the fixtures and the fetched catalogue
# files; a crashing input is saved as build-fuzz/findings/TARGET-crash-*, and the run exits non-zero. Each run
# appends a line (date, target, seconds, executions, coverage edges, features, corpus size, result) to
# build-fuzz/fuzz-runs.tsv, which docs/reliability.md sums.
set -eu
cd "$(dirname "$0")/.."
target=${1:?usage: fuzz.sh TARGET SECONDS | fuzz.sh list}
if [ "$target" = list ]; then
  for f in tests/fuzz/fuzz_*.cpp; do basename "$f" .cpp; done | grep -v '^fuzz_input$'
  exit 0
fi
seconds=${2:?usage: fuzz.sh TARGET SECONDS}
[ -f "tests/fuzz/$target.cpp" ] && [ "$target" != fuzz_input ] || { echo "fuzz.sh: no target '$target' (fuzz.sh list)" >&2; exit 2; }
build=${KRAIT_FUZZ_BUILD:-build-fuzz}
testdata=${KRAIT_TESTDATA:-$HOME/.cache/krait/testdata}
krait=${KRAIT:-build/app/cli/krait}

[ -f "$build/build.ninja" ] || CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DKRAIT_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug
cmake --build "$build" --target "$target"

seeds=$build/seeds/$target
corpus=$build/corpus/$target
rm -rf "$seeds"
mkdir -p "$seeds" "$corpus" "$build/findings" "$build/logs"
/usr/bin/python3 tests/fuzz/make_seeds.py "$target" "$seeds" "$testdata" "$krait"

# The fixed findings (tests/fuzz/regressions) are replayed first, with the seeds.
regressions=""
[ -d "tests/fuzz/regressions/$target" ] && regressions="tests/fuzz/regressions/$target"
dict=""
[ -f "tests/fuzz/dictionaries/$target.dict" ] && dict="-dict=tests/fuzz/dictionaries/$target.dict"
log=$build/logs/$target-$(date -u +%Y%m%dT%H%M%SZ).log
before=$(ls "$build/findings" | grep -c "^$target-" || true)
# Leaks are findings too, except those of third-party readers' error paths (tests/fuzz/lsan.supp, built into the
# targets with the other sanitizer settings: tests/fuzz/sanitizer_defaults.cpp.in). What the
# libraries print (ITK's warnings, MetaIO's messages) is closed off (-close_fd_mask): libFuzzer keeps its own output.
status=0
  "$build/tests/fuzz/$target" $dict -max_total_time="$seconds" -timeout=60 -rss_limit_mb=4096 -print_final_stats=1 -close_fd_mask=3 \
  -artifact_prefix="$build/findings/$target-" "$corpus" "$seeds" $regressions >"$log" 2>&1 || status=$?
after=$(ls "$build/findings" | grep -c "^$target-" || true)

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
size=$(ls "$corpus" | wc -l)
result=ok
[ "$status" -eq 0 ] || result="crash($(ls -t "$build/findings" | grep "^$target-" | head -n 1))"
[ -f "$build/fuzz-runs.tsv" ] || printf 'date\ttarget\tseconds\texecutions\tedges\tfeatures\tcorpus\tresult\n' >"$build/fuzz-runs.tsv"
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$target" "$seconds" "${execs:-0}" "${cov:-0}" \
  "${ft:-0}" "$size" "$result" >>"$build/fuzz-runs.tsv"
tail -n 1 "$build/fuzz-runs.tsv"
if [ "$status" -ne 0 ]; then
  echo "fuzz.sh: $target found $((after - before)) crashing input(s); the report is in $log" >&2
  grep -m 1 -A 30 'ERROR: \|runtime error\|deadly signal\|uncaught exception' "$log" >&2 || tail -n 40 "$log" >&2
  exit 1
fi
