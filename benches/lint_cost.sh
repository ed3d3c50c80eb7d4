#!/usr/bin/env bash
# What the lint costs over the parser, in instructions (callgrind counts repeat exactly; wall
# times on a shared machine do not): `check -` (the lint) against `check --lint none -` (the
# parser alone: validation only), and the other `check` modes and `analyze` for scale.
#
#   benches/lint_cost.sh [SIZES_MB...]      e.g. benches/lint_cost.sh 5 50
#
# Needs valgrind. Builds the profiling profile (release code with symbols). Inputs come from
# benches/gen_exposition.py, cached in $BENCH_DIR (default /tmp/promtune-bench) as compare.sh
# caches them.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-5 50}")
[ $# -eq 0 ] && sizes=(5 50)
dir=${BENCH_DIR:-/tmp/promtune-bench}
mkdir -p "$dir"
command -v valgrind >/dev/null || { echo "valgrind missing: apt-get install valgrind" >&2; exit 2; }
cargo build --profile profiling --quiet
bin=target/profiling/promtune
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# instructions CMD...: the instructions callgrind counts for CMD (stdin from $input).
instructions() {
  valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$@" < "$input" > /dev/null 2> "$out/err" || true
  awk '/refs:/ { gsub(",", "", $NF); print $NF }' "$out/err"
}

modes=("check --lint none -" "check -" "check --lint none --extended -"
  "check --format promtool -" "analyze --format json --scraped-at 0 -")
printf '%-8s %-44s %16s %12s\n' input command instructions vs_parser
for mb in "${sizes[@]}"; do
  input="$dir/gen-${mb}MB.prom"
  [ -s "$input" ] || python3 benches/gen_exposition.py "$input" $((mb * 1000000)) 1 >/dev/null
  base=
  for m in "${modes[@]}"; do
    # shellcheck disable=SC2086
    n=$(instructions $bin $m)
    base=${base:-$n}
    printf '%-8s %-44s %16s %11.2f%%\n' "${mb}MB" "$m" "$n" \
      "$(awk -v a="$n" -v b="$base" 'BEGIN { print (a / b - 1) * 100 }')"
  done
done
