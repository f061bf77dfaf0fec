#!/bin/bash
# Compares the matching-only rate of two detect_bench binaries (two builds of wardsoc) on a
# shared, noisy machine: both run at the same time, one on each of the first two cores, and
# they swap cores every round. Each pair of rounds gives the geometric mean of its two
# ratios, which cancels a difference between the cores; the verdict is the median of those.
#
#   bench/side_by_side.sh OLD_BENCH NEW_BENCH [ROUNDS] [-- detect_bench options]
#
# ROUNDS (even, default 8). The options default to
# "--corpus ../shared/data/loghub --generated 1000 --seconds 2".
# Example: build the old commit in a worktree, then
#   bench/side_by_side.sh /tmp/old/build/bench/detect_bench build/bench/detect_bench
set -euo pipefail

usage() {
  echo "usage: $0 OLD_BENCH NEW_BENCH [ROUNDS] [-- detect_bench options]" >&2
  exit 2
}
[ $# -ge 2 ] || usage
old=$1
new=$2
shift 2
rounds=8
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
  rounds=$1
  shift
fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--corpus ../shared/data/loghub --generated 1000 --seconds 2)
for b in "$old" "$new"; do
  [ -x "$b" ] || { echo "$0: $b: not an executable" >&2; exit 2; }
done
case $rounds in '' | *[!0-9]* | *[13579]) echo "$0: ROUNDS must be an even number" >&2; exit 2 ;; esac
[ "$(nproc)" -ge 2 ] || { echo "$0: needs two cores" >&2; exit 2; }

rate() {  # the rate printed by one run, or a failure
  local out
  out=$(grep '^wardsoc matching only:' "$1" | awk '{print $4}')
  [ -n "$out" ] || { echo "$0: no rate in the output of a run:" >&2; cat "$1" >&2; exit 1; }
  echo "$out"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
results=()
for ((i = 0; i < rounds; i++)); do
  a=$((i % 2))
  b=$((1 - a))
  taskset -c $a "$old" "${args[@]}" --wardsoc-only >"$tmp/old" 2>&1 &
  p1=$!
  taskset -c $b "$new" "${args[@]}" --wardsoc-only >"$tmp/new" 2>&1 &
  p2=$!
  wait $p1 || { echo "$0: $old failed:" >&2; cat "$tmp/old" >&2; exit 1; }
  wait $p2 || { echo "$0: $new failed:" >&2; cat "$tmp/new" >&2; exit 1; }
  results+=("$(rate "$tmp/old") $(rate "$tmp/new")")
  printf 'round %d: old on core %d %s lines/s, new on core %d %s lines/s\n' $((i + 1)) $a ${results[-1]%% *} $b ${results[-1]##* }
done
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
old_median=$(printf '%s\n' "${results[@]}" | awk '{print $1}' | median)
new_median=$(printf '%s\n' "${results[@]}" | awk '{print $2}' | median)
pairs=$(printf '%s\n' "${results[@]}" | awk '{r = $2 / $1; if (NR % 2) prev = r; else printf "%.3f\n", sqrt(prev * r)}')
awk -v o="$old_median" -v n="$new_median" 'BEGIN {printf "old median %.2f M lines/s, new median %.2f M lines/s\n", o / 1e6, n / 1e6}'
echo "new/old by pair of rounds: $(echo "$pairs" | tr '\n' ' ')"
echo "new/old: x$(echo "$pairs" | median) (median of the pairs)"
