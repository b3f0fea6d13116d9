#!/bin/bash
# The figures of docs/benchmarks/README.md (2026-12-07-bench-model-6-xeon): bench-model-5's commands on
# the Intel Xeon with AMX, plus the compressed model with the native kernels capped at avx512-vnni (the
# path before AMX) beside the amx path. Run in a checkout after ./tersor demo (the compressed model) and
# ./tersor test (bge-small), with nothing else running.
set -u
cd "$(dirname "$0")/../../.."
M=$(ls -t .cache/demo/*.tsr | head -1)   # the newest: the current default preset
F=.cache/models/all-minilm-l6-v2/all-minilm-l6-v2.onnx
B=.cache/models/bge-small-en-v15/bge-small-en-v1.5.onnx
echo "== model $M"; date; grep -m1 "model name" /proc/cpuinfo
grep -m1 flags /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx512f|avx512_vnni|avx_vnni|amx_int8|amx_tile)$' | tr '\n' ' '; echo
echo "== 1 thread, batch 1, compressed + fp32 vs ORT"
./tersor bench model --model $M --model $F --tokens 11,128 --runs 20 2>&1 | grep -v WARNING
echo "== 1 thread, batch 32"
./tersor bench model --model $M --model $F --tokens 11,128 --batch 32 --runs 6 2>&1 | grep -v WARNING
echo "== 2 threads, batch 1"
./tersor bench model --model $M --model $F --tokens 11,128 --threads 2 --runs 20 2>&1 | grep -v WARNING
echo "== 2 threads, batch 32"
./tersor bench model --model $M --model $F --tokens 11,128 --batch 32 --threads 2 --runs 6 2>&1 | grep -v WARNING
echo "== compressed, native path capped at avx512-vnni (no AMX), 1 thread"
TERSOR_NATIVE_ISA=avx512-vnni ./tersor bench model --model $M --no-ort --tokens 11,128 --runs 20 2>&1 | grep -v WARNING
TERSOR_NATIVE_ISA=avx512-vnni ./tersor bench model --model $M --no-ort --tokens 11,128 --batch 32 --runs 6 2>&1 | grep -v WARNING
echo "== profile, 1 thread"
./tersor bench model --model $M --model $F --no-ort --tokens 11,128 --runs 5 --profile 2>&1 | grep -v WARNING | tail -4
echo "== bge-small fp32 vs ORT on bge"
./tersor bench model --model $B --ort-model $B --tokens 11,128 --runs 10 2>&1 | grep -v WARNING
date
