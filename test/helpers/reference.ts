// Independent references for tests: exact summation and a BigInt model of the random generator.

/** Exactly rounded sum of doubles (Shewchuk / Python's math.fsum). */
export function fsum(values: Iterable<number>): number {
  const partials: number[] = [];
  for (let x of values) {
    let i = 0;
    for (let y of partials) {
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[i++] = lo;
      x = hi;
    }
    partials.length = i;
    partials.push(x);
  }
  let hi = 0;
  let n = partials.length;
  if (n > 0) {
    hi = partials[--n]!;
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = partials[--n]!;
      hi = x + y;
      const yr = hi - x;
      lo = y - yr;
      if (lo !== 0) break;
    }
    if (n > 0 && ((lo < 0 && partials[n - 1]! < 0) || (lo > 0 && partials[n - 1]! > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
  }
  return hi;
}

const MASK = (1n << 64n) - 1n;
const GAMMA = 0x9e3779b97f4a7c15n;
function mix64(z: bigint): bigint {
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
  return z ^ (z >> 31n);
}
/** Element i of random.random(shape, { seed }) computed with BigInt, per docs/random.md. */
export function referenceUniform(seed: number, i: number): number {
  const key = mix64(BigInt(seed) ^ 0x5851f42d4c957f2dn);
  const bits = mix64((key + (BigInt(i) + 1n) * GAMMA) & MASK);
  return Number(bits >> 11n) * 2 ** -53;
}
/** Element i of random.random(shape, { seed, dtype: 'float32' }): a 32-bit half of bits(i >> 1), top 24 bits. */
export function referenceUniform32(seed: number, i: number): number {
  const key = mix64(BigInt(seed) ^ 0x5851f42d4c957f2dn);
  const bits = mix64((key + (BigInt(i >> 1) + 1n) * GAMMA) & MASK);
  const half = i % 2 === 1 ? bits >> 32n : bits & 0xffffffffn;
  return Number(half >> 8n) * 2 ** -24;
}

/** Naive N-d iteration helper: calls fn with each multi-index in row-major order. */
export function forEachIndex(shape: readonly number[], fn: (idx: number[], flat: number) => void): void {
  const n = shape.reduce((a, b) => a * b, 1);
  const idx = shape.map(() => 0);
  for (let flat = 0; flat < n; flat++) {
    fn(idx, flat);
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++idx[k]! < shape[k]!) break;
      idx[k] = 0;
    }
  }
}

export function ulpDiff(a: number, b: number): number {
  if (a === b) return 0;
  if (Number.isNaN(a) && Number.isNaN(b)) return 0;
  const buf = new DataView(new ArrayBuffer(16));
  buf.setFloat64(0, a);
  buf.setFloat64(8, b);
  const ia = buf.getBigInt64(0);
  const ib = buf.getBigInt64(8);
  const oa = ia < 0n ? -(ia & 0x7fffffffffffffffn) : ia;
  const ob = ib < 0n ? -(ib & 0x7fffffffffffffffn) : ib;
  const d = oa - ob;
  return Number(d < 0n ? -d : d);
}
