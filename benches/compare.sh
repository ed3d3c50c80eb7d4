#!/usr/bin/env bash
# End-to-end speed and memory: promtune check / analyze against `promtool check metrics` and
# `cat`, on synthetic expositions of 5, 50 and 500 MB from benches/gen_exposition.py.
#
#   benches/compare.sh [RUNS] [SIZES_MB...]      e.g. benches/compare.sh 11 5 50 500
#
# Prints, per input and tool: median wall time over RUNS rounds (each round runs every tool
# once), MB/s, the ratio to promtool, and the median peak RSS (/usr/bin/time -v). Inputs are cached in $BENCH_DIR (default /tmp/promtune-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-11}
shift || true
sizes=("${@:-5 50 500}")
[ $# -eq 0 ] && sizes=(5 50 500)
dir=${BENCH_DIR:-/tmp/promtune-bench}
gen=${GEN:-benches/gen_exposition.py}
mkdir -p "$dir"
cargo build --release --quiet
bin=target/release/promtune
command -v promtool >/dev/null || { echo "promtool missing: apt-get install prometheus" >&2; exit 2; }

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# run_once CMD...: runs CMD once (stdin from $input); prints "seconds KiB".
run_once() {
  local tmp t0 t1
  tmp=$(mktemp)
  t0=$EPOCHREALTIME
  # promtool exits non-zero on lint findings; only its time matters here.
  /usr/bin/time -f "%M" -o "$tmp" "$@" < "$input" > /dev/null 2>/dev/null || true
  t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" -v k="$(tail -1 "$tmp")" 'BEGIN { printf "%.4f %s\n", b - a, k }'
  rm -f "$tmp"
}

# `check` lints by default; `--lint none` is the parser alone (validation only), `--lint none
# --extended` the parser with the cardinality table only, `--format promtool` the emulation
# of Go's text parser with promtool's rules.
tools=("promtool check metrics" "cat" "$bin check -" "$bin check --lint none -"
  "$bin check --lint none --extended -" "$bin check --format promtool -"
  "$bin analyze --format json --scraped-at 0 -")
printf '%-8s %-48s %9s %10s %10s %12s\n' input tool median_s MB/s x_promtool peak_RSS_MiB
for mb in "${sizes[@]}"; do
  input="$dir/gen-${mb}MB.prom"
  [ -s "$input" ] || python3 "$gen" "$input" $((mb * 1000000)) 1 >/dev/null
  bytes=$(stat -c %s "$input")
  # Rounds interleave the tools, so that the machine's drift (a factor of 1.5 over minutes on
  # shared VMs) falls on all of them alike and the ratios stay comparable.
  declare -A times=() rsses=()
  for _ in $(seq "$runs"); do
    for i in "${!tools[@]}"; do
      # shellcheck disable=SC2086
      read -r t k <<< "$(run_once ${tools[$i]})"
      times[$i]+="$t "
      rsses[$i]+="$k "
    done
  done
  base=
  for i in "${!tools[@]}"; do
    t=$(printf '%s\n' ${times[$i]} | median)
    rss=$(printf '%s\n' ${rsses[$i]} | median)
    base=${base:-$t}
    mbs=$(awk -v b="$bytes" -v t="$t" 'BEGIN { printf "%.0f", (t > 0 ? b / 1e6 / t : 0) }')
    ratio=$(awk -v a="$base" -v t="$t" 'BEGIN { printf "%.1f", (t > 0 ? a / t : 0) }')
    printf '%-8s %-48s %9.3f %10s %10s %12.1f\n' "${mb}MB" "${tools[$i]/#target\/release\//}" "$t" "$mbs" "$ratio" "$(awk -v k="$rss" 'BEGIN{print k/1024}')"
  done
  unset times rsses
done
