#!/usr/bin/env bash
# Fills fuzz/seeds/ (flat, as libFuzzer wants) from the conformance suites and the corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf fuzz/seeds && mkdir -p fuzz/seeds
i=0
while IFS= read -r -d '' f; do
  cp "$f" "fuzz/seeds/seed-$i"; i=$((i + 1))
done < <(find fixtures/conformance fixtures/corpus fixtures/exposition -type f ! -name '*.md' ! -name LICENSE ! -name '*.json' -size -200k -print0 | sort -z)
echo "$i seeds"
