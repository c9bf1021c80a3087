// Packed, register-blocked GEMM (BLIS structure) for float64 and float32:
//   C = alpha * op(A) * op(B) + beta * C
// Every operand is a strided view, so transposes (and row-/column-major layouts) cost nothing
// beyond the packing every GEMM does anyway. Compiled per instruction set (gemm_impl.h) and
// chosen with the block kernels' table (kernels::active(), TESSERA_ISA).
// Deterministic: each C element is accumulated over k in the same order whatever the number of
// threads (threads split C into tiles aligned to the micro-tile; the k blocking is fixed), so
// results are bit-identical for any thread count on one ISA.
// No napi.h.
#pragma once

#include <cstdint>

namespace tessera {
class Pool;
}

namespace tessera::gemm {

template <typename T>
struct Args {
  int64_t m = 0, n = 0, k = 0;
  T alpha = 1;
  const T* a = nullptr;  // op(A)(i, p) = a[i * rsa + p * csa], m x k
  int64_t rsa = 0, csa = 0;
  const T* b = nullptr;  // op(B)(p, j) = b[p * rsb + j * csb], k x n
  int64_t rsb = 0, csb = 0;
  T beta = 0;  // beta == 0: C is written without being read (NaN in C does not propagate), as BLAS
  T* c = nullptr;  // C(i, j) = c[i * rsc + j * csc], m x n; must not alias A or B
  int64_t rsc = 0, csc = 0;
};

// Blocking: runs on `pool` (all its threads) and waits, or on the calling thread when pool is
// null. Must not be called from a task of the same pool (it would wait for itself).
// Throws std::invalid_argument for negative sizes or missing pointers.
void gemm(const Args<double>& args, Pool* pool = nullptr);
void gemm(const Args<float>& args, Pool* pool = nullptr);

// Row-major convenience: op(X) = X or X^T of a row-major matrix with leading dimension ld.
template <typename T>
Args<T> rowMajor(int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda, bool transA,
                 const T* b, int64_t ldb, bool transB, T beta, T* c, int64_t ldc) {
  Args<T> g;
  g.m = m, g.n = n, g.k = k, g.alpha = alpha, g.beta = beta;
  g.a = a, g.rsa = transA ? 1 : lda, g.csa = transA ? lda : 1;
  g.b = b, g.rsb = transB ? 1 : ldb, g.csb = transB ? ldb : 1;
  g.c = c, g.rsc = ldc, g.csc = 1;
  return g;
}

// The instruction set of the kernels in use ("baseline" | "avx2" | "avx512").
const char* isa();

}  // namespace tessera::gemm
