#!/bin/bash
# Detection speed of two rule directories on the loghub corpus, measured with one
# detect_bench binary in the same run: the two sets run one after the other on the same
# core, the order swapping every round (a larger set compiles for longer, so running them
# side by side would measure one while the other compiles). The verdict is the median of
# the per-pair geometric means of new/old, which cancels a drift of the machine's load.
#
#   bench/packs_side_by_side.sh OLD_RULES_DIR NEW_RULES_DIR [ROUNDS] [BENCH]
#
# ROUNDS (even, default 6); BENCH defaults to build/bench/detect_bench. Prints both rates of
# each round for "matching only" and "end to end" on the whole loghub mix, then the medians.
# Example, the packs before a change against the working tree:
#   git worktree add /tmp/old HEAD~3 && bench/packs_side_by_side.sh /tmp/old/rules rules
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 OLD_RULES_DIR NEW_RULES_DIR [ROUNDS] [BENCH]" >&2; exit 2; }
old=$1
new=$2
rounds=${3:-6}
bench=${4:-build/bench/detect_bench}
case $rounds in '' | *[!0-9]* | *[13579]) echo "$0: ROUNDS must be an even number" >&2; exit 2 ;; esac
[ -x "$bench" ] || { echo "$0: $bench: not an executable" >&2; exit 2; }
args=(--corpus ../shared/data/loghub --corpus-only --skip-fail2ban --seconds 2)

rate() {  # "<matching> <end to end>" in lines/s from one run's output
  awk '
    function val(n, u) { return n * (u == "M" ? 1e6 : (u == "k" ? 1e3 : 1)) }
    /^## End to end/ { sec = "e2e"; next }
    /^## Matching only/ { sec = "match"; next }
    /^## / { sec = "" }
    /^loghub \(all systems\)/ && sec != "" { v[sec] = val($4, $5) }
    END { if (!("match" in v) || !("e2e" in v)) exit 1; printf "%.0f %.0f\n", v["match"], v["e2e"] }' "$1" ||
    { echo "$0: no rates in the output of a run:" >&2; cat "$1" >&2; exit 1; }
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
results=()
for ((i = 0; i < rounds; i++)); do
  if ((i % 2)); then order=(new old); else order=(old new); fi
  for which in "${order[@]}"; do
    dir=$old
    [ "$which" = new ] && dir=$new
    taskset -c 0 "$bench" "${args[@]}" --rules "$dir" >"$tmp/$which" 2>&1 ||
      { echo "$0: $which run failed:" >&2; cat "$tmp/$which" >&2; exit 1; }
  done
  results+=("$(rate "$tmp/old") $(rate "$tmp/new")")
  printf 'round %d (%s first): old match %s e2e %s | new match %s e2e %s lines/s\n' \
    $((i + 1)) "${order[0]}" $(echo "${results[-1]}" | awk '{print $1, $2}') $(echo "${results[-1]}" | awk '{print $3, $4}')
done
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
for col in 1 2; do
  name=$([ $col = 1 ] && echo "matching only" || echo "end to end")
  o=$(printf '%s\n' "${results[@]}" | awk -v c=$col '{print $c}' | median)
  n=$(printf '%s\n' "${results[@]}" | awk -v c=$col '{print $(c + 2)}' | median)
  pairs=$(printf '%s\n' "${results[@]}" | awk -v c=$col '{r = $(c + 2) / $c; if (NR % 2) p = r; else printf "%.3f\n", sqrt(p * r)}')
  awk -v name="$name" -v o="$o" -v n="$n" -v r="$(echo "$pairs" | median)" \
    'BEGIN {printf "%s: old median %.2f M lines/s, new median %.2f M lines/s, new/old x%s (median of the pairs)\n", name, o / 1e6, n / 1e6, r}'
done
