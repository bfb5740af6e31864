#!/bin/sh
# sanitize.sh: the sanitizer job (CI runs it after scripts/test.sh). Builds Krait's parsers, the io and
# checkpoint tests, the CLI tests and the fuzz targets with clang 14, AddressSanitizer, UndefinedBehaviorSanitizer and
# LeakSanitizer (-DKRAIT_FUZZ=ON, in build-sanitize or $KRAIT_SANITIZE_BUILD), and the krait command's front end
# over the normal build's libkrait for the CLI tests (build/, or $KRAIT_ENGINE_BUILD), writes each fuzz target's seeds
# from the fetched catalogue files, and runs the tests labelled `sanitize` (tests/fuzz/SanitizerTests.cmake):
# any sanitizer report or leak of Krait's own fails it. Needs scripts/install-deps.sh and
# scripts/fetch-test-data.sh first, and a normal build (build/, or $KRAIT) for the DICOM SEG seeds.
set -eu
cd "$(dirname "$0")/.."
build=${KRAIT_SANITIZE_BUILD:-build-sanitize}
testdata=${KRAIT_TESTDATA:-$HOME/.cache/krait/testdata}
krait=${KRAIT:-build/app/cli/krait}
# The instrumented krait links the normal build's libkrait (tests/fuzz/SanitizerCli.cmake).
engine=$(cd "${KRAIT_ENGINE_BUILD:-build}" && pwd)
[ -f "$build/build.ninja" ] || CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DKRAIT_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=Debug -DKRAIT_TESTDATA="$testdata" -DKRAIT_ENGINE_BUILD="$engine"
cmake -S . -B "$build" -DKRAIT_ENGINE_BUILD="$engine" >/dev/null
cmake --build "$build" --parallel "$(nproc)"
for target in $(scripts/fuzz.sh list); do
  rm -rf "$build/seeds/$target"
  /usr/bin/python3 tests/fuzz/make_seeds.py "$target" "$build/seeds/$target" "$testdata" "$krait"
done
cd "$build"
ctest --output-on-failure --parallel "$(nproc)" --label-regex sanitize
