#!/bin/bash
# Single-thread GEMM GFLOP/s from CPU time (perf stat task-clock, set-up subtracted), tessera's
# packed GEMM beside NumPy's a @ b (Debian's OpenBLAS, OPENBLAS_NUM_THREADS=1): on the shared
# development machine wall-clock medians swing ±50% with the other engineers' load, CPU time ±10%.
# Needs perf and the developer build's library:
#   cmake -S . -B build-cmake -DCMAKE_BUILD_TYPE=Release && cmake --build build-cmake -j2
#   native/bench/gemm_cputime.sh [n=2000] [reps=4] [runs=3]
set -e
cd "$(dirname "$0")/../.."
n=${1:-2000}; reps=${2:-4}; runs=${3:-3}
bin=$(mktemp -d)/gemm_one
g++ -O2 -std=c++17 -Inative native/bench/gemm_one.cc build-cmake/libtessera_core.a -lpthread -o "$bin"
py=$(mktemp --suffix=.py)
cat > "$py" <<'PY'
import sys, numpy as np
n, reps = int(sys.argv[2]), int(sys.argv[3]); dt = np.float64 if sys.argv[1] == 'd' else np.float32
a = np.random.rand(n, n).astype(dt); b = np.random.rand(n, n).astype(dt)
for _ in range(reps): a @ b
PY
tc() { perf stat -e task-clock -x, "$@" 2>&1 >/dev/null | tail -1 | cut -d, -f1; }
for dt in d s; do
  for r in $(seq "$runs"); do
    t1=$(tc "$bin" $dt "$n" "$reps"); t0=$(tc "$bin" $dt "$n" 0)
    p1=$(OPENBLAS_NUM_THREADS=1 tc /usr/bin/python3 "$py" $dt "$n" "$reps"); p0=$(OPENBLAS_NUM_THREADS=1 tc /usr/bin/python3 "$py" $dt "$n" 0)
    python3 -c "f=$reps*2*$n**3; t=f/(($t1-$t0)*1e6); p=f/(($p1-$p0)*1e6); print('%s n=$n 1 thread: tessera %.1f GFLOP/s, numpy %.1f, ratio %.2f' % ('float64' if '$dt'=='d' else 'float32', t, p, t/p))"
  done
done
