#!/bin/bash
# The figures of docs/spark.md's scaling model (issue 19's target): 100,000 broad sentences embedded by
# ./tersor spark-embed on local[1] and local[2], against one Embedder alone on the same threads, plus the
# tokenizer's share and the bytes written per sentence. Run in a checkout after ./tersor demo (its
# compressed model), with nothing else running; about 25 minutes on 2 cores. Keep the output:
#   docs/benchmarks/2026-12-07-spark-scaling/commands.sh 2>&1 | tee docs/benchmarks/2026-12-07-spark-scaling/output.txt
set -euo pipefail
cd "$(dirname "$0")/../../.."
M=${MODEL:-$(ls -t .cache/demo/*.tsr 2>/dev/null | head -1)}   # the newest: the current default preset
[ -n "$M" ] || { echo "no compressed model in .cache/demo: run ./tersor demo first (or MODEL=file.tsr)" >&2; exit 1; }
F=.cache/models/all-minilm-l6-v2/all-minilm-l6-v2.onnx
C=.cache/corpus/debian/package-descriptions.txt
REPEAT=${REPEAT:-3}
LINES=${LINES:-100000}   # a smaller LINES only checks that the script runs
if [ ! -f "$C" ]; then   # Debian's package descriptions, fetched with apt by eval-embed (no root needed)
    ./tersor eval-embed --model "$F" --reference "$F" --corpora package-descriptions --limit 10 >/dev/null
fi
# Every form gets the heap of a modest executor (spark.executor.memory=2g), so that the peak resident
# memory each prints compares: an unbounded G1 heap grows with the Vector API's start-up garbage instead.
export TERSOR_JAVA_OPTS="${TERSOR_JAVA_OPTS:--Xmx2g}"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
head -n "$LINES" "$C" > "$W/sentences.txt"
head -n "$((LINES / 10))" "$C" > "$W/sentences-10k.txt"

echo "== JVM options: $TERSOR_JAVA_OPTS"
echo "== model $M ($(stat -c %s "$M") bytes); corpus: the first $LINES lines of $C"
wc -l -c "$W/sentences.txt"
date; grep -m1 "model name" /proc/cpuinfo; nproc; git rev-parse --short HEAD
./tersor spark-embed --help >/dev/null   # builds the module first, outside any timing

# One run: its summary line (lines/s, peak resident memory), then the output's bytes; the output is deleted.
run() {
    local label="$1"
    shift
    rm -rf "$W/out"
    printf '%-22s ' "$label"
    ./tersor spark-embed --model "$M" --input "$W/sentences.txt" --output "$W/out" "$@" 2>"$W/err.log" \
        || { cat "$W/err.log" >&2; exit 1; }
    [ ! -d "$W/out" ] || printf '%-22s output %s bytes\n' "" "$(du -sb "$W/out" | cut -f1)"
}

echo "== $REPEAT rounds, the four forms in turn (lines/s; Embedder alone and Spark both write the same JSON lines)"
for round in $(seq "$REPEAT"); do
    echo "-- round $round"
    run "embedder-1-thread" --without-spark --threads 1
    run "spark-local[1]" --master 'local[1]'
    run "embedder-2-threads" --without-spark --threads 2
    run "spark-local[2]" --master 'local[2]'
done

echo "== the tokenizer alone (its share of a core's time), and the tokens per line"
run "tokenize-1-thread" --without-spark --threads 1 --tokenize-only
run "tokenize-2-threads" --without-spark --threads 2 --tokenize-only

echo "== bytes per sentence written: Parquet on the first $((LINES / 10)) lines (JSON's are above)"
rm -rf "$W/out-parquet"
./tersor spark-embed --model "$M" --input "$W/sentences-10k.txt" --output "$W/out-parquet" --master 'local[2]' \
    --format parquet 2>/dev/null
echo "parquet output $(du -sb "$W/out-parquet" | cut -f1) bytes"
date
