#!/bin/sh
# clang-tidy (the root .clang-tidy) on the C++ files changed since the commit recorded in
# .ci/tidy-baseline. Uses the release build's compile_commands.json.
# Usage: .ci/tidy.sh <build dir> [--all]
#
# The baseline is where checking starts, not a promise about the tree before it: the tree
# at the baseline has not yet had a clean --all run (`make tidy-all` lists what is left).
# Every change after it is checked.
#
# "Changed" is what `git diff` shows between the merge-base of HEAD and the baseline and
# the working tree: a clean clone (CI) has the history, so a clone of a branch checks that
# branch's changes and nothing else, in seconds. A shallow clone that lacks the baseline
# commit, or --all, checks every file (several minutes on two cores); after a clean
# --all run, write `git rev-parse HEAD` into .ci/tidy-baseline and commit it.
# A changed header is checked through the .cc file of the same name.
set -eu
build=$1
cd "$(dirname "$0")/.."
[ -f "$build/compile_commands.json" ] || { echo "tidy: $build/compile_commands.json missing" >&2; exit 1; }

all=0
[ "${2:-}" = "--all" ] && all=1
baseline=$(cat .ci/tidy-baseline)
if [ $all = 0 ] && ! git cat-file -e "$baseline^{commit}" 2>/dev/null; then
  echo "tidy: baseline $baseline not in this clone (shallow?): checking every file" >&2
  all=1
fi
if [ $all = 1 ]; then
  files=$(git ls-files '*.cc')
else
  base=$(git merge-base HEAD "$baseline")
  files=$( { git diff --name-only --diff-filter=d "$base" -- '*.cc' '*.h';
             git ls-files --others --exclude-standard -- '*.cc' '*.h'; } |
           sed 's/\.h$/.cc/' | sort -u | while read -r f; do if [ -f "$f" ]; then echo "$f"; fi; done)
fi
# Only files the build compiles (benchmarks and fuzz targets included where built), and not
# the tests: they are built with GCC's precompiled header, which clang cannot read.
files=$(for f in $files; do
          case $f in tests/*) continue ;; esac
          if grep -q "\"file\": \"$PWD/$f\"" "$build/compile_commands.json"; then echo "$f"; fi
        done)
if [ -z "$files" ]; then
  echo "tidy: no changed C++ files since $(echo "$baseline" | cut -c1-12)" >&2
  exit 0
fi
n=$(echo "$files" | wc -l)
echo "tidy: checking $n file(s)" >&2
# GCC-only warning flags of the build mean nothing to clang; librdkafka's RD_KAFKA_V_*
# macros are GNU statement expressions, which -Wpedantic reports under clang.
echo "$files" | xargs -P "${JOBS:-2}" -n 4 clang-tidy -p "$build" --quiet \
  --extra-arg=-Wno-unknown-warning-option --extra-arg=-Wno-gnu-statement-expression 2>/dev/null
