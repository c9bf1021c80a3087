// Portable SIMD: the baseline, AVX2 and AVX-512 kernel paths (TESSERA_ISA) agree within a few ulp
// per element, and their full reductions agree to ~1e-12. Each ISA runs in its own process
// (the kernel table is chosen once, at first use) via scripts/isa-probe.ts. JS's Math.* serves as
// an independent reference for the float64 elementwise results.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ISAS = ['baseline', 'avx2', 'avx512'] as const;
const MAX_ULP = 4;

interface Probe {
  isa: string;
  elementwise: Record<string, { dtype: 'float64' | 'float32'; data: string }>;
  inputs: Record<string, { dtype: 'float64' | 'float32'; data: string }>;
  reductions: Record<string, number>;
}

function probe(isa: string): Probe {
  const r = spawnSync(process.execPath, [join(repo, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(repo, 'scripts', 'isa-probe.ts')], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, TESSERA_ISA: isa },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`isa-probe (${isa}) exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Probe;
}

function decode(e: { dtype: string; data: string }): Float64Array | Float32Array {
  const b = Buffer.from(e.data, 'base64');
  const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  return e.dtype === 'float32' ? new Float32Array(ab) : new Float64Array(ab);
}

/** Distance in units in the last place (ordered bit patterns); NaN==NaN counts as 0, NaN vs number as Infinity. */
function ulpDistance(a: number, b: number, f32: boolean): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a === b) return 0;
  const key = (x: number): bigint => {
    if (f32) {
      const i = new Int32Array(new Float32Array([x]).buffer)[0]!;
      return BigInt(i < 0 ? -(i & 0x7fffffff) : i);
    }
    const i = new BigInt64Array(new Float64Array([x]).buffer)[0]!;
    return i < 0n ? -(i & 0x7fffffffffffffffn) : i;
  };
  const d = key(a) - key(b);
  return Number(d < 0n ? -d : d);
}

function maxUlp(x: ArrayLike<number>, y: ArrayLike<number>, f32: boolean): { max: number; at: number } {
  let max = 0;
  let at = -1;
  for (let i = 0; i < x.length; i++) {
    const d = ulpDistance(x[i]!, y[i]!, f32);
    if (d > max) [max, at] = [d, i];
  }
  return { max, at };
}

describe('TESSERA_ISA=baseline|avx2|avx512 agree', () => {
  let probes: Record<(typeof ISAS)[number], Probe>;
  beforeAll(() => {
    probes = Object.fromEntries(ISAS.map((isa) => [isa, probe(isa)])) as Record<(typeof ISAS)[number], Probe>;
  });

  it('each process runs the kernel path it asked for (when the CPU has it)', () => {
    expect(probes.baseline.isa).toBe('baseline');
    // dispatch falls back to the best supported path when the CPU lacks the requested one
    for (const isa of ['avx2', 'avx512'] as const) expect([isa, 'baseline', 'avx2']).toContain(probes[isa].isa);
    console.log(`active: ${ISAS.map((i) => `${i}→${probes[i].isa}`).join(', ')}`);
  });

  it(`elementwise exp/log/sin/cos/sqrt/pow (float64 and float32) within ${MAX_ULP} ulp of each other`, () => {
    const rows: string[] = [];
    for (const name of Object.keys(probes.baseline.elementwise)) {
      const base = decode(probes.baseline.elementwise[name]!);
      const f32 = base instanceof Float32Array;
      for (const isa of ['avx2', 'avx512'] as const) {
        const other = decode(probes[isa].elementwise[name]!);
        expect(other.length).toBe(base.length);
        const { max, at } = maxUlp(base, other, f32);
        rows.push(`${name.padEnd(28)} baseline vs ${isa.padEnd(6)} max ${max} ulp`);
        expect(max, `${name}: baseline ${base[at]} vs ${isa} ${other[at]} at ${at}`).toBeLessThanOrEqual(MAX_ULP);
      }
    }
    console.log(rows.join('\n'));
  });

  it('float64 elementwise results of every path are within a few ulp of JS Math.* on the same inputs', () => {
    const ref: Record<string, (x: number) => number> = {
      'exp(u(-700,700))': Math.exp,
      'exp(u(-5,5))': Math.exp,
      'log(u(1e-300,1e300))': Math.log,
      'log(u(0.5,2))': Math.log,
      'sin(u(-100,100))': Math.sin,
      'cos(u(-100,100))': Math.cos,
      'sqrt(u(0,1e6))': Math.sqrt,
      'pow(u(0,10),2.5)': (x) => Math.pow(x, 2.5),
    };
    const rows: string[] = [];
    for (const [name, f] of Object.entries(ref)) {
      const x = decode(probes.baseline.inputs[name]!);
      const expected = Float64Array.from(x, f);
      for (const isa of ISAS) {
        const got = decode(probes[isa].elementwise[name]!);
        const { max, at } = maxUlp(got, expected, false);
        rows.push(`${name.padEnd(22)} ${isa.padEnd(8)} vs Math.*: max ${max} ulp`);
        expect(max, `${name} (${isa}) at x=${x[at]}: ${got[at]} vs Math ${expected[at]}`).toBeLessThanOrEqual(MAX_ULP);
      }
    }
    console.log(rows.join('\n'));
  });

  it('full reductions of fused expressions over 4 M elements agree to 1e-12 (relative)', () => {
    for (const [name, v] of Object.entries(probes.baseline.reductions)) {
      for (const isa of ['avx2', 'avx512'] as const) {
        const w = probes[isa].reductions[name]!;
        expect(Math.abs(v - w) / Math.max(Math.abs(v), 1e-300), `${name}: baseline ${v} vs ${isa} ${w}`).toBeLessThanOrEqual(1e-12);
      }
    }
    console.log(JSON.stringify(probes.baseline.reductions));
  });
});
