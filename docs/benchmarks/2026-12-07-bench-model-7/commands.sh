#!/bin/bash
# The figures of docs/benchmarks/README.md (2026-12-07-bench-model-7): run in a checkout after
# ./tersor demo (the compressed model) and ./tersor test (bge-small), with nothing else running.
set -u
cd "$(dirname "$0")/../../.."
M=$(ls -t .cache/demo/*.tsr | head -1)   # the newest: the current default preset
F=.cache/models/all-minilm-l6-v2/all-minilm-l6-v2.onnx
B=.cache/models/bge-small-en-v15/bge-small-en-v1.5.onnx
echo "== model $M"; date; grep -m1 "model name" /proc/cpuinfo
echo "== 1 thread, batch 1, compressed + fp32 vs ORT"
./tersor bench model --model $M --model $F --tokens 11,128 --runs 20 2>&1 | grep -v WARNING
echo "== 1 thread, batch 32"
./tersor bench model --model $M --model $F --tokens 11,128 --batch 32 --runs 6 2>&1 | grep -v WARNING
echo "== 2 threads, batch 1"
./tersor bench model --model $M --model $F --tokens 11,128 --threads 2 --runs 20 2>&1 | grep -v WARNING
echo "== 2 threads, batch 32"
./tersor bench model --model $M --model $F --tokens 11,128 --batch 32 --threads 2 --runs 6 2>&1 | grep -v WARNING
echo "== profile, 1 thread"
./tersor bench model --model $M --model $F --no-ort --tokens 11,128 --runs 5 --profile 2>&1 | grep -v WARNING | tail -4
echo "== bge-small fp32 vs ORT on bge"
./tersor bench model --model $B --ort-model $B --tokens 11,128 --runs 10 2>&1 | grep -v WARNING
date
