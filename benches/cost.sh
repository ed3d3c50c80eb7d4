#!/usr/bin/env bash
# What gathering the cost (issue 24) adds to `analyze` on a page of about a million series:
# this tree's release binary against another build (the commit before the cost work).
#
#   benches/cost.sh BASE_BIN [RUNS]    e.g. benches/cost.sh /tmp/cost-base/target/release/promtune 9
#
# The page is `benches/gen_exposition.py OUT 110000000 1` (1,072,760 samples, 110 MB), cached in
# $BENCH_DIR (default /tmp/promtune-bench). Rounds interleave the two binaries; prints the
# median wall and user CPU seconds and the median peak RSS of each, and their ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:?usage: benches/cost.sh BASE_BIN [RUNS]}
runs=${2:-9}
dir=${BENCH_DIR:-/tmp/promtune-bench}
mkdir -p "$dir"
input="$dir/gen-110MB.prom"
[ -s "$input" ] || python3 benches/gen_exposition.py "$input" 110000000 1 >/dev/null
cargo build --release --quiet
bins=("$base" target/release/promtune)
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
declare -A wall=() user=() rss=()
for _ in $(seq "$runs"); do
  for i in 0 1; do
    tmp=$(mktemp)
    /usr/bin/time -f "%e %U %M" -o "$tmp" "${bins[$i]}" analyze --format json --fail-on never \
      --scraped-at 0 - < "$input" > /dev/null 2>&1
    read -r e u m < <(tail -1 "$tmp")
    rm -f "$tmp"
    wall[$i]+="$e "; user[$i]+="$u "; rss[$i]+="$m "
  done
done
printf '%-40s %8s %8s %10s\n' binary wall_s user_s peak_MiB
for i in 0 1; do
  w=$(printf '%s\n' ${wall[$i]} | median); u=$(printf '%s\n' ${user[$i]} | median)
  m=$(printf '%s\n' ${rss[$i]} | median)
  printf '%-40s %8.3f %8.3f %10.1f\n' "${bins[$i]}" "$w" "$u" "$(awk -v k="$m" 'BEGIN{print k/1024}')"
  eval "w$i=$w u$i=$u"
done
awk -v a="$w0" -v b="$w1" -v c="$u0" -v d="$u1" 'BEGIN { printf "ratio (this tree / base): wall %.2f, user %.2f\n", b / a, d / c }'
