// TESSERA_NUM_THREADS=1 and =2 give bit-identical results (fixed reduction tree), in fresh processes.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const script = `
import { exp, random, compute, getConfig } from './src/index.ts';
const x = random.normal(0, 1, [3000, 2000], { seed: 12, chunks: [700, 300] });
const [s, v, m] = await compute(exp(random.random([4000, 3000], { seed: 42, chunks: [1000, 1000] })).sum(), x.std({ ddof: 1 }), x.mean({ axis: 0 }));
const bits = (d) => Buffer.from(new Float64Array([d]).buffer).toString('hex');
console.log(JSON.stringify({ threads: getConfig().numThreads, s: bits(s), v: bits(v), m: Buffer.from(m.data.buffer).toString('base64') }));
`;

function run(threads: string): { threads: number; s: string; v: string; m: string } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
    env: { ...process.env, TESSERA_NUM_THREADS: threads },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('TESSERA_NUM_THREADS', () => {
  it('sets the pool size, and 1 or 2 threads give bit-identical sums, std and axis means', () => {
    const one = run('1');
    const two = run('2');
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(two.s).toBe(one.s);
    expect(two.v).toBe(one.v);
    expect(two.m).toBe(one.m);
  });
});
