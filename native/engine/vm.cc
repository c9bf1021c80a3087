#include "engine/vm.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "engine/dtype_io.h"
#include "kernels/kernels.h"

namespace tessera::detail {
namespace {

// Op code -> its kernel in kernels::Table, built from the table's X-macros (ops.json): adding an
// op with a kernel adds a row here without touching the VM.
struct OpKernel {
  int arity = 0;
  kernels::Unary kernels::Table::*unary = nullptr;
  kernels::BinaryKernels kernels::Table::*binary = nullptr;
};
#define TESSERA_X(cname, code, arity, plan) code,
constexpr size_t kOpSlots = static_cast<size_t>(std::max({TESSERA_OPS(TESSERA_X)})) + 1;
#undef TESSERA_X
constexpr std::array<OpKernel, kOpSlots> makeOpKernels() {
  std::array<OpKernel, kOpSlots> t{};
#define TESSERA_X(cname, kernel)                      \
  t[static_cast<size_t>(Op::cname)].arity = 1;        \
  t[static_cast<size_t>(Op::cname)].unary = &kernels::Table::kernel;
  TESSERA_UNARY_OPS(TESSERA_X)
#undef TESSERA_X
#define TESSERA_X(cname, kernel)                      \
  t[static_cast<size_t>(Op::cname)].arity = 2;        \
  t[static_cast<size_t>(Op::cname)].binary = &kernels::Table::kernel;
  TESSERA_BINARY_OPS(TESSERA_X)
#undef TESSERA_X
  return t;
}
constexpr std::array<OpKernel, kOpSlots> kOpKernels = makeOpKernels();

// Fills register `out` with leaf `leaf` for the current block's pieces.
void fillLeaf(const StagePrep& p, VMState& vm, int leaf, double* out, int64_t n, int np) {
  const LeafPrep& l = p.leaves[static_cast<size_t>(leaf)];
  const int S = p.nstreams;
  const int s = p.leafStream[static_cast<size_t>(leaf)];
  const int64_t step = vm.inner[static_cast<size_t>(s)];
  const int64_t* pbase = vm.pieceBase.data();
  const kernels::Table& K = kernels::active();
  switch (l.kind) {
    case LeafKind::Arange: {
      for (int i = 0; i < np; ++i) {
        double* o = out + vm.pieceOff[static_cast<size_t>(i)];
        const int64_t m = vm.pieceLen[static_cast<size_t>(i)];
        const int64_t st = pbase[static_cast<int64_t>(i) * S + s];
        // b == 0 is a constant: store a itself (a + 0 * lin would turn -0 into +0)
        if (l.b == 0)
          for (int64_t j = 0; j < m; ++j) o[j] = l.a;
        else
          for (int64_t j = 0; j < m; ++j) o[j] = l.a + l.b * static_cast<double>(st + j * step);
      }
      if (l.dtype == DType::F32)
        for (int64_t j = 0; j < n; ++j) out[j] = static_cast<double>(static_cast<float>(out[j]));
      return;
    }
    case LeafKind::RandomUniform:
    case LeafKind::RandomNormal: {
      const bool uni = l.kind == LeafKind::RandomUniform;
      kernels::RandomFill fill = !uni ? K.normal64 : (l.dtype == DType::F32 ? K.uniform32 : K.uniform64);
      for (int i = 0; i < np; ++i)
        fill(l.key, pbase[static_cast<int64_t>(i) * S + s], step,
             out + vm.pieceOff[static_cast<size_t>(i)],
             static_cast<size_t>(vm.pieceLen[static_cast<size_t>(i)]));
      const double add = l.a;
      const double mul = uni ? l.b - l.a : l.b;
      const bool identity = add == 0 && mul == 1;
      if (!identity) {
        K.mul.vs(out, mul, out, static_cast<size_t>(n));
        K.add.vs(out, add, out, static_cast<size_t>(n));
      }
      if (l.dtype == DType::F32 && !(uni && identity))
        for (int64_t j = 0; j < n; ++j) out[j] = static_cast<double>(static_cast<float>(out[j]));
      return;
    }
    case LeafKind::Memory: {
      if (l.dtype == DType::F64) {
        const double* src = reinterpret_cast<const double*>(l.data);
        for (int i = 0; i < np; ++i) {
          double* o = out + vm.pieceOff[static_cast<size_t>(i)];
          const int64_t m = vm.pieceLen[static_cast<size_t>(i)];
          const double* x = src + pbase[static_cast<int64_t>(i) * S + s];
          if (step == 1) {
            std::memcpy(o, x, static_cast<size_t>(m) * sizeof(double));
          } else if (step == 0) {
            const double v = *x;
            for (int64_t j = 0; j < m; ++j) o[j] = v;
          } else {
            if (m >= 64 && (step >= 8 || step <= -8)) {
              // long strided run (e.g. a reduction along a non-contiguous axis): every element is
              // on its own cache line; prefetch a fixed distance ahead
              constexpr int64_t kAhead = 24;
              for (int64_t j = 0; j < m; ++j) {
                __builtin_prefetch(x + (j + kAhead) * step);
                o[j] = x[j * step];
              }
            } else {
              for (int64_t j = 0; j < m; ++j) o[j] = x[j * step];
            }
            const int64_t pf = vm.prefetch[static_cast<size_t>(s)];
            if (pf != 0 && (i & 7) == 0)
              for (int64_t j = 0; j < m; ++j) __builtin_prefetch(x + j * step + pf);
          }
        }
      } else {
        // every other dtype (validated: exact in a double), widened element by element
        withDType(l.dtype, [&](auto dt) {
          constexpr DType d = decltype(dt)::value;
          using T = typename Elem<d>::type;
          const T* src = reinterpret_cast<const T*>(l.data);
          for (int i = 0; i < np; ++i) {
            double* o = out + vm.pieceOff[static_cast<size_t>(i)];
            const int64_t m = vm.pieceLen[static_cast<size_t>(i)];
            const T* x = src + pbase[static_cast<int64_t>(i) * S + s];
            if (step == 1) {
              for (int64_t j = 0; j < m; ++j) o[j] = loadAs<d>(x[j]);
            } else {
              for (int64_t j = 0; j < m; ++j) o[j] = loadAs<d>(x[j * step]);
            }
          }
        });
      }
      return;
    }
  }
}

// NumPy's astype within a float64 register: float32 rounds, bool is x != 0, the integer dtypes
// truncate and wrap (dtype_io.h); float64 copies.
void castBlock(const double* x, double* out, size_t n, DType to) {
  withDType(to, [&](auto dt) {
    constexpr DType d = decltype(dt)::value;
    for (size_t j = 0; j < n; ++j) out[j] = static_cast<double>(storeAs<d>(x[j]));
  });
}

}  // namespace

void runBlock(StagePrep& p, VMState& vm, int64_t n, int np, Accum& acc, int64_t redChunk) {
  const Stage& st = *p.st;
  const kernels::Table& K = kernels::active();
  const size_t un = static_cast<size_t>(n);
  const double* imms = st.imms.data();
  for (const Instr& in : st.program) {
    double* dst = vm.reg(in.dst);
    if (in.op == Op::Load) {
      fillLeaf(p, vm, in.a, dst, n, np);
      continue;
    }
    const int32_t ia = in.a;
    if (in.op == Op::Cast) {  // a (a register, validated) as dtype in.b, back in a float64 register
      castBlock(vm.reg(ia), dst, un, static_cast<DType>(in.b));
      continue;
    }
    const size_t code = static_cast<size_t>(in.op);  // validated: a row of the table
    if (kOpKernels[code].arity == 1) {
      const double* x;
      if (ia >= 0) {
        x = vm.reg(ia);
      } else {
        const double v = imms[-1 - static_cast<int64_t>(ia)];
        for (size_t j = 0; j < un; ++j) dst[j] = v;
        x = dst;
      }
      (K.*kOpKernels[code].unary)(x, dst, un);
      continue;
    }
    const kernels::BinaryKernels* bk = &(K.*kOpKernels[code].binary);
    const int32_t ib = in.b;
    if (ia >= 0 && ib >= 0) {
      bk->vv(vm.reg(ia), vm.reg(ib), dst, un);
    } else if (ia >= 0) {
      bk->vs(vm.reg(ia), imms[-1 - static_cast<int64_t>(ib)], dst, un);
    } else if (ib >= 0) {
      bk->sv(imms[-1 - static_cast<int64_t>(ia)], vm.reg(ib), dst, un);
    } else {
      const double v = imms[-1 - static_cast<int64_t>(ia)];
      for (size_t j = 0; j < un; ++j) dst[j] = v;
      bk->vs(dst, imms[-1 - static_cast<int64_t>(ib)], dst, un);
    }
  }

  const double* x = vm.reg(st.result);
  const int S = p.nstreams;
  const int64_t* pbase = vm.pieceBase.data();
  const int ss = p.sinkStream;
  const int64_t sstep = vm.inner[static_cast<size_t>(ss)];
  if (!p.reduce) {
    for (int i = 0; i < np; ++i) {
      const double* xi = x + vm.pieceOff[static_cast<size_t>(i)];
      const int64_t m = vm.pieceLen[static_cast<size_t>(i)];
      const int64_t a = pbase[static_cast<int64_t>(i) * S + ss];
      if (p.outType == DType::F64) {
        double* o = reinterpret_cast<double*>(p.outData) + a;
        if (sstep == 1) std::memcpy(o, xi, static_cast<size_t>(m) * sizeof(double));
        else
          for (int64_t j = 0; j < m; ++j) o[j * sstep] = xi[j];
      } else {
        withDType(p.outType, [&](auto dt) {
          constexpr DType d = decltype(dt)::value;
          using T = typename Elem<d>::type;
          T* o = reinterpret_cast<T*>(p.outData) + a;
          if (sstep == 1)
            for (int64_t j = 0; j < m; ++j) o[j] = storeAs<d>(xi[j]);
          else
            for (int64_t j = 0; j < m; ++j) o[j * sstep] = storeAs<d>(xi[j]);
        });
      }
    }
    return;
  }
  const int ks = p.kStream;
  const int64_t kstep = vm.inner[static_cast<size_t>(ks)];
  if (p.argLike) {
    // per piece: the index stream gives each element's row-major index over the reduced axes
    const int as = p.argStream;
    const int64_t astep = vm.inner[static_cast<size_t>(as)];
    const bool isMax = p.op == ReduceOp::ArgMax || p.op == ReduceOp::NanArgMax;
    const bool nan = p.op == ReduceOp::NanArgMin || p.op == ReduceOp::NanArgMax;
    auto seg = nan ? nanArgSegment : argSegment;
    for (int i = 0; i < np; ++i) {
      const int64_t off = vm.pieceOff[static_cast<size_t>(i)];
      const int64_t m = vm.pieceLen[static_cast<size_t>(i)];
      const int64_t k0 = pbase[static_cast<int64_t>(i) * S + ks];
      const int64_t o0 = pbase[static_cast<int64_t>(i) * S + ss];
      const int64_t a0 = pbase[static_cast<int64_t>(i) * S + as];
      if (kstep == 0) {
        accAdd(p, acc, k0, o0, seg(isMax, x + off, m, a0, astep), redChunk);
      } else {
        for (int64_t j = 0; j < m; ++j)
          accAdd(p, acc, k0 + j * kstep, o0 + j * sstep, seg(isMax, x + off + j, 1, a0 + j * astep, 0), redChunk);
      }
    }
    return;
  }
  if (kstep == 0) {
    int i = 0;
    while (i < np) {
      const int64_t k = pbase[static_cast<int64_t>(i) * S + ks];
      int j = i + 1;
      while (j < np && pbase[static_cast<int64_t>(j) * S + ks] == k) ++j;
      const int64_t off = vm.pieceOff[static_cast<size_t>(i)];
      const int64_t len = vm.pieceOff[static_cast<size_t>(j - 1)] + vm.pieceLen[static_cast<size_t>(j - 1)] - off;
      accAdd(p, acc, k, pbase[static_cast<int64_t>(i) * S + ss], segment(p, vm.tmp.get(), x + off, len), redChunk);
      i = j;
    }
  } else {
    // the inner axis is kept: every element is its own output element
    for (int i = 0; i < np; ++i) {
      const int64_t off = vm.pieceOff[static_cast<size_t>(i)];
      const int64_t m = vm.pieceLen[static_cast<size_t>(i)];
      const int64_t k0 = pbase[static_cast<int64_t>(i) * S + ks];
      const int64_t o0 = pbase[static_cast<int64_t>(i) * S + ss];
      for (int64_t j = 0; j < m; ++j)
        accAdd(p, acc, k0 + j * kstep, o0 + j * sstep, segment(p, vm.tmp.get(), x + off + j, 1), redChunk);
    }
  }
}

}  // namespace tessera::detail
