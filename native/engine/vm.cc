#include "engine/vm.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "engine/dtype_io.h"
#include "kernels/kernels.h"

namespace tessera::detail {
namespace {

// Copies of typed elements by element size: step 1 is a memcpy; step 0 broadcasts.
template <class T>
void copyStrided(const T* x, int64_t step, T* o, int64_t m) {
  if (step == 1) {
    std::memcpy(o, x, static_cast<size_t>(m) * sizeof(T));
  } else if (step == 0) {
    const T v = *x;
    for (int64_t j = 0; j < m; ++j) o[j] = v;
  } else if (m >= 64 && (step >= 8 || step <= -8)) {
    // long strided run (e.g. a reduction along a non-contiguous axis): every element is on its
    // own cache line; prefetch a fixed distance ahead
    constexpr int64_t kAhead = 24;
    for (int64_t j = 0; j < m; ++j) {
      __builtin_prefetch(x + (j + kAhead) * step);
      o[j] = x[j * step];
    }
  } else {
    for (int64_t j = 0; j < m; ++j) o[j] = x[j * step];
  }
}

// n copies of one element (its bytes in the low bytes of bits) of the given size.
void fillBits(void* dst, uint64_t bits, size_t size, size_t n) {
  switch (size) {
    case 1: { uint8_t v; std::memcpy(&v, &bits, 1); std::memset(dst, v, n); return; }
    case 2: { uint16_t v; std::memcpy(&v, &bits, 2); auto* o = static_cast<uint16_t*>(dst); for (size_t j = 0; j < n; ++j) o[j] = v; return; }
    case 4: { uint32_t v; std::memcpy(&v, &bits, 4); auto* o = static_cast<uint32_t*>(dst); for (size_t j = 0; j < n; ++j) o[j] = v; return; }
    default: { auto* o = static_cast<uint64_t*>(dst); for (size_t j = 0; j < n; ++j) o[j] = bits; return; }
  }
}

int log2Size(size_t s) { return s == 1 ? 0 : s == 2 ? 1 : s == 4 ? 2 : 3; }

// A Load of a memory leaf whose pieces lie in its memory as in the register (one contiguous run,
// as a row of a C-contiguous chunk): the register is read in place, no copy. Returns the run's
// start, or nullptr (the Load copies: strided or broadcast pieces, bool bytes to normalize, or
// a stage that writes the memory it reads).
const void* leafInPlace(const StagePrep& p, const VMState& vm, int leaf, int np) {
  const LeafPrep& l = p.leaves[static_cast<size_t>(leaf)];
  if (l.kind != LeafKind::Memory || l.dtype == DType::Bool || p.readsSink) return nullptr;
  const int S = p.nstreams;
  const int s = p.leafStream[static_cast<size_t>(leaf)];
  if (vm.inner[static_cast<size_t>(s)] != 1 || vm.pieceOff[0] != 0) return nullptr;
  const int64_t* pbase = vm.pieceBase.data();
  const int64_t b0 = pbase[s];
  for (int i = 1; i < np; ++i)
    if (pbase[static_cast<int64_t>(i) * S + s] - b0 != vm.pieceOff[static_cast<size_t>(i)]) return nullptr;
  return vm.dataOf(l, leaf) + b0 * static_cast<int64_t>(dtypeSize(l.dtype));
}

// Fills register `out` (of the leaf's dtype) with leaf `leaf` for the current block's pieces.
void fillLeaf(const StagePrep& p, VMState& vm, int leaf, void* outv, int64_t n, int np) {
  const LeafPrep& whole = p.leaves[static_cast<size_t>(leaf)];
  // a concat leaf reads the task's part (its stream already addresses that part: box.cc)
  const LeafPrep& l = whole.kind == LeafKind::Concat ? whole.parts[static_cast<size_t>(vm.leafPart[static_cast<size_t>(leaf)])] : whole;
  const int S = p.nstreams;
  const int s = p.leafStream[static_cast<size_t>(leaf)];
  const int64_t step = vm.inner[static_cast<size_t>(s)];
  const int64_t* pbase = vm.pieceBase.data();
  const kernels::Table& K = kernels::active();
  const size_t un = static_cast<size_t>(n);
  const bool f64 = l.dtype == DType::F64;
  switch (l.kind) {
    case LeafKind::Arange: {
      if (l.b == 0) {  // a constant: a itself (a + 0 * lin would turn -0 into +0)
        fillBits(outv, immBits(l.a, l.dtype), dtypeSize(l.dtype), un);
        return;
      }
      if (l.dtype == DType::F64 || l.dtype == DType::F32) {
        double* out = f64 ? static_cast<double*>(outv) : vm.tmp.get();
        for (int i = 0; i < np; ++i) {
          double* o = out + vm.pieceOff[static_cast<size_t>(i)];
          const int64_t m = vm.pieceLen[static_cast<size_t>(i)];
          const int64_t st = pbase[static_cast<int64_t>(i) * S + s];
          for (int64_t j = 0; j < m; ++j) o[j] = l.a + l.b * static_cast<double>(st + j * step);
        }
        if (!f64) K.cast[0][static_cast<int>(l.dtype)](out, outv, un);
        return;
      }
      // integer arange: a + b * lin exactly in int64 (wrapping), then as the leaf's dtype
      int64_t* out = reinterpret_cast<int64_t*>(vm.tmp.get());
      const uint64_t a0 = static_cast<uint64_t>(static_cast<int64_t>(l.a));
      const uint64_t b0 = static_cast<uint64_t>(static_cast<int64_t>(l.b));
      for (int i = 0; i < np; ++i) {
        int64_t* o = out + vm.pieceOff[static_cast<size_t>(i)];
        const int64_t m = vm.pieceLen[static_cast<size_t>(i)];
        const int64_t st = pbase[static_cast<int64_t>(i) * S + s];
        for (int64_t j = 0; j < m; ++j) o[j] = static_cast<int64_t>(a0 + b0 * static_cast<uint64_t>(st + j * step));
      }
      K.cast[static_cast<int>(DType::I64)][static_cast<int>(l.dtype)](out, outv, un);
      return;
    }
    case LeafKind::RandomUniform:
    case LeafKind::RandomNormal: {
      // generated in float64 (float32: the float64 value rounded once, as always)
      const bool uni = l.kind == LeafKind::RandomUniform;
      if (uni && !f64 && l.a == 0 && l.b == 1) {  // random.random float32: exact float32 values, no float64 block
        for (int i = 0; i < np; ++i)
          K.uniform32f(l.key, pbase[static_cast<int64_t>(i) * S + s], step,
                       static_cast<float*>(outv) + vm.pieceOff[static_cast<size_t>(i)],
                       static_cast<size_t>(vm.pieceLen[static_cast<size_t>(i)]));
        return;
      }
      double* out = f64 ? static_cast<double*>(outv) : vm.tmp.get();
      kernels::RandomFill fill = !uni ? K.normal64 : (l.dtype == DType::F32 ? K.uniform32 : K.uniform64);
      for (int i = 0; i < np; ++i)
        fill(l.key, pbase[static_cast<int64_t>(i) * S + s], step,
             out + vm.pieceOff[static_cast<size_t>(i)],
             static_cast<size_t>(vm.pieceLen[static_cast<size_t>(i)]));
      const double add = l.a;
      const double mul = uni ? l.b - l.a : l.b;
      const bool identity = add == 0 && mul == 1;
      if (!identity) {
        K.mul.vs(out, mul, out, un);
        K.add.vs(out, add, out, un);
      }
      if (!f64) K.cast[0][static_cast<int>(l.dtype)](out, outv, un);
      return;
    }
    case LeafKind::Compress: {  // a mask's selected elements, scanned where they lie
      CompressCursor& cur = vm.cursors[static_cast<size_t>(leaf)];
      const size_t es = dtypeSize(l.dtype);
      for (int i = 0; i < np; ++i) {
        char* o = static_cast<char*>(outv) + vm.pieceOff[static_cast<size_t>(i)] * static_cast<int64_t>(es);
        const int64_t m = vm.pieceLen[static_cast<size_t>(i)];
        fillCompress(l.compress, cur, es, pbase[static_cast<int64_t>(i) * S + s], step, m, o);
        if (l.dtype == DType::Bool)
          for (int64_t j = 0; j < m; ++j) o[j] = o[j] != 0;
      }
      return;
    }
    case LeafKind::Take: {  // an np.take result's rows, read where they lie
      const size_t es = dtypeSize(l.dtype);
      for (int i = 0; i < np; ++i) {
        char* o = static_cast<char*>(outv) + vm.pieceOff[static_cast<size_t>(i)] * static_cast<int64_t>(es);
        const int64_t m = vm.pieceLen[static_cast<size_t>(i)];
        fillTake(l.take, es, pbase[static_cast<int64_t>(i) * S + s], step, m, o);
        if (l.dtype == DType::Bool)
          for (int64_t j = 0; j < m; ++j) o[j] = o[j] != 0;
      }
      return;
    }
    case LeafKind::Concat:  // resolved to its part above (validated: parts are plain leaves)
      return;
    case LeafKind::Memory: {
      // every dtype as itself: contiguous runs are a memcpy
      withElementSize(dtypeSize(l.dtype), [&](auto tag) {
        using T = decltype(tag);
        const T* src = reinterpret_cast<const T*>(vm.dataOf(l, leaf));
        T* out = static_cast<T*>(outv);
        for (int i = 0; i < np; ++i) {
          T* o = out + vm.pieceOff[static_cast<size_t>(i)];
          const int64_t m = vm.pieceLen[static_cast<size_t>(i)];
          const T* x = src + pbase[static_cast<int64_t>(i) * S + s];
          copyStrided(x, step, o, m);
          if (l.dtype == DType::Bool)  // a bool byte other than 0/1 is true (NumPy's view of such bytes)
            for (int64_t j = 0; j < m; ++j) o[j] = o[j] != 0;
          if (step != 0 && step != 1) {
            const int64_t pf = vm.prefetch[static_cast<size_t>(s)];
            if (pf != 0 && (i & 7) == 0)
              for (int64_t j = 0; j < m; ++j) __builtin_prefetch(x + j * step + pf);
          }
        }
      });
      return;
    }
  }
}

// The walk every reduction sink shares over the block's pieces: arg reductions per piece with each
// element's index from the index stream (argSeg(off, n, i0, istep)); otherwise runs of pieces that
// reduce into one output element as one segment (seg(off, n)), or, when the inner axis is kept,
// every element its own output element.
template <class ArgSeg, class Seg>
void reducePieces(StagePrep& p, VMState& vm, int np, Accum& acc, int64_t redChunk, ArgSeg argSeg, Seg seg) {
  const int S = p.nstreams;
  const int64_t* pbase = vm.pieceBase.data();
  const int ss = p.sinkStream;
  const int64_t sstep = vm.inner[static_cast<size_t>(ss)];
  const int ks = p.kStream;
  const int64_t kstep = vm.inner[static_cast<size_t>(ks)];
  if (p.argLike) {
    const int as = p.argStream;
    const int64_t astep = vm.inner[static_cast<size_t>(as)];
    for (int i = 0; i < np; ++i) {
      const int64_t off = vm.pieceOff[static_cast<size_t>(i)];
      const int64_t m = vm.pieceLen[static_cast<size_t>(i)];
      const int64_t k0 = pbase[static_cast<int64_t>(i) * S + ks];
      const int64_t o0 = pbase[static_cast<int64_t>(i) * S + ss];
      const int64_t a0 = pbase[static_cast<int64_t>(i) * S + as];
      if (kstep == 0) {
        accAdd(p, acc, k0, o0, argSeg(off, m, a0, astep), redChunk);
      } else {
        for (int64_t j = 0; j < m; ++j)
          accAdd(p, acc, k0 + j * kstep, o0 + j * sstep, argSeg(off + j, 1, a0 + j * astep, 0), redChunk);
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
      accAdd(p, acc, k, pbase[static_cast<int64_t>(i) * S + ss], seg(off, len), redChunk);
      i = j;
    }
  } else {
    for (int i = 0; i < np; ++i) {
      const int64_t off = vm.pieceOff[static_cast<size_t>(i)];
      const int64_t m = vm.pieceLen[static_cast<size_t>(i)];
      const int64_t k0 = pbase[static_cast<int64_t>(i) * S + ks];
      const int64_t o0 = pbase[static_cast<int64_t>(i) * S + ss];
      for (int64_t j = 0; j < m; ++j)
        accAdd(p, acc, k0 + j * kstep, o0 + j * sstep, seg(off + j, 1), redChunk);
    }
  }
}

// A reduction of bool/integer values in 64-bit integers (reduce.h intSegment/intArgSegment).
void intReduceBlock(StagePrep& p, VMState& vm, int np, Accum& acc, int64_t redChunk) {
  withDType(p.regType, [&](auto dt) {
    constexpr DType d = decltype(dt)::value;
    if constexpr (d != DType::F64 && d != DType::F32) {
      using T = typename Elem<d>::type;
      const T* x = static_cast<const T*>(vm.read(p.st->result));
      const bool isMax = p.op == ReduceOp::ArgMax || p.op == ReduceOp::NanArgMax;
      reducePieces(
          p, vm, np, acc, redChunk,
          [&](int64_t off, int64_t len, int64_t i0, int64_t step) { return intArgSegment<d>(isMax, x + off, len, i0, step); },
          [&](int64_t off, int64_t len) { return intSegment<d>(p, x + off, len); });
    }
  });
}

// Runs instruction `in` (not a Load) over elements [off, off + un) of its operand registers,
// writing its result to dst (the register of in.dst at off, or the sink's memory: never an
// operand register then).
void execInstr(const kernels::Table& K, const TypedInstr& in, VMState& vm, void* dst, size_t off, size_t un) {
  auto reg = [&](int r, DType t) -> const void* { return static_cast<const char*>(vm.read(r)) + off * dtypeSize(t); };
  void* tmp = vm.tmp.get();
  const size_t so = dtypeSize(in.out);
  if (in.op == Op::Cast) {  // a is a register (validated)
    const void* src = reg(in.a, in.ta);
    const size_t sa = dtypeSize(in.ta);
    if (in.ta == in.out) {
      if (src != dst) std::memcpy(dst, src, un * so);
    } else if (src == dst && sa != so) {
      K.cast[static_cast<int>(in.ta)][static_cast<int>(in.out)](src, tmp, un);
      std::memcpy(dst, tmp, un * so);
    } else {
      K.cast[static_cast<int>(in.ta)][static_cast<int>(in.out)](src, dst, un);
    }
    return;
  }
  if (in.op == Op::Where) {  // dst = a ? b : dst, a bool register
    const uint8_t* c = static_cast<const uint8_t*>(reg(in.a, DType::Bool));
    if (in.b >= 0) K.whereBySize[log2Size(so)](c, reg(in.b, in.out), dst, un);
    else K.whereScalarBySize[log2Size(so)](c, &in.immB, dst, un);
    return;
  }
  const kernels::Loop& L = K.loops[in.loop];
  const size_t sa = dtypeSize(in.ta);
  // out may alias an input unless it is wider (then it is computed into tmp and copied)
  const bool widens = so > sa;
  if (!L.vv) {  // unary
    const void* x;
    if (in.a >= 0) {
      x = reg(in.a, in.ta);
    } else {
      fillBits(widens ? tmp : dst, in.immA, sa, un);
      x = widens ? tmp : dst;
      if (widens) {  // computed into dst from tmp: no alias
        L.u(x, dst, un);
        return;
      }
    }
    if (widens && x == dst) {
      L.u(x, tmp, un);
      std::memcpy(dst, tmp, un * so);
    } else {
      L.u(x, dst, un);
    }
    return;
  }
  void* out = dst;
  if (in.a >= 0 && in.b >= 0) {
    const void* x = reg(in.a, in.ta);
    const void* y = reg(in.b, in.tb);
    if (widens && (x == dst || y == dst)) out = tmp;
    L.vv(x, y, out, un);
  } else if (in.a >= 0) {
    const void* x = reg(in.a, in.ta);
    if (widens && x == dst) out = tmp;
    L.vs(x, &in.immB, out, un);
  } else if (in.b >= 0) {
    const void* y = reg(in.b, in.tb);
    if (widens && y == dst) out = tmp;
    L.sv(&in.immA, y, out, un);
  } else {
    void* x = widens ? tmp : dst;
    fillBits(x, in.immA, sa, un);
    L.vs(x, &in.immB, dst, un);
  }
  if (out != dst) std::memcpy(dst, out, un * so);
}

// Pieces at least this long on average are written by the last instruction (or the sink's cast)
// straight into the sink's memory, piece by piece; shorter ones go through the result register
// and one copy (a kernel call per short piece costs more than the copy).
constexpr int64_t kDirectPiece = 128;

}  // namespace

void runBlock(StagePrep& p, VMState& vm, int64_t n, int np, Accum& acc, int64_t redChunk) {
  const Stage& st = *p.st;
  const kernels::Table& K = kernels::active();
  const size_t un = static_cast<size_t>(n);
  void* tmp = vm.tmp.get();
  const int S = p.nstreams;
  const int64_t* pbase = vm.pieceBase.data();
  const int ss = p.sinkStream;
  const int64_t sstep = vm.inner[static_cast<size_t>(ss)];
  // An elementwise sink with contiguous pieces: the result's last writer stores into the sink's
  // memory directly (no copy of the result register). Not a Load (fillLeaf fills whole
  // registers) nor a Where (its merge form reads the register it writes).
  const size_t ni = p.typed.instrs.size();
  const size_t os = dtypeSize(p.outType);
  const bool direct = !p.reduce && sstep == 1 && n >= kDirectPiece * np;
  const TypedInstr* last = ni > 0 ? &p.typed.instrs[ni - 1] : nullptr;
  const bool directLast = direct && p.regType == p.outType && last && last->dst == st.result &&
                          last->op != Op::Load && last->op != Op::Where;
  auto sinkAt = [&](int i) {
    return p.outData + pbase[static_cast<int64_t>(i) * S + ss] * static_cast<int64_t>(os);
  };
  // A float64 random array stored as it is (random.random(…) computed or written to a store):
  // generated straight into the sink's memory, piece by piece, not into a register and copied
  // (the copy was two thirds of the generator's own cost). The same kernels on the same
  // stream positions, and the scaling elementwise: the same bits.
  if (direct && ni == 1 && last->op == Op::Load && last->dst == st.result && p.regType == DType::F64 &&
      p.outType == DType::F64) {
    const LeafPrep& l = p.leaves[static_cast<size_t>(last->a)];
    if ((l.kind == LeafKind::RandomUniform || l.kind == LeafKind::RandomNormal) && l.dtype == DType::F64) {
      const bool uni = l.kind == LeafKind::RandomUniform;
      const int s = p.leafStream[static_cast<size_t>(last->a)];
      const int64_t step = vm.inner[static_cast<size_t>(s)];
      const kernels::RandomFill fill = uni ? K.uniform64 : K.normal64;
      const double add = l.a;
      const double mul = uni ? l.b - l.a : l.b;
      const bool identity = add == 0 && mul == 1;
      for (int i = 0; i < np; ++i) {
        double* o = reinterpret_cast<double*>(sinkAt(i));
        const size_t m = static_cast<size_t>(vm.pieceLen[static_cast<size_t>(i)]);
        fill(l.key, pbase[static_cast<int64_t>(i) * S + s], step, o, m);
        if (!identity) {
          K.mul.vs(o, mul, o, m);
          K.add.vs(o, add, o, m);
        }
      }
      return;
    }
  }
  for (size_t k = 0; k < ni; ++k) {
    const TypedInstr& in = p.typed.instrs[k];
    if (in.op == Op::Load) {
      vm.view[in.dst] = leafInPlace(p, vm, in.a, np);
      if (!vm.view[in.dst]) fillLeaf(p, vm, in.a, vm.reg(in.dst), n, np);
      continue;
    }
    if (in.op == Op::Where && vm.view[in.dst])  // the merge form reads dst: its own storage
      std::memcpy(vm.reg(in.dst), vm.view[in.dst], un * dtypeSize(in.out));
    if (directLast && k + 1 == ni) {
      for (int i = 0; i < np; ++i)
        execInstr(K, in, vm, sinkAt(i), static_cast<size_t>(vm.pieceOff[static_cast<size_t>(i)]),
                  static_cast<size_t>(vm.pieceLen[static_cast<size_t>(i)]));
      return;
    }
    execInstr(K, in, vm, vm.reg(in.dst), 0, un);
    vm.view[in.dst] = nullptr;
  }

  if (!p.reduce) {
    // stored as the sink's dtype (the compiler makes the result that dtype; otherwise converted
    // as NumPy's astype)
    const void* xv = vm.read(st.result);
    if (p.regType != p.outType && direct) {
      const size_t rs = dtypeSize(p.regType);
      for (int i = 0; i < np; ++i) {
        const int64_t off = vm.pieceOff[static_cast<size_t>(i)];
        K.cast[static_cast<int>(p.regType)][static_cast<int>(p.outType)](
            static_cast<const char*>(xv) + off * static_cast<int64_t>(rs), sinkAt(i),
            static_cast<size_t>(vm.pieceLen[static_cast<size_t>(i)]));
      }
      return;
    }
    if (p.regType != p.outType) {
      K.cast[static_cast<int>(p.regType)][static_cast<int>(p.outType)](xv, tmp, un);
      xv = tmp;
    }
    withElementSize(dtypeSize(p.outType), [&](auto tag) {
      using T = decltype(tag);
      const T* x = static_cast<const T*>(xv);
      for (int i = 0; i < np; ++i) {
        const T* xi = x + vm.pieceOff[static_cast<size_t>(i)];
        const int64_t m = vm.pieceLen[static_cast<size_t>(i)];
        T* o = reinterpret_cast<T*>(p.outData) + pbase[static_cast<int64_t>(i) * S + ss];
        if (sstep == 1) std::memcpy(o, xi, static_cast<size_t>(m) * sizeof(T));
        else
          for (int64_t j = 0; j < m; ++j) o[j * sstep] = xi[j];
      }
    });
    return;
  }
  if (p.intRed) {
    intReduceBlock(p, vm, np, acc, redChunk);
    return;
  }
  const double* x = static_cast<const double*>(vm.read(st.result));
  if (p.regType != DType::F64) {  // float32, or bool/integers for mean/var/std: widened exactly
    K.cast[static_cast<int>(p.regType)][0](x, vm.wide.get(), un);
    x = vm.wide.get();
  }
  const bool isMax = p.op == ReduceOp::ArgMax || p.op == ReduceOp::NanArgMax;
  const bool nan = p.op == ReduceOp::NanArgMin || p.op == ReduceOp::NanArgMax;
  auto argSeg = nan ? nanArgSegment : argSegment;
  double* t = vm.tmp.get();
  reducePieces(
      p, vm, np, acc, redChunk,
      [&](int64_t off, int64_t len, int64_t i0, int64_t step) { return argSeg(isMax, x + off, len, i0, step); },
      [&](int64_t off, int64_t len) { return segment(p, t, x + off, len); });
}

}  // namespace tessera::detail
