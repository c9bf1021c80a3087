// Block functions of run16.mts: called inline (main thread, DenseArray blocks) and through
// delayed.module (worker threads, { data, shape } views of shared memory). Each mirrors a NumPy
// function of gen16.py (the F table there), so Dask's answer is the reference.
const size = (shape) => shape.reduce((a, b) => a * b, 1);
const strides = (shape) => { const s = new Array(shape.length).fill(1); for (let k = shape.length - 2; k >= 0; k--) s[k] = s[k + 1] * shape[k + 1]; return s; };
const num = (v) => Number(v);

/** 2x + the sum of the block's chunkLocation (one input) or 2x + y + chunkLocation[0] (two). */
export function affine(...args) {
  const info = args[args.length - 1];
  const [x, y] = args;
  const out = new Float64Array(x.data.length);
  const loc = info.chunkLocation.reduce((a, b) => a + b, 0);
  for (let i = 0; i < out.length; i++) out[i] = y && y !== info ? 2 * num(x.data[i]) + num(y.data[i]) + info.chunkLocation[0] : 2 * num(x.data[i]) + loc;
  return out;
}

/** 2x + y + chunkLocation[0] with y broadcast to x's block as NumPy (right-aligned, length-1 axes repeated). */
export function affineB(x, y, info) {
  const out = new Float64Array(x.data.length);
  const nd = x.shape.length, yd = y.shape.length;
  const xs = strides(x.shape), ys = strides(y.shape);
  for (let i = 0; i < out.length; i++) {
    let j = 0;
    for (let q = 0; q < yd; q++) { const k = q + nd - yd; const c = y.shape[q] === 1 ? 0 : Math.floor(i / xs[k]) % x.shape[k]; j += c * ys[q]; }
    out[i] = 2 * num(x.data[i]) + num(y.data[j]) + info.chunkLocation[0];
  }
  return out;
}

/** Cumulative sum along the block's last axis. */
export function cumsumLast(x) {
  const c = x.shape[x.shape.length - 1] ?? 1;
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = (i % c === 0 ? 0 : out[i - 1]) + num(x.data[i]);
  return out;
}

const sumAlong = (x, ax) => {
  const shape = x.shape, st = strides(shape);
  const outShape = shape.filter((_, k) => k !== ax), ost = strides(outShape);
  const out = new Float64Array(size(outShape));
  for (let i = 0; i < x.data.length; i++) {
    let o = 0, q = 0;
    for (let k = 0; k < shape.length; k++) { const c = Math.floor(i / st[k]) % shape[k]; if (k !== ax) o += c * ost[q++]; }
    out[o] += num(x.data[i]);
  }
  return out;
};
/** Sum along axis 0 / 1 / 2 of the block (mapBlocks with dropAxis). */
export const sum0 = (x) => sumAlong(x, 0);
export const sum1 = (x) => sumAlong(x, 1);
export const sum2 = (x) => sumAlong(x, 2);

/** x + 1 (mapBlocks with newAxis: the values are unchanged in row-major order). */
export function plus1(x) { return Float64Array.from(x.data, (v) => num(v) + 1); }

/** The block's first row along axis 0 (mapBlocks with chunks: 1 per block on axis 0). */
export function firstRow(x) {
  const n = size(x.shape.slice(1));
  return Float64Array.from(x.data.subarray(0, n), num);
}

/** a @ b of two 2-d blocks (blockwise 'ik', 'ij', 'jk' with concatenate). */
export function matmul(a, b) {
  const [m, k] = a.shape, n = b.shape[1];
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) out[i * n + j] += num(a.data[i * k + p]) * num(b.data[p * n + j]);
  return out;
}

/** sum_p as[p] @ bs[p] (blockwise without concatenate: lists of blocks along j). */
export function matmulList(as, bs) {
  const m = as[0].shape[0], n = bs[0].shape[1];
  const out = new Float64Array(m * n);
  for (let q = 0; q < as.length; q++) { const r = matmul(as[q], bs[q]); for (let i = 0; i < out.length; i++) out[i] += r[i]; }
  return out;
}

/** a + bᵀ (blockwise 'ij', a 'ij', b 'ji'). */
export function addT(a, b) {
  const [m, n] = a.shape;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] = num(a.data[i * n + j]) + num(b.data[j * m + i]);
  return out;
}

/** aᵀ (blockwise 'ji' from a 'ij'). */
export function transpose(a) {
  const [m, n] = a.shape;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = num(a.data[i * n + j]);
  return out;
}

/** a + bᵀ + c[None, :] (blockwise 'ij' from a 'ij', b 'ji', c 'j'). */
export function addT3(a, b, c) {
  const [m, n] = a.shape;
  const t = addT(a, b);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[i * n + j] += num(c.data[j]);
  return t;
}

/** a[:, None] * b[None, :] (blockwise 'ij', a 'i', b 'j'). */
export function outer(a, b) {
  const m = a.data.length, n = b.data.length;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] = num(a.data[i]) * num(b.data[j]);
  return out;
}

/** x repeated 3 times along a new last axis, times (1, 2, 3) (blockwise 'ijk', x 'ij', newAxes { k: 3 }). */
export function repeat3(x) {
  const out = new Float64Array(x.data.length * 3);
  for (let i = 0; i < x.data.length; i++) for (let k = 0; k < 3; k++) out[i * 3 + k] = num(x.data[i]) * (k + 1);
  return out;
}

/** Sum along axis 1 of a 2-d block (blockwise 'i', x 'ij', concatenate). */
export const rowSum = (x) => sumAlong(x, 1);

/** x[p] + the sum of its neighbours along every axis inside the (halo'd) block (mapOverlap). */
export function stencil(x) {
  const shape = x.shape, st = strides(shape);
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < x.data.length; i++) {
    let s = num(x.data[i]);
    for (let k = 0; k < shape.length; k++) {
      const c = Math.floor(i / st[k]) % shape[k];
      if (c > 0) s += num(x.data[i - st[k]]);
      if (c < shape[k] - 1) s += num(x.data[i + st[k]]);
    }
    out[i] = s;
  }
  return out;
}

/** The sum over each element's 3^ndim neighbourhood inside the (halo'd) block (mapOverlap: the halos' corners count). */
export function box(x) {
  const shape = x.shape, st = strides(shape), nd = shape.length;
  const out = new Float64Array(x.data.length);
  const offs = [];
  for (let t = 0; t < 3 ** nd; t++) { const o = []; let r = t; for (let k = 0; k < nd; k++) { o.push((r % 3) - 1); r = Math.floor(r / 3); } offs.push(o); }
  for (let i = 0; i < x.data.length; i++) {
    const c = shape.map((s, k) => Math.floor(i / st[k]) % s);
    let s = 0;
    for (const o of offs) {
      let j = 0, ok = true;
      for (let k = 0; k < nd && ok; k++) { const q = c[k] + o[k]; if (q < 0 || q >= shape[k]) ok = false; else j += q * st[k]; }
      if (ok) s += num(x.data[j]);
    }
    out[i] = s;
  }
  return out;
}

/** 10 x + the sum of the block's chunkLocation (mapOverlap with trim: false). */
export function tag(x, info) {
  const loc = info.chunkLocation.reduce((a, b) => a + b, 0);
  return Float64Array.from(x.data, (v) => 10 * num(v) + loc);
}

const reduceAxes = (x, axis, init, f) => {
  const shape = x.shape, st = strides(shape);
  const outShape = shape.map((s, k) => (axis.includes(k) ? 1 : s)), ost = strides(outShape);
  const out = new Float64Array(size(outShape)).fill(init);
  for (let i = 0; i < x.data.length; i++) {
    let o = 0;
    for (let k = 0; k < shape.length; k++) if (!axis.includes(k)) o += (Math.floor(i / st[k]) % shape[k]) * ost[k];
    out[o] = f(out[o], num(x.data[i]));
  }
  return out;
};
/** Reduction parts along options.axis (keepdims layout: the values row-major either way). */
export const sumAxes = (x, { axis }) => reduceAxes(x, axis, 0, (a, v) => a + v);
export const maxAxes = (x, { axis }) => reduceAxes(x, axis, -Infinity, (a, v) => (v > a ? v : a));
export const minAxes = (x, { axis }) => reduceAxes(x, axis, Infinity, (a, v) => (v < a ? v : a));
/** The count of positive elements (reduction chunk; aggregate sumAxes). */
export const countPos = (x, { axis }) => reduceAxes(x, axis, 0, (a, v) => a + (v > 0 ? 1 : 0));
