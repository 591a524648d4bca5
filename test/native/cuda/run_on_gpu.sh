#!/bin/bash
# Everything the GPU machine runs, in one call (no Node needed there). Expects the library and
# harness built (`npm run build:cuda`) and a cases folder from generateCases.ts:
#   bash test/native/cuda/run_on_gpu.sh <cases dir> [log dir]
# Prints a summary; full logs go to the log dir (default: $OUT, else ./gpu-logs).
set -u
cd "$(dirname "$0")/../../.."
CASES=${1:?usage: run_on_gpu.sh <cases dir> [log dir]}
LOGS=${2:-${OUT:-gpu-logs}}
mkdir -p "$LOGS"
export PATH=/usr/local/cuda/bin:$PATH
H=native/build/cuda/fp4lab_cuda_harness
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,power.limit --format=csv | tee "$LOGS/nvidia-smi.txt"
$H status | tee "$LOGS/status.log"
# Our declarations of cuBLASLt's API against the real header, where it is installed.
nvcc -I native/cuda/src -c test/native/cuda/cublaslt_abi_check.cu -o /tmp/fp4lab_abi.o > "$LOGS/abi_check.log" 2>&1 && echo "cuBLASLt ABI check: ok" || echo "cuBLASLt ABI check: FAILED (see abi_check.log)"
timeout 300 stdbuf -oL $H test "$CASES" > "$LOGS/test.log" 2>&1; echo "test rc=$?"
grep -E "^FAIL" "$LOGS/test.log" | head -20
tail -3 "$LOGS/test.log"
timeout 300 stdbuf -oL $H bench > "$LOGS/bench.log" 2>&1; echo "bench rc=$?"
grep -E "^(RATIO|FAIR|fastest)" "$LOGS/bench.log"
timeout 300 compute-sanitizer --tool memcheck --print-limit 10 $H test "$CASES" --quick > "$LOGS/memcheck.log" 2>&1; echo "memcheck rc=$?"
grep -E "ERROR SUMMARY|passed, " "$LOGS/memcheck.log" | tail -2
