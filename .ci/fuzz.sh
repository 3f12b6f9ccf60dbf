#!/usr/bin/env bash
# Bounded fuzzing of the draft importer: each libFuzzer target in fuzz/ runs for
# FUZZ_SECONDS (default 60) from the regression inputs in tests/fixtures/fuzz/.
# Built the way `cargo fuzz build -s none` builds (coverage instrumentation, no
# sanitizer runtime), on the stable toolchain with RUSTC_BOOTSTRAP=1, so CI needs
# neither nightly nor cargo-fuzz. A crash fails CI; libFuzzer writes the input
# that crashed to fuzz/artifacts/<target>/, to be kept under tests/fixtures/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
export RUSTC_BOOTSTRAP=1
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
# With --target, RUSTFLAGS reach the targets only, not build scripts (as cargo fuzz does).
host=$(rustc -vV | sed -n 's/^host: //p')
cargo build --release --manifest-path fuzz/Cargo.toml --target-dir fuzz/target --target "$host" --bins
for target in text markdown docx; do
  corpus=$(mktemp -d)
  case $target in
    text) cp tests/fixtures/fuzz/text-* "$corpus"/ ;;
    markdown) cp tests/fixtures/fuzz/markdown-* "$corpus"/ ;;
    docx) find tests/fixtures/drafts -name '*.docx' -size -200k -exec cp {} "$corpus"/ \; ;;
  esac
  mkdir -p "fuzz/artifacts/$target"
  echo "fuzzing $target for ${seconds}s from $(ls "$corpus" | wc -l) inputs"
  status=0
  fuzz/target/"$host"/release/"$target" "$corpus" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=262144 \
    -artifact_prefix="fuzz/artifacts/$target/" -print_final_stats=1 >"fuzz/artifacts/$target.log" 2>&1 || status=$?
  grep -E "^stat::(number_of_executed_units|peak_rss_mb)|^SUMMARY|deadly signal|ERROR:" "fuzz/artifacts/$target.log" || true
  rm -rf "$corpus"
  if [ "$status" -ne 0 ]; then
    echo "CI FAILED: fuzz target $target crashed; the input is in fuzz/artifacts/$target/"
    exit 1
  fi
done
