// NumPy's legacy RandomState (MT19937 seeded by init_genrand, as `RandomState(seed)` with an
// integer seed), with exactly the draws pandas' DataFrame.sample makes: `permutation(n)[:size]`
// without replacement (a Fisher-Yates shuffle from the end, random_interval's masked rejection)
// and `randint(0, n, size)` with replacement (masked rejection on 32-bit draws). Reproducing the
// generator, not just its distribution, is what makes sample({ seed }) pick pandas' rows.

const N = 624;
const M = 397;

export class MT19937 {
  private readonly mt = new Uint32Array(N);
  private pos = N;

  /** RandomState(seed): 0 ≤ seed < 2^32. */
  constructor(seed: number) {
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      // 1812433253 * prev + i modulo 2^32, in two 16-bit halves (a double would lose bits)
      mt[i] = ((((prev & 0xffff0000) >>> 16) * 1812433253) << 16) + (prev & 0x0000ffff) * 1812433253 + i;
    }
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < N; i++) {
      const y = (mt[i]! & 0x80000000) | (mt[(i + 1) % N]! & 0x7fffffff);
      mt[i] = mt[(i + M) % N]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.pos = 0;
  }

  nextUint32(): number {
    if (this.pos >= N) this.twist();
    let y = this.mt[this.pos++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A uniform integer in [0, max] (NumPy's random_interval; max < 2^32). */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    let v: number;
    do v = (this.nextUint32() & mask) >>> 0;
    while (v > max);
    return v;
  }

  /** RandomState.permutation(n)[:size]. */
  permutationPrefix(n: number, size: number): Uint32Array {
    const x = new Uint32Array(n);
    for (let i = 0; i < n; i++) x[i] = i;
    for (let i = n - 1; i >= 1; i--) {
      const j = this.interval(i);
      const t = x[i]!;
      x[i] = x[j]!;
      x[j] = t;
    }
    return x.subarray(0, size);
  }

  /** RandomState.randint(0, n, size) (n ≤ 2^32). */
  randint(n: number, size: number): Uint32Array {
    const out = new Uint32Array(size);
    const rng = n - 1;
    if (rng === 0) return out;
    if (rng === 0xffffffff) {
      for (let i = 0; i < size; i++) out[i] = this.nextUint32();
      return out;
    }
    for (let i = 0; i < size; i++) out[i] = this.interval(rng);
    return out;
  }
}

/** Python's round() of a float to an integer: half to even (pandas' size = round(frac * n)). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
